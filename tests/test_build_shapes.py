"""trtexec shape specs and optimization-profile planning (python/trtcore/build/shapes.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trtcore.builder.shapes import (
    Profile,
    ShapeRange,
    format_dims,
    format_shape_spec,
    parse_dims,
    parse_shape_spec,
    plan_profiles,
)
from trtcore.errors import ArgumentError, ShapeError


def test_parses_trtexec_example():
    assert parse_shape_spec("input:1x3x224x224,mask:1x1") == {"input": (1, 3, 224, 224), "mask": (1, 1)}


def test_name_with_colons_splits_on_last_colon_and_quotes_work():
    assert parse_shape_spec("encoder:input:0:2x8") == {"encoder:input:0": (2, 8)}
    assert parse_shape_spec("'in:0':1x3,b:4") == {"in:0": (1, 3), "b": (4,)}


def test_scalar_and_zero_extent():
    assert parse_shape_spec("s:scalar,z:0x4") == {"s": (), "z": (0, 4)}


@pytest.mark.parametrize("spec, words", [
    ("", "empty"),
    ("input", "has no ':'"),
    (":1x3", "no tensor name"),
    ("input:", "not a shape"),
    ("input:1x", "not a shape"),
    ("input:1xx3", "not a shape"),
    ("input:-1x3", "not a shape"),
    ("input:1x3.5", "not a shape"),
    ("input:axb", "not a shape"),
    ("a:1,a:2", "given twice"),
    ("'a:1", "unbalanced quote"),
    ("'a'1", "expected ':' after the quoted name"),
])
def test_malformed_specs_raise_argument_error_naming_flag(spec, words):
    with pytest.raises(ArgumentError) as e:
        parse_shape_spec(spec, flag="--optShapes")
    assert "--optShapes" in str(e.value) and words in str(e.value)


_names = st.text(alphabet=st.characters(blacklist_characters=",'", blacklist_categories=("Cs",)),
                 min_size=1, max_size=12).filter(lambda s: s == s.strip() and s)
_dims = st.lists(st.integers(min_value=0, max_value=4096), max_size=6).map(tuple)


@settings(deadline=None)
@given(st.dictionaries(_names, _dims, min_size=1, max_size=5))
def test_format_then_parse_round_trips(shapes):
    assert parse_shape_spec(format_shape_spec(shapes)) == shapes


@settings(deadline=None)
@given(_dims)
def test_dims_round_trip(dims):
    assert parse_dims(format_dims(dims)) == dims


@settings(deadline=None)
@given(st.text(max_size=30))
def test_parser_never_raises_anything_but_argument_error(text):
    try:
        result = parse_shape_spec(text)
    except ArgumentError:
        return
    assert all(isinstance(n, str) and n for n in result)
    assert all(all(isinstance(d, int) and d >= 0 for d in dims) for dims in result.values())


def test_missing_min_max_default_to_opt_and_missing_opt_to_max():
    p = Profile.from_spec_strings(opt="x:4x3")
    assert p.shapes["x"] == ShapeRange((4, 3), (4, 3), (4, 3))
    p = Profile.from_spec_strings(min="x:1x3", max="x:8x3")
    assert p.shapes["x"] == ShapeRange((1, 3), (8, 3), (8, 3))
    p = Profile.from_spec_strings(min="x:1x3")
    assert p.shapes["x"] == ShapeRange((1, 3), (1, 3), (1, 3))


DYN = {"input": ["batch", 3, "height", "width"], "mask": [1, 1]}


def test_plan_keeps_dynamic_inputs_only():
    p = Profile.from_spec_strings(min="input:1x3x64x64,mask:1x1", opt="input:4x3x224x224",
                                  max="input:8x3x512x512")
    planned = plan_profiles(DYN, [p])
    assert list(planned[0].shapes) == ["input"]
    r = planned[0].shapes["input"]
    assert (list(r.min), list(r.opt), list(r.max)) == ([1, 3, 64, 64], [4, 3, 224, 224], [8, 3, 512, 512])


def test_dynamic_input_without_shapes_lists_dynamic_inputs_with_dims():
    with pytest.raises(ShapeError) as e:
        plan_profiles(DYN, [], model="m.onnx")
    msg = str(e.value)
    assert "input: [batch, 3, height, width]" in msg and "m.onnx" in msg and "mask" not in msg


def test_static_model_needs_no_profiles_and_drops_matching_ones():
    static = {"x": [1, 3, 8, 8]}
    assert plan_profiles(static, []) == []
    assert plan_profiles(static, [Profile.from_spec_strings(opt="x:1x3x8x8")]) == []


def test_unknown_input_lists_known_ones():
    with pytest.raises(ArgumentError) as e:
        plan_profiles(DYN, [Profile.from_spec_strings(opt="inp:1x3x8x8")])
    assert "'inp'" in str(e.value) and "input: [batch, 3, height, width]" in str(e.value) and "mask: [1, 1]" in \
        str(e.value)


@pytest.mark.parametrize("kw, words", [
    (dict(opt="input:1x3x8"), "rank 3"),
    (dict(opt="input:1x4x8x8"), "fixes it to 3"),
    (dict(min="input:4x3x8x8", opt="input:2x3x8x8"), "min <= opt <= max"),
    (dict(opt="input:4x3x8x8", max="input:2x3x8x8"), "min <= opt <= max"),
    (dict(opt="input:1x3x8x8,mask:2x1"), "fixes it to 1"),
])
def test_profile_validation(kw, words):
    with pytest.raises(ShapeError) as e:
        plan_profiles(DYN, [Profile.from_spec_strings(**kw)])
    assert words in str(e.value)


def test_every_profile_must_cover_dynamic_inputs():
    two = {"a": ["n", 2], "b": ["n", 3]}
    ok = Profile.from_spec_strings(opt="a:1x2,b:1x3")
    partial = Profile.from_spec_strings(opt="a:4x2")
    with pytest.raises(ShapeError) as e:
        plan_profiles(two, [ok, partial])
    assert "profile 1" in str(e.value) and "b: [n, 3]" in str(e.value)


def test_unknown_rank_input_accepts_any_rank():
    assert plan_profiles({"x": None}, [Profile.from_spec_strings(opt="x:2x2")])[0].shapes["x"].opt == (2, 2)
