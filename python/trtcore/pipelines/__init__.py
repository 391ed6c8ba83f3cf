"""Pipelines: image classification and semantic segmentation over any trtcore runner."""

from trtcore.image import softmax
from trtcore.pipelines.classify import Classifier, Prediction, read_labels
from trtcore.pipelines.image_prep import IMAGENET_EVAL, STRETCH, ResizePlan, ResizePolicy, plan_resize
from trtcore.pipelines.preprocess import IMAGENET, UNIT, Preprocess
from trtcore.pipelines.segment import SIZE_POLICIES, Segmenter, class_iou, confusion_matrix, mean_iou

__all__ = ["Classifier", "Prediction", "read_labels", "Segmenter", "mean_iou", "class_iou", "confusion_matrix", "SIZE_POLICIES", "Preprocess",
           "IMAGENET", "UNIT", "softmax", "ResizePolicy", "ResizePlan", "plan_resize", "IMAGENET_EVAL", "STRETCH"]
