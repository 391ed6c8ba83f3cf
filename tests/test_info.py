import json
import os

import pytest

import trtcore
from trtcore.cli import main


def test_build_info_describes_build_and_machine():
    info = trtcore.build_info()
    assert info["package"]["version"] == trtcore.__version__
    assert info["package"]["compiler"]
    cuda = info["cuda"]
    # Either devices are listed or the reason there are none is given: never both empty.
    assert bool(cuda["devices"]) != bool(cuda["error"])
    trt = info["tensorrt"]
    if not trt["library"]:
        assert trt["searched"], "when libnvinfer is missing, the places looked in are listed"
        assert not trt["usable"]


def test_trtcore_info_cli_exits_zero(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "TensorRT" in out and "CUDA" in out


def test_trtcore_info_json_matches_build_info(capsys):
    assert main(["info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == trtcore.build_info()


def test_tensorrt_lib_dir_env_is_searched_first(tmp_path, monkeypatch):
    monkeypatch.setenv("TRTCORE_TENSORRT_LIB_DIR", str(tmp_path))
    from trtcore import _testing

    assert _testing.tensorrt_search_folders()[0] == str(tmp_path)
    info = trtcore.build_info()
    if not info["tensorrt"]["library"]:
        assert any(str(tmp_path) in place for place in info["tensorrt"]["searched"])


def test_fake_libnvinfer_is_found_and_its_version_read(tmp_path, monkeypatch):
    """A stand-in libnvinfer exporting getInferLibVersion proves the search order and version read-out."""
    import shutil
    import subprocess

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build the stand-in library")
    src = tmp_path / "fake.c"
    src.write_text("int getInferLibVersion(void) { return 100503; }\n")
    lib = tmp_path / "libnvinfer.so.10"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    monkeypatch.setenv("TRTCORE_TENSORRT_LIB_DIR", f"/nonexistent{os.pathsep}{tmp_path}")
    info = trtcore._core.tensorrt_runtime_info([11, 10])
    assert info["found"] and info["path"] == str(lib)
    assert info["version"] == "10.5.3"
    assert any("/nonexistent/libnvinfer.so.11" in t for t in info["tried"])


def test_exit_codes_follow_the_kind_of_failure(monkeypatch, capsys):
    import argparse

    import trtcore.cli as cli
    from trtcore.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_MISSING

    def command(exc):
        def add_parser(sub):
            return sub.add_parser("boom")

        def run(args):
            raise exc

        return argparse.Namespace(add_parser=add_parser, run=run)

    cases = [(trtcore.BuildError("build failed"), EXIT_FAILED), (trtcore.TensorRTError("enqueue"), EXIT_FAILED),
             (trtcore.BackendError("ort"), EXIT_FAILED), (trtcore.ShapeError("bad shape"), EXIT_BAD_INPUT),
             (trtcore.TensorRTNotFound("no libnvinfer"), EXIT_MISSING)]
    no_gpu = not trtcore.build_info()["cuda"]["devices"]
    cases.append((trtcore.CudaError("cudaErrorNoDevice"), EXIT_MISSING if no_gpu else EXIT_FAILED))
    for exc, code in cases:
        monkeypatch.setattr(cli, "subcommands", lambda: ["boom"])
        monkeypatch.setattr(cli.importlib, "import_module", lambda name, exc=exc: command(exc))
        assert main(["boom"]) == code, exc
        assert str(exc) in capsys.readouterr().err


def test_bad_log_level_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--log-level", "LOUD", "info"])
    assert e.value.code == 2 and "--log-level" in capsys.readouterr().err
