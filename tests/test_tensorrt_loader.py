"""TensorRT loading and argument checks that need no TensorRT library: what trtcore does when TensorRT is not
compiled in, not installed, the wrong version, or broken. Fake ``libnvinfer.so.<major>`` files are built here
with the C compiler; each fake is loaded in a subprocess (the loaded library is process-wide)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import trtcore
from _fake_tensorrt import FAKE_COMMON, cuda_headers, fake_tensorrt, tensorrt_headers
from _fresh import fresh_python
from build_models import build_request as request
from trtcore import _core

COMPILED = _core.compiled_info()
MAJOR = COMPILED["tensorrt_major"]
# The headers' minor: a library older than it is refused, so the fakes below claim at least this version.
MINOR = int(COMPILED["tensorrt"].split(".")[1]) if MAJOR else 0
needs_headers = pytest.mark.skipif(MAJOR is None, reason="trtcore was built without TensorRT headers")
no_headers = pytest.mark.skipif(MAJOR is not None, reason="trtcore was built with TensorRT headers")
REAL_TRT = _core.tensorrt_runtime_info([MAJOR])["found"] if MAJOR else False
CC = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler to build a fake libnvinfer")




# --- built without TensorRT headers (CI) -----------------------------------------------------------------------


@no_headers
def test_without_headers_every_entry_point_says_how_to_rebuild(tmp_path: Path) -> None:
    (tmp_path / "m.engine").write_bytes(b"plan")
    # _core holds no TensorRT entry point then (tests/test_stubs.py); python/trtcore raises in their stead.
    assert not any(hasattr(_core, n) for n in ("Engine", "build_engine", "merge_timing_caches", "tensorrt_version"))
    calls = [
        lambda: trtcore.load(b"plan"),
        lambda: trtcore.load(tmp_path / "m.engine"),
        lambda: trtcore.Engine.from_bytes(b"plan"),
    ]
    for call in calls:
        with pytest.raises(trtcore.TensorRTNotFound, match="built without TensorRT headers.*TensorRT_ROOT") as err:
            call()
        # ... and whether a TensorRT library is installed, with the places looked in when it is not.
        assert "libnvinfer.so." in str(err.value)


# --- headers compiled in, no library ----------------------------------------------------------------------------


@needs_headers
@pytest.mark.skipif(REAL_TRT, reason="a real libnvinfer is installed here")
def test_missing_library_lists_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRTCORE_TENSORRT_LIB_DIR", str(tmp_path))
    for call in (lambda: trtcore.load(b"not empty"), _core.tensorrt_version, lambda: _core.merge_timing_caches([])):
        with pytest.raises(trtcore.TensorRTNotFound) as err:
            call()
        message = str(err.value)
        assert f"libnvinfer.so.{MAJOR}" in message
        assert f"{tmp_path}/libnvinfer.so.{MAJOR}" in message
        assert "TRTCORE_TENSORRT_LIB_DIR" in message


@needs_headers
def test_plan_file_errors_name_the_file_before_any_library_is_needed(tmp_path: Path) -> None:
    missing = tmp_path / "missing.engine"
    with pytest.raises(trtcore.FileError, match="missing.engine"):
        trtcore.load(missing)
    with pytest.raises(trtcore.FileError, match="folder"):
        trtcore.load(tmp_path)
    empty = tmp_path / "empty.engine"
    empty.write_bytes(b"")
    with pytest.raises(trtcore.TensorRTError, match=r"empty.engine.*empty \(0 bytes\)"):
        trtcore.load(empty)
    with pytest.raises(trtcore.TensorRTError, match=r"<bytes>.*empty"):
        trtcore.load(b"")


@needs_headers
def test_build_request_is_validated_before_any_library_is_needed(tmp_path: Path) -> None:
    onnx = tmp_path / "m.onnx"
    with pytest.raises(trtcore.FileError, match="m.onnx"):
        _core.build_engine(request(onnx), None, None)
    onnx.write_bytes(b"\x08\x07")  # exists: validation goes on to the options
    with pytest.raises(trtcore.ArgumentError, match="unknown builder flag 'fastest'"):
        _core.build_engine(request(onnx, flags=["fastest"]), None, None)
    with pytest.raises(trtcore.ArgumentError, match="unknown memory pool 'vram'"):
        _core.build_engine(request(onnx, memory_pools={"vram": 1 << 20}), None, None)
    with pytest.raises(trtcore.ArgumentError, match="hardware compatibility level 'turing'"):
        _core.build_engine(request(onnx, hardware_compatibility_level="turing"), None, None)
    with pytest.raises(trtcore.ArgumentError, match="optimization level must be 0..5"):
        _core.build_engine(request(onnx, builder_optimization_level=9), None, None)
    mismatched = [{"x": ([1, 3], [2, 3], [4])}]
    with pytest.raises(trtcore.ShapeError, match="profile 0, input 'x'"):
        _core.build_engine(request(onnx, profiles=mismatched), None, None)
    with pytest.raises(trtcore.ArgumentError, match="unknown profiling verbosity 'loud'"):
        _core.build_engine(request(onnx, profiling_verbosity="loud"), None, None)


@pytest.mark.parametrize("field, value", [
    ("flags", "fp16"),  # a str is not a list of flags
    ("timing_cache", "cache.bin"),  # a cache is bytes
    ("memory_pools", [("workspace", -1)]),
    ("memory_pools", [("workspace", "1G")]),
    ("memory_pools", [("workspace", 2**64)]),
    ("profiles", ["x:1x3"]),
    ("builder_optimization_level", "2"),
])
def test_the_build_request_refuses_values_of_the_wrong_type(field: str, value: object) -> None:
    # The request is a bound C++ struct (in every build): what cannot be converted is refused when it is set.
    with pytest.raises(TypeError):
        setattr(_core.BuildRequest(), field, value)


def test_the_build_request_keeps_what_is_set() -> None:
    r = request(Path("m.onnx"), flags=["fp16"], memory_pools={"workspace": 2**40}, timing_cache=b"\xffcache",
                profiles=[{"x": ([1, 3], [2, 3], [4, 3])}])
    assert (r.onnx_path, r.flags, r.memory_pools, r.timing_cache) == ("m.onnx", ["fp16"], [("workspace", 2**40)],
                                                                      b"\xffcache")
    ((x,),) = r.profiles
    assert (x.name, x.min, x.opt, x.max) == ("x", [1, 3], [2, 3], [4, 3])
    assert (_core.BuildRequest().builder_optimization_level, _core.BuildRequest().timing_cache) == (-1, None)
    with pytest.raises(TypeError):
        _core.ProfileInput("x", [1], [1], "4")


@needs_headers
@pytest.mark.skipif(MAJOR is not None and MAJOR < 11, reason="TensorRT 10 has weak-typing flags")
def test_tensorrt11_rejects_weak_typing_flags(tmp_path: Path) -> None:
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    for flag in ("fp16", "bf16", "int8", "fp8"):
        with pytest.raises(trtcore.ArgumentError, match=f"TensorRT 11 has no {flag} builder flag.*convert"):
            _core.build_engine(request(onnx, flags=[flag]), None, None)


@needs_headers
@pytest.mark.skipif(MAJOR != 10, reason="checks the TensorRT 10 flag table")
def test_tensorrt10_accepts_weak_typing_flags_at_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    monkeypatch.setenv("TRTCORE_TENSORRT_LIB_DIR", str(tmp_path))
    # Validation passes: what fails next is finding the library (or, with TensorRT installed, parsing).
    with pytest.raises((trtcore.TensorRTNotFound, trtcore.BuildError)):
        _core.build_engine(request(onnx, flags=["fp16", "int8", "strongly_typed", "no_tf32"]), None, None)


# --- fake libraries ---------------------------------------------------------------------------------------------

FAKE_NVINFER = r"""
#include <stddef.h>
int getInferLibVersion(void) { return VERSION; }
#ifdef WITH_FACTORIES
void* createInferRuntime_INTERNAL(void* logger, int version) { (void)logger; (void)version; return NULL; }
void* createInferBuilder_INTERNAL(void* logger, int version) { (void)logger; (void)version; return NULL; }
#endif
"""

# libnvinfer_plugin's entry point keeps the logger it is given (as the real one does); fake_plugin_log logs through
# it later, calling ILogger::log through the vtable: slot 0 in 10.x; in 11.x ILogger derives IVersionedInterface,
# whose getAPILanguage, getInterfaceInfo and destructor (two slots) come first, so log is slot 4.
FAKE_NVINFER_PLUGIN = r"""
#include <stdbool.h>
static void* g_logger;
bool initLibNvInferPlugins(void* logger, const char* ns) { (void)ns; g_logger = logger; return true; }
void fake_plugin_log(const char* msg) {
    typedef void (*LogFn)(void* self, int severity, const char* msg);
    void** vtable = *(void***)g_logger;
    ((LogFn)vtable[LOG_SLOT])(g_logger, 2 /* Severity::kWARNING */, msg);
}
"""

FAKE_PLUGIN = r"""
#include <stdio.h>
#include <stdlib.h>
__attribute__((constructor)) static void loaded(void) {
    FILE* f = fopen(getenv("FAKE_PLUGIN_MARKER"), "w");
    if (f) { fputs("loaded", f); fclose(f); }
}
"""


# A libnvinfer whose builder records what trtcore configures. Like NVIDIA's, the public classes (IBuilder,
# IBuilderConfig, INetworkDefinition) are the headers' own, forwarding through `mImpl` to an implementation object
# (apiv::V*) that lives in the library. Ours has a vtable of do-nothing slots; the slots trtcore's build path
# calls record the call (to $FAKE_TRT_RECORD). Compiled against the same TensorRT headers as trtcore, so the
# slots are the headers' own; the build then stops at the missing libnvonnxparser.
FAKE_NVINFER_BUILDER = r"""
#include <NvInfer.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace api = nvinfer1::apiv;
using nvinfer1::BuilderFlag;

""" + FAKE_COMMON + r"""
const char* flag_name(BuilderFlag f) {
    switch (f) {
#if NV_TENSORRT_MAJOR < 11
        case BuilderFlag::kFP16: return "kFP16";
        case BuilderFlag::kBF16: return "kBF16";
        case BuilderFlag::kINT8: return "kINT8";
#endif
        case BuilderFlag::kTF32: return "kTF32";
        case BuilderFlag::kVERSION_COMPATIBLE: return "kVERSION_COMPATIBLE";
        case BuilderFlag::kREFIT: return "kREFIT";
        default: return "other";
    }
}

struct Impl {  // an apiv::V* object: a vtable pointer, here to its own table
    void* const* vptr = table;
    void* table[1024];
    Impl() { for (auto& s : table) s = reinterpret_cast<void*>(&nothing); }
    template <typename F, typename Fn> void set(F member, Fn fn) { table[slot(member)] = reinterpret_cast<void*>(fn); }
};

struct Config : nvinfer1::IBuilderConfig {
    Impl impl;
    Config() {
        mImpl = reinterpret_cast<api::VBuilderConfig*>(&impl);
        impl.set(&api::VBuilderConfig::setFlag,
                 +[](void*, BuilderFlag f) { record(std::string("setFlag ") + flag_name(f)); });
        impl.set(&api::VBuilderConfig::clearFlag,
                 +[](void*, BuilderFlag f) { record(std::string("clearFlag ") + flag_name(f)); });
        impl.set(&api::VBuilderConfig::setMemoryPoolLimit, +[](void*, nvinfer1::MemoryPoolType p, std::size_t n) {
            record("setMemoryPoolLimit " + std::to_string(static_cast<int>(p)) + " " + std::to_string(n));
        });
        impl.set(&api::VBuilderConfig::setBuilderOptimizationLevel,
                 +[](void*, int32_t level) { record("setBuilderOptimizationLevel " + std::to_string(level)); });
    }
};

struct Network : nvinfer1::INetworkDefinition {
    Impl impl;
    Network() { mImpl = reinterpret_cast<api::VNetworkDefinition*>(&impl); }
};

struct Builder : nvinfer1::IBuilder {
    Impl impl;
    Builder() {
        mImpl = reinterpret_cast<api::VBuilder*>(&impl);
        impl.set(&api::VBuilder::createNetworkV2, +[](void*, nvinfer1::NetworkDefinitionCreationFlags flags) {
            record("createNetworkV2 " + std::to_string(flags));
            return static_cast<nvinfer1::INetworkDefinition*>(new Network);
        });
        impl.set(&api::VBuilder::createBuilderConfig,
                 +[](void*) { return static_cast<nvinfer1::IBuilderConfig*>(new Config); });
    }
};
}  // namespace

extern "C" int getInferLibVersion() {
    return NV_TENSORRT_MAJOR * 10000 + NV_TENSORRT_MINOR * 100 + NV_TENSORRT_PATCH;
}
extern "C" void* createInferRuntime_INTERNAL(void*, int) { return nullptr; }
extern "C" void* createInferBuilder_INTERNAL(void*, int) { return static_cast<nvinfer1::IBuilder*>(new Builder); }
"""


def fake_nvinfer_builder(folder: Path) -> Path:
    headers, cuda, cxx = tensorrt_headers(), cuda_headers(), shutil.which("c++") or shutil.which("g++")
    if headers is None or cuda is None or cxx is None:
        pytest.skip("needs a C++ compiler, the CUDA headers and TensorRT_ROOT (the TensorRT headers) to build the "
                    "fake builder")
    src = folder / "fake_builder.cpp"
    src.write_text(FAKE_NVINFER_BUILDER)
    out = folder / f"libnvinfer.so.{MAJOR}"
    subprocess.run([cxx, "-std=c++17", "-shared", "-fPIC", "-Wno-deprecated-declarations", "-isystem",
                    str(headers), "-isystem", str(cuda), "-o", str(out), str(src)], check=True)
    return out


def compile_shared(source: str, out: Path, *defines: str) -> Path:
    src = out.with_suffix(".c")
    src.write_text(source)
    subprocess.run([CC, "-shared", "-fPIC", *[f"-D{d}" for d in defines], "-o", str(out), str(src)], check=True)
    return out


def fake_nvinfer(folder: Path, version: int, factories: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    defines = [f"VERSION={version}"] + (["WITH_FACTORIES"] if factories else [])
    return compile_shared(FAKE_NVINFER, folder / f"libnvinfer.so.{MAJOR}", *defines)


def run_python(code: str, lib_dir: Path, cwd: Path | None = None, **env: str) -> dict:
    """Runs `code` (which sets `result`) in a fresh interpreter with TRTCORE_TENSORRT_LIB_DIR=lib_dir; `code` can
    call `request(onnx_path, **fields)` (build_models.build_request)."""
    prelude = "import trtcore\nfrom trtcore import _core\nfrom build_models import build_request as request"
    return fresh_python(code, {"TRTCORE_TENSORRT_LIB_DIR": str(lib_dir), **env}, cwd=cwd, timeout=60,
                        prelude=prelude)


@needs_headers
@needs_cc
def test_library_of_another_major_is_refused(tmp_path: Path) -> None:
    other = MAJOR - 1 if MAJOR > 10 else MAJOR + 1
    lib = fake_nvinfer(tmp_path, other * 10000 + 3 * 100 + 1, factories=True)
    out = run_python("result = trtcore.load(b'plan')", tmp_path)
    assert out["type"] == "TensorRTError", out
    assert f"{lib} is TensorRT {other}.3.1" in out["message"]
    assert f"compiled against TensorRT {MAJOR}.x headers ({MAJOR}.{MINOR})" in out["message"]


@needs_headers
@needs_cc
@pytest.mark.skipif(MINOR == 0, reason="the headers are an x.0 release: no older minor of their major exists")
def test_library_older_than_the_headers_is_refused_naming_both_versions(tmp_path: Path) -> None:
    lib = fake_nvinfer(tmp_path, MAJOR * 10000 + (MINOR - 1) * 100 + 4, factories=True)
    out = run_python("result = trtcore.load(b'plan')", tmp_path)
    assert out["type"] == "TensorRTError", out
    assert f"{lib} is TensorRT {MAJOR}.{MINOR - 1}.4, older than the TensorRT {MAJOR}.{MINOR} headers" in out["message"]
    assert f"install TensorRT {MAJOR}.{MINOR} or a newer {MAJOR}.x" in out["message"]
    out = run_python("result = _core.tensorrt_version()", tmp_path)
    assert out["type"] == "TensorRTError" and "older than" in out["message"], out


@needs_headers
@needs_cc
def test_library_without_entry_points_is_not_tensorrt(tmp_path: Path) -> None:
    fake_nvinfer(tmp_path, MAJOR * 10000 + MINOR * 100 + 1, factories=False)
    out = run_python("result = trtcore.load(b'plan')", tmp_path)
    assert out["type"] == "TensorRTNotFound", out
    assert "has no symbol createInferRuntime_INTERNAL" in out["message"]


@needs_headers
@needs_cc
def test_failing_factories_raise_tensorrt_error(tmp_path: Path) -> None:
    # A newer minor than the headers' loads (TensorRT keeps its ABI within a major).
    fake_nvinfer(tmp_path, MAJOR * 10000 + (MINOR + 1) * 100 + 2, factories=True)
    assert run_python("result = _core.tensorrt_version()", tmp_path)["result"] == f"{MAJOR}.{MINOR + 1}.2"
    out = run_python("result = trtcore.load(b'plan')", tmp_path)
    assert out["type"] == "TensorRTError" and "could not create a runtime" in out["message"], out
    out = run_python("result = _core.merge_timing_caches([b'x'])", tmp_path)
    assert out["type"] == "TensorRTError" and "could not create a builder" in out["message"], out


@needs_headers
@needs_cc
@pytest.mark.skipif(REAL_TRT, reason="a real libnvinfer_plugin would be found beside the real libnvinfer")
def test_build_loads_plugins_then_reports_missing_standard_plugins(tmp_path: Path) -> None:
    fake_tensorrt(tmp_path, MAJOR)  # builds FAKEPLAN; no libnvinfer_plugin beside it
    plugin = compile_shared(FAKE_PLUGIN, tmp_path / "libmyplugin.so")
    marker = tmp_path / "marker.txt"
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    code = f"""
    logs = []
    r = request({str(onnx)!r}, plugins=[{str(plugin)!r}])
    try:
        _core.build_engine(r, None, lambda sev, msg: logs.append([sev, msg]))
    except trtcore.Error as e:
        result = [type(e).__name__, str(e), logs]
    else:
        result = ["built", "", logs]
    """
    kind, message, logs = run_python(code, tmp_path, FAKE_PLUGIN_MARKER=str(marker))["result"]
    assert marker.read_text() == "loaded"  # the plugin library was loaded for the build
    assert kind == "built", message
    assert any(sev == "warning" and "standard plugins are unavailable" in msg for sev, msg in logs), logs

    code = f"""
    try:
        _core.build_engine(request({str(onnx)!r}, plugins=[{str(tmp_path / "nope.so")!r}]), None, None)
    except trtcore.Error as e:
        result = [type(e).__name__, str(e)]
    """
    kind, message = run_python(code, tmp_path)["result"]
    assert kind == "FileError" and "cannot load plugin library" in message and "nope.so" in message


@needs_headers
@needs_cc
@pytest.mark.skipif(REAL_TRT, reason="a real libnvinfer is installed here")
def test_a_plugin_path_without_a_slash_is_a_file_in_the_working_folder(tmp_path: Path) -> None:
    fake_tensorrt(tmp_path, MAJOR)
    compile_shared(FAKE_PLUGIN, tmp_path / "libmyplugin.so")
    marker = tmp_path / "marker.txt"
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    code = """
    try:
        _core.build_engine(request({onnx!r}, plugins=[{plugin!r}]), None, None)
    except trtcore.Error as e:
        result = [type(e).__name__, str(e)]
    else:
        result = ["built", ""]
    """
    # dlopen("libmyplugin.so") alone would search the loader path and miss the file in the working folder.
    kind, message = run_python(code.format(onnx=str(onnx), plugin="libmyplugin.so"), tmp_path, cwd=tmp_path,
                               FAKE_PLUGIN_MARKER=str(marker))["result"]
    assert marker.read_text() == "loaded", (kind, message)
    assert kind == "built", message
    # ...and a bare name is never looked up on the loader path: libc.so.6 is there, but not in this folder.
    kind, message = run_python(code.format(onnx=str(onnx), plugin="libc.so.6"), tmp_path, cwd=tmp_path)["result"]
    assert kind == "FileError" and "cannot load plugin library libc.so.6" in message and "./libc.so.6" in message


@needs_headers
@needs_cc
@pytest.mark.skipif(REAL_TRT, reason="a real libnvinfer_plugin would be found beside the real libnvinfer")
def test_plugin_library_logs_through_a_logger_that_outlives_the_build(tmp_path: Path) -> None:
    fake_nvinfer(tmp_path, MAJOR * 10000 + MINOR * 100 + 1, factories=True)
    plugin = compile_shared(FAKE_NVINFER_PLUGIN, tmp_path / f"libnvinfer_plugin.so.{MAJOR}",
                            f"LOG_SLOT={4 if MAJOR >= 11 else 0}")
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    code = f"""
    import ctypes, logging
    records = []
    class Keep(logging.Handler):
        def emit(self, record):
            records.append([record.name, record.levelname, record.getMessage()])
    logging.getLogger("trtcore.tensorrt").addHandler(Keep())
    build_logs = []
    try:
        _core.build_engine(request({str(onnx)!r}), None, lambda sev, msg: build_logs.append(msg))
    except trtcore.TensorRTError as e:
        failure = str(e)
    def churn(depth):  # reuse the stack the build ran on, as later calls would
        return 0 if depth == 0 else churn(depth - 1) + len(str(list(range(depth))))
    churn(200)
    ctypes.CDLL({str(plugin)!r}).fake_plugin_log(b"late plugin message")
    result = [failure, records, build_logs]
    """
    failure, records, build_logs = run_python(code, tmp_path)["result"]
    assert "could not create a builder" in failure  # the build got past initLibNvInferPlugins, then failed
    assert not any("standard plugins are unavailable" in m for m in build_logs), build_logs
    # The build is over; the logger libnvinfer_plugin kept still works and forwards to Python's logging.
    assert ["trtcore.tensorrt", "WARNING", "late plugin message"] in records, records


def configured(tmp_path: Path, **fields: object) -> tuple[str, list[str]]:
    """Builds `fields` against the recording fake libnvinfer: (the error the build stopped with, the calls)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    fake_nvinfer_builder(tmp_path)
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    record = tmp_path / "calls.txt"
    code = f"""
    try:
        _core.build_engine(request({str(onnx)!r}, **{fields!r}), None, None)
    except trtcore.Error as e:
        result = type(e).__name__ + ": " + str(e)
    """
    stopped = run_python(code, tmp_path, FAKE_TRT_RECORD=str(record))["result"]
    return stopped, record.read_text().splitlines() if record.exists() else []


@needs_headers
@pytest.mark.skipif(REAL_TRT, reason="a real libnvonnxparser would be found beside the real libnvinfer")
@pytest.mark.skipif(MAJOR != 10, reason="TensorRT 11 has no weak-typing flags: precision comes from the model")
def test_precision_flags_reach_the_builder_config_on_tensorrt10(tmp_path: Path) -> None:
    stopped, calls = configured(tmp_path, flags=["fp16", "int8", "bf16"])
    assert "nvonnxparser" in stopped, stopped  # configured, then stopped: this fake has no ONNX parser
    assert [c for c in calls if c.startswith("setFlag")] == ["setFlag kFP16", "setFlag kINT8", "setFlag kBF16"]
    assert calls[0] == "createNetworkV2 0"  # weakly typed


@needs_headers
@pytest.mark.skipif(REAL_TRT, reason="a real libnvonnxparser would be found beside the real libnvinfer")
def test_request_options_reach_the_builder_config(tmp_path: Path) -> None:
    stopped, calls = configured(tmp_path, flags=["no_tf32", "version_compatible", "refit"],
                                memory_pools={"workspace": 64 << 20}, builder_optimization_level=2)
    assert "nvonnxparser" in stopped, stopped
    assert "clearFlag kTF32" in calls and "setFlag kVERSION_COMPATIBLE" in calls and "setFlag kREFIT" in calls
    assert f"setMemoryPoolLimit 0 {64 << 20}" in calls  # MemoryPoolType::kWORKSPACE is 0 in 10.x and 11.x
    assert "setBuilderOptimizationLevel 2" in calls
    assert not any(c.startswith("setFlag k") and c.endswith("16") for c in calls)
    _, default = configured(tmp_path / "defaults")
    assert not any(c.startswith(("setFlag", "clearFlag", "setMemoryPoolLimit", "setBuilderOptimizationLevel"))
                   for c in default), default


@needs_headers
@pytest.mark.skipif(REAL_TRT, reason="a real libnvonnxparser would be found beside the real libnvinfer")
@pytest.mark.skipif(MAJOR != 10, reason="TensorRT 11 networks are always strongly typed")
def test_strongly_typed_is_a_network_creation_flag_on_tensorrt10(tmp_path: Path) -> None:
    _, calls = configured(tmp_path, flags=["strongly_typed"])
    assert calls[0] == "createNetworkV2 2"  # 1 << NetworkDefinitionCreationFlag::kSTRONGLY_TYPED (= 1)
    assert not any(c.startswith("setFlag") for c in calls)
