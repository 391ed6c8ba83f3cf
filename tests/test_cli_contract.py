"""The CLI contract: every subcommand, run with bad arguments and inputs, ends with a one-line message and its exit
code (2 bad input, 3 missing capability), never a Python traceback; ``--debug`` / TRTCORE_DEBUG=1 shows the
traceback for bug reports. Most cases run in-process (``main``); signals and pipes need a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from trtcore.cli import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_MISSING, main, subcommands
from trtcore.demo import DIGITS_MODEL, DIGITS_SAMPLES, SHAPES_MODEL, SHAPES_SAMPLES

from _models import linear

ORT = ["--backend", "onnxruntime"]
DIGIT = str(DIGITS_SAMPLES / "digit_000.pgm")
SHAPE = str(SHAPES_SAMPLES / "shapes_0.ppm")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("contract")
    fifo = d / "fifo.onnx"
    os.mkfifo(fifo)
    (d / "junk.onnx").write_bytes(b"\x00\xffnot a model")
    (d / "binary.toml").write_bytes(b"\xff\xfe\x00binary")
    (d / "text.txt").write_text("x")
    (d / "folder").mkdir()
    (d / "out").mkdir()
    np.savez(d / "good.npz", x=np.zeros((1, 6), np.float32))
    (d / "truncated.npz").write_bytes((d / "good.npz").read_bytes()[:50])
    np.savez(d / "object.npz", x=np.array([{"a": 1}], dtype=object))
    (d / "existing").write_bytes(b"a file")
    (d / "m.engine").write_bytes(b"PLAN")  # never loaded: the engine-loading flags are refused first
    return {"dir": str(d), "fifo": str(fifo), "junk": str(d / "junk.onnx"), "binary": str(d / "binary.toml"),
            "text": str(d / "text.txt"), "folder": str(d / "folder"), "missing": str(d / "missing.onnx"),
            "lin": str(linear(d / "lin.onnx")), "truncated": str(d / "truncated.npz"),
            "object": str(d / "object.npz"), "out": str(d / "out"), "existing": str(d / "existing"),
            "eng": str(d / "m.engine")}


BAD_MODELS = ("missing", "folder", "fifo", "junk", "text")
# (subcommand arguments with {placeholders} from `files`, expected exit code)
CASES = [
    *[(["inspect", "{%s}" % m], EXIT_BAD_INPUT) for m in BAD_MODELS],
    *[(["run", "{%s}" % m, *ORT], EXIT_BAD_INPUT) for m in BAD_MODELS],
    *[(["compare", "{%s}" % m, "{lin}", *ORT], EXIT_BAD_INPUT) for m in BAD_MODELS],
    *[(["bench", "{%s}" % m, *ORT], EXIT_BAD_INPUT) for m in BAD_MODELS],
    *[(["classify", "{%s}" % m, DIGIT, *ORT], EXIT_BAD_INPUT) for m in BAD_MODELS],
    *[(["segment", "{%s}" % m, SHAPE, *ORT, "-o", "{out}"], EXIT_BAD_INPUT) for m in BAD_MODELS],
    *[(["build", "--onnx", "{%s}" % m, "--dry-run"], EXIT_BAD_INPUT) for m in BAD_MODELS],
    # run: outputs that cannot be written, bad inputs, bad numbers
    *[(["run", "{lin}", *ORT, flag, target], EXIT_BAD_INPUT)
      for flag in ("-o", "--save-inputs")
      for target in ("/proc/out.npz", "{folder}", "{dir}/no/such/out.npz", "/dev/full", "{dir}/out.txt")],
    (["run", "{lin}", *ORT, "--inputs", "{truncated}"], EXIT_BAD_INPUT),
    (["run", "{lin}", *ORT, "--inputs", "{object}"], EXIT_BAD_INPUT),
    (["run", "{lin}", *ORT, "--inputs", "{missing}"], EXIT_BAD_INPUT),
    (["run", "{lin}", *ORT, "--seed", "-1"], EXIT_BAD_INPUT),
    (["run", "{lin}", *ORT, "--seed", "nan"], EXIT_BAD_INPUT),
    (["run", "{lin}", *ORT, "--shapes", "x:1000000000000x6"], EXIT_BAD_INPUT),
    (["run", "{lin}", *ORT, "--shapes", "x:-1x6"], EXIT_BAD_INPUT),
    (["run", "{lin}", *ORT, "--shapes", "x:axb"], EXIT_BAD_INPUT),
    (["run", "{lin}", *ORT, "--shapes", "nosuch:1x6"], EXIT_BAD_INPUT),
    # --plugins / --leanDLLPath: for engine files only
    *[([cmd, "{lin}", *ORT, *extra, "--plugins", "{dir}/libp.so"], EXIT_BAD_INPUT)
      for cmd, extra in (("run", []), ("bench", []), ("compare", ["{lin}"]))],
    (["run", "{lin}", *ORT, "--leanDLLPath", "{dir}/libnvinfer_lean.so.10"], EXIT_BAD_INPUT),
    (["run", "{lin}", *ORT, "--plugins"], EXIT_BAD_INPUT),
    # --tempdir / --tempfileControls: an existing folder, trtexec's NAME:allow|deny list, engine files only
    *[([cmd, "{eng}", *extra, "--tempdir", "{dir}/gone"], EXIT_BAD_INPUT)
      for cmd, extra in (("run", []), ("bench", []), ("compare", ["{lin}"]))],
    (["run", "{eng}", "--tempdir", "{existing}"], EXIT_BAD_INPUT),
    (["run", "{lin}", *ORT, "--tempdir", "{dir}"], EXIT_BAD_INPUT),
    *[(["run", "{eng}", "--tempfileControls", value], EXIT_BAD_INPUT)
      for value in ("in_memory:maybe", "on_disk:allow", "in_memory", "", ",")],
    (["run", "{eng}", "--tempfileControls"], EXIT_BAD_INPUT),
    (["build", "--onnx", "{lin}", "--tempdir", "{dir}", "--dry-run"], EXIT_BAD_INPUT),
    # compare: tolerances
    *[(["compare", "{lin}", *ORT, flag, value], EXIT_BAD_INPUT)
      for flag in ("--atol", "--rtol") for value in ("nan", "-1", "x")],
    # serve / triton-repo: refused before any server starts or file is written (3 where the serve extra is absent)
    *[(["serve", "{%s}" % m], (EXIT_BAD_INPUT, 3)) for m in ("missing", "folder", "text")],
    (["serve", "{lin}", "--http-port", "70000"], (EXIT_BAD_INPUT, 3)),
    (["serve", "{lin}", "--instances", "0"], (EXIT_BAD_INPUT, 3)),
    (["serve", "{lin}", "--gpus", "0,x"], EXIT_BAD_INPUT),
    (["serve", "{lin}", "--gpus", "1,1"], EXIT_BAD_INPUT),
    (["serve", "{lin}", "--gpus", "4096"], (EXIT_BAD_INPUT, 3)),
    (["triton-repo", "{lin}", "-o", "{out}/repo", "--gpus", "-1"], EXIT_BAD_INPUT),
    *[(["triton-repo", "{%s}" % m, "-o", "{out}/repo"], EXIT_BAD_INPUT) for m in ("missing", "folder", "text")],
    (["triton-repo", "{lin}", "-o", "{existing}"], EXIT_BAD_INPUT),
    # bench: bad numbers
    # (--duration -1 is trtexec's "until interrupted", a valid value; -2 is not)
    *[(["bench", "{lin}", *ORT, flag, value], EXIT_BAD_INPUT)
      for flag, bad in (("--duration", "-2"), ("--iterations", "-1"), ("--warmUp", "-1"))
      for value in ("nan", bad, "x")],
    # build: configs and dry-run values
    (["build", "--onnx", "{lin}", "--config", "{binary}", "--dry-run"], EXIT_BAD_INPUT),
    (["build", "--onnx", "{lin}", "--config", "{folder}", "--dry-run"], EXIT_BAD_INPUT),
    (["build", "--onnx", "{lin}", "--config", "{missing}", "--dry-run"], EXIT_BAD_INPUT),
    (["build", "--onnx", "{lin}", "--minShapes", "x:4x6", "--optShapes", "x:1x6", "--maxShapes", "x:2x6",
      "--dry-run"], EXIT_BAD_INPUT),
    (["build", "--onnx", "{lin}", "--builderOptimizationLevel", "9", "--dry-run"], EXIT_BAD_INPUT),
    (["build", "--onnx", "{lin}", "--memPoolSize", "workspace:nan", "--dry-run"], EXIT_BAD_INPUT),
    (["build", "--onnx", "{lin}", "--memPoolSize", "workspace:-1", "--dry-run"], EXIT_BAD_INPUT),
    # (issue 10: out-of-range dry-run values; outputs a build would only fail to write after building)
    (["build", "--onnx", "{lin}", "--shapes", "x:1x6", "--memPoolSize", "workspace:99999999999G", "--dry-run"],
     EXIT_BAD_INPUT),
    *[(["build", "--onnx", "{lin}", "--shapes", f"x:{n}x6", "--dry-run"], EXIT_BAD_INPUT)
      for n in (2**63, 2**62, 10**20)],
    *[(["build", "--onnx", "{lin}", "--shapes", "x:1x6", flag, target, "--dry-run"], EXIT_BAD_INPUT)
      for flag in ("--saveEngine", "--timingCacheFile", "--save-converted-onnx")
      for target in ("{folder}", "{dir}/no/such/x.engine", "/dev/full")],
    # classify / segment: images and numbers
    *[(["classify", str(DIGITS_MODEL), "{%s}" % m, *ORT], EXIT_BAD_INPUT) for m in ("missing", "folder", "text")],
    *[(["classify", str(DIGITS_MODEL), DIGIT, *ORT, flag, value], EXIT_BAD_INPUT)
      for flag, value in (("-k", "0"), ("-k", "-1"), ("--batch-size", "0"), ("--batch-size", "-3"),
                          ("--mean", "nan"), ("--std", "nan"), ("--std", "0"), ("--std", "inf"),
                          ("--maxval", "nan"), ("--maxval", "0"), ("--maxval", "-1"))],
    *[(["segment", str(SHAPES_MODEL), SHAPE, *ORT, "-o", "{out}", flag, value], EXIT_BAD_INPUT)
      for flag, value in (("--num-classes", "0"), ("--num-classes", str(2**40)), ("--alpha", "nan"),
                          ("--std", "nan"), ("--maxval", "inf"))],
    *[(["classify", str(DIGITS_MODEL), DIGIT, *ORT, *flags], EXIT_BAD_INPUT)
      for flags in (["--background", "1,2"], ["--background", "256"], ["--background", "red"],
                    ["--background", "-1,0,0"], ["--resize-policy", "squash"], ["--imagenet", "--mean", "0"])],
    *[(["segment", str(SHAPES_MODEL), SHAPE, *ORT, "-o", "{out}", *flags], EXIT_BAD_INPUT)
      for flags in (["--background", "0,0"], ["--background", "1.5"], ["--imagenet", "--std", "1"])],
    (["segment", str(SHAPES_MODEL), SHAPE, *ORT, "-o", SHAPE], EXIT_BAD_INPUT),  # would replace the input
    (["segment", str(SHAPES_MODEL), SHAPE, *ORT, "-o", "{dir}/no/such"], EXIT_BAD_INPUT),
    # demo / export
    (["demo", "-o", "{existing}", *ORT], EXIT_BAD_INPUT),
    (["demo", "-o", "{dir}/demo", *ORT, "--photo", "moon"], EXIT_BAD_INPUT),
    (["export", "resnet50", "-o", "{dir}/no/such/m.onnx"], (EXIT_BAD_INPUT, EXIT_MISSING)),
    # trtexec's flags trtcore does not take, bad I/O formats, flags of another subcommand
    (["build", "--onnx", "{lin}", "--dry-run", "--safe"], EXIT_BAD_INPUT),
    (["build", "--onnx", "{lin}", "--dry-run", "--inputIOFormats=fp16:hwc8"], EXIT_BAD_INPUT),
    (["build", "--onnx", "{lin}", "--dry-run", "--sparsity=force"], EXIT_BAD_INPUT),
    (["bench", "{lin}", *ORT, "--fp16"], EXIT_BAD_INPUT),
    (["bench", "{lin}", *ORT, "--dumpProfile"], EXIT_BAD_INPUT),  # per-layer times need TensorRT
    (["bench", "{lin}", *ORT, "--exportProfile", "{dir}/no/such/p.json"], EXIT_BAD_INPUT),
    (["inspect", "{lin}", "--show", "tactics"], EXIT_BAD_INPUT),
    (["compare", "{lin}", *ORT, "--save-outputs", "{dir}/no/such/out.json"], EXIT_BAD_INPUT),
    (["run", "{lin}", *ORT, "--json", "--log-level", "LOUD"], EXIT_BAD_INPUT),
    (["--json", "demo", "-o", "{existing}"], EXIT_BAD_INPUT),  # demo has no JSON output
    (["merge-timing-caches", "-o", "{dir}/m.cache", "{missing}"], EXIT_BAD_INPUT),
    (["merge-timing-caches", "-o", "{folder}", "{existing}"], (EXIT_BAD_INPUT, EXIT_MISSING)),
    # refit: bad engine, model and output paths fail before TensorRT loads; --onnx is required
    *[(["refit", f"{{{m}}}", "--onnx", "{lin}"], EXIT_BAD_INPUT) for m in ("missing", "folder", "fifo")],
    *[(["refit", "{existing}", "--onnx", f"{{{m}}}"], EXIT_BAD_INPUT) for m in ("missing", "folder", "fifo")],
    *[(["refit", "{existing}", "--onnx", "{lin}", "-o", target], EXIT_BAD_INPUT)
      for target in ("{folder}", "{dir}/no/such/out.engine", "{existing}/out.engine")],
    (["refit", "{existing}"], EXIT_BAD_INPUT),
    (["refit", "{existing}", "--onnx", "{lin}", "--fp16"], EXIT_BAD_INPUT),
    # argparse's own errors
    (["run"], EXIT_BAD_INPUT),
    (["nosuchcommand"], EXIT_BAD_INPUT),
]


def _run_main(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as e:  # argparse
        return int(e.code or 0)


@pytest.mark.parametrize("argv,expected", CASES, ids=[" ".join(a)[:70] for a, _ in CASES])
def test_bad_arguments_end_in_a_message_and_an_exit_code(argv, expected, files, capsys, monkeypatch):
    monkeypatch.delenv("TRTCORE_DEBUG", raising=False)
    monkeypatch.chdir(files["dir"])
    code = _run_main([a.format(**files) for a in argv])
    err = capsys.readouterr().err
    assert code in (expected if isinstance(expected, tuple) else (expected,)), err
    assert "Traceback" not in err and err.strip(), err
    assert "internal error" not in err, err


def test_every_subcommand_is_in_the_matrix():
    covered = {argv[0] for argv, _ in CASES}
    names = {n.replace("_", "-") for n in subcommands()}  # modules are named triton_repo, commands triton-repo
    assert names - {"info"} <= covered, names - covered


def test_classify_and_segment_a_folder_with_a_latin1_file_name(tmp_path, capsys):
    """Issue 10: a non-UTF-8 name from os.listdir (legal on Linux) used to lose the whole batch with a traceback."""
    digits, shapes, out = tmp_path / "digits", tmp_path / "shapes", tmp_path / "out"
    for d in (digits, shapes, out):
        d.mkdir()
    for folder, sample in ((digits, DIGIT), (shapes, SHAPE)):
        data = Path(sample).read_bytes()
        (folder / ("ok" + Path(sample).suffix)).write_bytes(data)
        with open(os.fsencode(folder) + b"/caf\xe9" + Path(sample).suffix.encode(), "wb") as f:
            f.write(data)
    assert _run_main(["classify", str(DIGITS_MODEL), str(digits), *ORT, "--mean", "0", "--std", "1"]) == 0
    printed = capsys.readouterr().out
    assert "2 images" in printed and "caf\\udce9.pgm" in printed, printed  # escaped, as stderr does
    assert _run_main(["segment", str(SHAPES_MODEL), str(shapes), *ORT, "-o", str(out)]) == 0
    assert sorted(os.listdir(os.fsencode(out))) == [b"caf\xe9.ppm.labels.ppm", b"ok.ppm.labels.ppm"]


def test_segment_refuses_inputs_that_would_share_an_output(tmp_path, capsys):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "img.ppm").write_bytes(Path(SHAPE).read_bytes())
    out = tmp_path / "out"
    out.mkdir()
    code = main(["segment", str(SHAPES_MODEL), str(tmp_path / "a"), str(tmp_path / "b"), *ORT, "-o", str(out)])
    assert code == EXIT_BAD_INPUT and "same file name" in capsys.readouterr().err
    assert os.listdir(out) == []  # refused before anything was written


def test_run_output_is_replaced_atomically(tmp_path, capsys):
    out = tmp_path / "out.npz"
    lin = linear(tmp_path / "lin.onnx")
    assert main(["run", str(lin), *ORT, "-o", str(out), "--save-inputs", str(tmp_path / "in.npz")]) == 0
    first = dict(np.load(out))
    assert main(["run", str(lin), *ORT, "-o", str(out), "--seed", "1"]) == 0
    assert set(dict(np.load(out))) == set(first) and sorted(os.listdir(tmp_path)) == ["in.npz", "lin.onnx",
                                                                                       "out.npz"]


def _cli(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trtcore", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, **kw)


def test_debug_shows_the_traceback(tmp_path):
    missing = str(tmp_path / "missing.onnx")
    plain = _cli("inspect", missing, env={"TRTCORE_DEBUG": "0"})
    assert plain.returncode == EXIT_BAD_INPUT and "Traceback" not in plain.stderr and "missing.onnx" in plain.stderr
    for p in (_cli("--debug", "inspect", missing), _cli("inspect", missing, env={"TRTCORE_DEBUG": "1"})):
        assert p.returncode == EXIT_BAD_INPUT and "Traceback" in p.stderr and "missing.onnx" in p.stderr


def test_broken_pipe_ends_quietly():
    p = subprocess.run(f"{sys.executable} -m trtcore info | head -c 1", shell=True, capture_output=True,
                       text=True, timeout=120)
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr, p.stderr


def test_ctrl_c_exits_130_without_a_traceback(tmp_path):
    # A long run (random inputs, a bench that would take an hour) interrupted once it has started.
    lin = linear(tmp_path / "lin.onnx")
    proc = subprocess.Popen([sys.executable, "-m", "trtcore", "bench", str(lin), *ORT, "--duration", "3600"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_INTERRUPTED and "Traceback" not in err and "interrupted" in err, err
