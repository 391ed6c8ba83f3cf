"""BuildConfig from trtexec flags and TOML files (python/trtcore/build/config.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trtcore.builder.config import BuildConfig, parse_mem_pool_spec, parse_memory_size
from trtcore.builder.shapes import ShapeRange
from trtcore.errors import ArgumentError, FileError, FormatError


def test_trtexec_flags_fill_the_config():
    cfg = BuildConfig.from_trtexec([
        "--fp16", "--bf16", "--int8", "--fp8", "--noTF32", "--stronglyTyped",
        "--memPoolSize=workspace:4096M,tacticSharedMem:1K", "--timingCacheFile=cache.bin",
        "--builderOptimizationLevel=5", "--maxAuxStreams", "2", "--hardwareCompatibilityLevel=ampere+",
        "--versionCompatible", "--plugins=a.so", "--plugins", "b.so", "--verbose",
    ])
    assert (cfg.fp16, cfg.bf16, cfg.int8, cfg.fp8, cfg.no_tf32, cfg.strongly_typed) == (True,) * 6
    assert cfg.memory_pools == {"workspace": 4096 * 2**20, "tactic_shared_memory": 1024}
    assert cfg.timing_cache_file == Path("cache.bin")
    assert (cfg.builder_optimization_level, cfg.max_aux_streams) == (5, 2)
    assert cfg.hardware_compatibility_level == "ampere_plus"
    assert cfg.version_compatible and cfg.verbose
    assert cfg.plugins == [Path("a.so"), Path("b.so")]


def test_defaults_are_tensorrt_defaults():
    cfg = BuildConfig.from_trtexec([])
    assert cfg == BuildConfig()
    assert (cfg.builder_optimization_level, cfg.max_aux_streams, cfg.hardware_compatibility_level) == \
        (-1, -1, "none")
    assert cfg.keep_io_types and not cfg.fp16 and cfg.profiles == []


def test_vc_alias_and_same_compute_capability():
    cfg = BuildConfig.from_trtexec(["--vc", "--hardwareCompatibilityLevel=sameComputeCapability"])
    assert cfg.version_compatible and cfg.hardware_compatibility_level == "same_compute_capability"


def test_old_workspace_flag_maps_to_pool_with_notice():
    cfg = BuildConfig.from_trtexec(["--workspace=1024"])
    assert cfg.memory_pools == {"workspace": 2**30}
    assert any("--memPoolSize=workspace" in n for n in cfg.notices)


@pytest.mark.parametrize("text, expected", [("4096M", 4096 * 2**20), ("4G", 4 * 2**30), ("512", 512 * 2**20),
                                            ("100B", 100), ("1.5K", 1536), ("2GiB", 2 * 2**30)])
def test_memory_sizes(text, expected):
    assert parse_memory_size(text) == expected


@pytest.mark.parametrize("spec, words", [("workspace", "pool:size"), ("gpu:4G", "unknown memory pool 'gpu'"),
                                         ("workspace:4T", "not a size"), ("workspace:-1", "not a size"),
                                         (":4G", "pool:size")])
def test_bad_mem_pool_specs(spec, words):
    with pytest.raises(ArgumentError) as e:
        parse_mem_pool_spec(spec)
    assert words in str(e.value) and "--memPoolSize" in str(e.value)


@pytest.mark.parametrize("argv, words", [
    (["--builderOptimizationLevel=9"], "0..5"),
    (["--maxAuxStreams=-3"], ">= -1"),
    (["--hardwareCompatibilityLevel=turing+"], "turing+"),
    (["--maxAuxStreams=two"], "cannot parse trtexec flags"),
    (["--fp32"], "cannot parse trtexec flags"),
])
def test_bad_flag_values(argv, words):
    with pytest.raises(ArgumentError) as e:
        BuildConfig.from_trtexec(argv)
    assert words in str(e.value)


def test_repeated_shape_groups_make_several_profiles_in_command_line_order():
    cfg = BuildConfig.from_trtexec([
        "--minShapes=x:1x3", "--optShapes=x:2x3", "--maxShapes=x:4x3",
        "--optShapes=x:16x3", "--minShapes=x:8x3", "--maxShapes=x:32x3",
        "--optShapes=x:64x3",
    ])
    assert [p.shapes["x"] for p in cfg.profiles] == [
        ShapeRange((1, 3), (2, 3), (4, 3)), ShapeRange((8, 3), (16, 3), (32, 3)), ShapeRange(*[(64, 3)] * 3)]


def test_shapes_alone_is_a_static_profile_and_with_min_opt_max_is_ignored_with_notice():
    assert BuildConfig.from_trtexec(["--shapes=x:2x3"]).profiles[0].shapes["x"] == ShapeRange(*[(2, 3)] * 3)
    cfg = BuildConfig.from_trtexec(["--shapes=x:2x3", "--optShapes=x:4x3"])
    assert cfg.profiles[0].shapes["x"].opt == (4, 3)
    assert any("--shapes" in n for n in cfg.notices)


def test_malformed_shape_flag_is_an_argument_error_naming_the_flag():
    with pytest.raises(ArgumentError, match="--maxShapes"):
        BuildConfig.from_trtexec(["--optShapes=x:1x3", "--maxShapes=x:1by3"])


TOML = """
fp16 = true
noTF32 = true
builder_optimization_level = 4
memory_pools = { workspace = "2G", tacticSharedMem = 65536 }
timingCacheFile = "caches/model.cache"
plugins = ["plugins/libmy.so"]
hardwareCompatibilityLevel = "ampere+"

[[profiles]]
min = "input:1x3x224x224"
opt = "input:8x3x224x224"
max = "input:32x3x224x224"

[[profiles]]
[profiles.input]
min = [1, 3, 512, 512]
opt = "4x3x512x512"
"""


def test_toml_config_with_both_profile_styles_and_relative_paths(tmp_path):
    path = tmp_path / "build.toml"
    path.write_text(TOML)
    cfg = BuildConfig.from_toml(path)
    assert cfg.fp16 and cfg.no_tf32 and cfg.builder_optimization_level == 4
    assert cfg.memory_pools == {"workspace": 2 * 2**30, "tactic_shared_memory": 65536}
    assert cfg.timing_cache_file == tmp_path / "caches/model.cache"
    assert cfg.plugins == [tmp_path / "plugins/libmy.so"]
    assert cfg.hardware_compatibility_level == "ampere_plus"
    assert cfg.profiles[0].shapes["input"] == ShapeRange((1, 3, 224, 224), (8, 3, 224, 224), (32, 3, 224, 224))
    assert cfg.profiles[1].shapes["input"] == ShapeRange((1, 3, 512, 512), (4, 3, 512, 512), (4, 3, 512, 512))


def test_toml_trtexec_style_shape_strings_and_mem_pool_spec(tmp_path):
    path = tmp_path / "b.toml"
    path.write_text('optShapes = "x:4x3"\nmemPoolSize = "workspace:512M"\nstronglyTyped = true\n')
    cfg = BuildConfig.from_toml(path)
    assert cfg.profiles[0].shapes["x"] == ShapeRange(*[(4, 3)] * 3)
    assert cfg.memory_pools == {"workspace": 512 * 2**20} and cfg.strongly_typed


def test_cli_flags_override_toml(tmp_path):
    import argparse

    from trtcore.builder.config import add_trtexec_arguments

    path = tmp_path / "b.toml"
    path.write_text('fp16 = true\noptShapes = "x:4x3"\nmax_aux_streams = 1\n')
    parser = argparse.ArgumentParser()
    add_trtexec_arguments(parser)
    cfg = BuildConfig.from_args(parser.parse_args(["--maxAuxStreams=3", "--optShapes=x:8x3"]),
                                BuildConfig.from_toml(path))
    assert cfg.fp16 and cfg.max_aux_streams == 3
    assert [p.shapes["x"].opt for p in cfg.profiles] == [(8, 3)]


@pytest.mark.parametrize("text, exc, words", [
    ("fp16 = 1", ArgumentError, "fp16 must be bool"),
    ("fastest = true", ArgumentError, "unknown key 'fastest'"),
    ("builder_optimization_level = true", ArgumentError, "must be int"),
    ("profiles = 3", ArgumentError, "array of tables"),
    ("[[profiles]]\ninput = 3", ArgumentError, "min/opt/max spec string"),
    ("[[profiles]]\n[profiles.input]\nmid = [1]", ArgumentError, "unknown key 'mid'"),
    ("[[profiles]]\n[profiles.input]\nmin = [1, -2]", ArgumentError, "not a shape"),
    ("fp16 = tru", FormatError, "not valid TOML"),
])
def test_bad_toml_names_file_and_problem(tmp_path, text, exc, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(exc) as e:
        BuildConfig.from_toml(path)
    assert str(path) in str(e.value) and words in str(e.value)


def test_missing_toml_is_a_file_error(tmp_path):
    with pytest.raises(FileError, match="nope.toml"):
        BuildConfig.from_toml(tmp_path / "nope.toml")


def test_to_dict_round_trips_through_from_dict():
    cfg = BuildConfig.from_trtexec(["--fp16", "--minShapes=x:1x3", "--optShapes=x:2x3", "--maxShapes=x:4x3",
                                    "--memPoolSize=workspace:1G", "--timingCacheFile=/tmp/c.bin",
                                    "--plugins=/opt/p.so"])
    again = BuildConfig.from_dict(cfg.to_dict())
    assert again == cfg


def test_profiling_verbosity_flag_default_and_deprecated_spellings():
    assert BuildConfig.from_trtexec([]).profiling_verbosity is None  # TensorRT's default (layer names only)
    for value in ("layer_names_only", "detailed", "none"):
        assert BuildConfig.from_trtexec([f"--profilingVerbosity={value}"]).profiling_verbosity == value
    cfg = BuildConfig.from_trtexec(["--profilingVerbosity", "verbose"])  # trtexec's deprecated spelling
    assert cfg.profiling_verbosity == "detailed"
    assert any("--profilingVerbosity=verbose is deprecated" in n for n in cfg.notices)
    assert BuildConfig.from_trtexec(["--profilingVerbosity=default"]).profiling_verbosity == "layer_names_only"
    with pytest.raises(ArgumentError) as e:
        BuildConfig.from_trtexec(["--profilingVerbosity=loud"])
    assert "--profilingVerbosity" in str(e.value) and "'loud'" in str(e.value) and "detailed" in str(e.value)


def test_profiling_verbosity_in_toml_either_spelling(tmp_path):
    path = tmp_path / "b.toml"
    path.write_text('profilingVerbosity = "detailed"\n')
    assert BuildConfig.from_toml(path).profiling_verbosity == "detailed"
    path.write_text('profiling_verbosity = "none"\n')
    assert BuildConfig.from_toml(path).profiling_verbosity == "none"
    for text, words in (('profiling_verbosity = "loud"', "'loud' is unknown"),
                        ("profiling_verbosity = 2", "profiling_verbosity must be str")):
        path.write_text(text)
        with pytest.raises(ArgumentError) as e:
            BuildConfig.from_toml(path)
        assert str(path) in str(e.value) and words in str(e.value)
    cfg = BuildConfig.from_trtexec(["--profilingVerbosity=detailed"])
    assert BuildConfig.from_dict(cfg.to_dict()) == cfg
