"""The model and input-data flags of the model-running subcommands (run, bench, compare) and the feed they
build: --inputs files, random data with trtexec's --shapes. Not a subcommand: the name starts with an underscore."""

from __future__ import annotations

import argparse
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from trtcore.builder.shapes import parse_shape_spec
from trtcore.engine import TEMPFILE_CONTROLS
from trtcore.errors import ArgumentError, FileError, FormatError
from trtcore.runners import BACKENDS, ENGINE_SUFFIXES, Runner, host_feed, random_feed


def add_model(p: argparse.ArgumentParser, help: str = "model file (.onnx, .engine, .plan)") -> None:
    p.add_argument("model", type=Path, help=help)
    p.add_argument("--backend", choices=BACKENDS, default="auto",
                   help="auto: TensorRT when usable, else ONNX Runtime (default auto)")


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """trtexec's engine-loading flags: --plugins (--dynamicPlugins), --leanDLLPath, --tempdir and
    --tempfileControls; see ``engine_options``."""
    p.add_argument("--plugins", "--dynamicPlugins", dest="plugins", nargs="+", type=Path, default=[],
                   metavar="LIB", help="engines: plugin libraries the engine's layers need (the ones it was built "
                                       "with), registered with TensorRT's plugin registry before it loads")
    p.add_argument("--leanDLLPath", dest="lean_runtime", type=Path, metavar="FILE",
                   help="engines built --versionCompatible --excludeLeanRuntime: the libnvinfer_lean of the "
                        "TensorRT that built them")
    p.add_argument("--tempdir", dest="temp_dir", type=Path, metavar="DIR",
                   help="engines: the folder TensorRT writes temporary files to while loading (an existing folder; "
                        "default: TensorRT's own choice)")
    p.add_argument("--tempfileControls", dest="tempfile_controls", metavar="CONTROLS",
                   help="engines: which temporary files TensorRT may create while loading, trtexec style: "
                        "in_memory:allow|deny,temporary:allow|deny (temporary: files in --tempdir); a key left "
                        "out is allowed")


def parse_tempfile_controls(spec: str) -> dict[str, bool]:
    """trtexec's --tempfileControls: 'in_memory:allow,temporary:deny' → {'in_memory': True, 'temporary': False}
    (``NAME=VALUE`` is taken too). ArgumentError naming the flag for an unknown key or value.

    >>> parse_tempfile_controls("in_memory:allow,temporary:deny")
    {'in_memory': True, 'temporary': False}
    """
    controls: dict[str, bool] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, sep, value = item.replace("=", ":", 1).partition(":")
        if not sep or value not in ("allow", "deny"):
            raise ArgumentError(f"--tempfileControls {item!r}: expected NAME:allow or NAME:deny "
                                f"(e.g. in_memory:allow,temporary:deny)")
        if key not in TEMPFILE_CONTROLS:
            raise ArgumentError(f"--tempfileControls {item!r}: unknown key {key!r} (known: "
                                f"{', '.join(TEMPFILE_CONTROLS)})")
        controls[key] = value == "allow"
    if not controls:
        raise ArgumentError("--tempfileControls: empty; give e.g. in_memory:allow,temporary:deny")
    return controls


def engine_options(args: argparse.Namespace) -> dict[str, object]:
    """The engine-loading options given (--plugins, --leanDLLPath, --tempdir, --tempfileControls) for
    ``runners.load``; ArgumentError when they are given for a model that is not an engine file (an ONNX build
    takes plugins through ``trtcore build``), FileError for a --tempdir that is not a folder."""
    options: dict[str, object] = {}
    if args.plugins:
        options["plugins"] = list(args.plugins)
    if args.lean_runtime is not None:
        options["lean_runtime"] = args.lean_runtime
    if args.temp_dir is not None:
        options["temp_dir"] = args.temp_dir
    if args.tempfile_controls is not None:
        options["tempfile_controls"] = parse_tempfile_controls(args.tempfile_controls)
    if options and Path(args.model).suffix.lower() not in ENGINE_SUFFIXES:
        raise ArgumentError(f"--plugins/--leanDLLPath/--tempdir/--tempfileControls apply to engine files "
                            f"({', '.join(ENGINE_SUFFIXES)}), not {args.model}; build it with "
                            f"`trtcore build --onnx {args.model} --saveEngine ...` first")
    if args.temp_dir is not None and not args.temp_dir.is_dir():
        why = "it is not a folder" if args.temp_dir.exists() else "no such folder"
        raise FileError(f"--tempdir {args.temp_dir}: {why} (TensorRT's temporary files go into an existing folder)")
    return options


def add_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inputs", "--loadInputs", dest="inputs", nargs="+", default=[], metavar="SPEC",
                   help="input data: one .npz (keys = input names) and/or NAME:FILE.npy; random data for the rest")
    p.add_argument("--shapes", default="", metavar="SPEC",
                   help="shapes of random inputs, trtexec style: input:1x3x224x224[,other:4x2]")
    p.add_argument("--seed", type=int, default=0, help="seed for random inputs, >= 0 (default 0)")
    p.add_argument("--cast", action="store_true",
                   help="convert --inputs arrays of another dtype to the model's (numpy astype, once, when loaded); "
                        "without it a dtype mismatch is an error, as in the Python API")


def parse_shapes(spec: str) -> dict[str, tuple[int, ...]]:
    """'input:1x3x224x224,mask:1x1' → {'input': (1, 3, 224, 224), 'mask': (1, 1)}: trtexec's --shapes, parsed by
    the same parser as ``trtcore build`` (quoted names, duplicates and bad dims are errors); '' → {}."""
    return parse_shape_spec(spec, flag="--shapes") if spec.strip() else {}


def _load_array_file(path: Path) -> Mapping[str, np.ndarray] | np.ndarray:
    """A .npy array or every array of a .npz, read now: a truncated archive or an object array (which would need
    pickle) is a FormatError naming the file, not a traceback later."""
    if not path.is_file():
        raise FileError(f"{path}: no such input file")
    try:
        data = np.load(path, allow_pickle=False)
        if isinstance(data, np.lib.npyio.NpzFile):
            with data:
                return {k: data[k] for k in data.files}
        return data
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise FormatError(f"{path}: not a .npy/.npz file numpy can read without pickle ({e})") from None


def make_feed(runner: Runner, args: argparse.Namespace) -> dict[str, np.ndarray]:
    """Inputs from --inputs files, random data (seeded, --shapes) for the others.

    The files are fed as they are, under the one input policy: a dtype other than the model's is a DTypeError when
    the runner checks the feed, unless ``--cast`` converts them here, once (so ``bench`` times no conversion).
    """
    given: dict[str, np.ndarray] = {}
    for spec in args.inputs:
        name, sep, file = spec.rpartition(":")
        path = Path(file if sep and name else spec)
        if path.suffix.lower() == ".npz" and not (sep and name):
            given.update(_load_array_file(path))  # type: ignore[arg-type]
        elif path.suffix.lower() == ".npy" and sep and name:
            given[name] = np.asarray(_load_array_file(path))
        else:
            raise ArgumentError(f"--inputs: {spec!r} must be FILE.npz or NAME:FILE.npy")
    names = [m.name for m in runner.inputs]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise ArgumentError(f"--inputs: {unknown} are not inputs of {runner.name}; its inputs: {names}")
    shapes = parse_shapes(args.shapes)
    missing = [m for m in runner.inputs if m.name not in given]
    # random inputs follow the given ones on shared named extents ("batch"), and the --shapes of each other
    named: dict[str, int] = {}
    for m in runner.inputs:
        shape = given[m.name].shape if m.name in given else shapes.get(m.name)
        if shape is not None and len(shape) == m.rank:
            named.update({d: int(n) for d, n in zip(m.dim_names, shape) if d is not None})
    feed = random_feed(missing, seed=args.seed, shapes={k: v for k, v in shapes.items() if k not in given},
                       named=named)
    feed.update(given)
    feed = {n: feed[n] for n in names}
    return host_feed(runner.inputs, feed, cast=True) if args.cast else feed
