"""The hand-kept type stubs of the compiled extensions name exactly what the extensions export,
with the same parameter names (so keyword calls type-check)."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import isometry

PACKAGE = Path(isometry.__file__).parent


def _stub_functions(path: Path) -> dict[str, list[str]]:
    tree = ast.parse(path.read_text())
    out: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = [a.arg for a in node.args.args + node.args.kwonlyargs]
        elif isinstance(node, ast.ClassDef):
            out[node.name] = []
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = []
    out.pop("__all__", None)
    return out


def _exported(module) -> dict[str, list[str] | None]:
    out: dict[str, list[str] | None] = {}
    for name in dir(module):
        if name.startswith("__") or inspect.ismodule(getattr(module, name)):
            continue
        obj = getattr(module, name)
        if callable(obj) and not inspect.isclass(obj):
            # pybind11 signatures: "name(a: T, b: U = ...) -> R" on the first docstring line
            first = (obj.__doc__ or "").splitlines()[0]
            fn = ast.parse(f"def {first}: ...").body[0]
            assert isinstance(fn, ast.FunctionDef)
            out[name] = [a.arg for a in fn.args.args + fn.args.kwonlyargs]
        else:
            out[name] = None
    return out


@pytest.mark.parametrize(
    ("module_name", "stub"),
    [
        ("isometry._core", "_core/__init__.pyi"),
        ("isometry._core.testing", "_core/testing.pyi"),
        ("isometry._cuda", "_cuda.pyi"),
    ],
)
def test_stub_names_and_parameters_match_the_extension(module_name, stub):
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        pytest.skip(f"{module_name} is not built here")
    stubbed = _stub_functions(PACKAGE / stub)
    exported = _exported(module)
    assert sorted(stubbed) == sorted(exported)
    for name, params in exported.items():
        if params is not None and "(*args, **kwargs)" not in (getattr(module, name).__doc__ or ""):
            assert stubbed[name] == params, name
