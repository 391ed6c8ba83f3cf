"""How trtcore finds a pip-installed TensorRT (issue 9, items 1 and 2), against fake libraries that behave like
NVIDIA's: pip puts libnvinfer.so.N and libnvinfer_builder_resource.so.<x.y.z> into the ``tensorrt_libs`` package
folder, and libnvinfer opens its builder resource by soname (it has no $ORIGIN RUNPATH), so the builder exists only
when that resource is already loaded or on the loader path. Each case runs in a fresh interpreter: the loaded
library and the search folders are process-wide."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _fresh import fresh_python
from _models import add_one
from trtcore import _core

MAJOR = _core.compiled_info()["tensorrt_major"]
MINOR = int(_core.compiled_info()["tensorrt"].split(".")[1]) if MAJOR else 0
CC = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
pytestmark = [
    pytest.mark.skipif(MAJOR is None, reason="trtcore was built without TensorRT headers"),
    pytest.mark.skipif(CC is None, reason="no C compiler to build the fake libraries"),
]

RESOURCE = f"libnvinfer_builder_resource.so.{MAJOR}.{MINOR}.0"

# What libnvinfer does in createInferBuilder: open its builder resource by soname. The fake records the loader's
# answer in $FAKE_MARKER and returns no builder (trtcore then reports that the builder could not be created).
FAKE_NVINFER = r"""
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
int getInferLibVersion(void) { return VERSION; }
void* createInferRuntime_INTERNAL(void* logger, int version) { (void)logger; (void)version; return NULL; }
void* createInferBuilder_INTERNAL(void* logger, int version) {
    (void)logger; (void)version;
    void* resource = dlopen(RESOURCE, RTLD_LAZY | RTLD_LOCAL);
    FILE* f = fopen(getenv("FAKE_MARKER"), "w");
    if (f) { fputs(resource ? "resource loaded" : dlerror(), f); fclose(f); }
    return NULL;
}
"""


def compile_shared(source: str, out: Path, *args: str) -> Path:
    src = out.parent / (out.name.replace(".", "_") + ".c")
    src.write_text(source)
    subprocess.run([CC, "-shared", "-fPIC", *args, "-o", str(out), str(src), "-ldl"], check=True)
    return out


def pip_tensorrt(site: Path, with_resource: bool = True) -> Path:
    """A pip-style ``tensorrt_libs`` package in ``site``: the libraries beside an empty __init__.py."""
    folder = site / "tensorrt_libs"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    version = MAJOR * 10000 + MINOR * 100
    compile_shared(FAKE_NVINFER, folder / f"libnvinfer.so.{MAJOR}", f"-DVERSION={version}",
                   f'-DRESOURCE="{RESOURCE}"')
    compile_shared("#include <stdbool.h>\nbool initLibNvInferPlugins(void* l, const char* n) { (void)l; (void)n; "
                   "return true; }\n", folder / f"libnvinfer_plugin.so.{MAJOR}")
    if with_resource:
        compile_shared("int builder_resource_marker(void) { return 1; }\n", folder / RESOURCE,
                       f"-Wl,-soname,{RESOURCE}")
    return folder


def in_fresh_python(code: str, site: Path, marker: Path) -> dict:
    """`code` in a fresh interpreter that sees `site` on its path but has no TRTCORE_TENSORRT_LIB_DIR."""
    return fresh_python(code, {"PYTHONPATH": os.pathsep.join([str(site), *sys.path]), "FAKE_MARKER": str(marker)},
                        drop=("TRTCORE_TENSORRT_LIB_DIR", "LD_LIBRARY_PATH"))


def test_build_in_a_fresh_process_finds_pip_tensorrt_and_its_builder_resource(tmp_path: Path) -> None:
    folder = pip_tensorrt(tmp_path / "site")
    onnx = add_one(tmp_path / "m.onnx", shape=[1, 3])
    marker = tmp_path / "marker"
    out = in_fresh_python(f"""
        import trtcore
        result = trtcore.build({str(onnx)!r})
        """, tmp_path / "site", marker)
    # Found in pip's folder without build_info() or an engine load first (it used to be TensorRTNotFound) ...
    assert out.get("type") != "TensorRTNotFound", out
    # ... and libnvinfer found its builder resource by soname: the fake returns no builder only after that.
    assert marker.read_text() == "resource loaded"
    assert out["type"] in ("TensorRTError", "BuildError") and "builder" in out["message"], out
    assert str(folder) not in os.environ.get("LD_LIBRARY_PATH", "")


def test_without_the_resource_the_fake_behaves_like_libnvinfer(tmp_path: Path) -> None:
    # The fake must fail the way the real library does when the resource is absent, else the test above proves
    # nothing.
    pip_tensorrt(tmp_path / "site", with_resource=False)
    onnx = add_one(tmp_path / "m.onnx", shape=[1, 3])
    marker = tmp_path / "marker"
    in_fresh_python(f"""
        import trtcore
        result = trtcore.build({str(onnx)!r})
        """, tmp_path / "site", marker)
    assert RESOURCE in marker.read_text() and "resource loaded" not in marker.read_text()


def test_cli_build_in_a_fresh_process_finds_pip_tensorrt(tmp_path: Path) -> None:
    pip_tensorrt(tmp_path / "site")
    onnx = add_one(tmp_path / "m.onnx", shape=[1, 3])
    env = {k: v for k, v in os.environ.items() if k not in ("TRTCORE_TENSORRT_LIB_DIR", "LD_LIBRARY_PATH")}
    env.update(PYTHONPATH=os.pathsep.join([str(tmp_path / "site"), *sys.path]), FAKE_MARKER=str(tmp_path / "m"))
    proc = subprocess.run([sys.executable, "-m", "trtcore", "build", "--onnx", str(onnx), "--saveEngine",
                           str(tmp_path / "m.engine")], env=env, capture_output=True, text=True, timeout=120)
    # 3 would be "a missing capability" (TensorRT not found); the fake's missing builder is a failed build: 1.
    assert proc.returncode == 1, proc.stderr
    assert "TensorRTNotFound" not in proc.stderr and "was not found" not in proc.stderr
    assert "builder" in proc.stderr
    assert not (tmp_path / "m.engine").exists()


def parser_build(tmp_path: Path, lib_dir: str) -> dict:
    from _fresh import fresh_python

    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    return fresh_python(f"""
        from trtcore import _core
        from build_models import build_request
        result = _core.build_engine(build_request({str(onnx)!r}), None, None).engine.decode()
        """, {"TRTCORE_TENSORRT_LIB_DIR": lib_dir})


def test_the_parser_beside_libnvinfer_wins_and_another_release_is_refused(tmp_path: Path) -> None:
    from _fake_tensorrt import fake_parser_release, fake_tensorrt

    nvinfer = fake_tensorrt(tmp_path / "trt", MAJOR, parser=False)
    stale = tmp_path / "stale"
    stale.mkdir()
    fake_parser_release(stale, (MAJOR, MINOR + 1, 3))  # another release, found first on the search path
    out = parser_build(tmp_path, f"{stale}:{nvinfer}")
    assert out["type"] == "TensorRTError", out
    assert f"is TensorRT {MAJOR}.{MINOR + 1}.3, but {nvinfer}/libnvinfer.so.{MAJOR} is TensorRT {MAJOR}.{MINOR}" in \
        out["message"]
    # The same release's parser beside libnvinfer is taken first, whatever comes earlier on the search path.
    fake_parser_release(nvinfer, (MAJOR, MINOR, 0))
    assert parser_build(tmp_path, f"{stale}:{nvinfer}") == {"result": "FAKEPLAN"}
