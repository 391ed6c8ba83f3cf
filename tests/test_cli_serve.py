"""``trtcore serve`` as a user runs it (a subprocess, real Triton on loopback) and the server process's libpython."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import trtcore
from trtcore.demo import DIGITS_MODEL
from trtcore.serving import server_environment
from trtcore.serving.server import python_library_dir
from _serve import LOOPBACK, free_ports, need_serve, wait_ready

need_serve()
import tritonclient.grpc as grpcclient  # noqa: E402

TRTCORE = [sys.executable, "-m", "trtcore"]


def _serve_cmd(ports: list[int], *extra: str) -> list[str]:
    http, grpc, metrics = ports
    return [*TRTCORE, "serve", "digits", "--address", LOOPBACK, "--http-port", str(http), "--grpc-port", str(grpc),
            "--metrics-port", str(metrics), *extra]


def test_a_port_in_use_is_exit_2_before_anything_is_served():
    ports = free_ports(3)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind((LOOPBACK, ports[1]))
        busy.listen(1)
        done = subprocess.run(_serve_cmd(ports), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"--grpc-port {ports[1]}" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("content, code", [(None, 2), (b"not an onnx model", 2)])
def test_a_model_that_does_not_load_is_a_message_not_a_server(tmp_path, content, code):
    model = tmp_path / "broken.onnx"
    if content is not None:
        model.write_bytes(content)
    ports = free_ports(3)
    done = subprocess.run([*TRTCORE, "serve", str(model), "--http-port", str(ports[0]), "--grpc-port",
                           str(ports[1]), "--metrics-port", str(ports[2])], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == code and "broken.onnx" in done.stderr and "Traceback" not in done.stderr


def test_bad_flags_are_exit_2():
    ports = free_ports(3)
    for extra, flag in ((["--instances", "0"], "--instances"), (["--max-queue-delay-us", "-1"], "--max-queue-delay-us"),
                        (["--name", "a b"], "--name")):
        done = subprocess.run(_serve_cmd(ports, *extra), capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and flag in done.stderr, (extra, done.stderr)


def test_the_server_gets_this_pythons_libpython_first():
    libdir = python_library_dir()
    if libdir is None:
        pytest.skip("this Python has no shared libpython")
    env = server_environment({"LD_LIBRARY_PATH": "/opt/elsewhere:" + libdir, "PATH": os.environ["PATH"]})
    assert env["LD_LIBRARY_PATH"].split(":") == [libdir, "/opt/elsewhere"]
    # The Python-backend stub Triton starts resolves libpython from this interpreter's LIBDIR under that env.
    from pytriton.server.python_backend_config import PythonBackendConfig  # noqa: F401  (pytriton is present)
    import pytriton

    stub = Path(pytriton.__file__).parent / "tritonserver" / "python_backend_stubs" / \
        f"{sys.version_info[0]}.{sys.version_info[1]}" / "triton_python_backend_stub"
    if not stub.is_file() or shutil.which("ldd") is None:
        pytest.skip("no stub for this Python, or no ldd")
    ldd = subprocess.run(["ldd", str(stub)], capture_output=True, text=True, env=env, timeout=30).stdout
    line = next(x for x in ldd.splitlines() if "libpython" in x)
    assert f"{libdir}/" in line, line


@pytest.mark.slow
def test_sigterm_drains_requests_in_flight_and_exits_0():
    ports = free_ports(3)
    proc = subprocess.Popen(_serve_cmd(ports, "--exit-timeout", "10"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert wait_ready(ports[0], timeout_s=60), "server did not become ready"
        banner = []
        for _ in range(20):  # the banner follows readiness at once; EOF ends the loop if the process died
            line = proc.stdout.readline()
            banner.append(line)
            if not line or line.startswith("Ctrl-C or SIGTERM"):
                break
        assert any(b.startswith("serving digits (onnxruntime, dynamic batching up to 64") for b in banner), banner
        with trtcore.load(DIGITS_MODEL, "onnxruntime") as runner:
            x = np.random.default_rng(4).random((8, 1, 8, 8), dtype=np.float32)
            expected = runner.infer({"input": x})["logits"]
        answered, failed, wrong = [0], [0], [0]
        stop = threading.Event()

        def work() -> None:
            g = grpcclient.InferenceServerClient(f"{LOOPBACK}:{ports[1]}")
            try:
                for _ in range(2000):  # bounded; ends when the server refuses
                    i = grpcclient.InferInput("input", list(x.shape), "FP32")
                    i.set_data_from_numpy(x)
                    try:
                        out = g.infer("digits", [i], client_timeout=20).as_numpy("logits")
                    except Exception:  # noqa: BLE001  (a clean failure: refused or unavailable)
                        failed[0] += 1
                        if stop.is_set():
                            return
                        continue
                    answered[0] += 1
                    wrong[0] += not np.allclose(out, expected, rtol=1e-5, atol=1e-5)
            finally:
                g.close()

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        stop.set()
        out, err = proc.communicate(timeout=60)
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 0, err
    assert "SIGTERM received" in err and "stopped" in err
    assert answered[0] > 0 and wrong[0] == 0
