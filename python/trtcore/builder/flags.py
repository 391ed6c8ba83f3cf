"""trtexec's build flags on an argparse parser, and the grouping of repeated shape flags into profiles."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import Any

from trtcore.builder.shapes import Profile
from trtcore.errors import ArgumentError

SHAPES_NOTICE = "--shapes is trtexec's inference shape; the build uses --minShapes/--optShapes/--maxShapes"


def profiles_from_flag_sequence(flags: Sequence[tuple[str, str]], notices: list[str] | None = None
                                ) -> list[Profile]:
    """Groups ``[(kind, spec), ...]`` in command-line order into profiles: a group holds at most one each of
    min/opt/max, and a repeated kind starts the next profile (trtexec's grouping, without ``--profile``).

    >>> ps = profiles_from_flag_sequence([("min", "x:1"), ("max", "x:4"), ("min", "x:8"), ("max", "x:16")])
    >>> [p.shapes["x"].opt for p in ps]
    [(4,), (16,)]
    """
    notices = notices if notices is not None else []
    groups: list[dict[str, str]] = []
    shapes: list[str] = []
    for kind, spec in flags:
        if kind == "shapes":
            shapes.append(spec)
            continue
        if not groups or kind in groups[-1]:
            groups.append({})
        groups[-1][kind] = spec
    if len(shapes) > 1:
        raise ArgumentError("--shapes given more than once; give one --shapes (or several profiles with "
                            "--minShapes/--optShapes/--maxShapes)")
    if not groups:
        return [Profile.from_spec_strings(opt=shapes[0])] if shapes else []
    if shapes:
        notices.append(SHAPES_NOTICE)
    return [Profile.from_spec_strings(g.get("min"), g.get("opt"), g.get("max")) for g in groups]


class _ShapeFlag(argparse.Action):
    """Keeps --minShapes/--optShapes/--maxShapes/--shapes in command-line order, for profile grouping."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        flags = list(getattr(namespace, "shape_flags", None) or [])
        flags.append((self.const, values))
        namespace.shape_flags = flags


def add_trtexec_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds trtexec's build flags (its spelling) to a parser; read them back with ``BuildConfig.from_args``.

    >>> add_trtexec_arguments(argparse.ArgumentParser())
    """
    def flag(group: Any, name: str, dest: str, help: str) -> None:
        group.add_argument(name, dest=dest, action="store_const", const=True, default=None, help=help)

    g = parser.add_argument_group("precision (trtexec flags)")
    flag(g, "--fp16", "fp16", "fp16 precision (TensorRT 10: builder flag; 11: model converted to fp16)")
    flag(g, "--bf16", "bf16", "bf16 precision (TensorRT 11 needs trtcore[autocast] to convert)")
    flag(g, "--int8", "int8", "int8 (TensorRT 11: needs a Q/DQ model)")
    flag(g, "--fp8", "fp8", "fp8 (needs a Q/DQ model)")
    flag(g, "--best", "best", "all reduced precisions that apply")
    flag(g, "--noTF32", "no_tf32", "disable TF32 for fp32 layers")
    flag(g, "--stronglyTyped", "strongly_typed", "strongly typed network (always on in TensorRT 11)")
    flag(g, "--int4", "int4", "int4 weight-only quantization (TensorRT 10 builder flag; needs a Q/DQ model; "
                              "TensorRT 11 takes it from the model)")
    g.add_argument("--precisionConstraints", dest="precision_constraints", choices=("none", "obey", "prefer"),
                   help="none | obey | prefer the precisions of a Q/DQ or typed model (TensorRT 10 weak typing)")
    g.add_argument("--layerPrecisions", dest="layer_precisions", metavar="SPEC",
                   help="compute precision per layer, e.g. conv1:fp16,*:fp32 (TensorRT 10; with "
                        "--precisionConstraints obey or prefer, as in trtexec)")
    g.add_argument("--inputIOFormats", dest="input_io_formats", metavar="SPEC",
                   help="type:chw of the inputs, one for all or one per input in order, e.g. fp16:chw "
                        "(types fp32, fp16, bf16, int32, int64, int8, uint8, bool; linear chw layout only)")
    g.add_argument("--outputIOFormats", dest="output_io_formats", metavar="SPEC",
                   help="type:chw of the outputs, like --inputIOFormats")
    g.add_argument("--no-keep-io-types", dest="keep_io_types", action="store_const", const=False, default=None,
                   help="when converting the model, convert its inputs/outputs too (default: keep them)")
    s = parser.add_argument_group("shapes (repeat a min/opt/max group for more profiles)")
    for name, kind in (("--minShapes", "min"), ("--optShapes", "opt"), ("--maxShapes", "max"),
                       ("--shapes", "shapes")):
        action = s.add_argument(name, dest="shape_flags", action=_ShapeFlag, const=kind, metavar="SPEC",
                                help=f"{kind} shapes, e.g. input:1x3x224x224,mask:1x1" if kind != "shapes" else
                                "static shapes (when no min/opt/max is given)")
        if kind != "shapes":
            action.keyword = f"{kind}_shapes"  # the config key the library's messages name (speak_flags)
    b = parser.add_argument_group("builder (trtexec flags)")
    b.add_argument("--memPoolSize", dest="mem_pool_size", action="append", metavar="SPEC",
                   help="pool sizes, e.g. workspace:4096M,tacticSharedMem:1M (unit MiB when none)")
    b.add_argument("--workspace", dest="workspace", metavar="MiB", help="old spelling of --memPoolSize=workspace:N")
    b.add_argument("--timingCacheFile", dest="timing_cache_file", metavar="FILE",
                   help="timing cache to load (if present) and save back")
    b.add_argument("--builderOptimizationLevel", dest="builder_optimization_level", type=int, metavar="N",
                   help="0..5, higher searches longer for faster kernels; -1: TensorRT's default (3)")
    b.add_argument("--maxAuxStreams", dest="max_aux_streams", type=int, metavar="N",
                   help="auxiliary streams layers may run on, >= 0; -1: TensorRT decides (default)")
    b.add_argument("--hardwareCompatibilityLevel", dest="hardware_compatibility_level", metavar="MODE",
                   help="none | ampere+ | sameComputeCapability")
    flag(b, "--versionCompatible", "version_compatible", "version-compatible engine")
    flag(b, "--vc", "version_compatible", "same as --versionCompatible")
    flag(b, "--excludeLeanRuntime", "exclude_lean_runtime", "leave the lean runtime out of a version-compatible plan")
    flag(b, "--refit", "refit", "refittable engine")
    flag(b, "--stripWeights", "strip_weights", "leave refittable weights out of the plan (refit them before use; "
                                               "without --refit: weights identical to the model's)")
    flag(b, "--stripAllWeights", "strip_all_weights", "--refit --stripWeights")
    b.add_argument("--sparsity", dest="sparsity", choices=("disable", "enable"),
                   help="disable | enable sparse tensor cores where the weights are 2:4 sparse (default disable)")
    flag(b, "--allowWeightStreaming", "allow_weight_streaming",
         "weights may stay in host memory and stream to the GPU (strongly typed networks)")
    flag(b, "--noBuilderCache", "no_builder_cache", "no timing cache in the builder")
    flag(b, "--noCompilationCache", "no_compilation_cache", "no compilation cache in the builder")
    flag(b, "--errorOnTimingCacheMiss", "error_on_timing_cache_miss",
         "fail when a tactic timed is not in the timing cache (with --timingCacheFile)")
    b.add_argument("--tacticSources", dest="tactic_sources", metavar="SPEC",
                   help="add (+) or remove (-) tactic sources, e.g. -CUBLAS,+CUDNN (TensorRT 10: CUBLAS, "
                        "CUBLAS_LT, CUDNN, EDGE_MASK_CONVOLUTIONS, JIT_CONVOLUTIONS; 11: the last two)")
    b.add_argument("--device", dest="device", type=int, metavar="N",
                   help="GPU index >= 0 to build on (default: the current one; CUDA_VISIBLE_DEVICES applies)")
    flag(b, "--skipInference", "skip_inference", "accepted for trtexec: trtcore build never runs inference")
    b.add_argument("--profilingVerbosity", dest="profiling_verbosity", metavar="MODE",
                   help="layer_names_only | detailed | none: what the plan records about its layers "
                        "(default layer_names_only; detailed: Engine.inspect() describes every layer)")
    b.add_argument("--plugins", "--staticPlugins", dest="plugins", action="append", metavar="LIB",
                   help="plugin library to load before parsing (repeat for more)")
    flag(b, "--verbose", "verbose", "TensorRT's verbose log")


def speak_flags(message: str, parser: argparse.ArgumentParser | None) -> str:
    """A library error in the words of a command line (or a trtexec argument list): the library names its keyword
    arguments (``cast=True``, ``max_aux_streams``, ``opt_shapes="x:4x3"``, ``instances: ...`` at the start), which
    the command line calls by their flags (``--cast``, ``--maxAuxStreams``, ``--optShapes=x:4x3``,
    ``--instances: ...``); the parser says which flag sets which argument (its ``dest``, or the ``keyword`` an
    action carries when several flags share one dest), so every message is written once, in Python's words, and
    read in the words of the interface in use.

    >>> parser = argparse.ArgumentParser()
    >>> add_trtexec_arguments(parser)
    >>> speak_flags("max_aux_streams must be >= -1", parser)
    '--maxAuxStreams must be >= -1'
    >>> speak_flags('give shapes, e.g. opt_shapes="x:4x3"', parser)
    'give shapes, e.g. --optShapes=x:4x3'
    """
    if parser is None:
        return message
    for action in parser._actions:
        if not action.option_strings or action.dest in (argparse.SUPPRESS, "help") or action.dest.startswith("_"):
            continue
        flag = max(action.option_strings, key=lambda s: (s.startswith("--"), -len(s)))
        name = getattr(action, "keyword", action.dest)
        dest = re.escape(name)
        message = re.sub(rf"(?<![\w.-]){dest}=True\b", flag, message)  # a store_true flag: cast=True → --cast
        # a keyword with a quoted value: kind='gpu' → --kind=gpu
        message = re.sub(rf"""(?<![\w.-]){dest}=(['"])([^'"]*)\1""", f"{flag}=\\2", message)
        message = re.sub(rf"^{dest}:", f"{flag}:", message)  # the argument a message is about: "instances: ..."
        if "_" in name or name.lower() != name:  # an identifier, not an English word
            message = re.sub(rf"(?<![\w.-]){dest}(?![\w=])", flag, message)
    return message


#: trtexec's I/O type names → numpy's.
IO_TYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16", "int32": "int32", "int64": "int64",
            "int8": "int8", "uint8": "uint8", "bool": "bool"}


def parse_io_formats(spec: str, names: Sequence[str], flag: str) -> dict[str, str]:
    """trtexec's ``--inputIOFormats``/``--outputIOFormats`` spec → ``{tensor name: trtexec type}``: one
    ``type:fmt`` for every tensor, or one per tensor in the network's order. trtcore stages tensors in the linear
    layout only, so ``fmt`` must be ``chw``.

    >>> parse_io_formats("fp16:chw", ["x", "y"], "--inputIOFormats")
    {'x': 'fp16', 'y': 'fp16'}
    """
    items = [item.strip() for item in spec.split(",") if item.strip()]
    if not items:
        raise ArgumentError(f"{flag}: empty; expected type:chw[,type:chw...] like fp16:chw")
    types = []
    for item in items:
        kind, sep, fmt = item.partition(":")
        if kind not in IO_TYPES:
            raise ArgumentError(f"{flag}: {item!r}: unknown type {kind!r}; use one of {', '.join(IO_TYPES)}")
        if sep and any(f.strip() != "chw" for f in fmt.split("+")):
            raise ArgumentError(f"{flag}: {item!r}: trtcore runs tensors in the linear chw layout only ({fmt!r} is a "
                                "vectorized or channel-last layout the executor does not stage)")
        types.append(kind)
    if len(types) == 1:
        return dict.fromkeys(names, types[0])
    if len(types) != len(names):
        raise ArgumentError(f"{flag}: {len(types)} formats for {len(names)} tensor(s) ({', '.join(names)}); give one "
                            "for all or one per tensor, in order")
    return dict(zip(names, types))


def plan_io_types(cfg: Any, info: Any, weak: bool) -> tuple[list[tuple[str, str]], list[str]]:
    """The build request's ``io_types`` and notes for ``cfg``'s I/O formats. Weakly typed networks (TensorRT 10)
    take any type on their inputs and outputs. Strongly typed ones keep the model's types: a request is met when it
    names them, or the type the model is converted to (then the conversion converts the I/O too); else an error.

    >>> plan_io_types(BuildConfig(input_io_formats="fp16:chw"), info, weak=True)  # doctest: +SKIP
    ([('input', 'fp16')], [])
    """
    requested: dict[str, str] = {}
    model_types: dict[str, str] = {}
    for spec, tensors, flag in ((cfg.input_io_formats, info.inputs, "--inputIOFormats"),
                                (cfg.output_io_formats, info.outputs, "--outputIOFormats")):
        if spec is not None:
            requested.update(parse_io_formats(spec, [t.name for t in tensors], flag))
            model_types.update({t.name: t.dtype_name for t in tensors})
    if not requested:
        return [], []
    if weak:
        return list(requested.items()), []
    differ = {n: k for n, k in requested.items() if IO_TYPES[k] != model_types[n]}
    if not differ:
        return [], []
    low = "float16" if (cfg.fp16 or cfg.best) else "bfloat16" if cfg.bf16 else None
    if low is not None and all(IO_TYPES[k] == low and model_types[n] == "float32" for n, k in differ.items()):
        cfg.keep_io_types = False
        listing = ", ".join(f"{n}:{k}" for n, k in differ.items())
        note = f"I/O formats {listing}: the model's inputs and outputs are converted to {low} with it (strongly typed)"
        return [], [note]
    raise ArgumentError("I/O formats " + ", ".join(f"{n}:{k}" for n, k in differ.items()) + " differ from the "
                        "model's types (" + ", ".join(f"{n}:{model_types[n]}" for n in differ) + "): a strongly "
                        "typed network (TensorRT 11, --stronglyTyped) keeps the model's I/O types; convert the "
                        "model, or ask for its own types")
