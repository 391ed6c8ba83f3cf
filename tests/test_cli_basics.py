"""The command line as trtexec and Polygraphy users expect it: --version, global flags anywhere, list flags that
leave the model alone, one JSON document with --json, help text for every flag, messages in the CLI's words, and
`trtcore info`."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import trtcore
from trtcore._info import REBUILD_WITH_TENSORRT, enable_tensorrt_hint, install_tensorrt_hint
from trtcore.builder import BuildConfig
from trtcore.cli import EXIT_BAD_INPUT, main, make_parser
from trtcore.demo import SHAPES_MODEL, SHAPES_SAMPLES
from trtcore.errors import ArgumentError

from _models import add_one, linear, two_inputs

ORT = ["--backend", "onnxruntime"]


def _main(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as e:  # argparse: --version, --help, usage errors
        return int(e.code or 0)


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = make_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


# -- --version and global flags -----------------------------------------------------------------------------------
def test_version_prints_the_package_version(capsys):
    assert _main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"trtcore {trtcore.__version__}"


@pytest.mark.parametrize("argv", [["--log-level", "INFO", "info"], ["info", "--log-level", "INFO"],
                                  ["info", "--log-level", "info", "--debug"]])
def test_log_level_before_or_after_the_subcommand(argv, capsys, monkeypatch):
    seen = {}
    monkeypatch.setattr("logging.basicConfig", lambda **kw: seen.update(kw))
    assert _main(argv) == 0
    assert seen["level"] == "INFO"


def test_a_bad_log_level_after_the_subcommand_is_a_usage_error(capsys):
    assert _main(["info", "--log-level", "LOUD"]) == EXIT_BAD_INPUT
    assert "--log-level" in capsys.readouterr().err


def test_global_json_before_the_subcommand(capsys):
    assert _main(["--json", "info"]) == 0
    assert json.loads(capsys.readouterr().out) == trtcore.build_info()


def test_global_json_for_a_subcommand_without_json_is_exit_2(tmp_path, capsys):
    assert _main(["--json", "export", "resnet50", "-o", str(tmp_path / "m.onnx")]) == EXIT_BAD_INPUT
    assert "has no JSON output" in capsys.readouterr().err


def test_serve_keeps_its_server_log_flag_apart_from_the_global_one():
    serve = _subparsers()["serve"]
    flags = {s for a in serve._actions for s in a.option_strings}
    assert {"--server-log-level", "--log-level"} <= flags


# -- list flags do not swallow the model ---------------------------------------------------------------------------
def test_inputs_before_the_model_leave_the_model_alone(tmp_path, capsys):
    lin = linear(tmp_path / "lin.onnx")
    np.savez(tmp_path / "in.npz", x=np.ones((2, 6), np.float32))
    assert main(["run", "--inputs", str(tmp_path / "in.npz"), str(lin), *ORT, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["inputs"] == [{"name": "x", "dtype": "float32", "shape": [2, 6]}]


def test_two_models_after_inputs_are_model_and_reference(tmp_path, capsys):
    pytest.importorskip("polygraphy")
    a, b = add_one(tmp_path / "a.onnx"), add_one(tmp_path / "b.onnx", bias=1.5)
    np.savez(tmp_path / "in.npz", x=np.ones((1, 3), np.float32))
    code = main(["compare", "--inputs", str(tmp_path / "in.npz"), str(a), str(b), *ORT, "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["passed"] is False
    assert doc["run"].endswith(str(a)) and doc["references"][0].endswith(str(b))
    assert doc["outputs"][0]["max_absdiff"] == pytest.approx(0.5)


# -- --json: one document on stdout --------------------------------------------------------------------------------
def test_run_json_lists_tensors_and_files(tmp_path, capsys):
    lin = linear(tmp_path / "lin.onnx")
    out = tmp_path / "out.npz"
    assert main(["run", str(lin), *ORT, "--shapes", "x:3x6", "-o", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"model", "backend", "time_ms", "inputs", "outputs", "inputs_file", "outputs_file"}
    assert doc["backend"] == "onnxruntime" and doc["outputs_file"] == str(out) and doc["inputs_file"] is None
    saved = np.load(out)
    assert doc["outputs"] == [{"name": k, "dtype": str(saved[k].dtype), "shape": list(saved[k].shape)}
                              for k in saved.files]


def test_compare_json_has_statistics_and_the_report_goes_to_stderr(tmp_path, capsys):
    pytest.importorskip("polygraphy")
    a = add_one(tmp_path / "a.onnx")
    assert main(["compare", str(a), *ORT, "--shapes", "x:4x3", "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["passed"] is True and doc["feeds"] == 1
    assert doc["tolerance"]["default"] == 1e-5 and doc["tolerance"]["reason"] == "float32 outputs"
    assert [(r["output"], r["passed"], r["max_absdiff"]) for r in doc["outputs"]] == [("y", True, 0.0)]
    assert "PASSED" in captured.err and "Default tolerance" in captured.err


def test_build_dry_run_json(tmp_path, capsys):
    pytest.importorskip("onnx")
    lin = linear(tmp_path / "lin.onnx")
    assert main(["build", "--onnx", str(lin), "--fp16", "--minShapes", "x:1x6", "--optShapes", "x:4x6",
                 "--maxShapes", "x:8x6", "--dry-run", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["dry_run"] is True and doc["onnx"] == str(lin)
    assert doc["profiles"] == [{"x": {"min": [1, 6], "opt": [4, 6], "max": [8, 6]}}]
    assert "fp16" in doc["precision"]


def test_segment_json_one_row_per_image(tmp_path, capsys):
    image = SHAPES_SAMPLES / "shapes_0.ppm"
    assert main(["segment", str(SHAPES_MODEL), str(image), *ORT, "-o", str(tmp_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and rows[0]["image"] == str(image)
    out = tmp_path / "shapes_0.ppm.labels.ppm"  # named after the whole input name
    assert out.is_file() and rows[0]["output"] == str(out)
    assert sum(rows[0]["classes"].values()) == rows[0]["height"] * rows[0]["width"]


# -- help ---------------------------------------------------------------------------------------------------------
NUMERIC_RANGE = re.compile(r"[<>]=?\s*-?\d|\.\.|\[\s*-?\d|in \[|\d+ or |: -1|-1:|one of")


@pytest.mark.parametrize("name", sorted(_subparsers()))
def test_every_flag_has_help_numbers_state_their_range(name):
    parser = _subparsers()[name]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help and action.help != argparse.SUPPRESS, f"{name} {action.option_strings or action.dest}"
        if action.option_strings and action.type in (int, float) and not action.choices:
            assert NUMERIC_RANGE.search(action.help), f"{name} {action.option_strings}: no range in {action.help!r}"


@pytest.mark.parametrize("name", sorted(_subparsers()))
def test_help_is_plain_text(name, capsys):
    assert _main([name, "--help"]) == 0
    text = capsys.readouterr().out
    assert "``" not in text and ":class:" not in text and ":func:" not in text


def test_precision_flags_are_in_the_precision_group():
    build = _subparsers()["build"]
    group = next(g for g in build._action_groups if g.title.startswith("precision"))
    flags = {s for a in group._group_actions for s in a.option_strings}
    assert {"--fp16", "--bf16", "--int8", "--fp8", "--best", "--noTF32", "--stronglyTyped"} <= flags


# -- messages in the interface's words -----------------------------------------------------------------------------
def test_build_errors_name_flags_on_the_cli_and_arguments_in_python(tmp_path, capsys):
    lin = linear(tmp_path / "lin.onnx")
    assert main(["build", "--onnx", str(lin), "--builderOptimizationLevel", "9", "--dry-run"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--builderOptimizationLevel must be" in err and "builder_optimization_level" not in err
    with pytest.raises(ArgumentError) as e:
        BuildConfig(builder_optimization_level=9).validate()
    assert "builder_optimization_level must be" in str(e.value) and "--" not in str(e.value)


def test_dtype_errors_name_cast_as_the_cli_spells_it(tmp_path, capsys):
    lin = linear(tmp_path / "lin.onnx")
    np.savez(tmp_path / "in.npz", x=np.ones((1, 6), np.float64))
    assert main(["run", str(lin), *ORT, "--inputs", str(tmp_path / "in.npz")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--cast" in err and "cast=True" not in err
    runner = trtcore.load(lin, "onnxruntime")
    with pytest.raises(trtcore.DTypeError, match="cast=True"):
        runner.infer({"x": np.ones((1, 6), np.float64)})


# -- trtcore info --------------------------------------------------------------------------------------------------
def test_info_shows_onnxruntime_and_has_no_trailing_spaces():
    ort = pytest.importorskip("onnxruntime")
    p = subprocess.run([sys.executable, "-m", "trtcore", "info"], capture_output=True, text=True, timeout=120,
                       check=False)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert all(line == line.rstrip() for line in lines), [ln for ln in lines if ln != ln.rstrip()]
    assert "\x1b[" not in p.stdout  # no colour codes in a pipe
    ort_line = next(line for line in lines if line.startswith("ONNX Runtime"))
    assert ort.__version__ in ort_line and all(prov in ort_line for prov in ort.get_available_providers())


def test_info_json_has_onnxruntime(capsys):
    assert main(["info", "--json"]) == 0
    ort = json.loads(capsys.readouterr().out)["onnxruntime"]
    assert set(ort) == {"version", "available_providers", "error"}
    assert bool(ort["version"]) != bool(ort["error"])


def test_one_way_to_enable_tensorrt_everywhere(tmp_path, monkeypatch, capsys):
    """The hint `trtcore info` prints is the C++ loader's own sentence, and the runners say the same."""
    info = trtcore.build_info()
    if info["tensorrt"]["usable"] or not info["tensorrt"]["compiled"]:
        pytest.skip("needs a trtcore with TensorRT compiled in and no libnvinfer")
    monkeypatch.setenv("TRTCORE_TENSORRT_LIB_DIR", str(tmp_path))
    major = trtcore._core.compiled_info()["tensorrt_major"]
    hint = install_tensorrt_hint(major)
    assert hint in enable_tensorrt_hint()
    with pytest.raises(trtcore.TensorRTNotFound) as e:  # the C++ loader's message
        trtcore.Engine.from_bytes(b"plan")
    assert hint in str(e.value).replace("\n", " ")
    from trtcore.runners.tensorrt import tensorrt_unavailable_reason

    assert hint in tensorrt_unavailable_reason()
    assert main(["info"]) == 0
    assert hint in capsys.readouterr().out


def test_not_compiled_hint_matches_the_loader_message():
    # One text (trtcore._info): trtcore info's hint and what loading an engine raises without TensorRT headers.
    from trtcore._info import not_compiled_message

    assert REBUILD_WITH_TENSORRT in not_compiled_message()
    if not trtcore.build_info()["tensorrt"]["compiled"]:
        with pytest.raises(trtcore.TensorRTNotFound) as e:
            trtcore.Engine.from_bytes(b"plan")
        assert REBUILD_WITH_TENSORRT in str(e.value)


def test_two_inputs_listed_as_npy_files_before_the_model(tmp_path, capsys):
    model = two_inputs(tmp_path / "two.onnx")
    np.save(tmp_path / "a.npy", np.ones((2, 4), np.float32))
    np.save(tmp_path / "b.npy", np.full((2, 4), 2, np.float32))
    out = tmp_path / "out.npz"
    assert main(["run", "--inputs", f"a:{tmp_path / 'a.npy'}", f"b:{tmp_path / 'b.npy'}", str(model), *ORT,
                 "-o", str(out)]) == 0
    assert np.array_equal(np.load(out)["z"], np.full((2, 4), 3, np.float32))
