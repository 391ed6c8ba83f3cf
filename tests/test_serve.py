"""trtcore.serve on a real Triton server (PyTriton), one per module, on loopback; real HTTP and gRPC clients."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import trtcore
from trtcore.demo import DIGITS_MODEL
from _serve import LOOPBACK, free_ports, need_serve

need_serve()
import tritonclient.grpc as grpcclient  # noqa: E402
import tritonclient.http as httpclient  # noqa: E402
from tritonclient.utils import InferenceServerException  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    http, grpc, metrics = free_ports(3)
    srv = trtcore.serve(["digits"], address=LOOPBACK, http_port=http, grpc_port=grpc, metrics_port=metrics,
                        max_queue_delay_us=2000, exit_timeout_s=5)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def runner():
    with trtcore.load(DIGITS_MODEL, "onnxruntime") as r:
        yield r


def _http_infer(client, x: np.ndarray, name: str = "input", datatype: str = "FP32") -> np.ndarray:
    i = httpclient.InferInput(name, list(x.shape), datatype)
    i.set_data_from_numpy(x)
    return client.infer("digits", [i]).as_numpy("logits")


def _grpc_infer(client, x: np.ndarray, name: str = "input", datatype: str = "FP32") -> np.ndarray:
    i = grpcclient.InferInput(name, list(x.shape), datatype)
    i.set_data_from_numpy(x)
    return client.infer("digits", [i], client_timeout=30).as_numpy("logits")


def test_server_describes_the_model_from_its_tensor_info(server):
    assert server.models == ["digits"] and server.backends["digits"] == "onnxruntime"
    client = httpclient.InferenceServerClient(f"{LOOPBACK}:{server.http_port}")
    try:
        config = client.get_model_config("digits")
    finally:
        client.close()
    assert config["max_batch_size"] == 64
    assert [(t["name"], t["data_type"], t["dims"]) for t in config["input"]] == [("input", "TYPE_FP32", [1, 8, 8])]
    assert [(t["name"], t["dims"]) for t in config["output"]] == [("logits", [10])]
    assert "dynamic_batching" in config


def test_http_and_grpc_give_the_runners_numbers(server, runner):
    x = np.random.default_rng(1).random((5, 1, 8, 8), dtype=np.float32)
    expected = runner.infer({"input": x})["logits"]
    h = httpclient.InferenceServerClient(f"{LOOPBACK}:{server.http_port}")
    g = grpcclient.InferenceServerClient(server.grpc_url)
    try:
        np.testing.assert_allclose(_http_infer(h, x), expected, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(_grpc_infer(g, x), expected, rtol=1e-6, atol=1e-6)
    finally:
        h.close()
        g.close()


def test_32_concurrent_clients_lose_nothing_and_get_batched(server, runner):
    clients, per_client = 32, 200
    rng = np.random.default_rng(2)
    xs = rng.random((clients, per_client, 1, 1, 8, 8), dtype=np.float32)
    expected = runner.infer({"input": xs.reshape(-1, 1, 8, 8)})["logits"].reshape(clients, per_client, 1, 10)
    before = server.statistics("digits")["inference_count"]
    wrong, errors = [0] * clients, []

    def work(k: int) -> None:
        g = grpcclient.InferenceServerClient(server.grpc_url)
        try:
            for j in range(per_client):
                if not np.allclose(_grpc_infer(g, xs[k, j]), expected[k, j], rtol=1e-5, atol=1e-5):
                    wrong[k] += 1
        except Exception as e:  # noqa: BLE001  (reported below, with the client number)
            errors.append(f"client {k}: {e}")
        finally:
            g.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == [] and sum(wrong) == 0
    stats = server.statistics("digits")
    assert int(stats["inference_count"]) - int(before) == clients * per_client
    assert max(int(b["batch_size"]) for b in stats["batch_stats"]) > 1, stats["batch_stats"]


@pytest.mark.parametrize("case", ["dtype", "shape", "name"])
def test_a_bad_request_is_refused_naming_the_tensor(server, case):
    x = np.zeros((2, 1, 8, 8), np.float32)
    bad = {"dtype": dict(x=x.astype(np.float64), datatype="FP64", name="input"),
           "shape": dict(x=np.zeros((2, 1, 8, 9), np.float32), datatype="FP32", name="input"),
           "name": dict(x=x, datatype="FP32", name="image")}[case]
    h = httpclient.InferenceServerClient(f"{LOOPBACK}:{server.http_port}")
    g = grpcclient.InferenceServerClient(server.grpc_url)
    try:
        with pytest.raises(InferenceServerException) as http_error:
            _http_infer(h, bad["x"], bad["name"], bad["datatype"])
        with pytest.raises(InferenceServerException) as grpc_error:
            _grpc_infer(g, bad["x"], bad["name"], bad["datatype"])
    finally:
        h.close()
        g.close()
    assert http_error.value.status() == "400"
    assert grpc_error.value.status() == "StatusCode.INVALID_ARGUMENT"
    for e in (http_error.value, grpc_error.value):
        assert f"'{bad['name']}'" in e.message()


def test_a_client_killed_mid_request_does_not_disturb_the_others(server, runner):
    # A client process that keeps 16 large requests in flight, killed while they are.
    script = textwrap.dedent(f"""
        import sys, numpy as np, tritonclient.http as h
        c = h.InferenceServerClient("{LOOPBACK}:{server.http_port}", concurrency=16)
        x = np.ones((64, 1, 8, 8), np.float32)
        i = h.InferInput("input", list(x.shape), "FP32"); i.set_data_from_numpy(x)
        for n in range(100000):
            pending = [c.async_infer("digits", [i]) for _ in range(16)]
            if n == 0:
                print("sending", flush=True)
            [p.get_result() for p in pending]
    """)
    victim = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert victim.stdout.readline().strip() == "sending"
        x = np.random.default_rng(3).random((4, 1, 8, 8), dtype=np.float32)
        expected = runner.infer({"input": x})["logits"]
        results: list[bool] = []

        def work() -> None:
            g = grpcclient.InferenceServerClient(server.grpc_url)
            try:
                for _ in range(30):
                    results.append(bool(np.allclose(_grpc_infer(g, x), expected, rtol=1e-5, atol=1e-5)))
            finally:
                g.close()

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        victim.kill()
        for t in threads:
            t.join(timeout=60)
    finally:
        victim.kill()
        victim.wait(timeout=10)
    assert results == [True] * 120
    h = httpclient.InferenceServerClient(f"{LOOPBACK}:{server.http_port}")
    try:
        assert h.is_server_ready() and h.is_model_ready("digits")
        np.testing.assert_allclose(_http_infer(h, x), expected, rtol=1e-5, atol=1e-5)
    finally:
        h.close()
