"""Runners: one contract (:class:`Runner`) over TensorRT engines and ONNX Runtime, and :func:`load`."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trtcore.errors import ArgumentError, FileError, FormatError, ShapeError, TensorRTNotFound
from trtcore.files import write_file_atomic
from trtcore.runners.base import Runner, TensorInfo, concrete_shape, host_feed, random_feed
from trtcore.runners.onnxruntime import OnnxRuntimeRunner
from trtcore.runners.tensorrt import ExecutorRunner, TensorRTRunner, tensorrt_unavailable_reason

__all__ = ["Runner", "TensorInfo", "ExecutorRunner", "OnnxRuntimeRunner", "TensorRTRunner", "load", "random_feed",
           "concrete_shape", "host_feed",
           "ENGINE_SUFFIXES", "ONNX_SUFFIXES", "BACKENDS"]

log = logging.getLogger("trtcore.runners")

ENGINE_SUFFIXES = (".engine", ".plan", ".trt")
ONNX_SUFFIXES = (".onnx",)
BACKENDS = ("auto", "tensorrt", "onnxruntime")


def cache_dir() -> Path:
    """Where engines built from ONNX files by :func:`load` are kept ($TRTCORE_CACHE_DIR or ~/.cache/trtcore).

    >>> cache_dir().name
    'engines'
    """
    root = os.environ.get("TRTCORE_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "trtcore") / "engines"


def _external_data_files(onnx: Path) -> list[Path]:
    """The files holding a model's external tensor data (models over 2 GB keep their weights beside the graph)."""
    import onnx as onnx_lib

    model = onnx_lib.load(str(onnx), load_external_data=False)
    names = {e.value for t in model.graph.initializer if t.data_location == onnx_lib.TensorProto.EXTERNAL
             for e in t.external_data if e.key == "location"}
    return [onnx.parent / n for n in sorted(names) if (onnx.parent / n).is_file()]


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _checksum_file(engine: Path) -> Path:
    return engine.with_name(engine.name + ".sha256")


def _valid_entry(engine: Path) -> bool:
    """Whether the cache entry is there and whole: its bytes match the checksum written beside it after it. A
    damaged entry (a flipped bit, a truncation, a missing checksum) is not used, and rebuilt."""
    if not engine.is_file():
        return False
    try:
        expected = _checksum_file(engine).read_text().split()[0]
        if _sha256_file(engine) == expected:
            return True
    except (OSError, IndexError, UnicodeDecodeError):
        pass
    log.warning("cached engine %s is damaged (its checksum does not match); rebuilding it", engine)
    return False


@contextlib.contextmanager
def _entry_lock(engine: Path) -> Iterator[None]:
    """Holds ``<entry>.lock`` (flock) so that concurrent first loads of one model build it once: the others wait,
    then find the entry. Raises OSError when the cache folder cannot be written."""
    fd = os.open(engine.with_name(engine.name + ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("%s: another process is building this engine; waiting for it", engine)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _cached_engine(onnx: Path, build_config: Any = None) -> Path | bytes:
    """Builds ``onnx`` into an engine once. The file name encodes the model bytes, the build configuration,
    TensorRT's version and the GPU, so a stale engine is never reused; a checksum beside each entry finds damaged
    ones; a lock per entry makes concurrent first loads build once. When the cache folder cannot be written the
    engine is built in memory (returned as bytes) with a warning."""
    from trtcore._info import build_info
    from trtcore.builder import BuildConfig, build

    config = build_config if build_config is not None else BuildConfig()
    info = build_info()
    gpu = info["cuda"]["devices"][0]["name"] if info["cuda"]["devices"] else "nogpu"
    digest = hashlib.sha256(onnx.read_bytes())
    for weights in _external_data_files(onnx):  # weights beside the model: a change there is a new engine too
        st = weights.stat()
        digest.update(f"{weights.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    digest.update(f"{info['tensorrt']['library_version']}|{gpu}|{config!r}".encode())
    engine = cache_dir() / f"{onnx.stem}-{digest.hexdigest()[:16]}.engine"
    if _valid_entry(engine):
        log.info("%s: using cached engine %s", onnx, engine)
        return engine
    try:
        engine.parent.mkdir(parents=True, exist_ok=True)
        lock = _entry_lock(engine)
        lock.__enter__()
    except OSError as e:
        log.warning("%s: the engine cache %s cannot be written (%s); building the engine in memory, not cached "
                    "(set TRTCORE_CACHE_DIR to a writable folder to keep it)", onnx, engine.parent, e.strerror or e)
        return build(onnx, config)
    try:
        if engine.is_file() and _valid_entry(engine):  # built by another process while this one waited
            log.info("%s: using cached engine %s", onnx, engine)
            return engine
        log.warning("%s: building a TensorRT engine once (cached as %s); this can take minutes", onnx, engine)
        plan = build(onnx, config)
        try:
            write_file_atomic(engine, plan)  # then its checksum: an entry without one is never trusted
            write_file_atomic(_checksum_file(engine), f"{hashlib.sha256(plan).hexdigest()}  {engine.name}\n".encode())
        except FileError as e:
            log.warning("%s: the engine could not be cached (%s); using it from memory", onnx, e)
            return plan
        return engine
    finally:
        lock.__exit__(None, None, None)


def _engine_options(source: str, options: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - {"allow_host_code", "plugins", "lean_runtime", "temp_dir", "tempfile_controls"})
    if unknown:
        raise ArgumentError(f"{source}: options {unknown} are ONNX Runtime settings; engines take only "
                            "allow_host_code, plugins, lean_runtime, temp_dir and tempfile_controls")
    return options


def load(path: str | Path | bytes, backend: str = "auto", *, build_config: Any = None, activate: bool = True,
         **options: Any) -> Runner:
    """Opens a model with the best backend and returns an active :class:`Runner`.

    ``.engine``/``.plan`` run on TensorRT. ``.onnx`` runs on TensorRT (built once with ``build_config``, a
    :class:`trtcore.BuildConfig`, and cached under :func:`cache_dir`) when TensorRT and a GPU are usable, else on
    ONNX Runtime with a one-line warning. A model with dynamic inputs needs shapes in ``build_config`` for
    TensorRT; without them ``"auto"`` also falls back to ONNX Runtime with a warning. ``backend`` forces
    ``"tensorrt"`` or ``"onnxruntime"``. ``options`` configure the ONNX Runtime runner when it is the one chosen
    (``providers=[...]``, ``threads=N``); they are an error for engine files.

    >>> runner = trtcore.load("resnet50.onnx")  # doctest: +SKIP
    >>> runner.infer({"input": batch})["output"].shape  # doctest: +SKIP
    (32, 1000)
    """
    if backend not in BACKENDS:
        raise ArgumentError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if isinstance(path, (bytes, bytearray, memoryview)):
        if backend == "onnxruntime":
            raise ArgumentError("bytes are a serialized TensorRT engine, which runs only on backend 'tensorrt'")
        runner: Runner = TensorRTRunner(path, **_engine_options("<bytes>", options))
        return runner.activate() if activate else runner
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentError(f"load: expected a model path (str or os.PathLike) or engine bytes, got "
                            f"{type(path).__name__}")
    path = Path(path)
    if not path.exists():
        raise FileError(f"{path}: no such model file")
    if path.is_dir():
        raise FileError(f"{path}: is a folder, expected a model file (.onnx, .engine, .plan)")
    suffix = path.suffix.lower()
    if suffix in ENGINE_SUFFIXES:
        if backend == "onnxruntime":
            raise ArgumentError(f"{path}: a TensorRT engine runs only on backend 'tensorrt', not ONNX Runtime; "
                                "give the ONNX file instead")
        runner = TensorRTRunner(path, **_engine_options(str(path), options))
    elif suffix in ONNX_SUFFIXES:
        if backend == "onnxruntime":
            runner = OnnxRuntimeRunner(path, **options)
        elif backend == "tensorrt":
            reason = tensorrt_unavailable_reason()
            if reason is not None:
                raise TensorRTNotFound(f"{path}: backend 'tensorrt' requested but {reason}")
            runner = TensorRTRunner(_cached_engine(path, build_config), name=str(path))
        else:
            reason = tensorrt_unavailable_reason()
            if reason is None:
                try:
                    runner = TensorRTRunner(_cached_engine(path, build_config), name=str(path))
                except ShapeError as e:  # dynamic inputs without shapes: a TensorRT build needs a profile
                    reason = f"{e} (pass build_config=BuildConfig(profiles=...) to build for TensorRT)"
            if reason is not None:
                log.warning("%s: running on ONNX Runtime because TensorRT is not usable: %s", path, reason)
                runner = OnnxRuntimeRunner(path, **options)
    else:
        raise FormatError(f"{path}: unsupported model file type '{path.suffix or '(none)'}'; trtcore loads "
                          f"{', '.join(ONNX_SUFFIXES + ENGINE_SUFFIXES)}")
    return runner.activate() if activate else runner
