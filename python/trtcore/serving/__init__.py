"""Serving on NVIDIA Triton Inference Server: :func:`serve` runs runners behind a real Triton server (PyTriton,
``pip install "trtcore[serve]"``); :func:`write_repository` writes a model repository for a production Triton.

>>> server = trtcore.serve(["digits"])  # doctest: +SKIP
>>> trtcore.serving.repo.write_repository("m.plan", "models")  # doctest: +SKIP
"""

from __future__ import annotations

from trtcore.serving.model import (DEFAULT_MAX_BATCH_SIZE, TritonModel, TritonTensor, parse_gpus, plan_instances,
                                   plan_model, visible_gpus)
from trtcore.serving.server import LOG_LEVELS, ServeNotInstalled, Server, serve, server_environment

__all__ = ["DEFAULT_MAX_BATCH_SIZE", "LOG_LEVELS", "ServeNotInstalled", "Server", "TritonModel", "TritonTensor",
           "parse_gpus", "plan_instances", "plan_model", "serve", "server_environment", "visible_gpus"]
