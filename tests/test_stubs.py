"""The hand-written stubs (python/trtcore/_core.pyi, _testing.pyi) name exactly what the compiled modules hold, so
they cannot silently rot: every public name in a stub exists in its module, and every public name of the module
(and of each class) is in the stub. Names that exist only in some builds (CUDA, TensorRT) are allowed to be missing
from the module when that part is not compiled in."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from trtcore import _core, _testing

HAVE_CUDA = hasattr(_core, "Executor")
HAVE_TENSORRT = _core.compiled_info()["tensorrt"] is not None
GPU_OPS = {"gpu_normalize", "gpu_argmax", "gpu_colorize", "gpu_resize", "gpu_softmax", "gpu_topk", "gpu_overlay"}
# Per module: names the stub declares that a build without CUDA / TensorRT does not have.
OPTIONAL = {
    "_core": ({"Executor", "DeviceArray"} if not HAVE_CUDA else set())
    | ({"Engine", "LoadOptions", "Context", "LayerProfiler", "build_engine", "merge_timing_caches", "refit_engine",
        "tensorrt_version"} if not HAVE_TENSORRT else set())
    | ({"GpuPipeline"} if not hasattr(_core, "GpuPipeline") else set()),
    "_testing": ({"cuda", "roundtrip"} if not HAVE_CUDA else set())
    | ({"report_layer", "reset_profiler", "profiler_address"} if not HAVE_TENSORRT else set())
    | (GPU_OPS if not _testing.has_cuda_kernels else set()),
}


def stub_of(module) -> ast.Module:
    path = Path(module.__file__).with_name(module.__name__.rsplit(".", 1)[1] + ".pyi")
    assert path.is_file(), f"{path} is not installed beside {module.__file__}"
    return ast.parse(path.read_text())


def public(names) -> set[str]:
    return {n for n in names if not n.startswith("_")}


def stub_members(cls: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> set[str]:
    names = set()
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    for base in cls.bases:  # inherited members, for bases declared in the same stub
        if isinstance(base, ast.Name) and base.id in classes:
            names |= stub_members(classes[base.id], classes)
    return names


def module_level(tree: ast.Module) -> tuple[dict[str, ast.AST], dict[str, ast.ClassDef]]:
    """The module's attributes as the stub declares them (type aliases, plain assignments, are stub-only)."""
    names: dict[str, ast.AST] = {}
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
    return names, classes


def check_class(qualname: str, obj, stub: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> list[str]:
    declared = stub_members(stub, classes)
    for base in stub.bases:  # a base from another stub (checked there): what the module's base class holds
        if isinstance(base, ast.Name) and base.id not in classes:
            declared |= {n for b in obj.__mro__ if b.__name__ == base.id for n in public(dir(b))}
    actual = {n for n in dir(obj) if not n.startswith("_pybind11")}
    problems = [f"{qualname}.{n} is in the stub, not in the module" for n in sorted(declared - actual)]
    problems += [f"{qualname}.{n} is missing from the stub" for n in sorted(public(actual) - declared)]
    return problems


@pytest.mark.parametrize("module", [_core, _testing], ids=["_core", "_testing"])
def test_stub_names_match_the_module(module):
    names, classes = module_level(stub_of(module))
    short = module.__name__.rsplit(".", 1)[1]
    optional = OPTIONAL[short]
    problems = [f"{n} is in the stub, not in the module" for n in sorted(public(names) - set(dir(module)) - optional)]
    problems += [f"{n} is missing from the stub" for n in sorted(public(dir(module)) - set(names))]
    for name, node in names.items():
        if not hasattr(module, name):
            continue
        obj = getattr(module, name)
        if isinstance(node, ast.ClassDef):
            problems += check_class(f"{short}.{name}", obj, node, classes)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.annotation, ast.Name) \
                and node.annotation.id in classes:  # a submodule typed by a stub class of its classes
            problems += check_class(f"{short}.{name}", obj, classes[node.annotation.id], classes)
            for inner in classes[node.annotation.id].body:
                if isinstance(inner, ast.ClassDef) and hasattr(obj, inner.name):
                    problems += check_class(f"{short}.{name}.{inner.name}", getattr(obj, inner.name), inner, classes)
    assert problems == []


def test_a_stub_that_drifts_is_caught():
    names, classes = module_level(ast.parse("class TensorInfo:\n    def renamed(self) -> int: ...\n"))
    problems = check_class("_core.TensorInfo", _core.TensorInfo, classes["TensorInfo"], classes)
    assert "_core.TensorInfo.renamed is in the stub, not in the module" in problems
    assert "_core.TensorInfo.shape is missing from the stub" in problems
