"""``trtcore serve``: models on a real NVIDIA Triton Inference Server (PyTriton) until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType

from trtcore.cli import EXIT_FAILED, EXIT_MISSING
from trtcore.errors import ArgumentError
from trtcore.runners import BACKENDS


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("serve", help="serve models on NVIDIA Triton Inference Server (HTTP, gRPC, metrics)",
                       description="Serves engines, .onnx files and the demo models (digits, shapes) on a real "
                                   "Triton server (pip install \"trtcore[serve]\"). Ctrl-C or SIGTERM drains the "
                                   "requests in flight and exits 0. Exit codes: 0 ok, 1 the server or a model "
                                   "failed, 2 bad input (a port in use, a bad flag), 3 the serve extra missing.")
    p.add_argument("model", nargs="+", metavar="MODEL", help="model files (.engine, .plan, .onnx) or digits/shapes")
    p.add_argument("--name", action="append", default=None, metavar="NAME",
                   help="model name in Triton, once per MODEL in order (default: the file stem)")
    p.add_argument("--address", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    p.add_argument("--http-port", type=int, default=8000, help="HTTP/REST port, 1..65535 (default 8000)")
    p.add_argument("--grpc-port", type=int, default=8001, help="gRPC port, 1..65535 (default 8001)")
    p.add_argument("--metrics-port", type=int, default=8002, help="Prometheus metrics port, 1..65535 (default 8002)")
    p.add_argument("--max-batch-size", type=int, default=None,
                   help="largest batch Triton forms, >= 0; 0 turns dynamic batching off (default: the engine's "
                        "profile maximum when the model has a batch axis, else 64)")
    p.add_argument("--max-queue-delay-us", type=int, default=100,
                   help="how long the dynamic batcher may hold a request to form a batch, >= 0 (default 100)")
    p.add_argument("--instances", type=int, default=1,
                   help="model copies run concurrently on each GPU of --gpus (on the CPU without a GPU), >= 1 "
                        "(default 1); Triton's instance_group count")
    p.add_argument("--gpus", default="", metavar="LIST",
                   help="GPUs to place the instances on, comma separated, e.g. 0,1 (default: every visible GPU); "
                        "Triton's instance_group gpus")
    p.add_argument("--backend", choices=BACKENDS, default="auto",
                   help="auto: TensorRT when usable, else ONNX Runtime (default auto)")
    p.add_argument("--server-log-level", dest="server_log_level", default="warning",
                   choices=("error", "warning", "info", "verbose"),
                   help="Triton's log: error/warning to a log file, info/verbose on stderr (default warning; "
                        "--log-level is trtcore's own Python log)")
    p.add_argument("--exit-timeout", type=int, default=30, metavar="SECONDS",
                   help="on shutdown, how long requests in flight may take to finish, >= 0 (default 30)")
    return p


class _Stop(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt is for SIGINT (so startup cleans up the same)."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def _placement(devices: list[int | None]) -> str:
    """'2 instance(s) on GPU 0, 2 on GPU 1' or '2 instance(s)' (on the CPU, or the current device)."""
    counts: dict[int | None, int] = {}
    for d in devices:
        counts[d] = counts.get(d, 0) + 1
    parts = [f"{n}{' instance(s)' if k == 0 else ''}{'' if d is None else f' on GPU {d}'}"
             for k, (d, n) in enumerate(counts.items())]
    return ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    from trtcore.serving import ServeNotInstalled, parse_gpus, serve

    if args.exit_timeout < 0:
        raise ArgumentError(f"--exit-timeout must be >= 0 seconds, got {args.exit_timeout}")
    gpus = parse_gpus(args.gpus)
    # Installed before the server starts: a SIGTERM while it starts stops it as cleanly as one while it serves.
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    server = None
    try:
        server = serve([str(m) if not Path(m).exists() else Path(m) for m in args.model], names=args.name,
                       address=args.address, http_port=args.http_port, grpc_port=args.grpc_port,
                       metrics_port=args.metrics_port, max_batch_size=args.max_batch_size,
                       max_queue_delay_us=args.max_queue_delay_us, instances=args.instances,
                       gpus=gpus, backend=args.backend, log_level=args.server_log_level, exit_timeout_s=args.exit_timeout)
        for name in server.models:
            plan = server.plans[name]
            batching = (f"dynamic batching up to {plan.max_batch_size}" if plan.batching else "no batching")
            print(f"serving {name} ({server.backends[name]}, {batching}, {_placement(server.devices[name])})")
        print(f"  HTTP    {server.http_url}/v2/models/{server.models[0]}/infer")
        print(f"  gRPC    {server.grpc_url}")
        print(f"  metrics {server.metrics_url}")
        if server.log_path:
            print(f"  Triton's log: {server.log_path}")
        print("Ctrl-C or SIGTERM stops the server (requests in flight are answered first)", flush=True)
        if server.wait():
            print("trtcore serve: Triton Inference Server stopped unexpectedly"
                  + (f"; see {server.log_path}" if server.log_path else ""), file=sys.stderr)
            return EXIT_FAILED
    except ServeNotInstalled as e:
        print(f"trtcore serve: {e}", file=sys.stderr)
        return EXIT_MISSING
    except (KeyboardInterrupt, _Stop) as e:
        print(f"trtcore serve: {'SIGINT' if isinstance(e, KeyboardInterrupt) else e} received, stopping "
              f"(draining requests in flight, up to {args.exit_timeout} s)", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server is not None:
            server.stop()
    print("trtcore serve: stopped", file=sys.stderr)
    return 0
