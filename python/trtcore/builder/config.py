"""BuildConfig: everything ``trtcore build`` can be told, from trtexec flags, a TOML file, or Python.

Field names are trtexec's in snake_case (``--noTF32`` → ``no_tf32``); a TOML file may use either spelling.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from trtcore.builder.flags import SHAPES_NOTICE, add_trtexec_arguments, profiles_from_flag_sequence, speak_flags
from trtcore.builder.shapes import Profile, format_dims, parse_dims, parse_shape_spec
from trtcore.errors import ArgumentError, FileError, FormatError

log = logging.getLogger(__name__)

# trtexec's --memPoolSize names → the contract's memory_pools keys.
POOL_NAMES = {"workspace": "workspace", "dlaSRAM": "dla_managed_sram", "dlaLocalDRAM": "dla_local_dram",
              "dlaGlobalDRAM": "dla_global_dram", "tacticSharedMem": "tactic_shared_memory"}
# trtexec's --hardwareCompatibilityLevel values (case-insensitive) → the contract's names.
HARDWARE_LEVELS = {"none": "none", "ampere+": "ampere_plus", "samecomputecapability": "same_compute_capability",
                   "ampere_plus": "ampere_plus", "same_compute_capability": "same_compute_capability"}
# trtexec's --profilingVerbosity values: how much the plan records about its layers (Engine.inspect shows it).
PROFILING_VERBOSITIES = ("layer_names_only", "detailed", "none")
# trtexec still accepts these deprecated spellings (with a warning); so does trtcore (with a notice).
_PROFILING_ALIASES = {"default": "layer_names_only", "verbose": "detailed"}
_UNITS = {"": 2**20, "B": 1, "K": 2**10, "KB": 2**10, "KIB": 2**10, "M": 2**20, "MB": 2**20, "MIB": 2**20,
          "G": 2**30, "GB": 2**30, "GIB": 2**30}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*$")


def parse_memory_size(text: str | int, *, where: str = "--memPoolSize") -> int:
    """trtexec sizes: a number with an optional B/K/M/G suffix, MiB when there is none → bytes.

    >>> parse_memory_size("4096M"), parse_memory_size("1.5G"), parse_memory_size("512")
    (4294967296, 1610612736, 536870912)
    """
    if isinstance(text, bool):
        raise ArgumentError(f"{where}: {text!r} is not a size")
    if isinstance(text, int):
        if text < 0:
            raise ArgumentError(f"{where}: negative size {text}")
        return text
    m = _SIZE.match(str(text))
    if not m or m.group(2).upper() not in _UNITS:
        raise ArgumentError(f"{where}: {text!r} is not a size; write a number with an optional unit B, K, M or G "
                            "(MiB when none), e.g. 4096M or 4G")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def parse_mem_pool_spec(spec: str) -> dict[str, int]:
    """``"workspace:4096M,dlaSRAM:1M"`` → ``{"workspace": 4294967296, "dla_managed_sram": 1048576}``.

    >>> parse_mem_pool_spec("workspace:1G")
    {'workspace': 1073741824}
    """
    pools: dict[str, int] = {}
    for item in spec.split(","):
        name, sep, size = item.strip().rpartition(":")
        if not sep or not name:
            raise ArgumentError(f"--memPoolSize: {item!r} is not pool:size (e.g. workspace:4096M)")
        if name not in POOL_NAMES:
            raise ArgumentError(f"--memPoolSize: unknown memory pool {name!r}; known: {', '.join(POOL_NAMES)}")
        pools[POOL_NAMES[name]] = parse_memory_size(size, where=f"--memPoolSize {name}")
    return pools


@dataclass
class BuildConfig:
    """How to build an engine. Defaults are TensorRT's (``-1`` = let TensorRT choose).

    >>> cfg = BuildConfig(fp16=True, profiles=[Profile.from_spec_strings(opt="input:8x3x224x224")])
    >>> cfg.fp16, len(cfg.profiles)
    (True, 1)
    """

    fp16: bool = False
    bf16: bool = False
    int8: bool = False
    fp8: bool = False
    best: bool = False
    no_tf32: bool = False
    strongly_typed: bool = False
    keep_io_types: bool = True
    profiles: list[Profile] = field(default_factory=list)
    memory_pools: dict[str, int] = field(default_factory=dict)
    timing_cache_file: Path | None = None
    builder_optimization_level: int = -1
    max_aux_streams: int = -1
    hardware_compatibility_level: str = "none"
    version_compatible: bool = False
    exclude_lean_runtime: bool = False
    refit: bool = False
    int4: bool = False  # TensorRT 10: INT4 weight-only quantization (Q/DQ model); 11: from the model, no flag
    strip_weights: bool = False  # --stripWeights: a plan without the refittable weights (refit them before use)
    sparsity: str = "disable"  # --sparsity: disable | enable (sparse weights where the model already has them)
    allow_weight_streaming: bool = False
    no_builder_cache: bool = False  # --noBuilderCache: no timing cache at all
    no_compilation_cache: bool = False
    error_on_timing_cache_miss: bool = False
    precision_constraints: str = "none"  # none | obey | prefer (TensorRT 10 weak typing only)
    # --inputIOFormats / --outputIOFormats, trtexec's "type:fmt[,type:fmt...]" (see builder/io_formats.py)
    input_io_formats: str | None = None
    output_io_formats: str | None = None
    device: int | None = None  # --device N: the GPU to build on (None: the current one)
    tactic_sources: str | None = None  # --tacticSources, trtexec's "-CUBLAS,+CUDNN"
    layer_precisions: str | None = None  # --layerPrecisions, trtexec's "layer:fp16,*:fp32" (TensorRT 10)
    # None: TensorRT's default (layer_names_only); "detailed" makes Engine.inspect() describe every layer.
    profiling_verbosity: str | None = None
    plugins: list[Path] = field(default_factory=list)
    verbose: bool = False
    save_engine: Path | None = None
    save_converted_onnx: Path | None = None
    target_major: int | None = None
    # Deprecation and mapping notices collected while parsing (shown by the CLI and in the build log).
    notices: list[str] = field(default_factory=list, compare=False, repr=False)

    def validate(self) -> BuildConfig:
        """Checks value ranges; returns self. Raises ArgumentError naming the field.

        >>> BuildConfig(max_aux_streams=-2).validate()
        Traceback (most recent call last):
        trtcore.errors.ArgumentError: max_aux_streams must be >= -1 (-1 = TensorRT default), got -2
        """
        for name in ("builder_optimization_level", "max_aux_streams"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ArgumentError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
        if not -1 <= self.builder_optimization_level <= 5:
            raise ArgumentError("builder_optimization_level must be 0..5 or -1 "
                                f"(TensorRT default), got {self.builder_optimization_level}")
        if self.max_aux_streams < -1:
            raise ArgumentError("max_aux_streams must be >= -1 (-1 = TensorRT default), "
                                f"got {self.max_aux_streams}")
        level = HARDWARE_LEVELS.get(str(self.hardware_compatibility_level).lower())
        if level is None:
            raise ArgumentError(f"hardware_compatibility_level {self.hardware_compatibility_level!r} is unknown; "
                                "use none, ampere+ or sameComputeCapability")
        self.hardware_compatibility_level = level
        alias = _PROFILING_ALIASES.get(str(self.profiling_verbosity))
        if alias is not None:
            self.notices.append(f"--profilingVerbosity={self.profiling_verbosity} is deprecated (as in trtexec); "
                                f"using {alias}")
            self.profiling_verbosity = alias
        if self.profiling_verbosity is not None and self.profiling_verbosity not in PROFILING_VERBOSITIES:
            raise ArgumentError(f"profiling_verbosity {self.profiling_verbosity!r} is unknown; "
                                f"use {', '.join(PROFILING_VERBOSITIES)}")
        for key, size in self.memory_pools.items():
            if key not in POOL_NAMES.values():
                raise ArgumentError(f"memory pool {key!r} is unknown; known: {', '.join(POOL_NAMES.values())}")
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise ArgumentError(f"memory pool {key!r}: size must be a non-negative number of bytes, got {size!r}")
            if size >= 2**64:
                raise ArgumentError(f"memory pool {key!r}: {size} bytes is more than 64 bits hold")
        if self.sparsity not in SPARSITY:
            raise ArgumentError(f"sparsity {self.sparsity!r} is unknown; use disable or enable (trtexec's force "
                                "rewrites the weights, which trtcore does not do: prune the model with ModelOpt)")
        if self.precision_constraints not in PRECISION_CONSTRAINTS:
            raise ArgumentError(f"precision_constraints {self.precision_constraints!r} is unknown; use "
                                f"{', '.join(PRECISION_CONSTRAINTS)}")
        if self.target_major not in (None, 10, 11):
            raise ArgumentError(f"target_major must be 10 or 11, got {self.target_major!r}")
        return self

    def builder_flags(self, target_major: int) -> list[str]:
        """The build request's flags (cpp/tensorrt/build_request.h) for the options other than precision.

        >>> BuildConfig(refit=True, strip_weights=True).builder_flags(10)
        ['refit', 'strip_plan']
        """
        flags = [name for attr, name in _BUILDER_FLAGS if getattr(self, attr)]
        if self.strip_weights and not self.refit:  # trtexec: stripped weights are refitted identical by default
            flags.append("refit_identical")
        if self.int4 and target_major < 11:  # 11: INT4 comes from the model's Q/DQ weights, no builder flag
            flags.append("int4")
        if self.sparsity == "enable":
            flags.append("sparse_weights")
        if self.precision_constraints != "none":
            if target_major >= 11:
                raise ArgumentError(f"precision_constraints={self.precision_constraints}: TensorRT {target_major} "
                                    "takes layer precisions from the model's types (no precision constraints)")
            flags.append(f"{self.precision_constraints}_precision_constraints")
        return flags

    def request_extras(self, target_major: int) -> dict[str, Any]:
        """The build request's ``device``, ``tactic_sources`` and ``layer_precisions``, checked for
        ``target_major``.

        >>> BuildConfig(tactic_sources="-CUBLAS,+CUDNN").request_extras(10)["tactic_sources"]
        ['-CUBLAS', '+CUDNN']
        """
        if self.device is not None and (isinstance(self.device, bool) or not isinstance(self.device, int)
                                        or self.device < 0):
            raise ArgumentError(f"device must be a GPU index >= 0, got {self.device!r}")
        sources = []
        for item in (self.tactic_sources or "").split(","):
            item = item.strip()
            if not item:
                continue
            known = TACTIC_SOURCES[10 if target_major < 11 else 11]
            if item[0] not in "+-" or item[1:].upper() not in known:
                raise ArgumentError(f"tactic_sources: {item!r} must be +NAME or -NAME with NAME one of "
                                    f"{', '.join(known)} (TensorRT {target_major})")
            sources.append(item[0] + item[1:].upper())
        layers = []
        for item in (self.layer_precisions or "").split(","):
            if not item.strip():
                continue
            name, sep, kind = item.strip().rpartition(":")
            if not sep or not name or kind not in LAYER_PRECISIONS:
                raise ArgumentError(f"layer_precisions: {item.strip()!r} must be LAYER:TYPE (or *:TYPE) with TYPE "
                                    f"one of {', '.join(LAYER_PRECISIONS)}")
            layers.append((name.strip().strip("'\""), kind))
        if layers and target_major >= 11:
            raise ArgumentError(f"layer_precisions: TensorRT {target_major} has no per-layer precision (layers "
                                "compute in the model's types; convert the model instead)")
        return {"device": -1 if self.device is None else self.device, "tactic_sources": sources,
                "layer_precisions": layers}

    # ---------------------------------------------------------------- TOML / dict
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base_dir: Path | None = None, where: str = "config"
                  ) -> BuildConfig:
        """From a mapping with snake_case or trtexec keys; relative paths resolve against ``base_dir``.

        >>> BuildConfig.from_dict({"fp16": True, "memPoolSize": "workspace:1G"}).memory_pools
        {'workspace': 1073741824}
        """
        cfg = cls()
        known = {f.name: f for f in fields(cls) if f.name not in ("notices", "profiles", "memory_pools")}
        shape_strings: dict[str, str] = {}
        for raw_key, value in data.items():
            key = _ALIASES.get(raw_key, raw_key)
            if key in ("min_shapes", "opt_shapes", "max_shapes", "shapes"):
                shape_strings[key] = _expect(value, str, where, raw_key)
            elif key == "profiles":
                if not isinstance(value, list):
                    raise ArgumentError(f"{where}: 'profiles' must be an array of tables ([[profiles]])")
                cfg.profiles.extend(_profile_from_table(p, f"{where}: profiles[{i}]") for i, p in enumerate(value))
            elif key == "memory_pools":
                if isinstance(value, str):
                    cfg.memory_pools.update(parse_mem_pool_spec(value))
                elif isinstance(value, Mapping):
                    for name, size in value.items():
                        pool = POOL_NAMES.get(str(name), str(name))
                        cfg.memory_pools[pool] = parse_memory_size(size, where=f"{where}: memory_pools.{name}")
                else:
                    raise ArgumentError(f"{where}: {raw_key} must be a table or a trtexec pool spec string")
            elif key == "workspace":
                cfg.memory_pools["workspace"] = parse_memory_size(value, where=f"{where}: workspace")
                cfg.notices.append(_WORKSPACE_NOTICE)
            elif key in known:
                setattr(cfg, key, _coerce(known[key].type, value, where, raw_key, base_dir))
            else:
                names = sorted(set(known) | {"profiles", "memory_pools", "min_shapes", "opt_shapes", "max_shapes",
                                             "shapes"})
                raise ArgumentError(f"{where}: unknown key {raw_key!r}; known keys: {', '.join(names)}")
        if shape_strings:
            profile = _profile_from_flags(shape_strings.get("min_shapes"), shape_strings.get("opt_shapes"),
                                          shape_strings.get("max_shapes"), shape_strings.get("shapes"), cfg.notices)
            if profile is not None:
                cfg.profiles.insert(0, profile)
        try:
            return cfg.validate()
        except ArgumentError as e:
            raise ArgumentError(f"{where}: {e}") from e

    @classmethod
    def from_toml(cls, path: str | Path) -> BuildConfig:
        """Loads a TOML file (tomllib on Python 3.11+, tomli before).

        >>> cfg = BuildConfig.from_toml("resnet.toml")  # doctest: +SKIP
        """
        path = Path(path)
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - exercised on 3.10 only
            import tomli as tomllib
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise FileError(f"{path}: cannot read the build config ({e.strerror or e})") from e
        except UnicodeDecodeError as e:
            raise FormatError(f"{path}: not a TOML build config (not UTF-8 text: {e.reason} at byte {e.start})"
                              ) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise FormatError(f"{path}: not valid TOML: {e}") from e
        return cls.from_dict(data, base_dir=path.parent, where=str(path))

    def to_dict(self) -> dict[str, Any]:
        """A TOML-friendly dict (paths as str, profiles as tables) that ``from_dict`` reads back."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "notices" or value is None:
                continue
            if f.name == "profiles":
                value = [{n: {k: list(v) for k, v in r.to_request().items()} for n, r in p.shapes.items()}
                         for p in value]
            elif isinstance(value, Path):
                value = str(value)
            elif f.name == "plugins":
                value = [str(p) for p in value]
            out[f.name] = value
        return out

    # ---------------------------------------------------------------- trtexec flags
    @classmethod
    def from_args(cls, args: argparse.Namespace, base: BuildConfig | None = None) -> BuildConfig:
        """Applies flags parsed by :func:`add_trtexec_arguments` on top of ``base`` (flags win).

        >>> p = argparse.ArgumentParser(); add_trtexec_arguments(p)
        >>> BuildConfig.from_args(p.parse_args(["--fp16", "--optShapes=x:2x3"])).profiles[0].shapes["x"].min
        (2, 3)
        """
        cfg = base if base is not None else cls()
        for name in ("fp16", "bf16", "int8", "fp8", "best", "no_tf32", "strongly_typed", "keep_io_types",
                     "version_compatible", "exclude_lean_runtime", "refit", "verbose",
                     "builder_optimization_level", "max_aux_streams", "hardware_compatibility_level",
                     "profiling_verbosity", "target_major", "int4", "strip_weights", "sparsity",
                     "allow_weight_streaming", "no_builder_cache", "no_compilation_cache", "error_on_timing_cache_miss",
                     "precision_constraints", "input_io_formats", "output_io_formats", "device",
                     "tactic_sources", "layer_precisions"):
            value = getattr(args, name, None)
            if value is not None:
                setattr(cfg, name, value)
        for name in ("timing_cache_file", "save_engine", "save_converted_onnx"):
            value = getattr(args, name, None)
            if value is not None:
                setattr(cfg, name, Path(value))
        if getattr(args, "strip_all_weights", None):  # trtexec: --refit --stripWeights
            cfg.refit = cfg.strip_weights = True
        if getattr(args, "plugins", None):
            cfg.plugins = [Path(p) for p in args.plugins]
        if getattr(args, "workspace", None) is not None:
            cfg.memory_pools["workspace"] = parse_memory_size(args.workspace, where="--workspace")
            cfg.notices.append(_WORKSPACE_NOTICE)
        for spec in getattr(args, "mem_pool_size", None) or []:
            cfg.memory_pools.update(parse_mem_pool_spec(spec))
        profiles = profiles_from_flag_sequence(getattr(args, "shape_flags", None) or [], cfg.notices)
        if profiles:
            cfg.profiles = profiles  # command-line shapes replace the config file's
        return cfg.validate()

    @classmethod
    def from_trtexec(cls, argv: Sequence[str]) -> BuildConfig:
        """From a trtexec-style argument list (build flags only).

        >>> BuildConfig.from_trtexec(["--fp16", "--memPoolSize=workspace:2G"]).memory_pools["workspace"]
        2147483648
        """
        parser = argparse.ArgumentParser(prog="trtexec-flags", add_help=False, exit_on_error=False)
        add_trtexec_arguments(parser)
        try:
            args, unknown = parser.parse_known_args(list(argv))
        except (argparse.ArgumentError, SystemExit) as e:
            raise ArgumentError(f"cannot parse trtexec flags {list(argv)}: {e}") from e
        if unknown:
            raise ArgumentError(f"cannot parse trtexec flags: {' '.join(unknown)} not understood (build flags only; "
                                "see trtcore build --help)")
        try:
            return cls.from_args(args)
        except ArgumentError as e:  # the caller spoke trtexec: name its flags, not BuildConfig's fields
            raise type(e)(speak_flags(str(e), parser)) from None


SPARSITY = ("disable", "enable")
# trtexec's --tacticSources names per TensorRT major (11 dropped cuBLAS, cuBLASLt and cuDNN).
TACTIC_SOURCES = {10: ("CUBLAS", "CUBLAS_LT", "CUDNN", "EDGE_MASK_CONVOLUTIONS", "JIT_CONVOLUTIONS"),
                  11: ("EDGE_MASK_CONVOLUTIONS", "JIT_CONVOLUTIONS")}
LAYER_PRECISIONS = ("fp32", "fp16", "bf16", "int32", "int64", "int8", "fp8")
PRECISION_CONSTRAINTS = ("none", "obey", "prefer")
# BuildConfig field → build request flag, for the on/off options (precision flags come from precision.py).
_BUILDER_FLAGS = (("no_tf32", "no_tf32"), ("version_compatible", "version_compatible"),
                  ("exclude_lean_runtime", "exclude_lean_runtime"), ("refit", "refit"), ("strip_weights", "strip_plan"),
                  ("allow_weight_streaming", "weight_streaming"), ("no_builder_cache", "disable_timing_cache"),
                  ("no_compilation_cache", "disable_compilation_cache"),
                  ("error_on_timing_cache_miss", "error_on_timing_cache_miss"))

_WORKSPACE_NOTICE = ("--workspace=N (MiB) is the pre-8.4 spelling; mapped to --memPoolSize=workspace:NM, "
                     "which is what TensorRT 10/11 understand")
_ALIASES = {
    "noTF32": "no_tf32", "stronglyTyped": "strongly_typed", "keepIOTypes": "keep_io_types",
    "minShapes": "min_shapes", "optShapes": "opt_shapes", "maxShapes": "max_shapes",
    "memPoolSize": "memory_pools", "timingCacheFile": "timing_cache_file",
    "builderOptimizationLevel": "builder_optimization_level", "maxAuxStreams": "max_aux_streams",
    "hardwareCompatibilityLevel": "hardware_compatibility_level", "versionCompatible": "version_compatible",
    "vc": "version_compatible", "excludeLeanRuntime": "exclude_lean_runtime", "saveEngine": "save_engine",
    "profilingVerbosity": "profiling_verbosity", "stripWeights": "strip_weights",
    "allowWeightStreaming": "allow_weight_streaming", "noBuilderCache": "no_builder_cache",
    "noCompilationCache": "no_compilation_cache", "errorOnTimingCacheMiss": "error_on_timing_cache_miss",
    "precisionConstraints": "precision_constraints", "inputIOFormats": "input_io_formats",
    "outputIOFormats": "output_io_formats", "tacticSources": "tactic_sources", "layerPrecisions": "layer_precisions",
    "targetMajor": "target_major",
}


def _expect(value: Any, kind: type, where: str, key: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ArgumentError(f"{where}: {key} must be {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def _coerce(annotation: Any, value: Any, where: str, key: str, base_dir: Path | None) -> Any:
    ann = str(annotation)
    if ann == "bool":
        return _expect(value, bool, where, key)
    if ann.startswith("int"):
        return _expect(value, int, where, key)
    if ann in ("str", "str | None"):
        return _expect(value, str, where, key)
    if ann.startswith("Path"):
        return _path(_expect(value, str, where, key), base_dir)
    if ann.startswith("list[Path]"):
        items = value if isinstance(value, list) else [value]
        return [_path(_expect(v, str, where, key), base_dir) for v in items]
    raise ArgumentError(f"{where}: cannot read {key}")  # pragma: no cover - every field type is handled above


def _path(text: str, base_dir: Path | None) -> Path:
    p = Path(text).expanduser()
    return p if p.is_absolute() or base_dir is None else base_dir / p


def _profile_from_table(table: Any, where: str) -> Profile:
    """A ``[[profiles]]`` entry: ``min/opt/max = "name:dims,..."`` strings, or ``[profiles.NAME]`` tables with
    ``min/opt/max = [dims]`` (lists of ints or trtexec dim strings)."""
    if not isinstance(table, Mapping):
        raise ArgumentError(f"{where}: must be a table")
    specs: dict[str, dict[str, tuple[int, ...]]] = {"min": {}, "opt": {}, "max": {}}
    for key, value in table.items():
        if key in specs and isinstance(value, str):
            specs[key].update(parse_shape_spec(value, flag=f"{where}.{key}"))
        elif isinstance(value, Mapping):
            for sel, dims in value.items():
                if sel not in specs:
                    raise ArgumentError(f"{where}.{key}: unknown key {sel!r}; use min, opt, max")
                specs[sel][key] = _dims_value(dims, f"{where}.{key}.{sel}")
        else:
            raise ArgumentError(f"{where}: {key!r} must be a min/opt/max spec string or a table of an input's "
                                "min/opt/max")
    if not any(specs.values()):
        raise ArgumentError(f"{where}: empty profile")
    return Profile.from_specs(specs["min"], specs["opt"], specs["max"])


def _dims_value(value: Any, where: str) -> tuple[int, ...]:
    if isinstance(value, str):
        return parse_dims(value, where=where)
    if isinstance(value, list) and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in value):
        return tuple(value)
    raise ArgumentError(f"{where}: {value!r} is not a shape; use a list of non-negative ints or '1x3x224x224'")


def _profile_from_flags(min_s: str | None, opt_s: str | None, max_s: str | None, shapes: str | None,
                        notices: list[str]) -> Profile | None:
    if min_s is None and opt_s is None and max_s is None:
        return Profile.from_spec_strings(opt=shapes) if shapes is not None else None
    if shapes is not None:
        notices.append(SHAPES_NOTICE)
    return Profile.from_spec_strings(min_s, opt_s, max_s)


def describe_profiles(profiles: Sequence[Profile]) -> list[str]:
    """One line per profile for logs and ``--dry-run``."""
    lines = []
    for i, p in enumerate(profiles):
        ranges = "; ".join(f"{n} min {format_dims(r.min)} opt {format_dims(r.opt)} max {format_dims(r.max)}"
                           for n, r in p.shapes.items())
        lines.append(f"profile {i}: {ranges}")
    return lines
