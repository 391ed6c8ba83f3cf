"""trtexec's flags that trtcore does not take, each with why and what to use instead, so that a trtexec command
line pasted into ``trtcore build`` or ``trtcore bench`` ends with "trtexec's --X is not supported by trtcore: ..."
(exit 2) rather than argparse's "unrecognized arguments".

The list is trtexec's own (samples/common/sampleOptions.cpp in NVIDIA/TensorRT, 10.16 and 11.1 releases, plus the
deprecated spellings it still parses); flags trtcore accepts are not in it. A flag trtcore accepts in another
subcommand says which one.
"""

from __future__ import annotations

# trtcore's subcommand for trtexec flags it accepts elsewhere: build flags given to bench and the other way round.
BUILD_ONLY = ("onnx", "saveEngine", "minShapes", "optShapes", "maxShapes", "fp16", "bf16", "int8", "fp8", "int4",
              "best", "noTF32", "stronglyTyped", "memPoolSize", "workspace", "timingCacheFile",
              "builderOptimizationLevel", "maxAuxStreams", "hardwareCompatibilityLevel", "versionCompatible", "vc",
              "excludeLeanRuntime", "refit", "stripWeights", "stripAllWeights", "profilingVerbosity", "plugins",
              "layerPrecisions", "tacticSources",
              "staticPlugins", "inputIOFormats", "outputIOFormats", "sparsity", "noBuilderCache",
              "noCompilationCache", "errorOnTimingCacheMiss", "precisionConstraints", "allowWeightStreaming",
              "skipInference")
# trtexec's engine-loading flags: trtcore run, bench and compare take them (for engine files).
LOAD_ONLY = ("tempdir", "tempfileControls")
BENCH_ONLY = ("warmUp", "duration", "iterations", "infStreams", "streams", "useCudaGraph", "noCudaGraph",
              "percentile", "exportTimes", "dumpProfile", "exportProfile", "separateProfileRun", "loadInputs")

_DLA = "DLA is for Jetson/DRIVE SoCs; trtcore targets discrete GPUs"
_SAFETY = "safety-certified builds need TensorRT's safety runtime, which trtcore does not wrap"
_LOAD = "trtcore bench / run take the engine file as their first argument"
_HOST = "trtcore's executor manages host and device buffers itself (pinned staging, one stream)"
_REFIT = "use trtcore refit ENGINE --onnx MODEL.onnx -o OUT.engine, then run OUT.engine"

#: flag (without dashes) → why trtcore does not take it / what to use.
UNSUPPORTED: dict[str, str] = {
    # builder
    "minShapesCalib": "INT8 calibration is not in trtcore (TensorRT 11 removed it); quantize the model with "
                      "NVIDIA ModelOpt and build the Q/DQ model",
    "optShapesCalib": "INT8 calibration is not in trtcore (TensorRT 11 removed it); quantize with ModelOpt",
    "maxShapesCalib": "INT8 calibration is not in trtcore (TensorRT 11 removed it); quantize with ModelOpt",
    "calib": "INT8 calibration caches are not read (no calibrator; removed in TensorRT 11); quantize with ModelOpt",
    "calibProfile": "INT8 calibration is not in trtcore; quantize the model with ModelOpt",
    "avgTiming": "deprecated in TensorRT 10 and ignored by it; nothing to set",
    "minTiming": "deprecated in TensorRT 10 and ignored by it; nothing to set",
    "weightless": "deprecated in trtexec; use --stripWeights",
    "pluginInstanceNorm": "ONNX parser flags are not exposed; TensorRT's native InstanceNormalization is used",
    "pi": "ONNX parser flags are not exposed; TensorRT's native InstanceNormalization is used",
    "uint8AsymmetricQuantizationDLA": _DLA,
    "reportCapabilityDLA": _DLA,
    "adjustForDLA": _DLA,
    "enablePluginOverride": "ONNX parser flags are not exposed; load the plugin with --plugins",
    "monitorMemory": "TensorRT's memory monitor is not wrapped; watch nvidia-smi or use Nsight Systems",
    "directIO": "deprecated in TensorRT 10; give the I/O types with --inputIOFormats/--outputIOFormats",
    "layerOutputTypes": "per-layer output types are not exposed yet; convert the ONNX model's types (ModelOpt "
                        "AutoCast) and build it --stronglyTyped",
    "layerDeviceTypes": _DLA,
    "decomposableAttentions": "not exposed; TensorRT decides how attention is fused",
    "safe": _SAFETY, "dumpKernelText": _SAFETY, "consistency": _SAFETY, "restricted": _SAFETY,
    "remoteAutoTuningConfig": _SAFETY, "safetyPlugins": _SAFETY, "std": _SAFETY, "serialized": _SAFETY,
    "buildDLAStandalone": _DLA, "allowGPUFallback": _DLA, "useDLACore": _DLA,
    "asyncFileReader": "trtcore reads plans itself (IStreamReaderV2 where available); nothing to set",
    "getPlanVersionOnly": "use trtcore inspect ENGINE (it names the TensorRT version that loads it)",
    "preview": "preview features are not exposed; TensorRT's defaults are used",
    "maxTactics": "not exposed; use --builderOptimizationLevel to trade build time for speed",
    "runtimePlatform": "cross-platform plans are not supported; build on the platform that runs the engine",
    "profile": "trtcore starts a new profile at each repeated --minShapes/--optShapes/--maxShapes group; "
               "no --profile needed",
    "markDebug": "debug tensors are not exposed; compare outputs with trtcore compare",
    "markUnfusedTensorsAsDebugTensors": "debug tensors are not exposed; compare outputs with trtcore compare",
    "tilingOptimizationLevel": "not exposed; TensorRT's default is used",
    "l2LimitForTiling": "not exposed; TensorRT's default is used",
    "refitFromOnnx": _REFIT,
    "cpuOnly": "trtcore builds on a GPU; build on the machine (or GPU type) that runs the engine",
    "device": "trtcore bench runs on the current GPU: select it with CUDA_VISIBLE_DEVICES=N (build takes --device)",
    "setPluginsToSerialize": "plugins are not serialized into plans; load them with --plugins where the engine runs",
    "ignoreParsedPluginLibs": "plugins are not serialized into plans; load them with --plugins",
    "explicitBatch": "implicit batch is gone since TensorRT 10: every network is explicit-batch; nothing to set",
    "saveAllEngines": "trtcore writes one engine (--saveEngine)",
    "tuningCacheFile": "use --timingCacheFile", "tuneBuildRoutes": "build routes are not exposed",
    "tuneBuildRouteFile": "build routes are not exposed", "setBuildRoute": "build routes are not exposed",
    "helpBuildRoute": "build routes are not exposed", "tuningSearch": "use --builderOptimizationLevel",
    "tuningTimeOut": "use --builderOptimizationLevel",
    # inference
    "loadEngine": _LOAD,
    "sleepTime": "not measured; trtcore bench starts inference right away",
    "idleTime": "not supported; trtcore bench runs queries back to back",
    "exposeDMA": _HOST, "noDataTransfers": _HOST, "useManagedMemory": _HOST,
    "useSpinWait": "trtcore synchronizes with CUDA events; spin/blocking waits are not selectable",
    "noSpinWait": "trtcore synchronizes with CUDA events; spin/blocking waits are not selectable",
    "threads": "use --infStreams N (each stream runs on its own thread)",
    "timeDeserialize": "time trtcore inspect ENGINE, or trtcore.load in Python",
    "timeRefit": "not measured in a loop; trtcore refit ENGINE --onnx MODEL.onnx reports the time of one refit",
    "persistentCacheRatio": "L2 persistence is not exposed; TensorRT's default is used",
    "useProfile": "trtcore bench uses optimization profile 0; trtcore.Engine.create_context(profile) selects others",
    "allocationStrategy": "trtcore allocates the context's device memory once, statically",
    "saveDebugTensors": "debug tensors are not exposed; save outputs with trtcore run -o",
    "saveAllDebugTensors": "debug tensors are not exposed; save outputs with trtcore run -o",
    "weightStreamingBudget": "weight-streaming budgets are not exposed; build with --allowWeightStreaming and run "
                             "with TensorRT's default budget",
    "avgRuns": "trtcore bench reports every query (mean, median, percentiles); no averaging window",
    "includeDataTransfers": "trtcore bench's latency includes host-to-device and device-to-host copies already",
    "dumpRefit": "the refittable weights are not listed; trtcore refit names any the ONNX model lacks",
    "dumpOutput": "use trtcore run MODEL -o out.npz (or .json, Polygraphy's format)",
    "dumpRawBindingsToFile": "use trtcore run MODEL -o out.npz --save-inputs in.npz",
    "exportOutput": "use trtcore run MODEL -o out.json (Polygraphy's RunResults JSON)",
    "dumpLayerInfo": "use trtcore inspect ENGINE --show layers",
    "exportLayerInfo": "use trtcore inspect ENGINE --show layers --json",
    "dumpOptimizationProfile": "use trtcore inspect ENGINE (profile min/max per input)",
    "loadRefOutputs": "use trtcore compare MODEL --load-outputs ref.json (Polygraphy's RunResults)",
    "refPair": "use trtcore compare MODEL REFERENCE",
    "accuracyAlgorithm": "use trtcore compare (Polygraphy's tolerances, --check-error-stat)",
    "accuracyThreshold": "use trtcore compare --atol/--rtol",
    "atol": "use trtcore compare --atol", "rtol": "use trtcore compare --rtol",
    "continue": "not applicable to trtcore",
    "dryRun": "use trtcore build --dry-run (it validates and plans without TensorRT)",
    "verbose": "use --log-level DEBUG (trtcore build --verbose shows TensorRT's verbose log)",
}


def unsupported_message(flag: str, command: str) -> str | None:
    """The message for trtexec's ``flag`` (``--warmUp`` or ``--warmUp=5``) given to ``trtcore COMMAND``; None when
    it is not a trtexec flag trtcore declines.

    >>> unsupported_message("--safe=1", "build").split(":")[0]
    "trtexec's --safe is not supported by trtcore"
    """
    name = flag.lstrip("-").split("=", 1)[0]
    if not flag.startswith("--"):
        return None
    if name in BUILD_ONLY and command != "build":
        return f"trtexec's --{name} is a build flag: give it to trtcore build (then run the engine with trtcore bench)"
    if name in LOAD_ONLY and command not in ("run", "bench", "compare"):
        return (f"trtexec's --{name} is an engine-loading flag: give it to trtcore run, bench or compare "
                "with the engine file")
    if name in BENCH_ONLY and command != "bench":
        return f"trtexec's --{name} is an inference flag: give it to trtcore bench (trtcore build only builds)"
    why = UNSUPPORTED.get(name)
    return None if why is None else f"trtexec's --{name} is not supported by trtcore: {why}"
