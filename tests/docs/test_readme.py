"""Every Python block of README.md runs as written.

The fast tier runs each block with the sizes shrunk by ``SHRINK`` (every replaced text must
occur in the README, so the list cannot rot silently); the slow tier runs the blocks exactly as
written. Blocks run in a fresh namespace, in a temporary working directory (they write files),
with matplotlib on the Agg backend and progress bars off (stderr is not a terminal here).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"

#: (README text, fast-tier replacement): the sizes the fast tier shrinks.
SHRINK: list[tuple[str, str]] = [
    ("isometry.jacobian_spectrum(256, 16)", "isometry.jacobian_spectrum(48, 4)"),
    ("isometry.jacobian_spectrum(256, 16, ", "isometry.jacobian_spectrum(48, 4, "),
    ("isometry.jacobian_spectrum(256, 32, ", "isometry.jacobian_spectrum(48, 4, "),
    ("isometry.jacobian_spectrum(128, 8", "isometry.jacobian_spectrum(32, 4"),
    ("haar_orthogonal(512, ", "haar_orthogonal(64, "),
    ("gaussian(512, 256, ", "gaussian(64, 32, "),
    (
        "np.linspace(0.5, 3, 32), np.linspace(0, 1.5, 32)",
        "np.linspace(0.5, 3, 6), np.linspace(0, 1.5, 6)",
    ),
    (
        'jacobian_density(swish, "orthogonal", 16, 1.5, 0.3)',
        'jacobian_density(swish, "orthogonal", 2, 1.5, 0.3, points=40)',
    ),
    ("jacobian_spectral_density(2**14, 32, ", "jacobian_spectral_density(2**8, 4, "),
    ("probes=6, steps=48", "probes=2, steps=8"),
    ("np.linspace(0.5, 3, 24)", "np.linspace(0.5, 3, 5)"),
    ("np.linspace(0, 1, 24)", "np.linspace(0, 1, 5)"),
    (
        "jacobian_spectral_density(256, 8, probes=3, steps=20)",
        "jacobian_spectral_density(64, 4, probes=2, steps=6)",
    ),
    ('resnet_sigma_w("tanh", 1.0, depth=32)', 'resnet_sigma_w("tanh", 1.0, depth=4)'),
    ("resnet_jacobian_spectrum(400, 32, ", "resnet_jacobian_spectrum(48, 4, "),
    ("resnet_parameter_table(1.0, depth=64)", "resnet_parameter_table(1.0, depth=4)"),
    ("[10] * 51", "[10] * 6"),
    ("samples=10**5", "samples=10**3"),
    ("networks=2000", "networks=100"),
    ("jacobian_spectrum(256, 50, ", "jacobian_spectrum(16, 3, "),
]


#: A block preceded by this HTML comment (which must say why) is not run.
NOT_RUN = "<!-- not run by tests/docs/test_readme.py:"


def python_blocks(text: str) -> tuple[list[tuple[int, str]], list[int]]:
    """(line number, code) of every ```python block that runs, and the lines of those marked
    NOT_RUN."""
    blocks, skipped = [], []
    for match in re.finditer(r"^```python\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE):
        line = text.count("\n", 0, match.start()) + 2
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if before.startswith(NOT_RUN):
            skipped.append(line)
        else:
            blocks.append((line, match.group(1)))
    return blocks, skipped


BLOCKS, NOT_RUN_LINES = python_blocks(README.read_text(encoding="utf-8"))


def _shrunk(code: str) -> str:
    for old, new in SHRINK:
        code = code.replace(old, new)
    return code


def _run(code: str, where: Path, monkeypatch: pytest.MonkeyPatch) -> float:
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(where)
    start = time.perf_counter()
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})  # noqa: S102 - the README's own code
    return time.perf_counter() - start


def test_the_readme_has_python_blocks_and_every_shrink_applies():
    assert len(BLOCKS) >= 6
    assert len(NOT_RUN_LINES) <= 1, f"README blocks not run: lines {NOT_RUN_LINES}"
    text = "".join(code for _, code in BLOCKS)
    missing = [old for old, _ in SHRINK if old not in text]
    assert not missing, f"SHRINK entries no longer in README.md: {missing}"


@pytest.mark.parametrize("line,code", BLOCKS, ids=[f"line{line}" for line, _ in BLOCKS])
def test_readme_block_runs_with_small_sizes(line, code, tmp_path, monkeypatch):
    _run(_shrunk(code), tmp_path, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("line,code", BLOCKS, ids=[f"line{line}" for line, _ in BLOCKS])
def test_readme_block_runs_as_written(line, code, tmp_path, monkeypatch):
    seconds = _run(code, tmp_path, monkeypatch)
    if os.environ.get("ISOMETRY_README_TIMES"):
        print(f"README.md line {line}: {seconds:.1f} s")
