"""Plugins and version-compatible plans against the fake TensorRT (tests/_fake_tensorrt.py; issue 9, item 4 and
the RTLD_LOCAL part of item 7): plugin libraries are registered through IPluginRegistry::loadLibrary as trtexec
does, engines load with a plugin list and, for plans built with exclude_lean_runtime, a lean runtime
(IRuntime::loadRuntime); version-compatible builds serialize the plugin libraries the parser reports. Each case
runs in a fresh interpreter (the loaded library is process-wide)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _fake_tensorrt import FAKE_ONLY, MAJOR, run_with_fake, DYNAMIC_PLUGIN, STATIC_PLUGIN, compile_c, fake_tensorrt

pytestmark = FAKE_ONLY


run = run_with_fake


def calls(record: Path) -> list[str]:
    return record.read_text().splitlines() if record.exists() else []


@pytest.fixture
def trt(tmp_path: Path) -> Path:
    return fake_tensorrt(tmp_path / "trt", MAJOR)


def test_engine_plugins_go_through_the_runtimes_plugin_registry(trt: Path, tmp_path: Path) -> None:
    plugin = compile_c(DYNAMIC_PLUGIN, tmp_path / "libdyn.so")
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    record = tmp_path / "calls.txt"
    out = run(f"""
        eng = trtcore.Engine.from_file({str(plan)!r}, plugins=[{str(plugin)!r}])
        result = [t.name for t in eng.inputs]
        """, trt, record)
    assert out == {"result": ["x"]}, out
    # Registered (getCreators called by the registry) before the plan was deserialized, not merely dlopened.
    assert calls(record)[-2:] == [f"registry loadLibrary {plugin} creators=1", "registry deserializeCudaEngine PLAN"]


def test_the_deprecated_get_plugin_creators_entry_point_is_registered_too(trt: Path, tmp_path: Path) -> None:
    plugin = compile_c(DYNAMIC_PLUGIN.replace("getCreators", "getPluginCreators"), tmp_path / "libold.so")
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    record = tmp_path / "calls.txt"
    out = run(f"""
        for _ in range(2):  # once per registry: loading a library twice into one registry fails in TensorRT
            eng = trtcore.Engine.from_file({str(plan)!r}, plugins=[{str(plugin)!r}])
        result = len(eng.inputs)
        """, trt, record)
    assert out == {"result": 1}, out
    assert calls(record).count(f"registry loadLibrary {plugin} creators=1") == 1


def test_a_library_the_registry_refuses_is_an_error_with_tensorrts_reason(trt: Path, tmp_path: Path) -> None:
    plugin = compile_c(DYNAMIC_PLUGIN, tmp_path / "libdyn.so")
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    out = run(f"result = trtcore.Engine.from_file({str(plan)!r}, plugins=[{str(plugin)!r}])", trt,
              tmp_path / "calls.txt", FAKE_REGISTRY_REFUSE="Plugin creator MyOp version 1 is already registered")
    assert out["type"] == "TensorRTError", out
    assert "could not load plugin library" in out["message"] and str(plugin) in out["message"]
    assert "MyOp version 1 is already registered" in out["message"]


def test_plugin_that_does_not_link_libnvinfer_loads_and_registers(trt: Path, tmp_path: Path) -> None:
    # Static registration: the library's initialiser calls getPluginRegistry() from libnvinfer, which it does not
    # link. It loads only if libnvinfer's symbols are global (trtcore opens libnvinfer RTLD_LOCAL).
    plugin = compile_c(STATIC_PLUGIN, tmp_path / "libstatic.so")
    marker = tmp_path / "marker.txt"
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    out = run(f"result = len(trtcore.Engine.from_file({str(plan)!r}, plugins=[{str(plugin)!r}]).inputs)", trt,
              tmp_path / "calls.txt", FAKE_PLUGIN_MARKER=str(marker))
    assert out == {"result": 1}, out
    assert marker.read_text().startswith("registered with 0x")


def test_missing_plugin_file_names_the_file(trt: Path, tmp_path: Path) -> None:
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    out = run(f"result = trtcore.Engine.from_file({str(plan)!r}, plugins=[{str(tmp_path / 'nope.so')!r}])", trt,
              tmp_path / "calls.txt")
    assert out["type"] == "FileError" and "cannot load plugin library" in out["message"], out
    assert "nope.so" in out["message"]


def test_failed_deserialize_carries_tensorrts_words_and_mentions_plugins(trt: Path, tmp_path: Path) -> None:
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    out = run(f"result = trtcore.Engine.from_file({str(plan)!r})", trt, tmp_path / "calls.txt",
              FAKE_DESERIALIZE_ERROR="IPluginRegistry::getCreator: Error Code 4: Cannot find plugin: MyOp")
    assert out["type"] == "TensorRTError", out
    assert "Cannot find plugin: MyOp" in out["message"] and "plugins=[...]" in out["message"]


def lean_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """An (empty) lean runtime library of this major, a version-compatible plan and the call record's path."""
    lean = tmp_path / f"libnvinfer_lean.so.{MAJOR}"
    lean.write_bytes(b"")
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"VCPLAN")
    return lean, plan, tmp_path / "calls.txt"


def test_lean_runtime_loads_the_plan_and_takes_the_plugins(trt: Path, tmp_path: Path) -> None:
    plugin = compile_c(DYNAMIC_PLUGIN, tmp_path / "libdyn.so")
    lean, plan, record = lean_files(tmp_path)
    out = run(f"""
        eng = trtcore.Engine.from_file({str(plan)!r}, plugins=[{str(plugin)!r}], lean_runtime={str(lean)!r})
        result = len(eng.inputs)
        """, trt, record)
    assert out == {"result": 1}, out
    # The plan is deserialized by the lean runtime, and the plugins go into that runtime's own registry.
    assert f"loadRuntime {lean}" in calls(record)
    assert calls(record)[-2:] == [f"lean-registry loadLibrary {plugin} creators=1",
                                  "lean-registry deserializeCudaEngine VCPLAN"]

    out = run(f"result = trtcore.Engine.from_file({str(plan)!r}, lean_runtime={str(tmp_path / 'none.so')!r})",
              trt, record)
    assert out["type"] == "FileError" and "lean runtime" in out["message"] and "none.so" in out["message"], out


def test_version_compatible_build_serializes_the_parsers_plugin_libraries(trt: Path, tmp_path: Path) -> None:
    vc = compile_c(DYNAMIC_PLUGIN, tmp_path / "libvc_plugin.so")
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    record = tmp_path / "calls.txt"
    code = f"result = _core.build_engine(request({str(onnx)!r}, flags=FLAGS), None, None).engine.decode()"
    out = run(code.replace("FLAGS", "['version_compatible']"), trt, record, FAKE_VC_PLUGINS=str(vc))
    assert out == {"result": "FAKEPLAN"}, out
    assert f"registry loadLibrary {vc} creators=1" in calls(record)  # registered for the build ...
    assert f"setPluginsToSerialize {vc}" in calls(record)  # ... and carried in the plan

    record.unlink()
    out = run(code.replace("FLAGS", "['version_compatible', 'exclude_lean_runtime']"), trt, record,
              FAKE_VC_PLUGINS=str(vc))
    assert out == {"result": "FAKEPLAN"}, out
    assert f"registry loadLibrary {vc} creators=1" in calls(record)
    assert not any(c.startswith("setPluginsToSerialize") for c in calls(record))  # the application ships them

    record.unlink()
    out = run(code.replace("FLAGS", "[]"), trt, record, FAKE_VC_PLUGINS=str(vc))
    assert out == {"result": "FAKEPLAN"}, out
    assert not any("loadLibrary" in c or "setPluginsToSerialize" in c for c in calls(record))


def test_build_plugins_are_registered_with_the_builders_registry(trt: Path, tmp_path: Path) -> None:
    plugin = compile_c(DYNAMIC_PLUGIN, tmp_path / "libdyn.so")
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    record = tmp_path / "calls.txt"
    out = run(f"result = _core.build_engine(request({str(onnx)!r}, plugins=[{str(plugin)!r}]), None, None)"
              ".engine.decode()", trt, record)
    assert out == {"result": "FAKEPLAN"}, out
    assert calls(record).index(f"registry loadLibrary {plugin} creators=1") < calls(record).index("build finished")


def test_cli_plugins_reach_the_registry_before_the_engine_loads(trt: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    plugin = compile_c(DYNAMIC_PLUGIN, tmp_path / "libdyn.so")
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    record = tmp_path / "calls.txt"
    env = {**os.environ, "TRTCORE_TENSORRT_LIB_DIR": str(trt), "FAKE_TRT_RECORD": str(record)}
    proc = subprocess.run([sys.executable, "-m", "trtcore", "run", str(plan), "--plugins", str(plugin)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    # Loaded with the plugin registered first; what follows (running it) needs a GPU the fake does not have.
    lines = calls(record)
    loaded = lines.index(f"registry loadLibrary {plugin} creators=1") if lines else -1
    assert lines[loaded:loaded + 2] == [f"registry loadLibrary {plugin} creators=1",
                                        "registry deserializeCudaEngine PLAN"], (lines, proc.stderr)


def test_temp_dir_and_tempfile_controls_reach_the_runtime_before_deserializing(trt: Path, tmp_path: Path) -> None:
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    record = tmp_path / "calls.txt"
    out = run(f"""
        eng = trtcore.Engine.from_file({str(plan)!r}, temp_dir={str(scratch)!r},
                                       tempfile_controls={{"temporary": False}})
        eng2 = trtcore.Engine.from_bytes(b"PLAN2", tempfile_controls={{"in_memory": False, "temporary": True}})
        result = len(eng.inputs) + len(eng2.inputs)
        """, trt, record)
    assert out == {"result": 2}, out
    lines = calls(record)
    first = lines.index(f"registry setTemporaryDirectory {scratch}")
    # temporary denied: only bit 0 (kALLOW_IN_MEMORY_FILES) set; then in_memory denied: only bit 1.
    assert lines[first + 1] == "registry setTempfileControlFlags 1", lines
    assert first < lines.index("registry deserializeCudaEngine PLAN")
    second = lines.index("registry deserializeCudaEngine PLAN2")
    assert "registry setTempfileControlFlags 2" in lines[first + 2:second], lines
    # No temp_dir given: TensorRT's default folder stays (setTemporaryDirectory is not called again).
    assert sum(line.startswith("registry setTemporaryDirectory") for line in lines) == 1


def test_defaults_allow_both_kinds_of_temporary_file_as_tensorrt_does(trt: Path, tmp_path: Path) -> None:
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    record = tmp_path / "calls.txt"
    out = run(f"result = len(trtcore.Engine.from_file({str(plan)!r}).inputs)", trt, record)
    assert out == {"result": 1}, out
    assert "registry setTempfileControlFlags 3" in calls(record)
    assert not any(line.startswith("registry setTemporaryDirectory") for line in calls(record))


def test_lean_runtime_gets_the_temp_dir_too(trt: Path, tmp_path: Path) -> None:
    lean, plan, record = lean_files(tmp_path)
    out = run(f"""
        eng = trtcore.Engine.from_file({str(plan)!r}, lean_runtime={str(lean)!r}, temp_dir={str(tmp_path)!r},
                                       tempfile_controls={{"in_memory": False}})
        result = len(eng.inputs)
        """, trt, record)
    assert out == {"result": 1}, out
    lines = calls(record)
    assert f"lean-registry setTemporaryDirectory {tmp_path}" in lines
    assert lines.index("lean-registry setTempfileControlFlags 2") < lines.index("lean-registry deserializeCudaEngine VCPLAN")


def test_a_missing_temp_dir_or_a_bad_control_is_an_error_naming_it(trt: Path, tmp_path: Path) -> None:
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    record = tmp_path / "calls.txt"
    out = run(f"result = trtcore.Engine.from_file({str(plan)!r}, temp_dir={str(tmp_path / 'gone')!r})", trt, record)
    assert out["type"] == "FileError" and "gone" in out["message"] and "temporary files" in out["message"], out
    out = run(f"result = trtcore.Engine.from_file({str(plan)!r}, temp_dir={str(plan)!r})", trt, record)
    assert out["type"] == "FileError" and "not a folder" in out["message"], out
    assert not any("deserializeCudaEngine" in line for line in calls(record))  # refused before loading
    out = run(f"result = trtcore.Engine.from_file({str(plan)!r}, tempfile_controls={{'on_disk': False}})", trt,
              record)
    assert out["type"] == "ArgumentError" and "on_disk" in out["message"] and "tempfile_controls" in out["message"]
    out = run(f"result = trtcore.Engine.from_file({str(plan)!r}, tempfile_controls={{'in_memory': 'deny'}})", trt,
              record)
    assert out["type"] == "ArgumentError" and "True (allow) or False (deny)" in out["message"], out
