"""``trtcore.serve``: runners behind a real NVIDIA Triton Inference Server, through PyTriton.

PyTriton starts the ``tritonserver`` binary its wheel carries, with Triton's Python backend; each model's
requests reach this process, where a trtcore runner computes them. Triton does the serving: HTTP/gRPC, the
dynamic batcher, model instances, statistics, metrics, draining on shutdown.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import sysconfig
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from trtcore._interrupt import reraise_interrupt
from trtcore.errors import ArgumentError, BackendError, Error
from trtcore.runners import Runner, load
from trtcore.serving.model import (
    TritonModel,
    check_name,
    model_source,
    plan_instances,
    plan_model,
    visible_gpus,
)

__all__ = ["ServeNotInstalled", "Server", "serve", "server_environment", "python_library_dir", "check_ports", "LOG_LEVELS"]

log = logging.getLogger("trtcore.serve")

#: Triton's own log: "error"/"warning" go to a log file (``Server.log_path``), "info" and "verbose" to stderr.
LOG_LEVELS = ("error", "warning", "info", "verbose")

_ENV_LOCK = threading.Lock()


class ServeNotInstalled(BackendError, ImportError):
    """PyTriton (the ``serve`` extra) is not installed."""


def python_library_dir() -> str | None:
    """The folder holding this interpreter's ``libpython`` (``sysconfig``'s LIBDIR), None for a static build.

    >>> python_library_dir()  # doctest: +SKIP
    '/root/.pyenv/versions/3.11.7/lib'
    """
    libdir = sysconfig.get_config_var("LIBDIR")
    library = sysconfig.get_config_var("LDLIBRARY")
    if not libdir or not library or not (Path(libdir) / str(library)).exists():
        return None
    return str(libdir)


def server_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the ``tritonserver`` process: ``base`` (default ``os.environ``) with this interpreter's
    LIBDIR first on ``LD_LIBRARY_PATH``.

    Why: Triton's Python-backend stub links ``libpython3.X.so.1.0`` by name, and the dynamic linker would find the
    system's copy, which can be another patch release than this interpreter (a pyenv or conda build); the stub
    then runs this interpreter's standard library on the other's C core and fails in ``initialize``
    (``'_thread.RLock' object has no attribute '_recursion_count'``).

    >>> server_environment({"LD_LIBRARY_PATH": "/x"})["LD_LIBRARY_PATH"].endswith(":/x")  # doctest: +SKIP
    True
    """
    env = dict(os.environ if base is None else base)
    libdir = python_library_dir()
    if libdir is None:
        log.warning("this Python (%s) has no shared libpython; Triton's Python backend will use the system's",
                    sys.executable)
        return env
    rest = [p for p in env.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p and p != libdir]
    env["LD_LIBRARY_PATH"] = os.pathsep.join([libdir, *rest])
    return env


@contextlib.contextmanager
def _environment_for_child(env: dict[str, str]) -> Iterator[None]:
    """PyTriton copies ``os.environ`` when it starts ``tritonserver``: set ``env`` for that moment only (the
    dynamic linker of this process read ``LD_LIBRARY_PATH`` at its start, so this process is unaffected)."""
    with _ENV_LOCK:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)


def check_ports(address: str, ports: dict[str, int]) -> None:
    """ArgumentError naming the flag when a port is out of range, given twice, or already in use on ``address``.

    >>> check_ports("127.0.0.1", {"--http-port": 8000, "--grpc-port": 8001})  # doctest: +SKIP
    """
    seen: dict[int, str] = {}
    for flag, port in ports.items():
        if not 0 < port < 65536:
            raise ArgumentError(f"{flag} {port}: ports are 1 to 65535")
        if port in seen:
            raise ArgumentError(f"{flag} {port}: the same port as {seen[port]}")
        seen[port] = flag
        with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((address, port))
            except OSError as e:
                raise ArgumentError(f"{flag} {port}: cannot listen on {address}:{port} ({e.strerror or e}); "
                                    f"is another server running? Choose another port with {flag}") from None


#: Starts the message of an exception that is the client's fault; the proxy model answers it with INVALID_ARG.
BAD_REQUEST_MARK = "[trtcore:bad-request] "


class _BadRequest(Exception):
    """A request the runner refused (ShapeError, DTypeError, ArgumentError): the client's error, not the server's."""


def _run(runner: Runner, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    try:
        return runner.infer(feed)
    except ArgumentError as e:  # ShapeError and DTypeError too: e.g. a shape outside the optimization profile
        raise _BadRequest(BAD_REQUEST_MARK + str(e)) from None


def _infer_batched(runner: Runner) -> Callable[..., Any]:
    from pytriton.decorators import batch

    @batch
    def infer(**inputs: np.ndarray) -> dict[str, np.ndarray]:
        return _run(runner, inputs)

    return infer


def _infer_each(runner: Runner) -> Callable[..., Any]:
    def infer(requests: list[Any]) -> list[dict[str, np.ndarray]]:
        return [_run(runner, {name: request[name] for name in request}) for request in requests]

    return infer


# PyTriton answers every exception of an inference callable with TritonModelException, which Triton's Python
# backend reports as INTERNAL (HTTP 500, gRPC INTERNAL): it has no way to mark a bad request. Its proxy model
# (pytriton/proxy/model.py, run by Triton's Python backend) is copied into Triton's model repository when a model
# is loaded; trtcore loads it with this one change: an error carrying BAD_REQUEST_MARK becomes a per-request
# TritonError(INVALID_ARG) response (HTTP 400, gRPC INVALID_ARGUMENT) with the runner's message.
_PROXY_ERROR = """\
                if error:
                    assert eos
                    triton_responses_or_error = pb_utils.TritonModelException(  # pytype: disable=module-attr
                        responses_payload.decode("utf-8")
                    )
"""
_PROXY_ERROR_NEW = """\
                if error:
                    assert eos
                    triton_responses_or_error = _trtcore_error(responses_payload.decode("utf-8"), triton_requests)
"""
_PROXY_HELPER = f"""

def _trtcore_error(text, triton_requests):  # added by trtcore.serving.server
    mark = {BAD_REQUEST_MARK!r}
    if mark not in text:
        return pb_utils.TritonModelException(text)  # pytype: disable=module-attr
    error = pb_utils.TritonError(text.rsplit(mark, 1)[1].strip(), pb_utils.TritonError.INVALID_ARG)
    return [pb_utils.InferenceResponse(error=error) for _ in triton_requests]  # pytype: disable=module-attr
"""


def proxy_model_source(original: bytes) -> bytes | None:
    """PyTriton's proxy ``model.py`` with bad requests answered as INVALID_ARG, or None when this PyTriton's file
    does not have the code trtcore changes (another release; its bad requests then get INTERNAL).

    >>> proxy_model_source(b"print()") is None
    True
    """
    text = original.decode("utf-8")
    if text.count(_PROXY_ERROR) != 1:
        return None
    return (text.replace(_PROXY_ERROR, _PROXY_ERROR_NEW) + _PROXY_HELPER).encode("utf-8")


@contextlib.contextmanager
def _bad_requests_are_invalid_arg() -> Iterator[None]:
    """While PyTriton binds and loads models (in :func:`serve`, under ``_ENV_LOCK``), it gives Triton the proxy
    model of :func:`proxy_model_source`."""
    from pytriton.models.model import Model

    original_files = Model.get_proxy_model_files

    def files(self: Any) -> dict[str, bytes]:
        found = original_files(self)
        key = f"file:{self.model_version}/model.py"
        patched = proxy_model_source(found[key]) if key in found else None
        if patched is None:
            log.warning("this PyTriton's proxy model is not the one trtcore knows: requests the model refuses "
                        "(wrong shapes) get HTTP 500 / INTERNAL instead of 400 / INVALID_ARGUMENT")
            return found
        return {**found, key: patched}

    Model.get_proxy_model_files = files
    try:
        yield
    finally:
        Model.get_proxy_model_files = original_files


@dataclass
class Server:
    """A running Triton server (from :func:`serve`): its URLs, models and ``stop()``; a context manager.

    ``http_url`` is ``http://host:port``; ``grpc_url`` is ``host:port`` (what ``tritonclient.grpc`` takes).
    Triton restricts its statistics, repository and shared-memory APIs to requests carrying the header
    ``triton-access-token: <access_token>``; :meth:`statistics` sends it.

    >>> with trtcore.serve(["digits"], http_port=8000) as server:  # doctest: +SKIP
    ...     print(server.http_url, server.models)
    http://127.0.0.1:8000 ['digits']
    """

    address: str
    http_port: int
    grpc_port: int
    metrics_port: int
    models: list[str]
    plans: dict[str, TritonModel]
    backends: dict[str, str]
    #: per model, the device of each instance (a GPU index; None: the CPU or the current device)
    devices: dict[str, list[int | None]]
    log_path: Path | None
    _triton: Any = field(repr=False)
    access_token: str = field(repr=False, default="")
    _runners: list[Runner] = field(repr=False, default_factory=list)

    @property
    def http_url(self) -> str:
        return f"http://{self.address}:{self.http_port}"

    @property
    def grpc_url(self) -> str:
        return f"{self.address}:{self.grpc_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{self.address}:{self.metrics_port}/metrics"

    def is_alive(self) -> bool:
        """True while Triton and the model backends run."""
        return self._triton is not None and bool(self._triton.is_alive())

    def wait(self, timeout: float | None = None, poll_s: float = 0.5) -> bool:
        """Blocks until the server stops or dies (or ``timeout`` seconds); True when it is no longer alive.

        >>> server.wait(timeout=1.0)  # doctest: +SKIP
        False
        """
        stop = threading.Event()
        waited = 0.0
        while self.is_alive():
            if timeout is not None and waited >= timeout:
                return False
            stop.wait(poll_s)
            waited += poll_s
        return True

    def statistics(self, model: str) -> dict[str, Any]:
        """Triton's inference statistics of ``model`` (``model_stats[0]``: counts, ``batch_stats`` per batch size).

        >>> server.statistics("digits")["inference_count"]  # doctest: +SKIP
        6400
        """
        import tritonclient.http as httpclient

        client = httpclient.InferenceServerClient(f"{self.address}:{self.http_port}")
        try:
            stats = client.get_inference_statistics(model, headers={"triton-access-token": self.access_token})
        finally:
            client.close()
        return dict(stats["model_stats"][0])

    def stop(self) -> None:
        """Stops Triton: requests in flight are answered (up to the exit timeout), new ones refused; then frees
        the runners. Idempotent.

        >>> server.stop()  # doctest: +SKIP
        """
        triton, self._triton = self._triton, None
        if triton is not None:
            triton.stop()
        for runner in self._runners:
            runner.deactivate()
        self._runners = []

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _load_on(path: Path, backend: str, build_config: Any, device: int | None) -> Runner:
    """One runner of the model at ``path``, created on GPU ``device`` (None: the current device, or the CPU)."""
    from trtcore.runners import OnnxRuntimeRunner
    from trtcore.runners.onnxruntime import default_providers
    from trtcore.runners.tensorrt import ExecutorRunner

    runner = load(path, backend, build_config=build_config, activate=False)
    if device is not None:
        if isinstance(runner, ExecutorRunner):
            runner.device = device  # the engine deserializes, and its contexts run, on that GPU
        elif isinstance(runner, OnnxRuntimeRunner) and runner.providers is None \
                and "CUDAExecutionProvider" in default_providers():
            runner.providers = [("CUDAExecutionProvider", {"device_id": device}), "CPUExecutionProvider"]
    return runner.activate()


def _load_all(models: Sequence[str | Path], names: Sequence[str] | None, backend: str,
              devices: Sequence[int | None]) -> list[tuple[str, list[Runner]]]:
    if names is not None and len(names) != len(models):
        raise ArgumentError(f"--name: {len(names)} names for {len(models)} models; give one name per model")
    loaded: list[tuple[str, list[Runner]]] = []
    try:
        for k, model in enumerate(models):
            path, build_config = model_source(model)
            name = check_name(names[k]) if names is not None else check_name(
                Path(model).stem if Path(model).exists() else str(model), flag="MODEL (its file stem)")
            if name in (n for n, _ in loaded):
                raise ArgumentError(f"--name: two models named {name!r}; name them with --name")
            # One runner per instance, on its GPU: Triton runs instances concurrently, each on its own runner.
            runners: list[Runner] = []
            loaded.append((name, runners))
            for device in devices:
                runners.append(_load_on(path, backend, build_config, device))
    except BaseException:
        for _, runners in loaded:
            for r in runners:
                r.deactivate()
        raise
    return loaded


def serve(models: Sequence[str | Path], *, names: Sequence[str] | None = None, address: str = "127.0.0.1",
          http_port: int = 8000, grpc_port: int = 8001, metrics_port: int = 8002,
          max_batch_size: int | None = None, max_queue_delay_us: int = 100, instances: int = 1,
          gpus: Sequence[int] | None = None, backend: str = "auto", log_level: str = "warning", log_file: str | Path | None = None,
          exit_timeout_s: int = 30) -> Server:
    """Serves ``models`` (engine or ONNX files, or the demo names ``digits``/``shapes``) on a real Triton server and
    returns once it is ready.

    Each model is loaded with :func:`trtcore.load` (``backend``) ``instances`` times on each GPU of ``gpus``
    (default: every visible GPU; on a machine without one, ``instances`` times on the CPU), one runner per Triton
    instance, as Triton's ``instance_group { count: instances kind: KIND_GPU gpus: [...] }`` places them
    (:func:`trtcore.serving.plan_instances`): a TensorRT runner deserializes its engine and runs its contexts on
    its GPU, ONNX Runtime's CUDA provider gets the GPU as ``device_id``. Its inputs/outputs, dtypes and shapes come
    from the runner. ``max_batch_size`` None takes it from
    the engine's profiles when the model has a batch axis (see :func:`trtcore.serve.plan_model`), 0 serves each
    request alone (no dynamic batching); requests are queued up to ``max_queue_delay_us`` to form batches.
    Ports in use and models that fail to load raise before anything is served. Needs ``pip install
    "trtcore[serve]"``.

    >>> server = trtcore.serve(["digits"], http_port=8000, grpc_port=8001, metrics_port=8002)  # doctest: +SKIP
    >>> server.http_url  # doctest: +SKIP
    'http://127.0.0.1:8000'
    >>> server.stop()  # doctest: +SKIP
    """
    try:
        from pytriton.model_config import DynamicBatcher, ModelConfig, Tensor
        from pytriton.triton import Triton, TritonConfig
    except ImportError as e:
        reraise_interrupt(e)
        raise ServeNotInstalled(f"trtcore serve needs PyTriton: pip install \"trtcore[serve]\" ({e})") from None
    if not models:
        raise ArgumentError("MODEL: give at least one model to serve")
    devices = plan_instances(instances, gpus, visible_gpus())
    if max_queue_delay_us < 0:
        raise ArgumentError(f"--max-queue-delay-us: 0 or more, got {max_queue_delay_us}")
    if log_level not in LOG_LEVELS:
        raise ArgumentError(f"--log-level: one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
    check_ports(address, {"--http-port": http_port, "--grpc-port": grpc_port, "--metrics-port": metrics_port})

    loaded = _load_all(models, names, backend, devices)
    runners = [r for _, rs in loaded for r in rs]
    plans = {name: plan_model(rs[0].inputs, rs[0].outputs, name, max_batch_size) for name, rs in loaded}

    log_path: Path | None = None
    if log_file is not None:
        log_path = Path(log_file)
    elif log_level in ("error", "warning"):
        log_path = Path(tempfile.mkdtemp(prefix="trtcore-serve-")) / "tritonserver.log"
    config = TritonConfig(http_address=address, grpc_address=address, metrics_address=address,
                          http_port=http_port, grpc_port=grpc_port, metrics_port=metrics_port,
                          exit_timeout_secs=exit_timeout_s, log_verbose=1 if log_level == "verbose" else 0,
                          log_file=log_path, allow_gpu_metrics=False)
    triton = None
    try:
        with _environment_for_child(server_environment()), _bad_requests_are_invalid_arg():
            triton = Triton(config=config)
            for name, rs in loaded:
                plan = plans[name]
                make = _infer_batched if plan.batching else _infer_each
                triton.bind(
                    model_name=name,
                    infer_func=[make(r) for r in rs],
                    inputs=[Tensor(name=t.name, dtype=np.dtype(t.dtype), shape=t.dims) for t in plan.inputs],
                    outputs=[Tensor(name=t.name, dtype=np.dtype(t.dtype), shape=t.dims) for t in plan.outputs],
                    config=ModelConfig(batching=plan.batching, max_batch_size=max(plan.max_batch_size, 1),
                                       batcher=DynamicBatcher(max_queue_delay_microseconds=max_queue_delay_us)),
                    strict=True,
                )
            triton.run()
    except BaseException as e:
        if triton is not None:
            triton.stop()
        for r in runners:
            r.deactivate()
        if isinstance(e, Error) or not isinstance(e, Exception):
            raise
        where = f"; Triton's log: {log_path}" if log_path else ""
        raise BackendError(f"Triton Inference Server did not start: {e}{where}") from e
    server = Server(address=address, http_port=http_port, grpc_port=grpc_port, metrics_port=metrics_port,
                    models=[n for n, _ in loaded], plans=plans, backends={n: rs[0].backend for n, rs in loaded},
                    devices={n: list(devices) for n, _ in loaded},
                    log_path=log_path, access_token=triton.get_access_token(), _triton=triton, _runners=runners)
    log.info("serving %s on %s (HTTP), %s (gRPC)", ", ".join(server.models), server.http_url, server.grpc_url)
    return server
