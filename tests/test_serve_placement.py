"""Where ``trtcore serve --instances K --gpus ...`` puts the model instances (as Triton's instance_group does), the
runners' ``device=`` and the CLI's checks of --gpus. The plan and the checks run everywhere; the runners on GPUs
need them (``gpu`` marker)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from trtcore import _core
from trtcore.cli import EXIT_BAD_INPUT, main
from trtcore.cli.serve import _placement
from trtcore.errors import ArgumentError, CudaError
from trtcore.runners.tensorrt import ExecutorRunner, TensorRTRunner
from trtcore.serving import parse_gpus, plan_instances

VISIBLE = len(_core.cuda_runtime_info()["devices"])


@pytest.mark.parametrize("instances, gpus, visible, expected", [
    (1, None, 0, [None]),  # no GPU: the CPU (ONNX Runtime), as before
    (3, None, 0, [None, None, None]),
    (1, None, 1, [0]),
    (2, None, 4, [0, 0, 1, 1, 2, 2, 3, 3]),  # count per GPU, on every visible GPU, like KIND_GPU without gpus
    (2, [0, 1], 2, [0, 0, 1, 1]),
    (1, [3, 1], 4, [3, 1]),  # the GPUs in the order given
    (3, [2], 8, [2, 2, 2]),
])
def test_instances_are_placed_count_per_gpu(instances, gpus, visible, expected):
    assert plan_instances(instances, gpus, visible) == expected


@pytest.mark.parametrize("instances, gpus, visible, words", [
    (0, None, 2, "instances: at least 1"),
    (1, [2], 2, "no GPU 2 (asked for 2); 2 visible (0 to 1)"),
    (1, [0], 0, "none visible here"),
    (1, [0, 0], 2, "distinct"),
    (1, [-1], 2, "0 or more"),
    (1, [], 2, "at least one GPU"),
])
def test_a_placement_that_cannot_be_is_an_argument_error(instances, gpus, visible, words):
    # The library's words (keyword arguments); the CLI reads them as --instances / --gpus (test_interface_words).
    with pytest.raises(ArgumentError, match="^instances: " if instances < 1 else "^gpus: ") as e:
        plan_instances(instances, gpus, visible)
    assert words in str(e.value) and "--" not in str(e.value)


def test_gpus_text():
    assert parse_gpus("0,1") == [0, 1] and parse_gpus(" 2 ") == [2] and parse_gpus("") is None
    for bad in ("a", "0,,1", "1,1", "-1"):
        with pytest.raises(ArgumentError, match="--gpus"):
            parse_gpus(bad)


def test_the_cli_says_where_the_instances_are():
    assert _placement([0, 0, 1, 1]) == "2 instance(s) on GPU 0, 2 on GPU 1"
    assert _placement([None, None]) == "2 instance(s)"


@pytest.mark.parametrize("gpus", ["a", "0,0", "-1", f"{VISIBLE}"])
def test_serve_refuses_bad_gpus_before_serving(capsys, gpus):
    # f"{VISIBLE}": one past the last GPU here. Exit 3 instead where the serve extra is missing and the check needs
    # the server's start (the out-of-range GPU); the text checks fail before that.
    code = main(["serve", "digits", "--gpus", gpus, "--http-port", "1"])
    err = capsys.readouterr().err
    assert code in (EXIT_BAD_INPUT, 3) and "Traceback" not in err
    if code == EXIT_BAD_INPUT:
        assert "--gpus" in err


def _identity():
    from trtcore._testing import IdentityBackend

    return IdentityBackend([("x", "float32", [-1, 3])], [("y", "float32", [-1, 3], "x")])


@pytest.mark.parametrize("device", [-1, True, "0", 1.0])
def test_a_runner_device_is_a_gpu_index(device):
    with pytest.raises(ArgumentError, match="device"):
        ExecutorRunner(_identity, device=device)


@pytest.mark.skipif(VISIBLE > 0, reason="checks the message where there is no GPU")
def test_a_runner_on_a_gpu_where_there_is_none_is_a_cuda_error():
    with pytest.raises((CudaError, ArgumentError), match="device 0"):
        ExecutorRunner(_identity, device=0).activate()


@pytest.mark.gpu
@pytest.mark.parametrize("device", range(max(VISIBLE, 1)))
def test_an_executor_runner_runs_on_its_gpu_from_any_thread(device):
    runner = ExecutorRunner(_identity, device=device).activate()
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    seen: list[tuple[int, int]] = []

    def work() -> None:  # a fresh thread, whose current device is 0: the runner makes its own GPU current
        out = runner.infer({"x": x}, output_device="cuda")["y"]
        seen.append((runner.executor.device, out.device))
        np.testing.assert_array_equal(out.numpy(), x)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    work()
    assert seen == [(device, device)] * 4


@pytest.mark.gpu
@pytest.mark.tensorrt
def test_a_tensorrt_runner_deserializes_on_its_gpu(tmp_path):
    import trtcore
    from trtcore.demo import DIGITS_MODEL, build_configs

    device = VISIBLE - 1  # the last GPU: not the default one where there are several
    engine = trtcore.build(DIGITS_MODEL, build_configs()[0])
    (tmp_path / "digits.engine").write_bytes(bytes(engine))
    with TensorRTRunner(tmp_path / "digits.engine", device=device) as runner:
        out = runner.infer({"input": np.zeros((2, 1, 8, 8), np.float32)}, output_device="cuda")
        assert runner.executor.device == device and out["logits"].device == device
