"""trtcore.image zero-copy contract: arrays from C++ own its buffer; inputs and out= are used in place."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

import trtcore.image as ti

RNG = np.random.default_rng(99)
MEAN32 = np.array(ti.IMAGENET_MEAN, np.float32)
STD32 = np.array(ti.IMAGENET_STD, np.float32)


def _is_capsule(obj: object) -> bool:
    return type(obj).__name__ == "PyCapsule"


def test_read_image_array_owns_the_cpp_buffer(tmp_path: Path):
    ti.write_image(tmp_path / "z.ppm", np.zeros((3, 4, 3), np.uint8))
    arr = ti.read_image(tmp_path / "z.ppm")
    assert not arr.flags.owndata and _is_capsule(arr.base) and arr.flags.writeable and arr.flags.c_contiguous
    arr[1, 2, 0] = 77
    assert arr.reshape(-1)[1 * 12 + 2 * 3] == 77


def test_results_own_cpp_memory():
    img = np.zeros((4, 5, 3), np.uint8)
    for res in (ti.normalize(img), ti.argmax(np.zeros((1, 3, 4, 5), np.float32)),
                ti.colorize(np.zeros((4, 5), np.int64)), ti.palette()):
        base = res
        while isinstance(base, np.ndarray) and base.base is not None:
            base = base.base
        assert _is_capsule(base), type(base)


def test_out_arrays_are_written_in_place():
    img = RNG.integers(0, 256, size=(6, 7, 3)).astype(np.uint8)
    want = ((img.astype(np.float32) / np.float32(255) - MEAN32) / STD32).transpose(2, 0, 1)
    out = np.empty((3, 6, 7), np.float32)
    res = ti.normalize(img, out=out)
    assert res is out
    np.testing.assert_array_equal(out, want)
    res[0, 0, 0] = 123.0
    assert out[0, 0, 0] == 123.0

    logits = RNG.standard_normal((1, 5, 6, 7)).astype(np.float32)
    labels = np.empty((1, 6, 7), np.int32)
    assert ti.argmax(logits, out=labels, dtype=np.int32) is labels
    np.testing.assert_array_equal(labels, logits.argmax(1))

    rgb = np.empty((1, 6, 7, 3), np.uint8)
    assert ti.colorize(labels, out=rgb) is rgb
    np.testing.assert_array_equal(rgb, ti.palette()[labels])

    # out= may be a view into a bigger buffer as long as it is contiguous: the buffer sees the write
    buf = np.zeros((2, 3, 6, 7), np.float32)
    assert np.shares_memory(ti.normalize(img, out=buf[1]), buf)
    np.testing.assert_array_equal(buf[1], want)
    assert not buf[0].any()


def _peak_rss_delta_mb(setup: str, call: str) -> float:
    """Run setup, then call, in a fresh interpreter; return how much the call raised the peak RSS (MB).

    The peak is /proc/self/status VmHWM (this process image only). ru_maxrss is the fallback off Linux: on Linux
    it starts at the forking parent's size after exec, which would hide growth when pytest itself is large.
    """
    code = textwrap.dedent(f"""
        import resource, numpy as np, trtcore.image as ti
        def peak_kb():
            try:
                with open("/proc/self/status") as f:
                    return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
            except (OSError, StopIteration):
                return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        {setup}
        before = peak_kb()
        result = {call}
        after = peak_kb()
        print((after - before) / 1024)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def test_read_200mb_file_does_not_double_peak_memory(tmp_path: Path):
    path = tmp_path / "big.ppm"
    w, h = 10000, 6667  # 200 MB of samples
    with open(path, "wb") as f:
        f.write(f"P6 {w} {h} 255\n".encode())
        chunk = bytes(w * 3) * 100
        for _ in range(h // 100):
            f.write(chunk)
        f.write(bytes(w * 3 * (h % 100)))
    delta = _peak_rss_delta_mb("", f"ti.read_image({str(path)!r})")
    assert 150 < delta < 260, delta  # the image itself (~200 MB), not a second copy


def test_200mb_calls_use_inputs_and_outputs_in_place():
    # argmax over 200 MB of logits into a preallocated out: neither the input nor the output is copied
    delta = _peak_rss_delta_mb(
        "x = np.ones((1, 21, 1000, 2500), np.float32); o = np.ones((1, 1000, 2500), np.int64)",
        "ti.argmax(x, out=o)")
    assert delta < 20, delta
    # normalize 67 MB of uint8 into a 200 MB (untouched) float32 out
    delta = _peak_rss_delta_mb(
        "x = np.ones((4000, 5000, 3), np.uint8); o = np.ones((3, 4000, 5000), np.float32)",
        "ti.normalize(x, out=o)")
    assert delta < 20, delta
    # without out=: only the 200 MB result is new
    delta = _peak_rss_delta_mb("x = np.ones((4000, 5000, 3), np.uint8)", "ti.normalize(x)")
    assert 150 < delta < 260, delta


def test_gil_is_released_during_the_work():
    """Python code in another thread keeps running while argmax/normalize/colorize work in C++."""
    import threading
    import time

    logits = np.ones((1, 21, 512, 1024), np.float32)
    img = np.ones((2048, 2048, 3), np.uint8)
    labels = np.zeros((2048, 2048), np.int64)
    spans: list[tuple[float, float]] = []
    done = threading.Event()

    def work() -> None:
        for call in (lambda: ti.argmax(logits), lambda: ti.normalize(img), lambda: ti.colorize(labels)) * 3:
            t0 = time.perf_counter()
            call()
            spans.append((t0, time.perf_counter()))
        done.set()

    ticks: list[float] = []
    threads = ti.get_num_threads()
    ti.set_num_threads(1)  # leave the other core of a 2-core machine to this thread's loop
    try:
        worker = threading.Thread(target=work)
        worker.start()
        while not done.is_set():
            ticks.append(time.perf_counter())
        worker.join()
    finally:
        ti.set_num_threads(threads)
    # Ticks strictly inside a call (1 ms margins) can only happen if the call let go of the GIL.
    t = np.array(ticks)
    inside = sum(int(np.count_nonzero((t > a + 1e-3) & (t < b - 1e-3))) for a, b in spans)
    assert inside > 0, [round((b - a) * 1e3, 1) for a, b in spans]
