"""``trtcore build``: ONNX → TensorRT engine with trtexec's flag names.

    trtcore build --onnx m.onnx --saveEngine m.engine --fp16 --minShapes=input:1x3x224x224 \\
        --optShapes=input:8x3x224x224 --maxShapes=input:32x3x224x224
    trtcore build --onnx m.onnx --config build.toml --dry-run     # no TensorRT needed

--save-converted-onnx F with --dry-run converts the model (no TensorRT needed) and writes F.

--json prints one document on stdout: onnx, dry_run, converted (with --dry-run), target_major, target_source, precision, profiles (one
{input: {min, opt, max}} per profile), flags, memory_pools (bytes), timing_cache, plugins, profiling_verbosity,
save_engine, notes, notices; after a real build also engine_bytes, seconds, tensorrt_version, conversion,
engine_path, timing_cache_used, timing_cache_saved.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from trtcore.builder import BuildConfig, ProgressEvent, add_trtexec_arguments, build_report, plan_build
from trtcore.cli import print_json


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("build", help="build a TensorRT engine from ONNX (trtexec's flags)",
                       description="Build a TensorRT engine from an ONNX model. Flags use trtexec's names; "
                                   "repeat a --minShapes/--optShapes/--maxShapes group for more profiles.")
    p.add_argument("--onnx", required=True, metavar="FILE", help="ONNX model")
    p.add_argument("--saveEngine", dest="save_engine", metavar="FILE", help="where to write the engine")
    p.add_argument("--config", metavar="TOML", help="build config file; command-line flags override it")
    p.add_argument("--dry-run", action="store_true",
                   help="validate and describe the model and print what would be built (no TensorRT needed)")
    p.add_argument("--target-major", dest="target_major", type=int, choices=(10, 11), default=None,
                   help="TensorRT major to plan for (default: the compiled-in one, else 10)")
    p.add_argument("--save-converted-onnx", dest="save_converted_onnx", metavar="FILE",
                   help="keep the mixed-precision ONNX made for strongly typed builds")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true",
                   help="print one JSON document on stdout (no progress bar), for scripts")
    add_trtexec_arguments(p)
    return p


def _plan_document(plan: Any, dry_run: bool) -> dict[str, Any]:
    cfg = plan.config
    return {"onnx": plan.onnx, "dry_run": dry_run, "target_major": plan.target_major,
            "target_source": plan.target_source, "precision": plan.precision.describe(),
            "profiles": [{name: {"min": list(sh.min), "opt": list(sh.opt), "max": list(sh.max)}
                          for name, sh in p.shapes.items()} for p in plan.profiles],
            "flags": list(plan.flags), "memory_pools": dict(cfg.memory_pools),
            "timing_cache": cfg.timing_cache_file, "plugins": list(cfg.plugins),
            "profiling_verbosity": cfg.profiling_verbosity, "save_engine": cfg.save_engine,
            "notes": list(plan.notes), "notices": list(cfg.notices)}


def _convert_in_dry_run(plan: Any, cfg: BuildConfig) -> str | None:
    """--save-converted-onnx with --dry-run: the conversion a strongly typed build would do, done and saved (it
    needs no TensorRT), so the mixed-precision model can be checked before any engine is built."""
    if cfg.save_converted_onnx is None:
        return None
    if not plan.precision.convert_to:
        from trtcore.errors import ArgumentError

        raise ArgumentError(f"--save-converted-onnx {cfg.save_converted_onnx}: this build converts nothing "
                            f"({plan.precision.describe()}); the model is converted for --fp16/--bf16 on strongly "
                            "typed networks (TensorRT 11, --stronglyTyped)")
    from trtcore.builder.precision import convert_model

    report = convert_model(plan.onnx, cfg.save_converted_onnx, plan.precision.convert_to,
                           keep_io_types=plan.precision.keep_io_types, converter=plan.precision.converter)
    return report.describe()


class _Bars:
    """A rich progress bar per TensorRT build phase, indented under its parent phase."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}
        self.depth: dict[str, int] = {}

    def __call__(self, e: ProgressEvent) -> bool:
        if e.kind == "start":
            depth = self.depth.get(e.parent, -1) + 1 if e.parent else 0
            self.depth[e.phase] = depth
            self.tasks[e.phase] = self.progress.add_task("  " * depth + e.phase, total=max(e.total, 1))
        elif e.kind == "step" and e.phase in self.tasks:
            self.progress.update(self.tasks[e.phase], completed=e.step + 1)
        elif e.kind == "finish" and e.phase in self.tasks:
            task = self.tasks.pop(e.phase)
            # Nested phases disappear when done; top-level ones stay as a record of the build.
            if self.depth.get(e.phase, 0) > 0:
                self.progress.remove_task(task)
            else:
                self.progress.update(task, completed=max(e.total, 1))
        return True


def run(args: argparse.Namespace) -> int:
    out = Console(highlight=False, soft_wrap=True, markup=False)
    err = Console(stderr=True, highlight=False)
    base = BuildConfig.from_toml(args.config) if args.config else None
    cfg = BuildConfig.from_args(args, base)
    onnx = Path(args.onnx)

    if args.dry_run:
        plan = plan_build(onnx, cfg, target_major=args.target_major)
        converted = _convert_in_dry_run(plan, cfg)
        if args.json:
            print_json({**_plan_document(plan, dry_run=True), "converted": converted})
            return 0
        out.print(plan.format())
        if converted:
            out.print(f"converted  {converted}")
        out.print("dry run: nothing built")
        return 0

    for notice in cfg.notices:
        err.print(f"[yellow]notice:[/] {escape(notice)}")

    def tensorrt_log(severity: str, message: str) -> None:
        if severity in ("error", "warning") or cfg.verbose:
            err.print(f"[{'red' if severity == 'error' else 'yellow'}]TensorRT {severity}:[/] {escape(message)}")

    show_bar = not args.no_progress and not args.json and err.is_terminal
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, disable=not show_bar, transient=False) as progress:
        report = build_report(onnx, cfg, progress=_Bars(progress), log_callback=tensorrt_log)

    plan = report.plan
    if args.json:
        print_json({**_plan_document(plan, dry_run=False), "engine_bytes": len(report.engine),
                    "seconds": report.seconds, "tensorrt_version": report.tensorrt_version,
                    "conversion": report.conversion.describe() if report.conversion else None,
                    "engine_path": report.engine_path, "timing_cache_used": report.timing_cache_used,
                    "timing_cache_saved": report.timing_cache_saved})
        return 0
    out.print(f"precision  {plan.precision.describe()}")
    if report.conversion:
        out.print(f"converted  {report.conversion.describe()}")
    for note in plan.notes:
        out.print(f"note       {note}")
    size = len(report.engine) / 2**20
    where = f"saved to {report.engine_path}" if report.engine_path else "not saved (no --saveEngine)"
    out.print(f"engine     {size:.1f} MiB, built in {report.seconds:.1f} s with TensorRT "
              f"{report.tensorrt_version}; {where}")
    if cfg.timing_cache_file:
        used = "used" if report.timing_cache_used else "not used (new or rejected)"
        saved = f", saved to {report.timing_cache_saved}" if report.timing_cache_saved else ""
        out.print(f"cache      {cfg.timing_cache_file}: {used}{saved}")
    sys.stdout.flush()
    return 0
