"""trtexec's flags on trtcore's command line: the quick start's and the listed ones are accepted and reach the
build request; every other trtexec flag ends with "trtexec's --X is not supported by trtcore: why / what to use"
(exit 2), never argparse's "unrecognized arguments"."""

from __future__ import annotations

import argparse
import re

import pytest

from trtcore.builder import BuildConfig, plan_build
from trtcore.cli import EXIT_BAD_INPUT, EXIT_OK, main, make_parser
from trtcore.cli._trtexec import BENCH_ONLY, BUILD_ONLY, LOAD_ONLY, UNSUPPORTED
from trtcore.errors import ArgumentError

from _models import linear

# trtexec's flags, from samples/common/sampleOptions.cpp (TensorRT 10.16 and 11.1 releases) and the deprecated
# spellings it still parses (pasted as text, as trtexec --help lists them).
TRTEXEC_FLAGS = """
accuracyAlgorithm accuracyThreshold adjustForDLA allocationStrategy allowGPUFallback allowWeightStreaming
asyncFileReader atol avgRuns avgTiming best bf16 buildDLAStandalone builderOptimizationLevel calib calibProfile
consistency continue cpuOnly decomposableAttentions device directIO dryRun dumpKernelText dumpLayerInfo
dumpOptimizationProfile dumpOutput dumpProfile dumpRawBindingsToFile dumpRefit duration dynamicPlugins
enablePluginOverride errorOnTimingCacheMiss excludeLeanRuntime exportLayerInfo exportOutput exportProfile exportTimes
exposeDMA fp16 fp8 getPlanVersionOnly hardwareCompatibilityLevel helpBuildRoute idleTime ignoreParsedPluginLibs
includeDataTransfers infStreams inputIOFormats int4 int8 iterations l2LimitForTiling layerDeviceTypes
layerOutputTypes layerPrecisions leanDLLPath loadEngine loadInputs loadRefOutputs markDebug
markUnfusedTensorsAsDebugTensors maxAuxStreams maxShapes maxShapesCalib maxTactics memPoolSize minShapes
minShapesCalib monitorMemory noBuilderCache noCompilationCache noCudaGraph noDataTransfers noSpinWait noTF32 onnx
optShapes optShapesCalib outputIOFormats percentile persistentCacheRatio pluginInstanceNorm precisionConstraints
preview profile profilingVerbosity refPair refit refitFromOnnx remoteAutoTuningConfig reportCapabilityDLA restricted
rtol runtimePlatform safe safetyPlugins saveAllDebugTensors saveAllEngines saveDebugTensors saveEngine
separateProfileRun serialized setBuildRoute setPluginsToSerialize shapes skipInference sleepTime sparsity
staticPlugins std stripAllWeights stripWeights stronglyTyped tacticSources tempdir tempfileControls threads
tilingOptimizationLevel timeDeserialize timeRefit timingCacheFile tuneBuildRouteFile tuneBuildRoutes tuningCacheFile
tuningSearch tuningTimeOut uint8AsymmetricQuantizationDLA useCudaGraph useDLACore useManagedMemory useProfile
useSpinWait verbose versionCompatible warmUp weightStreamingBudget weightless
workspace explicitBatch minTiming plugins vc streams pi
""".split()  # noqa: SIM905


def _flags(command: str) -> set[str]:
    parser = make_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    return {s[2:] for a in sub._actions for s in a.option_strings if s.startswith("--")}


def _main(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as e:
        return int(e.code or 0)


@pytest.fixture(scope="module")
def lin(tmp_path_factory):
    return str(linear(tmp_path_factory.mktemp("trtexec") / "lin.onnx"))


def test_every_trtexec_flag_is_accepted_or_explained():
    build, bench = _flags("build"), _flags("bench")
    unexplained = [f for f in TRTEXEC_FLAGS if f not in build | bench and f not in UNSUPPORTED]
    assert not unexplained, unexplained
    # --verbose and --device are build flags bench does not take
    contradictions = [f for f in UNSUPPORTED if f in build | bench and f not in ("verbose", "device")]
    assert not contradictions, contradictions
    assert not set(BUILD_ONLY) - build, set(BUILD_ONLY) - build
    assert not set(BENCH_ONLY) - bench, set(BENCH_ONLY) - bench
    assert not set(LOAD_ONLY) - bench, set(LOAD_ONLY) - bench


@pytest.mark.parametrize("flag", sorted(f for f in UNSUPPORTED if f not in ("verbose", "device")))
def test_unsupported_trtexec_flag_says_why(flag, lin, capsys):
    assert _main(["build", "--onnx", lin, "--dry-run", f"--{flag}=1"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"trtexec's --{flag} is not supported by trtcore: {UNSUPPORTED[flag]}" in err
    assert "unrecognized arguments" not in err and err.count("usage: trtcore build") == 1


def test_flags_of_the_other_subcommand_name_it(lin, capsys):
    assert _main(["bench", lin, "--fp16"]) == EXIT_BAD_INPUT
    assert "trtexec's --fp16 is a build flag: give it to trtcore build" in capsys.readouterr().err
    assert _main(["build", "--onnx", lin, "--dry-run", "--warmUp=100"]) == EXIT_BAD_INPUT
    assert "trtexec's --warmUp is an inference flag: give it to trtcore bench" in capsys.readouterr().err
    assert _main(["build", "--onnx", lin, "--dry-run", "--nosuchflag"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "unrecognized arguments: --nosuchflag" in err and "usage: trtcore build" in err


def test_quick_start_io_formats_on_tensorrt_10(lin):
    cfg = BuildConfig.from_trtexec(["--fp16", "--inputIOFormats=fp16:chw", "--outputIOFormats=fp16:chw",
                                    "--optShapes=x:4x6"])
    plan = plan_build(lin, cfg, target_major=10)
    assert plan.io_types == [("x", "fp16"), ("scores", "fp16")]
    assert plan.request().io_types == [("x", "fp16"), ("scores", "fp16")]
    assert "io types   x:fp16:chw, scores:fp16:chw" in plan.format()


def test_quick_start_io_formats_on_tensorrt_11_convert_the_io(lin):
    cfg = BuildConfig.from_trtexec(["--fp16", "--inputIOFormats=fp16:chw", "--outputIOFormats=fp16:chw",
                                    "--optShapes=x:4x6"])
    plan = plan_build(lin, cfg, target_major=11)
    assert plan.io_types == [] and plan.precision.keep_io_types is False
    assert any("converted to float16" in n for n in plan.notes)
    cfg = BuildConfig.from_trtexec(["--inputIOFormats=fp16:chw", "--optShapes=x:4x6"])  # no conversion to meet it
    with pytest.raises(ArgumentError, match="strongly typed network"):
        plan_build(lin, cfg, target_major=11)
    same = BuildConfig.from_trtexec(["--inputIOFormats=fp32:chw", "--optShapes=x:4x6"])  # the model's own type
    assert plan_build(lin, same, target_major=11).io_types == []


@pytest.mark.parametrize("spec,words", [("fp16:hwc8", "linear chw layout only"), ("half:chw", "unknown type"),
                                        ("fp16:chw,fp16:chw,fp16:chw", "3 formats for 1 tensor(s)"), ("", "empty")])
def test_bad_io_formats(lin, spec, words, capsys):
    assert _main(["build", "--onnx", lin, "--dry-run", "--optShapes=x:4x6", f"--outputIOFormats={spec}",
                  f"--inputIOFormats={spec}"]) == EXIT_BAD_INPUT
    assert words in capsys.readouterr().err


@pytest.mark.parametrize("argv,flags", [
    (["--stripWeights"], ["strip_plan", "refit_identical"]),
    (["--stripAllWeights"], ["refit", "strip_plan"]),
    (["--refit", "--stripWeights"], ["refit", "strip_plan"]),
    (["--sparsity=enable"], ["sparse_weights"]),
    (["--sparsity=disable"], []),
    (["--noBuilderCache", "--noCompilationCache"], ["disable_timing_cache", "disable_compilation_cache"]),
    (["--errorOnTimingCacheMiss"], ["error_on_timing_cache_miss"]),
    (["--allowWeightStreaming", "--stronglyTyped"], ["strongly_typed", "weight_streaming"]),
    (["--precisionConstraints=obey"], ["obey_precision_constraints"]),
    (["--precisionConstraints=prefer", "--fp16"], ["fp16", "prefer_precision_constraints"]),
    (["--int4"], ["int4"]),
    (["--skipInference"], []),
])
def test_listed_trtexec_flags_reach_the_build_request(lin, argv, flags):
    plan = plan_build(lin, BuildConfig.from_trtexec([*argv, "--optShapes=x:4x6"]), target_major=10)
    assert sorted(plan.request().flags) == sorted(flags)


def test_tensorrt_11_refuses_precision_constraints_and_takes_int4_from_the_model(lin):
    with pytest.raises(ArgumentError, match="precision_constraints"):
        plan_build(lin, BuildConfig.from_trtexec(["--precisionConstraints=obey", "--optShapes=x:4x6"]),
                   target_major=11)
    cfg = BuildConfig.from_trtexec(["--int4", "--optShapes=x:4x6"])
    assert "int4" not in plan_build(lin, cfg, target_major=11).flags


def test_cli_names_the_flag_for_a_bad_sparsity(lin, capsys):
    assert _main(["build", "--onnx", lin, "--dry-run", "--sparsity=force"]) == EXIT_BAD_INPUT
    assert "--sparsity" in capsys.readouterr().err
    with pytest.raises(ArgumentError, match="sparsity 'force' is unknown"):
        BuildConfig(sparsity="force").validate()


def test_dry_run_accepts_the_quick_start_line(lin, capsys):
    assert main(["build", "--onnx", lin, "--saveEngine", "m.engine", "--fp16", "--inputIOFormats=fp16:chw",
                 "--outputIOFormats=fp16:chw", "--optShapes=x:1x6", "--dry-run", "--target-major", "10"]) == EXIT_OK
    assert "io types   x:fp16:chw, scores:fp16:chw" in capsys.readouterr().out


# -- the timing-cache merge and --save-converted-onnx in --dry-run ------------------------------------------------
def test_merge_timing_caches_cli(tmp_path, capsys):
    import trtcore

    a = tmp_path / "a.cache"
    a.write_bytes(b"cache")
    out = tmp_path / "all.cache"
    assert _main(["merge-timing-caches", "-o", str(out), str(tmp_path / "missing.cache")]) == EXIT_BAD_INPUT
    assert "missing.cache: no such timing cache file" in capsys.readouterr().err
    assert _main(["merge-timing-caches", "-o", str(tmp_path / "no" / "dir.cache"), str(a)]) == EXIT_BAD_INPUT
    capsys.readouterr()
    if not trtcore.build_info()["tensorrt"]["usable"]:
        from trtcore.cli import EXIT_MISSING

        assert _main(["merge-timing-caches", "-o", str(out), str(a)]) == EXIT_MISSING
        assert "TensorRT" in capsys.readouterr().err and not out.exists()


def test_save_converted_onnx_works_in_dry_run(lin, tmp_path, capsys):
    pytest.importorskip("onnxconverter_common")
    import onnx

    out = tmp_path / "lin.fp16.onnx"
    assert main(["build", "--onnx", lin, "--fp16", "--optShapes=x:1x6", "--dry-run", "--target-major", "11",
                 "--save-converted-onnx", str(out)]) == EXIT_OK
    assert "converted  converted lin.onnx to fp16" in capsys.readouterr().out
    model = onnx.load(str(out))
    assert {i.data_type for i in model.graph.initializer} == {onnx.TensorProto.FLOAT16}
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT  # I/O kept by default
    # TensorRT 10 without --stronglyTyped converts nothing: saying so beats writing no file silently
    assert _main(["build", "--onnx", lin, "--fp16", "--optShapes=x:1x6", "--dry-run", "--target-major", "10",
                  "--save-converted-onnx", str(tmp_path / "none.onnx")]) == EXIT_BAD_INPUT
    assert "converts nothing" in capsys.readouterr().err and not (tmp_path / "none.onnx").exists()


def test_tactic_sources_layer_precisions_and_device_reach_the_request(lin):
    cfg = BuildConfig.from_trtexec(["--tacticSources=-cublas,+CUDNN", "--layerPrecisions=fc:fp16,*:fp32",
                                    "--precisionConstraints=obey", "--device=1", "--optShapes=x:4x6"])
    r = plan_build(lin, cfg, target_major=10).request()
    assert r.tactic_sources == ["-CUBLAS", "+CUDNN"] and r.device == 1
    assert r.layer_precisions == [("fc", "fp16"), ("*", "fp32")]
    assert plan_build(lin, BuildConfig.from_trtexec(["--optShapes=x:4x6"]), target_major=10).request().device == -1


@pytest.mark.parametrize("argv,major,words", [
    (["--tacticSources=+CUDNN"], 11, "tactic_sources"),  # 11 has no cuDNN tactics
    (["--tacticSources=CUDNN"], 10, "+NAME or -NAME"),
    (["--layerPrecisions=fc:fp16"], 11, "no per-layer precision"),
    (["--layerPrecisions=fc"], 10, "LAYER:TYPE"),
    (["--device=-1"], 10, "device must be a GPU index"),
])
def test_bad_build_controls(lin, argv, major, words):
    with pytest.raises(ArgumentError, match=re.escape(words)):
        plan_build(lin, BuildConfig.from_trtexec([*argv, "--optShapes=x:4x6"]), target_major=major)


def test_build_controls_on_the_cli_name_the_flag(lin, capsys):
    assert _main(["build", "--onnx", lin, "--dry-run", "--optShapes=x:4x6", "--target-major", "11",
                  "--tacticSources=+CUDNN"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--tacticSources" in err and "tactic_sources" not in err
    assert _main(["bench", lin, "--device", "0"]) == EXIT_BAD_INPUT
    assert "CUDA_VISIBLE_DEVICES" in capsys.readouterr().err


def test_trtexecs_refit_from_onnx_points_at_trtcore_refit(lin, capsys):
    assert _main(["bench", lin, "--refitFromOnnx=m.onnx"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "trtexec's --refitFromOnnx is not supported by trtcore: use trtcore refit ENGINE --onnx MODEL.onnx" in err


@pytest.mark.parametrize("command", ["run", "bench", "compare"])
def test_tempdir_and_tempfile_controls_reach_the_engine_loader(command, tmp_path, lin, monkeypatch, capsys):
    import importlib

    seen: dict = {}

    def fake_load(model, backend="auto", **options):
        seen.update(options, model=str(model))
        raise ArgumentError("stopped after the options were taken")

    monkeypatch.setattr(importlib.import_module(f"trtcore.cli.{command}"), "load", fake_load)
    engine = tmp_path / "m.engine"
    engine.write_bytes(b"PLAN")
    extra = [lin] if command == "compare" else []
    argv = [command, str(engine), *extra, "--tempdir", str(tmp_path), "--tempfileControls=in_memory:deny,temporary:allow"]
    assert _main(argv) == EXIT_BAD_INPUT
    assert "stopped after the options were taken" in capsys.readouterr().err
    assert seen["model"] == str(engine)
    assert str(seen["temp_dir"]) == str(tmp_path)
    assert seen["tempfile_controls"] == {"in_memory": False, "temporary": True}


def test_tempfile_controls_parse_as_trtexec_does():
    from trtcore.cli._model_args import parse_tempfile_controls

    assert parse_tempfile_controls("in_memory:allow,temporary:deny") == {"in_memory": True, "temporary": False}
    assert parse_tempfile_controls("temporary=deny") == {"temporary": False}  # the brief's NAME=VALUE spelling
    assert parse_tempfile_controls("temporary:deny,temporary:allow") == {"temporary": True}  # last one wins
    with pytest.raises(ArgumentError, match="--tempfileControls 'in_memory:yes': expected NAME:allow or NAME:deny"):
        parse_tempfile_controls("in_memory:yes")
    with pytest.raises(ArgumentError, match="unknown key 'disk'"):
        parse_tempfile_controls("disk:allow")


def test_engine_loading_flags_given_to_build_name_the_subcommands(lin, tmp_path, capsys):
    assert _main(["build", "--onnx", lin, "--dry-run", f"--tempdir={tmp_path}"]) == EXIT_BAD_INPUT
    assert "trtexec's --tempdir is an engine-loading flag: give it to trtcore run, bench or compare" in \
        capsys.readouterr().err


def test_missing_tempdir_names_the_flag(tmp_path, capsys):
    engine = tmp_path / "m.engine"
    engine.write_bytes(b"PLAN")
    assert _main(["run", str(engine), "--tempdir", str(tmp_path / "gone")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"--tempdir {tmp_path / 'gone'}: no such folder" in err and "Traceback" not in err
