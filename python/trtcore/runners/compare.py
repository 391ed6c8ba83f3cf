"""Output comparison and reference files, done by Polygraphy itself (the ``compare`` extra).

trtcore keeps no copy of Polygraphy's comparator: outputs are put into a :class:`polygraphy.comparator.RunResults`
and checked with ``Comparator.compare_accuracy`` under ``SimpleCompareFunc``, so tolerances (``atol``/``rtol``,
per output), error statistics (``elemwise``/``max``/``mean``/``median``/``quantile``), NaN/inf rules and the
PASSED/FAILED lines are Polygraphy's own. Reference outputs and inputs are read and written in Polygraphy's JSON
formats (``polygraphy run --save-outputs`` / ``--save-inputs``), so files move freely between the two tools.

Relative errors are relative to the reference (the second run), as in Polygraphy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trtcore._interrupt import reraise_interrupt
from trtcore.errors import ArgumentError, FileError, FormatError, MissingDependency

#: Polygraphy's defaults (SimpleCompareFunc._DEFAULT_ATOL/_RTOL): right for fp32 against fp32.
FP32_TOLERANCE = 1e-5
#: Defaults by the lowest floating precision compared: half precision keeps ~3 decimal digits, bfloat16 ~2.
TOLERANCE_BY_PRECISION = {"float32": 1e-5, "float64": 1e-5, "tf32": 1e-3, "float16": 1e-3, "bfloat16": 1e-2,
                          "int8": 1e-1, "fp8": 1e-1}
# The engine inspector's "Format/Datatype" words for each precision, lowest precision first.
_INSPECTOR_PRECISIONS = (("fp8", ("FP8", "E4M3")), ("int8", ("Int8", "INT8")), ("bf16", ("BF16", "BFloat16")),
                         ("fp16", ("FP16", "Half")), ("fp32", ("FP32", "Float")))
ERROR_STATS = ("elemwise", "max", "mean", "median", "quantile")


def polygraphy() -> Any:
    """Imports Polygraphy (quietly: no colour notice) or raises :class:`trtcore.MissingDependency` with the fix.

    >>> polygraphy().__version__  # doctest: +SKIP
    '0.53.6'
    """
    try:
        import polygraphy as pg
        from polygraphy.logger import G_LOGGER
    except ImportError as e:
        reraise_interrupt(e)
        raise MissingDependency("comparing outputs uses Polygraphy's comparator and file formats: pip install "
                                f"'trtcore[compare]' (or pip install polygraphy) ({e})") from None
    G_LOGGER.colors = False  # its colour check prints a notice when 'colored' is missing
    return pg


def parse_tolerances(values: Sequence[str] | None, flag: str, cast: type = float) -> dict[str, Any] | None:
    """Polygraphy's per-output syntax: ``["y:1e-3", "1e-5"]`` → ``{"y": 1e-3, "": 1e-5}`` ("" = every other
    output); None when the flag was not given.

    >>> parse_tolerances(["y:1e-3", "1e-5"], "--atol")
    {'y': 0.001, '': 1e-05}
    """
    if not values:
        return None
    polygraphy()
    from polygraphy.tools.args.util import parse_arglist_to_dict

    try:
        parsed = parse_arglist_to_dict(list(values), cast_to=cast, allow_empty_key=True)
    except Exception as e:  # Polygraphy reports a bad value through G_LOGGER.critical (PolygraphyException)
        raise ArgumentError(f"{flag}: cannot parse {' '.join(values)!r}: expected [OUTPUT:]VALUE ... ({e})") from None
    for name, value in parsed.items():
        if cast is float and not value >= 0:
            raise ArgumentError(f"{flag}: {name or 'default'} must be >= 0, got {value}")
    return parsed


def default_tolerance(dtypes: Sequence[str], precision: str | None = None) -> tuple[float, str]:
    """The tolerance used for ``atol`` and ``rtol`` when none is given, and why: Polygraphy's 1e-5 for fp32, looser
    for the lowest precision among the outputs' dtypes and the precision the engine was built with.

    >>> default_tolerance(["float32", "float16"])
    (0.001, 'float16 outputs')
    >>> default_tolerance(["float32"], precision="fp16")
    (0.001, 'an fp16 engine')
    """
    tol, why = FP32_TOLERANCE, "float32 outputs"
    for d in dtypes:
        t = TOLERANCE_BY_PRECISION.get(str(d))
        if t is not None and t > tol:
            tol, why = t, f"{d} outputs"
    names = {"fp16": "float16", "bf16": "bfloat16", "int8": "int8", "fp8": "fp8", "best": "int8", "tf32": "tf32"}
    if precision and names.get(precision.lower()) and TOLERANCE_BY_PRECISION[names[precision.lower()]] > tol:
        article = "an" if precision[0].lower() in "aefhilmnorsx" else "a"  # an fp16, an int8, a bf16, a tf32
        tol, why = TOLERANCE_BY_PRECISION[names[precision.lower()]], f"{article} {precision.lower()} engine"
    return tol, why


def engine_precision(runner: Any) -> tuple[str | None, str]:
    """The lowest precision a TensorRT runner's engine computes in, and how that is known; (None, "") for other
    backends. From the engine inspector's per-layer formats when the plan records them
    (``--profilingVerbosity detailed``); otherwise, and for fp32 layers (which TensorRT runs in TF32 unless built
    with ``--noTF32``), "tf32": a TensorRT engine never matches fp32 ONNX Runtime to Polygraphy's 1e-5.

    >>> engine_precision(trtcore.load("m_fp16.engine"))  # doctest: +SKIP
    ('fp16', 'layer formats from the engine inspector')
    """
    if getattr(runner, "backend", None) != "tensorrt":
        return None, ""
    unknown = ("tf32", ("layer precisions not recorded in the plan (built without --profilingVerbosity detailed); "
                        "fp32 layers may run in TF32, reduced precisions only with their flags"))
    try:
        layers = runner.engine.inspect().get("Layers", [])
    except (AttributeError, RuntimeError, ValueError):  # no engine, or an inspector that failed: unknown, not an error
        return unknown
    formats = " ".join(str(t.get("Format/Datatype", "")) for layer in layers if isinstance(layer, dict)
                       for t in list(layer.get("Inputs", [])) + list(layer.get("Outputs", [])) if isinstance(t, dict))
    for precision, words in _INSPECTOR_PRECISIONS:
        if any(w in formats for w in words):
            if precision == "fp32":
                return "tf32", "fp32 layers, which TensorRT runs in TF32 unless built with --noTF32"
            return precision, "layer formats from the engine inspector"
    return unknown


@dataclass(frozen=True)
class CompareSettings:
    """What to check: tolerances as Polygraphy takes them (a float, or ``{output: value, "": default}``)."""

    atol: float | dict[str, float] = FP32_TOLERANCE
    rtol: float | dict[str, float] = FP32_TOLERANCE
    check_error_stat: str | dict[str, str] = "elemwise"
    error_quantile: float | dict[str, float] = 0.99
    fail_fast: bool = False
    infinities_compare_equal: bool = False

    def __post_init__(self) -> None:
        for name in ("atol", "rtol"):  # NaN would pass everything: every "diff > nan" is False
            value = getattr(self, name)
            for key, v in (value.items() if isinstance(value, dict) else [("", value)]):
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
                    raise ArgumentError(f"{name}{f' for {key}' if key else ''} must be a number >= 0, got {v!r}")
        stats = self.check_error_stat.values() if isinstance(self.check_error_stat, dict) else [self.check_error_stat]
        bad = [s for s in stats if s not in ERROR_STATS]
        if bad:
            raise ArgumentError(f"check_error_stat must be one of {', '.join(ERROR_STATS)}, got {bad[0]!r}")
        quantiles = self.error_quantile.values() if isinstance(self.error_quantile, dict) else [self.error_quantile]
        if any(not 0 <= q <= 1 for q in quantiles):
            raise ArgumentError(f"error_quantile must be in [0, 1], got {self.error_quantile}")


def run_results(runs: Sequence[tuple[str, Sequence[Mapping[str, np.ndarray]]]]) -> Any:
    """A Polygraphy ``RunResults`` from ``[(runner name, [outputs of iteration 0, ...]), ...]``.

    >>> run_results([("trtcore-onnxruntime", [{"y": np.ones(2)}])]).keys()  # doctest: +SKIP
    """
    polygraphy()
    from polygraphy.comparator import RunResults

    results = RunResults()
    for name, iterations in runs:
        results.add([{k: np.asarray(v) for k, v in it.items()} for it in iterations], runner_name=name)
    return results


def compare_runs(results: Any, settings: CompareSettings = CompareSettings()) -> bool:
    """Compares the first run of ``results`` (a ``RunResults``) with every other, printing Polygraphy's report
    (``PASSED | Output: ...`` / ``FAILED | ...``) on stdout; True when all outputs of all iterations passed.

    >>> compare_runs(run_results([("a", [{"y": np.ones(2)}]), ("b", [{"y": np.ones(2)}])]))  # doctest: +SKIP
    True
    """
    return bool(compare_accuracy(results, settings))


_STATS = ("max_absdiff", "max_reldiff", "mean_absdiff", "mean_reldiff", "median_absdiff", "median_reldiff",
          "quantile_absdiff", "quantile_reldiff")


def accuracy_rows(accuracy: Any) -> list[dict[str, Any]]:
    """Polygraphy's accuracy result as plain rows, one per (reference, iteration, output): names, ``passed`` and
    the error statistics Polygraphy computed (NaN stays NaN: ``json.dumps`` writes it as ``NaN``).

    >>> accuracy_rows(compare_accuracy(results))[0]["passed"]  # doctest: +SKIP
    True
    """
    rows = []
    for result in (accuracy if isinstance(accuracy, list) or hasattr(accuracy, "lst") else [accuracy]):
        for (run, reference), iterations in result.items():
            for i, outputs in enumerate(iterations):
                for name, r in outputs.items():
                    rows.append({"run": run, "reference": reference, "iteration": i, "output": name,
                                 "passed": bool(r), **{k: getattr(r, k, None) for k in _STATS}})
    return rows


def compare_accuracy(results: Any, settings: CompareSettings = CompareSettings()) -> Any:
    """:func:`compare_runs`, returning Polygraphy's own result (``AccuracyResults``; true when everything passed)
    for callers that want the statistics (:func:`accuracy_rows`).

    >>> bool(compare_accuracy(run_results([("a", [{"y": np.ones(2)}]), ("b", [{"y": np.ones(2)}])])))  # doctest: +SKIP
    True
    """
    polygraphy()
    from polygraphy.comparator import Comparator, SimpleCompareFunc

    func = SimpleCompareFunc(atol=settings.atol, rtol=settings.rtol, check_error_stat=settings.check_error_stat,
                             error_quantile=settings.error_quantile, fail_fast=settings.fail_fast,
                             infinities_compare_equal=settings.infinities_compare_equal)
    names = list(results.keys())
    if len(names) < 2:
        raise ArgumentError(f"nothing to compare: the results hold {len(names)} run(s), need 2")
    return Comparator.compare_accuracy(results, fail_fast=settings.fail_fast, compare_func=func,
                                       comparisons=[(0, i) for i in range(1, len(names))])


def compare_outputs(got: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray],
                    settings: CompareSettings = CompareSettings(), names: tuple[str, str] = ("run", "reference")
                    ) -> bool:
    """Compares one set of outputs with a reference set under Polygraphy's rules; prints its report.

    >>> compare_outputs({"y": np.ones(2)}, {"y": np.ones(2)})  # doctest: +SKIP
    True
    """
    return compare_runs(run_results([(names[0], [got]), (names[1], [ref])]), settings)


# -- Polygraphy's files ------------------------------------------------------------------------------------------
def _write(path: Path, text: str) -> None:
    from trtcore.files import write_file_atomic

    write_file_atomic(path, text.encode())


def save_run_results(path: str | Path, results: Any) -> Path:
    """Writes ``results`` (``RunResults``) as ``polygraphy run --save-outputs`` does, atomically.

    >>> save_run_results("ref.json", run_results([("trtcore", [outputs])]))  # doctest: +SKIP
    """
    path = Path(path)
    _write(path, results.to_json())
    return path


def load_run_results(path: str | Path) -> Any:
    """Reads a ``RunResults`` JSON file (``polygraphy run --save-outputs``, ``trtcore run --save-outputs``).

    >>> [name for name in load_run_results("ref.json").keys()]  # doctest: +SKIP
    ['onnxrt-runner-N0-01/01/25-12:00:00']
    """
    polygraphy()
    from polygraphy.comparator import RunResults

    path = Path(path)
    if not path.is_file():
        raise FileError(f"{path}: no such outputs file")
    try:
        results = RunResults.load(str(path))
    except Exception as e:
        raise FormatError(f"{path}: not a Polygraphy RunResults JSON file (polygraphy run --save-outputs) "
                          f"({e})") from None
    if not isinstance(results, RunResults):
        raise FormatError(f"{path}: holds a {type(results).__name__}, not RunResults (polygraphy run "
                          "--save-outputs writes them)")
    return results


def save_inputs(path: str | Path, feeds: Sequence[Mapping[str, np.ndarray]]) -> Path:
    """Writes input feeds (one per iteration) as ``polygraphy run --save-inputs`` does, atomically.

    >>> save_inputs("in.json", [{"x": np.zeros((1, 3), np.float32)}])  # doctest: +SKIP
    """
    polygraphy()
    from polygraphy.json import to_json

    path = Path(path)
    _write(path, to_json([{k: np.asarray(v) for k, v in f.items()} for f in feeds]))
    return path


def load_inputs(path: str | Path) -> list[dict[str, np.ndarray]]:
    """Reads Polygraphy's input JSON (``--save-inputs``, or ``--load-inputs`` files): a list of feeds.

    >>> load_inputs("in.json")[0]["x"].shape  # doctest: +SKIP
    (1, 3)
    """
    polygraphy()
    from polygraphy.json import load_json

    path = Path(path)
    if not path.is_file():
        raise FileError(f"{path}: no such inputs file")
    try:
        data = load_json(str(path), description="input data")
    except Exception as e:
        raise FormatError(f"{path}: not a Polygraphy input JSON file (polygraphy run --save-inputs) ({e})") from None
    feeds = [data] if isinstance(data, Mapping) else data
    if not isinstance(feeds, list) or not all(isinstance(f, Mapping) for f in feeds):
        raise FormatError(f"{path}: expected a list of {{input name: array}} (polygraphy run --save-inputs)")
    out = []
    for f in feeds:
        bad = [k for k, v in f.items() if not isinstance(v, np.ndarray)]
        if bad:
            raise FormatError(f"{path}: inputs {bad} are not arrays")
        out.append(dict(f))
    if not out:
        raise FormatError(f"{path}: holds no input feeds")
    return out
