"""``trtcore triton-repo``: a Triton model repository (model file + ``config.pbtxt``) for a production server."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("triton-repo", help="write a Triton model repository (model file + config.pbtxt)",
                       description="Writes DIR/NAME/1/model.plan (or model.onnx, with its external data files "
                                   "beside it) and DIR/NAME/config.pbtxt for NVIDIA Triton Inference Server. "
                                   "Exit codes: 0 ok, 2 bad input, 3 TensorRT missing (reading an engine needs it).")
    p.add_argument("model", metavar="MODEL", help="model file (.engine, .plan, .onnx) or digits/shapes")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="model repository folder")
    p.add_argument("--name", default=None, help="model name (default: the file stem)")
    p.add_argument("--max-batch-size", type=int, default=None,
                   help="max_batch_size, >= 0; 0: no batching (default: the engine's profile maximum when the model "
                        "has a batch axis, else 64)")
    p.add_argument("--max-queue-delay-us", type=int, default=100,
                   help="dynamic_batching max_queue_delay_microseconds, >= 0 (default 100)")
    p.add_argument("--instances", type=int, default=1, help="instance_group count: copies per GPU, >= 1 (default 1)")
    p.add_argument("--kind", choices=("gpu", "cpu"), default="gpu", help="instance_group kind (default gpu)")
    p.add_argument("--gpus", default="", metavar="LIST",
                   help="GPUs, comma separated: one instance_group each (default: every GPU Triton sees)")
    return p


def run(args: argparse.Namespace) -> int:
    from trtcore.serving.model import parse_gpus
    from trtcore.serving.repo import write_repository

    model = args.model if not Path(args.model).exists() else Path(args.model)
    result = write_repository(model, args.output, name=args.name, max_batch_size=args.max_batch_size,
                              max_queue_delay_us=args.max_queue_delay_us, instances=args.instances,
                              kind=args.kind, gpus=parse_gpus(args.gpus))
    batching = f"max_batch_size {result.plan.max_batch_size}" if result.plan.batching else "no batching"
    print(f"{result.name}: {result.platform}, {batching}")
    print(f"  {result.model_file}")
    for data in result.data_files:
        print(f"  {data}  (external data)")
    print(f"  {result.config_file}")
    print(f"run it: tritonserver --model-repository {args.output}")
    return 0
