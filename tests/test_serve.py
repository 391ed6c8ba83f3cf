"""trtcore.serve on a real Triton server (PyTriton), one per module, on loopback; real HTTP and gRPC clients."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import trtcore
from trtcore.demo import DIGITS_MODEL
from trtcore.serving import plan_instances, visible_gpus
from _serve import LOOPBACK, free_ports, need_serve

need_serve()
import tritonclient.grpc as grpcclient  # noqa: E402
import tritonclient.http as httpclient  # noqa: E402
from tritonclient.utils import InferenceServerException  # noqa: E402

pytestmark = pytest.mark.slow


def _add_model(path):
    """y = a + b, every extent dynamic and named: trtcore's one input policy refuses a request whose 'n' differs
    between a and b (ShapeError), which Triton itself cannot see (its dims are -1)."""
    a, b, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", "n"]) for n in ("a", "b", "y"))
    model = helper.make_model(helper.make_graph([helper.make_node("Add", ["a", "b"], ["y"])], "g", [a, b], [y]),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    http, grpc, metrics = free_ports(3)
    add = _add_model(tmp_path_factory.mktemp("serve") / "add.onnx")
    srv = trtcore.serve(["digits", add], address=LOOPBACK, http_port=http, grpc_port=grpc, metrics_port=metrics,
                        max_queue_delay_us=2000, exit_timeout_s=5, backend="onnxruntime")
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
    assert server.models == ["digits", "add"] and server.backends["digits"] == "onnxruntime"
    client = httpclient.InferenceServerClient(f"{LOOPBACK}:{server.http_port}")
    try:
        config = client.get_model_config("digits")
    finally:
        client.close()
    assert config["max_batch_size"] == 64
    assert [(t["name"], t["data_type"], t["dims"]) for t in config["input"]] == [("input", "TYPE_FP32", [1, 8, 8])]
    assert [(t["name"], t["dims"]) for t in config["output"]] == [("logits", [10])]
    assert "dynamic_batching" in config
    # one instance per visible GPU (--instances 1), on the CPU where there is none; Triton runs that many
    assert server.devices["digits"] == plan_instances(1, None, visible_gpus())
    assert sum(int(g["count"]) for g in config["instance_group"]) == len(server.devices["digits"]), config


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


def test_a_request_the_runner_refuses_is_a_client_error_naming_the_tensor(server):
    # Triton passes it (dims -1); trtcore's ShapeError must reach the client as 400 / INVALID_ARGUMENT, not 500.
    a, b = np.ones((1, 3), np.float32), np.ones((1, 4), np.float32)
    h = httpclient.InferenceServerClient(f"{LOOPBACK}:{server.http_port}")
    g = grpcclient.InferenceServerClient(server.grpc_url)
    errors = []
    try:
        for module, client in ((httpclient, h), (grpcclient, g)):
            inputs = [module.InferInput(n, list(x.shape), "FP32") for n, x in (("a", a), ("b", b))]
            for i, x in zip(inputs, (a, b)):
                i.set_data_from_numpy(x)
            with pytest.raises(InferenceServerException) as e:
                client.infer("add", inputs)
            errors.append(e.value)
        # the server goes on serving good requests of that model
        good = [httpclient.InferInput(n, [1, 3], "FP32") for n in ("a", "b")]
        for i in good:
            i.set_data_from_numpy(a)
        np.testing.assert_array_equal(h.infer("add", good).as_numpy("y"), a + a)
    finally:
        h.close()
        g.close()
    assert [errors[0].status(), errors[1].status()] == ["400", "StatusCode.INVALID_ARGUMENT"]
    for e in errors:
        assert "'a'" in e.message() and "'b'" in e.message() and "Traceback" not in e.message(), e.message()


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


def test_the_proxy_model_patch_fits_this_pytriton():
    # PyTriton's proxy model as trtcore loads it: the one change applied, still valid Python; None for another file.
    import importlib.util
    from pathlib import Path

    from trtcore.serving.server import BAD_REQUEST_MARK, proxy_model_source

    # found, not imported: it imports Triton's backend module, which exists only inside the server
    original = Path(importlib.util.find_spec("pytriton.proxy").submodule_search_locations[0], "model.py").read_bytes()
    patched = proxy_model_source(original)
    assert patched is not None and patched != original and BAD_REQUEST_MARK.encode() in patched
    compile(patched, "model.py", "exec")
    assert proxy_model_source(original.replace(b"TritonModelException(", b"OtherException(")) is None
