"""Old (0.1) module paths keep working for one release, each with a DeprecationWarning."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from isometry._internal.moved_modules import MOVED, SILENT

SCRIPT = r"""
import importlib, json, sys, warnings
old, new = sys.argv[1], sys.argv[2]
import isometry
public_before = getattr(isometry, old.rpartition(".")[2], None)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    alias = importlib.import_module(old)
target = importlib.import_module(new)
names = [n for n in dir(target) if not n.startswith("_")]
print(json.dumps({
    "same_attributes": all(getattr(alias, n) is getattr(target, n) for n in names),
    "warnings": [str(w.message) for w in caught if w.category is DeprecationWarning],
    "callable_before": callable(public_before),
    "callable_after": callable(getattr(isometry, old.rpartition(".")[2], None)),
}))
"""


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_old_path_gives_the_new_module(old, new):
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, old, new], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    assert result["same_attributes"]
    if old in SILENT:
        assert result["warnings"] == []
    else:
        assert any(old in w and new in w and "0.3" in w for w in result["warnings"])
    # isometry.build_info is a function and an old module path: importing the path must not
    # turn the function into a module.
    if result["callable_before"]:
        assert result["callable_after"]
