"""Shape specs in trtexec's syntax and the optimization profiles built from them.

trtexec writes shapes as ``name:DxDxD`` items joined by commas: ``input:1x3x224x224,mask:1x1``. A name may hold
colons (the value starts after the last one) or be quoted (``'in:0':1x3``); ``scalar`` is a rank-0 shape. This
module parses and prints that syntax, fills a profile's missing min/opt/max the way trtexec does, and checks the
profiles against the model's inputs before TensorRT sees them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from trtcore.errors import ArgumentError, ShapeError

Dims = tuple[int, ...]

_DIM = re.compile(r"^[0-9]+$")
INT64_MAX = 2**63 - 1  # TensorRT's extents and element counts are int64


def parse_dims(text: str, *, where: str = "shape") -> Dims:
    """``"1x3x224x224"`` → ``(1, 3, 224, 224)``; ``"scalar"`` → ``()``.

    >>> parse_dims("8x3x224x224")
    (8, 3, 224, 224)
    """
    text = text.strip()
    if text == "scalar":
        return ()
    parts = text.split("x")
    if not text or not all(_DIM.match(p) for p in parts):
        raise ArgumentError(f"{where}: {text!r} is not a shape; write dimensions as non-negative integers joined "
                            "by 'x' (e.g. 1x3x224x224) or 'scalar'")
    return tuple(int(p) for p in parts)


def format_dims(dims: Sequence[int]) -> str:
    """The inverse of :func:`parse_dims`.

    >>> format_dims((1, 3, 224, 224))
    '1x3x224x224'
    """
    return "x".join(str(d) for d in dims) if len(dims) else "scalar"


def parse_shape_spec(spec: str, *, flag: str = "--shapes") -> dict[str, Dims]:
    """Parses trtexec's ``name:dims,name:dims`` into ``{name: dims}``; errors name the flag and the bad item.

    >>> parse_shape_spec("input:1x3x224x224,mask:1x1")
    {'input': (1, 3, 224, 224), 'mask': (1, 1)}
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ArgumentError(f"{flag}: empty shape spec; expected name:dims[,name:dims...] like input:1x3x224x224")
    shapes: dict[str, Dims] = {}
    for item in spec.split(","):
        item = item.strip()
        if item.count("'") not in (0, 2):
            raise ArgumentError(f"{flag}: unbalanced quote in {item!r}; quote a whole name: 'in:0':1x3")
        if item.count("'") == 2:
            # 'name':dims — everything between the quotes is the name, the value follows the closing quote.
            start, end = item.index("'"), item.rindex("'")
            name, rest = item[:start] + item[start + 1:end], item[end + 1:]
            if not rest.startswith(":"):
                raise ArgumentError(f"{flag}: expected ':' after the quoted name in {item!r}")
            value = rest[1:]
        else:
            name, sep, value = item.rpartition(":")
            if not sep:
                raise ArgumentError(f"{flag}: {item!r} has no ':'; expected name:dims like input:1x3x224x224")
        if not name:
            raise ArgumentError(f"{flag}: {item!r} has no tensor name before ':'")
        if name in shapes:
            raise ArgumentError(f"{flag}: tensor {name!r} is given twice")
        shapes[name] = parse_dims(value, where=f"{flag} {name}")
    return shapes


def format_shape_spec(shapes: Mapping[str, Sequence[int]]) -> str:
    """The inverse of :func:`parse_shape_spec` (names with ':' or quotes-free specials are quoted).

    >>> format_shape_spec({"input": (1, 3, 8, 8)})
    'input:1x3x8x8'
    """
    items = []
    for name, dims in shapes.items():
        shown = f"'{name}'" if ":" in name else name
        items.append(f"{shown}:{format_dims(dims)}")
    return ",".join(items)


@dataclass(frozen=True)
class ShapeRange:
    """min/opt/max dimensions of one input in one optimization profile."""

    min: Dims
    opt: Dims
    max: Dims

    def to_request(self) -> dict[str, list[int]]:
        return {"min": list(self.min), "opt": list(self.opt), "max": list(self.max)}


@dataclass
class Profile:
    """One optimization profile: ``{input name: ShapeRange}``."""

    shapes: dict[str, ShapeRange] = field(default_factory=dict)

    @classmethod
    def from_specs(cls, min: Mapping[str, Dims] | None = None, opt: Mapping[str, Dims] | None = None,
                   max: Mapping[str, Dims] | None = None) -> Profile:
        """Fills missing min/opt/max per input like trtexec: opt defaults to max (else min), min and max to opt.

        >>> Profile.from_specs(opt={"x": (4, 3)}).shapes["x"]
        ShapeRange(min=(4, 3), opt=(4, 3), max=(4, 3))
        """
        min, opt, max = dict(min or {}), dict(opt or {}), dict(max or {})
        shapes = {}
        for name in list(dict.fromkeys([*min, *opt, *max])):
            o = opt[name] if name in opt else max[name] if name in max else min[name]
            shapes[name] = ShapeRange(min.get(name, o), o, max.get(name, o))
        return cls(shapes)

    @classmethod
    def from_spec_strings(cls, min: str | None = None, opt: str | None = None, max: str | None = None) -> Profile:
        """A profile from trtexec strings, e.g. ``Profile.from_spec_strings(opt="input:8x3x224x224")``.

        >>> Profile.from_spec_strings(min="x:1x3", max="x:8x3").shapes["x"].opt
        (8, 3)
        """
        return cls.from_specs(*(parse_shape_spec(s, flag=f) if s is not None else None
                                for s, f in ((min, "min_shapes"), (opt, "opt_shapes"), (max, "max_shapes"))))

    def describe(self) -> str:
        return ", ".join(f"{n}: min {format_dims(r.min)} opt {format_dims(r.opt)} max {format_dims(r.max)}"
                         for n, r in self.shapes.items())


def _dims_text(dims: Sequence[int | str | None] | None) -> str:
    if dims is None:
        return "[unknown rank]"
    return "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"


def _is_static(dims: Sequence[int | str | None] | None) -> bool:
    return dims is not None and all(isinstance(d, int) and d >= 0 for d in dims)


def plan_profiles(inputs: Mapping[str, Sequence[int | str | None] | None], profiles: Sequence[Profile],
                  *, model: str = "model") -> list[Profile]:
    """Checks profiles against the model's inputs (``{name: ONNX dims}``, str/None = dynamic) and completes them.

    Static models need no profile (given ones must match and are dropped). A dynamic model needs every dynamic
    input in every profile. Returned profiles hold only the dynamic inputs, which is what TensorRT needs.

    >>> p = plan_profiles({"x": ["batch", 3]}, [Profile.from_spec_strings(opt="x:4x3")])
    >>> p[0].shapes["x"].max
    (4, 3)
    """
    dynamic = {n: d for n, d in inputs.items() if not _is_static(d)}
    planned: list[Profile] = []
    for index, profile in enumerate(profiles):
        where = f"profile {index}" if len(profiles) > 1 else "shapes"
        unknown = [n for n in profile.shapes if n not in inputs]
        if unknown:
            raise ArgumentError(f"{where}: {', '.join(map(repr, unknown))} is not an input of {model}; its inputs "
                                f"are {', '.join(f'{n}: {_dims_text(d)}' for n, d in inputs.items())}")
        missing = [n for n in dynamic if n not in profile.shapes]
        if missing:
            raise ShapeError(f"{where}: no shapes for the dynamic input(s) "
                             f"{', '.join(f'{n}: {_dims_text(dynamic[n])}' for n in missing)} of {model}; "
                             "give min_shapes/opt_shapes/max_shapes for them")
        for name, r in profile.shapes.items():
            _check_range(where, name, r, inputs[name])
        kept = {n: r for n, r in profile.shapes.items() if n in dynamic}
        if kept:
            planned.append(Profile(kept))
    if dynamic and not profiles:
        listing = "; ".join(f"{n}: {_dims_text(d)}" for n, d in dynamic.items())
        raise ShapeError(f"{model} has dynamic inputs ({listing}); give shapes, e.g. "
                         f"opt_shapes=\"{_example_spec(dynamic)}\" (min/max default to opt)")
    return planned


def _check_range(where: str, name: str, r: ShapeRange, onnx_dims: Sequence[int | str | None] | None) -> None:
    for label, dims in (("min", r.min), ("opt", r.opt), ("max", r.max)):
        if onnx_dims is not None and len(dims) != len(onnx_dims):
            raise ShapeError(f"{where}: {label} shape {format_dims(dims)} of {name!r} has rank {len(dims)}, "
                             f"but the model's input is {_dims_text(onnx_dims)} (rank {len(onnx_dims)})")
    if not (len(r.min) == len(r.opt) == len(r.max)):
        raise ShapeError(f"{where}: min/opt/max of {name!r} have different ranks: "
                         f"{format_dims(r.min)}, {format_dims(r.opt)}, {format_dims(r.max)}")
    for axis in range(len(r.opt)):
        fixed = onnx_dims[axis] if onnx_dims is not None else None
        if isinstance(fixed, int) and fixed >= 0:
            for label, dims in (("min", r.min), ("opt", r.opt), ("max", r.max)):
                if dims[axis] != fixed:
                    raise ShapeError(f"{where}: {label} shape {format_dims(dims)} of {name!r} has {dims[axis]} on "
                                     f"axis {axis}, but the model fixes it to {fixed} ({_dims_text(onnx_dims)})")
        if not r.min[axis] <= r.opt[axis] <= r.max[axis]:
            raise ShapeError(f"{where}: {name!r} axis {axis} needs min <= opt <= max, got "
                             f"{r.min[axis]}, {r.opt[axis]}, {r.max[axis]} "
                             f"({format_dims(r.min)} / {format_dims(r.opt)} / {format_dims(r.max)})")
    for label, dims in (("min", r.min), ("opt", r.opt), ("max", r.max)):
        if any(d > INT64_MAX for d in dims) or math.prod(dims) > INT64_MAX:
            raise ShapeError(f"{where}: {label} shape {format_dims(dims)} of {name!r} has more elements than "
                             "TensorRT's 64-bit extents and counts hold")


def _example_spec(dynamic: Mapping[str, Sequence[int | str | None] | None]) -> str:
    def example(dims: Sequence[int | str | None] | None) -> str:
        if dims is None:
            return "1x3x224x224"
        return format_dims([d if isinstance(d, int) and d >= 0 else 1 for d in dims])
    return ",".join(f"{n}:{example(d)}" for n, d in dynamic.items())
