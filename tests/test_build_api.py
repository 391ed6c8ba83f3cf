"""trtcore.build() against a stand-in `_core.build_engine` (the C++ side's contract, build_contract.md), and the
`trtcore build` command line. No TensorRT needed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import onnx
import pytest
from build_models import fcn_style, qdq_model, resnet_style, save, two_input_model

import trtcore
from trtcore import _core
from trtcore._info import REBUILD_WITH_TENSORRT
from trtcore.builder import BuildConfig, ProgressEvent, build_report, plan_build, write_file_atomic
from trtcore.builder.shapes import Profile
from trtcore.cli import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_MISSING, EXIT_OK, main
from trtcore.errors import ArgumentError, BuildError, FileError, ShapeError, TensorRTNotFound

ENGINE = b"\x7fplan" + bytes(range(256)) * 64


class FakeCore:
    """Stands in for the C++ builder: records requests, drives progress like IProgressMonitor would."""

    def __init__(self, engine: bytes = ENGINE, cache_out: bytes | None = b"cache-v2", steps: int = 3) -> None:
        self.engine, self.cache_out, self.steps = engine, cache_out, steps
        self.requests: list[dict] = []
        self.seen_onnx: list[onnx.ModelProto] = []
        self.on_step = None

    def build_engine(self, request, progress, log):
        self.requests.append(request)
        self.seen_onnx.append(onnx.load(request.onnx_path))  # the file must exist while the builder runs
        log("info", "parsing")
        progress("start", "Building engine", None, self.steps)
        progress("start", "Tactics", "Building engine", 2)
        for j in range(2):
            progress("step", "Tactics", "Building engine", j)
        progress("finish", "Tactics", "Building engine", 0)
        for i in range(self.steps):
            if self.on_step:
                self.on_step(i)
            if not progress("step", "Building engine", None, i):
                raise BuildError("build cancelled")
        progress("finish", "Building engine", None, 0)
        result = _core.BuildResult()
        result.engine, result.timing_cache, result.timing_cache_used = self.engine, self.cache_out, bool(
            request.timing_cache)
        result.seconds, result.tensorrt_version = 1.25, "10.16.0"
        return result


def profiles(req) -> list[dict]:
    """The request's profiles as [{input: {"min": ..., "opt": ..., "max": ...}}]."""
    return [{p.name: {"min": p.min, "opt": p.opt, "max": p.max} for p in profile} for profile in req.profiles]


@pytest.fixture
def fake(monkeypatch):
    core = FakeCore()
    info = dict(_core.compiled_info())
    info.update(tensorrt="10.16.0", tensorrt_major=10)
    monkeypatch.setattr(_core, "compiled_info", lambda: info)
    monkeypatch.setattr(_core, "build_engine", core.build_engine, raising=False)
    return core


@pytest.fixture
def resnet(tmp_path):
    return save(resnet_style(), tmp_path, "resnet.onnx")


def test_request_matches_contract(fake, resnet, tmp_path):
    plugin = tmp_path / "libplugin.so"
    plugin.write_bytes(b"")
    cfg = BuildConfig.from_trtexec([
        "--fp16", "--noTF32", "--minShapes=input:1x3x32x32", "--optShapes=input:8x3x32x32",
        "--maxShapes=input:16x3x32x32", "--optShapes=input:32x3x32x32", "--memPoolSize=workspace:1G",
        "--builderOptimizationLevel=2", "--maxAuxStreams=1", "--hardwareCompatibilityLevel=ampere+",
        "--versionCompatible", f"--plugins={plugin}", "--verbose", "--profilingVerbosity=detailed"])
    engine = trtcore.build(resnet, cfg)
    assert engine == ENGINE
    (req,) = fake.requests
    assert isinstance(req, _core.BuildRequest)
    assert req.onnx_path == str(resnet)
    assert req.flags == ["fp16", "no_tf32", "version_compatible"]
    assert profiles(req) == [
        {"input": {"min": [1, 3, 32, 32], "opt": [8, 3, 32, 32], "max": [16, 3, 32, 32]}},
        {"input": {"min": [32, 3, 32, 32], "opt": [32, 3, 32, 32], "max": [32, 3, 32, 32]}}]
    assert req.memory_pools == [("workspace", 2**30)]
    assert (req.builder_optimization_level, req.max_aux_streams) == (2, 1)
    assert req.hardware_compatibility_level == "ampere_plus"
    assert req.timing_cache is None and req.plugins == [str(plugin.resolve())] and req.verbose is True
    assert req.profiling_verbosity == "detailed"


def test_static_model_sends_no_profiles_and_defaults(fake, tmp_path):
    path = save(fcn_style(batch=1, height=32, width=32), tmp_path, "static.onnx")
    trtcore.build(path)
    (req,) = fake.requests
    assert req.profiles == [] and req.flags == [] and req.memory_pools == []
    assert (req.builder_optimization_level, req.max_aux_streams, req.hardware_compatibility_level) == \
        (-1, -1, "none")
    assert req.profiling_verbosity == "" and req.plugins == []  # "": TensorRT's default


def test_relative_plugin_paths_are_sent_absolute(fake, resnet, tmp_path, monkeypatch):
    # dlopen("libplugin.so") would search the loader path, not the working folder the user meant.
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "libplugin.so").write_bytes(b"")
    (tmp_path / "libtop.so").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    cfg = BuildConfig.from_trtexec(["--optShapes=input:1x3x32x32", "--plugins=libtop.so",
                                    "--plugins=plugins/../plugins/libplugin.so"])
    trtcore.build(resnet, cfg)
    (req,) = fake.requests
    expected = [str((tmp_path / "libtop.so").resolve()), str((tmp_path / "plugins" / "libplugin.so").resolve())]
    assert req.plugins == expected and all(Path(p).is_absolute() for p in req.plugins)
    assert cfg.plugins == [Path("libtop.so"), Path("plugins/../plugins/libplugin.so")]  # the config is untouched


def test_dry_run_shows_profiling_verbosity(resnet):
    cfg = BuildConfig.from_trtexec(["--optShapes=input:1x3x32x32", "--profilingVerbosity=detailed"])
    assert "profiling  detailed" in plan_build(resnet, cfg).format()
    plain = plan_build(resnet, BuildConfig.from_trtexec(["--optShapes=input:1x3x32x32"])).format()
    assert "\nprofiling  " not in plain


def test_tensorrt11_fp16_sends_a_converted_model_and_no_flag(fake, monkeypatch, resnet):
    monkeypatch.setattr(_core, "compiled_info", lambda: {"tensorrt": "11.1.0", "tensorrt_major": 11})
    report = build_report(resnet, BuildConfig(fp16=True, profiles=[Profile.from_spec_strings(opt="input:2x3x32x32")]))
    (req,) = fake.requests
    assert req.flags == [] and req.onnx_path != str(resnet)
    sent = fake.seen_onnx[0]
    assert onnx.TensorProto.FLOAT16 in {i.data_type for i in sent.graph.initializer}
    assert sent.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT  # keep_io_types
    assert report.conversion is not None and report.conversion.precision == "fp16"
    assert not Path(req.onnx_path).exists(), "the temporary converted model is cleaned up"


def test_tensorrt11_int8_on_qdq_model_sends_it_unchanged(fake, monkeypatch, tmp_path):
    monkeypatch.setattr(_core, "compiled_info", lambda: {"tensorrt": "11.1.0", "tensorrt_major": 11})
    path = save(qdq_model(), tmp_path, "q.onnx")
    trtcore.build(path, BuildConfig(int8=True))
    assert fake.requests[0].onnx_path == str(path) and fake.requests[0].flags == []


def test_engine_saved_atomically_and_report(fake, resnet, tmp_path):
    target = tmp_path / "out" / "m.engine"
    target.parent.mkdir()
    cfg = BuildConfig(profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")])
    report = build_report(resnet, cfg, save_engine=target)
    assert target.read_bytes() == ENGINE and report.engine_path == target
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.engine"], "no temporary files left"
    assert report.seconds == 1.25 and report.tensorrt_version == "10.16.0"


def test_failure_mid_write_leaves_no_file_at_target(tmp_path, monkeypatch):
    target = tmp_path / "m.engine"
    real_fsync = os.fsync

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(FileError, match="No space left"):
        write_file_atomic(target, ENGINE)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert list(tmp_path.iterdir()) == []


def test_failure_mid_write_keeps_the_previous_engine(tmp_path, monkeypatch):
    target = tmp_path / "m.engine"
    target.write_bytes(b"old engine")
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.raises(FileError):
        write_file_atomic(target, ENGINE)
    assert target.read_bytes() == b"old engine" and [p.name for p in tmp_path.iterdir()] == ["m.engine"]


def test_build_failure_writes_nothing(fake, resnet, tmp_path, monkeypatch):
    def broken(request, progress, log):
        raise BuildError("node 3 (conv, op Conv): 8: unsupported")

    monkeypatch.setattr(_core, "build_engine", broken)
    target = tmp_path / "m.engine"
    cfg = BuildConfig(profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")])
    with pytest.raises(BuildError, match="node 3"):
        trtcore.build(resnet, cfg, save_engine=target)
    assert not target.exists()


def test_missing_engine_folder_fails_before_building(fake, resnet, tmp_path):
    cfg = BuildConfig(profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")])
    with pytest.raises(FileError, match="does not exist"):
        trtcore.build(resnet, cfg, save_engine=tmp_path / "nope" / "m.engine")
    assert fake.requests == []


def test_progress_events_reach_the_callback(fake, resnet):
    events: list[ProgressEvent] = []
    cfg = BuildConfig(profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")])
    trtcore.build(resnet, cfg, progress=events.append)
    assert events[0] == ProgressEvent("start", "Building engine", None, 0, 3)
    assert ProgressEvent("step", "Tactics", "Building engine", 1, 2) in events
    assert [e.step for e in events if e.kind == "step" and e.phase == "Building engine"] == [0, 1, 2]
    assert events[-1] == ProgressEvent("finish", "Building engine", None, 3, 3)


def test_callback_returning_false_cancels_with_build_error(fake, resnet, tmp_path):
    target = tmp_path / "m.engine"
    cfg = BuildConfig(profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")])
    with pytest.raises(BuildError, match="cancelled"):
        trtcore.build(resnet, cfg, save_engine=target,
                      progress=lambda e: not (e.kind == "step" and e.phase == "Building engine" and e.step == 1))
    assert not target.exists()


def test_callback_exception_cancels_and_is_re_raised(fake, resnet):
    def boom(e):
        if e.kind == "step":
            raise ValueError("callback bug")

    with pytest.raises(ValueError, match="callback bug"):
        trtcore.build(resnet, BuildConfig(profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")]),
                      progress=boom)


def test_ctrl_c_cancels_cleanly_and_restores_the_handler(fake, resnet, tmp_path):
    before = signal.getsignal(signal.SIGINT)
    fake.on_step = lambda i: os.kill(os.getpid(), signal.SIGINT) if i == 0 else None
    target = tmp_path / "m.engine"
    with pytest.raises(KeyboardInterrupt):
        trtcore.build(resnet, BuildConfig(profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")]),
                      save_engine=target)
    assert signal.getsignal(signal.SIGINT) is before
    assert not target.exists()


def test_timing_cache_loaded_and_saved(fake, resnet, tmp_path):
    cache = tmp_path / "model.cache"
    cfg = BuildConfig(timing_cache_file=cache, profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")])
    first = build_report(resnet, cfg)
    assert fake.requests[0].timing_cache is None and not first.timing_cache_used
    assert cache.read_bytes() == b"cache-v2" and first.timing_cache_saved == cache
    second = build_report(resnet, cfg)
    assert fake.requests[1].timing_cache == b"cache-v2" and second.timing_cache_used


def test_without_tensorrt_build_raises_tensorrt_not_found_after_validation(monkeypatch, resnet, tmp_path):
    monkeypatch.setattr(_core, "compiled_info", lambda: {"tensorrt": None, "tensorrt_major": None})
    with pytest.raises(ShapeError):  # the model is checked first: bad input is reported as such
        trtcore.build(resnet)
    with pytest.raises(TensorRTNotFound, match="--dry-run"):
        trtcore.build(resnet, BuildConfig(profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")]))


def test_missing_plugin_is_reported_before_building(fake, resnet, tmp_path):
    cfg = BuildConfig(plugins=[tmp_path / "libnope.so"],
                      profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")])
    with pytest.raises(FileError, match="libnope.so"):
        trtcore.build(resnet, cfg)


def test_plan_target_major_order(monkeypatch, resnet):
    monkeypatch.setattr(_core, "compiled_info", lambda: {"tensorrt": None, "tensorrt_major": None})
    cfg = BuildConfig(fp16=True, profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")])
    assert plan_build(resnet, cfg).target_major == 10
    assert plan_build(resnet, cfg, target_major=11).precision.convert_to == "fp16"
    monkeypatch.setattr(_core, "compiled_info", lambda: {"tensorrt": "11.1.0", "tensorrt_major": 11})
    assert plan_build(resnet, cfg).target_major == 11


# ------------------------------------------------------------------------------------------------ the CLI
def test_cli_dry_run_without_tensorrt(monkeypatch, resnet, capsys):
    monkeypatch.setattr(_core, "compiled_info", lambda: {"tensorrt": None, "tensorrt_major": None})
    rc = main(["build", "--onnx", str(resnet), "--fp16", "--optShapes=input:4x3x32x32", "--maxShapes",
               "input:8x3x32x32", "--dry-run", "--target-major", "11"])
    out = capsys.readouterr().out
    assert rc == EXIT_OK
    assert "input: float32 [batch, 3, 32, 32]" in out
    assert "profile 0: input min 4x3x32x32 opt 4x3x32x32 max 8x3x32x32" in out
    assert "convert model to fp16 with onnxconverter-common" in out and "TensorRT 11.x" in out


def test_cli_without_tensorrt_exits_3(monkeypatch, resnet, capsys):
    monkeypatch.setattr(_core, "compiled_info", lambda: {"tensorrt": None, "tensorrt_major": None})
    rc = main(["build", "--onnx", str(resnet), "--optShapes=input:4x3x32x32"])
    err = capsys.readouterr().err
    assert rc == EXIT_MISSING and "without TensorRT headers" in err and REBUILD_WITH_TENSORRT in err


def test_cli_dynamic_model_without_shapes_exits_2_listing_inputs(tmp_path, capsys):
    path = save(two_input_model(), tmp_path, "two.onnx")
    assert main(["build", "--onnx", str(path), "--dry-run"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "input: [batch, 3, height, width]" in err and "mask" not in err


def test_cli_builds_with_fake_core_and_toml(fake, resnet, tmp_path, capsys):
    toml = tmp_path / "b.toml"
    toml.write_text('fp16 = true\ntimingCacheFile = "c.cache"\n[[profiles]]\nopt = "input:2x3x32x32"\n')
    target = tmp_path / "m.engine"
    rc = main(["build", "--onnx", str(resnet), "--config", str(toml), "--saveEngine", str(target),
               "--workspace=256"])
    captured = capsys.readouterr()
    assert rc == EXIT_OK and target.read_bytes() == ENGINE
    assert fake.requests[0].flags == ["fp16"] and fake.requests[0].memory_pools == [("workspace", 256 << 20)]
    assert "--memPoolSize=workspace" in captured.err  # the --workspace notice
    assert f"saved to {target}" in captured.out and "c.cache: not used" in captured.out
    assert (tmp_path / "c.cache").read_bytes() == b"cache-v2"


def test_cli_ctrl_c_during_the_build_exits_130_and_writes_nothing(fake, resnet, tmp_path, capsys):
    before = signal.getsignal(signal.SIGINT)
    fake.on_step = lambda i: os.kill(os.getpid(), signal.SIGINT) if i == 1 else None
    target = tmp_path / "m.engine"
    rc = main(["build", "--onnx", str(resnet), "--optShapes=input:2x3x32x32", "--saveEngine", str(target)])
    assert rc == EXIT_INTERRUPTED == 130 and "interrupted" in capsys.readouterr().err
    assert not target.exists() and signal.getsignal(signal.SIGINT) is before


def test_cli_bad_flag_value_exits_2(resnet, capsys):
    assert main(["build", "--onnx", str(resnet), "--memPoolSize=workspace:lots", "--dry-run"]) == EXIT_BAD_INPUT
    assert "--memPoolSize" in capsys.readouterr().err


def test_exports():
    assert trtcore.BuildConfig is BuildConfig and callable(trtcore.build)
    with pytest.raises(ArgumentError):
        BuildConfig(builder_optimization_level=7).validate()


def test_ctrl_c_after_the_last_step_still_discards_the_engine(fake, resnet, tmp_path, monkeypatch):
    def build_then_ctrl_c(request, progress, log):
        result = fake.build_engine(request, progress, log)
        os.kill(os.getpid(), signal.SIGINT)  # arrives after TensorRT's last progress call
        return result

    monkeypatch.setattr(_core, "build_engine", build_then_ctrl_c)
    target = tmp_path / "m.engine"
    with pytest.raises(KeyboardInterrupt):
        trtcore.build(resnet, BuildConfig(profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")]),
                      save_engine=target)
    assert not target.exists()


def test_missing_timing_cache_folder_fails_before_building(fake, resnet, tmp_path):
    cfg = BuildConfig(timing_cache_file=tmp_path / "no" / "c.cache",
                      profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")])
    with pytest.raises(FileError, match="--timingCacheFile"):
        trtcore.build(resnet, cfg)
    assert fake.requests == []


def test_cli_progress_bars_follow_phases_on_a_terminal():
    import io

    from rich.console import Console
    from rich.progress import Progress

    from trtcore.cli.build import _Bars

    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with Progress(console=console) as progress:
        bars = _Bars(progress)
        assert bars(ProgressEvent("start", "Building engine", None, 0, 2))
        assert bars(ProgressEvent("start", "Tactics", "Building engine", 0, 4))
        assert [t.description for t in progress.tasks] == ["Building engine", "  Tactics"]
        bars(ProgressEvent("step", "Tactics", "Building engine", 2, 4))
        assert progress.tasks[1].completed == 3
        bars(ProgressEvent("finish", "Tactics", "Building engine", 4, 4))
        bars(ProgressEvent("finish", "Building engine", None, 2, 2))
        # nested phases go away when done, top-level ones stay, complete
        assert [(t.description, t.completed) for t in progress.tasks] == [("Building engine", 2)]


def test_log_callback_receives_tensorrt_messages_and_its_errors_do_not_escape(fake, resnet):
    seen = []

    def log_cb(severity, message):
        seen.append((severity, message))
        raise RuntimeError("log sink broke")

    trtcore.build(resnet, BuildConfig(profiles=[Profile.from_spec_strings(opt="input:1x3x32x32")]),
                  log_callback=log_cb)
    assert seen == [("info", "parsing")]


def test_merge_timing_caches_reads_all_and_writes_atomically(fake, tmp_path, monkeypatch):
    from trtcore.builder import merge_timing_caches

    seen = []
    monkeypatch.setattr(_core, "merge_timing_caches", lambda blobs: (seen.append(blobs), b"".join(blobs))[1],
                        raising=False)
    a, b, out = tmp_path / "a.cache", tmp_path / "b.cache", tmp_path / "all.cache"
    a.write_bytes(b"AA")
    b.write_bytes(b"BB")
    assert merge_timing_caches([a, b], out) == out and out.read_bytes() == b"AABB" and seen == [[b"AA", b"BB"]]
    with pytest.raises(trtcore.FileError, match="missing.cache"):
        merge_timing_caches([a, tmp_path / "missing.cache"], tmp_path / "x.cache")
    assert not (tmp_path / "x.cache").exists()
    with pytest.raises(trtcore.ArgumentError, match="at least one"):
        merge_timing_caches([], out)


def test_merge_timing_caches_without_tensorrt_says_so(tmp_path, monkeypatch):
    from trtcore.builder import merge_timing_caches

    info = dict(_core.compiled_info())
    info.update(tensorrt=None, tensorrt_major=None)
    monkeypatch.setattr(_core, "compiled_info", lambda: info)
    with pytest.raises(trtcore.TensorRTNotFound):
        merge_timing_caches([tmp_path / "a.cache"], tmp_path / "out.cache")
