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
    g.add_argument("--no-keep-io-types", dest="keep_io_types", action="store_const", const=False, default=None,
                   help="when converting the model, convert its inputs/outputs too (default: keep them)")
    s = parser.add_argument_group("shapes (repeat a min/opt/max group for more profiles)")
    for name, kind in (("--minShapes", "min"), ("--optShapes", "opt"), ("--maxShapes", "max"),
                       ("--shapes", "shapes")):
        s.add_argument(name, dest="shape_flags", action=_ShapeFlag, const=kind, metavar="SPEC",
                       help=f"{kind} shapes, e.g. input:1x3x224x224,mask:1x1" if kind != "shapes" else
                       "static shapes (when no min/opt/max is given)")
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
    b.add_argument("--profilingVerbosity", dest="profiling_verbosity", metavar="MODE",
                   help="layer_names_only | detailed | none: what the plan records about its layers "
                        "(default layer_names_only; detailed: Engine.inspect() describes every layer)")
    b.add_argument("--plugins", dest="plugins", action="append", metavar="LIB", help="plugin library to load")
    flag(b, "--verbose", "verbose", "TensorRT's verbose log")


def speak_flags(message: str, parser: argparse.ArgumentParser | None) -> str:
    """A library error in the words of a command line (or a trtexec argument list): the library names its keyword
    arguments (``cast=True``, ``max_aux_streams``), which the command line calls by their flags (``--cast``,
    ``--maxAuxStreams``); the parser says which flag sets which argument, so every message is written once, in
    Python's words, and read in the words of the interface in use.

    >>> parser = argparse.ArgumentParser()
    >>> add_trtexec_arguments(parser)
    >>> speak_flags("max_aux_streams must be >= -1", parser)
    '--maxAuxStreams must be >= -1'
    """
    if parser is None:
        return message
    for action in parser._actions:
        if not action.option_strings or action.dest in (argparse.SUPPRESS, "help") or action.dest.startswith("_"):
            continue
        flag = max(action.option_strings, key=lambda s: (s.startswith("--"), -len(s)))
        dest = re.escape(action.dest)
        message = re.sub(rf"(?<![\w.-]){dest}=True\b", flag, message)  # a store_true flag: cast=True → --cast
        if "_" in action.dest or action.dest.lower() != action.dest:  # an identifier, not an English word
            message = re.sub(rf"(?<![\w.-]){dest}(?![\w=])", flag, message)
    return message
