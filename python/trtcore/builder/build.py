"""The build orchestrator: ONNX → TensorRT engine, like trtexec (``trtcore.build``, ``trtcore build``).

Everything up to the TensorRT call happens here in Python and works without TensorRT: the model is validated
and described, profiles are planned and checked, precision flags are mapped for the target TensorRT major (and
the model converted on strongly typed builds). The C++ builder gets one ``_core.BuildRequest`` filled here, and
Ctrl-C during the build is handled here too (the one SIGINT handler; see ``_sigint_cancels``).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trtcore import _core, _tensorrt_log
from trtcore.builder.config import BuildConfig, describe_profiles
from trtcore.builder.flags import plan_io_types
from trtcore.builder.onnx_info import ModelInfo, describe
from trtcore.builder.precision import ConversionReport, PrecisionPlan, convert_model, plan_precision
from trtcore.builder.shapes import Profile, plan_profiles
from trtcore.errors import ArgumentError, BuildError, FileError, TensorRTNotFound
from trtcore.files import check_target, write_file_atomic

__all__ = ["BuildPlan", "BuildReport", "ProgressEvent", "build", "build_report", "merge_timing_caches", "plan_build",
           "write_file_atomic"]

log = logging.getLogger(__name__)

DEFAULT_TARGET_MAJOR = 10  # what --dry-run assumes without TensorRT compiled in (the guide's TensorRT is 10.5)


@dataclass(frozen=True)
class ProgressEvent:
    """One IProgressMonitor event: ``kind`` is "start", "step" or "finish"; ``total`` is the phase's step count."""

    kind: str
    phase: str
    parent: str | None
    step: int
    total: int


ProgressCallback = Callable[[ProgressEvent], "bool | None"]


@dataclass
class BuildPlan:
    """What a build will do, computed without TensorRT (``trtcore build --dry-run`` prints ``format()``)."""

    onnx: Path
    info: ModelInfo
    config: BuildConfig
    target_major: int
    target_source: str
    precision: PrecisionPlan
    profiles: list[Profile]
    flags: list[str]
    notes: list[str] = field(default_factory=list)
    io_types: list[tuple[str, str]] = field(default_factory=list)  # (input/output, trtexec type): --*IOFormats

    def request(self, onnx_path: Path | None = None, timing_cache: bytes | None = None) -> Any:
        """The ``_core.BuildRequest`` for ``_core.build_engine`` (cpp/tensorrt/build_request.h).

        Plugin paths are made absolute: the C++ side ``dlopen``s them, and ``dlopen`` searches the loader path (not
        the working folder) for a name without ``/``, so ``--plugins libfoo.so`` could load another library.

        >>> plan_build("resnet50.onnx", BuildConfig(fp16=True)).request().flags  # doctest: +SKIP
        ['fp16']
        """
        cfg = self.config
        r = _core.BuildRequest()
        r.onnx_path = str(onnx_path or self.onnx)
        r.flags = list(self.flags)
        r.profiles = [[_core.ProfileInput(name, list(s.min), list(s.opt), list(s.max)) for name, s in p.shapes.items()]
                      for p in self.profiles]
        r.memory_pools = list(cfg.memory_pools.items())
        r.builder_optimization_level = cfg.builder_optimization_level
        r.max_aux_streams = cfg.max_aux_streams
        r.hardware_compatibility_level = cfg.hardware_compatibility_level
        r.timing_cache = timing_cache
        r.plugins = [str(Path(p).resolve()) for p in cfg.plugins]
        r.verbose = cfg.verbose
        r.profiling_verbosity = cfg.profiling_verbosity or ""  # "": TensorRT's default (layer_names_only)
        r.io_types = list(self.io_types)
        for name, value in cfg.request_extras(self.target_major).items():
            setattr(r, name, value)
        return r

    def format(self) -> str:
        cfg = self.config
        lines = [self.info.format(), "",
                 f"target     TensorRT {self.target_major}.x ({self.target_source})",
                 f"precision  {self.precision.describe()}"]
        lines += [f"profile    {line}" for line in describe_profiles(self.profiles)] or \
            ["profile    none (static shapes)"]
        lines.append("flags      " + (", ".join(self.flags) or "none"))
        if self.io_types:
            lines.append("io types   " + ", ".join(f"{n}:{k}:chw" for n, k in self.io_types))
        if cfg.memory_pools:
            lines.append("pools      " + ", ".join(f"{k} {v / 2**20:g} MiB" for k, v in cfg.memory_pools.items()))
        if cfg.timing_cache_file:
            state = "exists, will be loaded" if cfg.timing_cache_file.is_file() else "new"
            lines.append(f"cache      {cfg.timing_cache_file} ({state}; saved after the build)")
        if cfg.plugins:
            lines.append("plugins    " + ", ".join(map(str, cfg.plugins)))
        if cfg.profiling_verbosity is not None:
            lines.append(f"profiling  {cfg.profiling_verbosity}")
        lines.append(f"engine     {cfg.save_engine or '(returned, not saved)'}")
        lines += [f"note       {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass
class BuildReport:
    """What ``build_report`` did: the engine bytes and the facts the build log reports."""

    engine: bytes
    plan: BuildPlan
    seconds: float
    tensorrt_version: str
    timing_cache_used: bool
    timing_cache_saved: Path | None
    conversion: ConversionReport | None
    engine_path: Path | None


def _compiled_major() -> int | None:
    info = _core.compiled_info()
    return info.get("tensorrt_major") if info.get("tensorrt") else None


def _bf16_capable() -> bool | None:
    try:
        devices = _core.cuda_runtime_info()["devices"]
    except Exception:  # no CUDA runtime: unknown, --best then leaves bf16 out like trtexec does on old GPUs
        return None
    return bool(devices) and all(float(d["compute_capability"]) >= 8.0 for d in devices)


def plan_build(onnx: str | Path, config: BuildConfig | None = None, *, target_major: int | None = None
               ) -> BuildPlan:
    """Validates the model and the config and says what the build will do; needs no TensorRT.

    The target major is, in order: ``target_major``, ``config.target_major``, the compiled-in TensorRT's, 10.

    >>> print(plan_build("resnet50.onnx", BuildConfig(fp16=True)).format())  # doctest: +SKIP
    """
    cfg = (config or BuildConfig()).validate()
    onnx = Path(onnx)
    info = describe(onnx)
    compiled = _compiled_major()
    if target_major is not None:
        major, source = target_major, "requested"
    elif cfg.target_major is not None:
        major, source = cfg.target_major, "requested"
    elif compiled is not None:
        major, source = compiled, "the TensorRT trtcore was compiled with"
    else:
        major, source = DEFAULT_TARGET_MAJOR, "TensorRT not compiled in; assuming 10 (--target-major to change)"
    if compiled is not None and major != compiled:
        log.warning("planning for TensorRT %d but trtcore was compiled with TensorRT %d", major, compiled)
    io_types, io_notes = plan_io_types(cfg, info, weak=major == 10 and not cfg.strongly_typed)
    precision = plan_precision(
        fp16=cfg.fp16, bf16=cfg.bf16, int8=cfg.int8, fp8=cfg.fp8, best=cfg.best,
        strongly_typed=cfg.strongly_typed, keep_io_types=cfg.keep_io_types, target_major=major, info=info,
        bf16_capable=_bf16_capable() if cfg.best and major == 10 else None)
    profiles = plan_profiles(info.input_dims(), cfg.profiles, model=str(onnx))
    notes = list(cfg.notices) + list(precision.notes) + io_notes
    if cfg.profiles and not profiles:
        notes.append("the model's inputs are all static: the given shapes match and no profile is needed")
    for plugin in cfg.plugins:
        if not plugin.is_file():
            raise FileError(f"--plugins: {plugin}: no such plugin library")
    _check_outputs(cfg.save_engine, cfg)
    flags = list(precision.flags) + cfg.builder_flags(major)
    cfg.request_extras(major)  # checked now: a dry run reports what the build would refuse
    return BuildPlan(onnx=onnx, info=info, config=cfg, target_major=major, target_source=source,
                     precision=precision, profiles=profiles, flags=flags, notes=notes, io_types=io_types)


def _check_outputs(save_engine: Path | None, cfg: BuildConfig) -> None:
    """What the build will write, checked before a build that may take many minutes (and by --dry-run), not
    after it: a folder, a device, a missing or unwritable folder is a FileError now."""
    for flag, path in (("--saveEngine", save_engine), ("--timingCacheFile", cfg.timing_cache_file),
                       ("--save-converted-onnx", cfg.save_converted_onnx)):
        if path is not None:
            check_target(path, flag)


class _Progress:
    """Bridges the contract's progress(event, phase, parent, n) to a ProgressEvent callback, plus Ctrl-C."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.totals: dict[str, int] = {}
        self.interrupted = False
        self.cancelled_by_callback = False
        self.error: BaseException | None = None

    def __call__(self, event: str, phase: str, parent: str | None, n: int) -> bool:
        if event == "start":
            self.totals[phase] = n
        total = self.totals.get(phase, 0)
        if self.callback is not None and self.error is None:
            try:
                step = n if event == "step" else (total if event == "finish" else 0)
                keep_going = self.callback(ProgressEvent(event, phase, parent, step, total))
            except BaseException as e:  # never let an exception unwind through TensorRT's C++ frames
                self.error = e
                return False
            # Only a step's answer cancels, as TensorRT's stepComplete: a False at a phase's start or finish is
            # ignored (after the last phase's finish the engine is built and kept).
            if keep_going is False and event == "step":
                self.cancelled_by_callback = True
        return not (self.interrupted or self.cancelled_by_callback or self.error is not None)


@contextlib.contextmanager
def _sigint_cancels(progress: _Progress) -> Iterator[None]:
    """While building, Ctrl-C sets a flag that the next progress step returns as False (clean cancel).

    The one Ctrl-C mechanism. While TensorRT builds, the main thread is in C++ and Python only marks the signal
    pending; the handler runs as soon as Python code runs on the main thread, which is when the C++ builder calls
    ``progress`` there, so the build is cancelled at that progress step (a signal after the last step still
    discards the engine: see ``build_report``). Builds on other threads are not cancelled: Python handles SIGINT
    on the main thread only.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        progress.interrupted = True
        log.warning("Ctrl-C: cancelling the build at TensorRT's next progress step")

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _tensorrt_missing() -> TensorRTNotFound:
    from trtcore._info import REBUILD_WITH_TENSORRT

    return TensorRTNotFound(f"this trtcore was built without TensorRT headers, so it cannot build engines: "
                            f"{REBUILD_WITH_TENSORRT}; `trtcore build --dry-run` shows what would be built")


def _log_bridge(user_log: Callable[[str, str], None] | None) -> Callable[[str, str], None]:
    def forward(severity: str, message: str) -> None:
        _tensorrt_log.log(severity, message)
        if user_log is not None:
            try:
                # The callback's words are error, warning, info and verbose.
                user_log("error" if severity in _tensorrt_log.ERRORS else severity, message)
            except Exception:  # an exception must not unwind through TensorRT's C++ frames
                log.exception("the build's log callback failed on a TensorRT %s message", severity)
    return forward


def build_report(onnx: str | Path, config: BuildConfig | None = None, *, save_engine: str | Path | None = None,
                 progress: ProgressCallback | None = None, log_callback: Callable[[str, str], None] | None = None
                 ) -> BuildReport:
    """Like :func:`build` but returns a :class:`BuildReport` (engine bytes + what was done).

    >>> report = build_report("resnet50.onnx", BuildConfig(fp16=True))  # doctest: +SKIP
    >>> report.timing_cache_used  # doctest: +SKIP
    False
    """
    cfg = config or BuildConfig()
    plan = plan_build(onnx, cfg)
    if _compiled_major() is None or not hasattr(_core, "build_engine"):
        raise _tensorrt_missing()
    target = Path(save_engine) if save_engine is not None else cfg.save_engine
    _check_outputs(target, cfg)
    for line in [plan.precision.describe(), *describe_profiles(plan.profiles), *plan.notes]:
        log.info("%s", line)

    cache_in: bytes | None = None
    if cfg.timing_cache_file is not None and cfg.timing_cache_file.is_file():
        try:
            cache_in = cfg.timing_cache_file.read_bytes()
        except OSError as e:
            raise FileError(f"--timingCacheFile {cfg.timing_cache_file}: cannot read ({e.strerror or e})") from e
        log.info("timing cache %s: %d bytes loaded", cfg.timing_cache_file, len(cache_in))

    with contextlib.ExitStack() as stack:
        onnx_path = plan.onnx
        conversion = None
        if plan.precision.convert_to:
            out = cfg.save_converted_onnx
            if out is None:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="trtcore-convert-")))
                out = folder / f"{plan.onnx.stem}.{plan.precision.convert_to}.onnx"
            conversion = convert_model(plan.onnx, out, plan.precision.convert_to,
                                       keep_io_types=plan.precision.keep_io_types, converter=plan.precision.converter)
            log.info("%s", conversion.describe())
            onnx_path = out
        request = plan.request(onnx_path, cache_in)
        bridge = _Progress(progress)
        with _sigint_cancels(bridge):
            try:
                result = _core.build_engine(request, bridge, _log_bridge(log_callback))
            except BuildError:
                if bridge.error is not None:
                    raise bridge.error from None
                if bridge.interrupted:
                    raise KeyboardInterrupt("engine build cancelled by Ctrl-C") from None
                raise
        # A build that finished before TensorRT's next progress step still honours Ctrl-C / a failed callback.
        if bridge.error is not None:
            raise bridge.error
        if bridge.interrupted:
            raise KeyboardInterrupt("engine build cancelled by Ctrl-C")
    engine = result.engine
    engine_path = write_file_atomic(target, engine) if target is not None else None
    cache_saved = None
    if cfg.timing_cache_file is not None and result.timing_cache:
        cache_saved = write_file_atomic(cfg.timing_cache_file, result.timing_cache)
    used = result.timing_cache_used
    log.info("engine built in %.1f s with TensorRT %s (%d bytes)%s; timing cache %s", result.seconds,
             result.tensorrt_version, len(engine), f", saved to {engine_path}" if engine_path else "",
             "used" if used else "not used")
    return BuildReport(engine=engine, plan=plan, seconds=result.seconds, tensorrt_version=result.tensorrt_version,
                       timing_cache_used=used, timing_cache_saved=cache_saved, conversion=conversion,
                       engine_path=engine_path)


def build(onnx: str | Path, config: BuildConfig | None = None, *, save_engine: str | Path | None = None,
          progress: ProgressCallback | None = None, log_callback: Callable[[str, str], None] | None = None
          ) -> bytes:
    """Builds a serialized TensorRT engine from an ONNX file; also saves it when ``save_engine`` (or
    ``config.save_engine``) is set. ``progress(ProgressEvent)`` returning False for a "step" event cancels
    (→ BuildError; False at a phase's "start" or "finish" is ignored, as in TensorRT's IProgressMonitor); Ctrl-C
    cancels too (→ KeyboardInterrupt). Raises TensorRTNotFound when TensorRT is not compiled in.

    >>> engine = trtcore.build("resnet50.onnx", BuildConfig(fp16=True), save_engine="resnet50.engine")  # doctest: +SKIP
    """
    return build_report(onnx, config, save_engine=save_engine, progress=progress, log_callback=log_callback).engine


def merge_timing_caches(sources: Sequence[str | Path], output: str | Path) -> Path:
    """Merges TensorRT timing caches (e.g. from several build machines of one GPU kind) into ``output``, written
    atomically; pass the result as ``--timingCacheFile`` to later builds. Uses TensorRT's ``ITimingCache::combine``.

    >>> merge_timing_caches(["a.cache", "b.cache"], "all.cache")  # doctest: +SKIP
    PosixPath('all.cache')
    """
    if _compiled_major() is None or not hasattr(_core, "merge_timing_caches"):
        raise _tensorrt_missing()
    if not sources:
        raise ArgumentError("merge_timing_caches: give at least one timing cache file")
    blobs = []
    for source in map(Path, sources):
        try:
            blobs.append(source.read_bytes())
        except OSError as e:
            raise FileError(f"timing cache {source}: cannot read ({e.strerror or e})") from e
    merged = _core.merge_timing_caches(blobs)
    log.info("merged %d timing caches (%d bytes) into %s", len(blobs), len(merged), output)
    return write_file_atomic(output, merged)
