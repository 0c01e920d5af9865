"""Sweeps in this process: spec checks, the store, resume, --retry-failed, spec changes, dry run,
the theory columns against a direct computation, and the paths without the optional packages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("pandas")

import isometry
from isometry import sweep
from isometry.cli import main
from isometry.sweep.spec import SpecError, load_spec, task_key

PYTHON_DIR = str(Path(isometry.__file__).resolve().parent.parent)

SMALL = """
[sweep]
kind = "jacobian_spectrum"
seeds = [0, 1]
[grid]
width = [32, 48]
depth = 3
activation = ["tanh", "relu"]
q_star = 0.5
"""


def _spec(text: str, tmp_path: Path, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- the spec ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[sweep]\nkind = "spectrum"\n[grid]\nwidth = 8\ndepth = 2', "sweep.kind"),
        (
            '[sweep]\nkind = "jacobian_spectrum"\n[grid]\nwidth = [8, -1]\ndepth = 2',
            "grid.width[1]",
        ),
        (
            '[sweep]\nkind = "jacobian_spectrum"\n[grid]\nwidth = 8\ndepth = 2\nactivation = "sin"',
            "grid.activation",
        ),
        (
            '[sweep]\nkind = "jacobian_spectrum"\n[grid]\nwidth = 8\ndepth = 2\nprobes = 4',
            "grid.probes",
        ),
        ('[sweep]\nkind = "jacobian_spectrum"\n[grid]\ndepth = 2', "grid.width"),
        (
            '[sweep]\nkind = "jacobian_spectrum"\n[grid]\nwidth = 8\ndepth = 2\nq_star = 0.5\nsigma_w = 1.0',
            "grid.q_star",
        ),
        (
            '[sweep]\nkind = "jacobian_spectrum"\nseeds = 0\n[grid]\nwidth = 8\ndepth = 2',
            "sweep.seeds",
        ),
        (
            '[sweep]\nkind = "jacobian_spectrum"\nseeds = [1, 1]\n[grid]\nwidth = 8\ndepth = 2',
            "sweep.seeds",
        ),
        (
            '[sweep]\nkind = "jacobian_spectrum"\nblas_threads = 0\n[grid]\nwidth = 8\ndepth = 2',
            "sweep.blas_threads",
        ),
        (
            '[sweep]\nkind = "jacobian_spectrum"\nworkers = 2\n[grid]\nwidth = 8\ndepth = 2',
            "sweep.workers",
        ),
        (
            '[sweep]\nkind = "jacobian_spectrum"\n[grid]\nwidth = 8\ndepth = 2\n[extra]\na = 1',
            "extra",
        ),
        ('[sweep]\nkind = "jacobian_spectrum"\n[grid]\nwidth = [8, 8]\ndepth = 2', "grid.width"),
        (
            '[sweep]\nkind = "resnet_jacobian_spectrum"\n[grid]\nwidth = 8\ndepth = 2\nc = 1.0\nsigma_w = 1',
            "grid.c",
        ),
        ("[sweep\nkind = 1", "TOML"),
    ],
)
def test_invalid_spec_names_the_key(text, named, tmp_path):
    with pytest.raises(SpecError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_spec(_spec(text, tmp_path))


def test_spec_expands_grid_times_seeds_with_defaults(tmp_path):
    spec = load_spec(_spec(SMALL, tmp_path))
    tasks = spec.tasks()
    assert len(tasks) == 2 * 2 * 2  # widths x activations x seeds
    assert {t["seed"] for t in tasks} == {0, 1}
    assert all(
        t["weights"] == "orthogonal" and t["method"] == "eigh" and t["sigma_w"] is None
        for t in tasks
    )
    assert len({task_key(t) for t in tasks}) == len(tasks)
    # The key is a function of the parameters only: an equal spec written differently, same keys.
    reordered = SMALL.replace('activation = ["tanh", "relu"]', 'activation = ["relu", "tanh"]')
    assert {task_key(t) for t in load_spec(reordered).tasks()} == {task_key(t) for t in tasks}


@pytest.mark.parametrize("kind", ["jacobian_spectrum", "jacobian_spectral_density"])
def test_spec_defaults_are_the_api_defaults(kind):
    """A spec that leaves σ and the ensemble out means the network the API call means."""
    from isometry.sweep import spec as spec_module
    from isometry.theory._arguments import DEFAULT_Q_STAR

    assert spec_module.DEFAULT_Q_STAR == DEFAULT_Q_STAR
    head = f'[sweep]\nkind = "{kind}"\n[grid]\nwidth = 8\ndepth = 2\n'
    (task,) = load_spec(head).tasks()
    assert task["q_star"] == DEFAULT_Q_STAR and task["sigma_w"] is None
    assert task["weights"] == "orthogonal"  # the API's default ensemble
    (only_b,) = load_spec(head + "sigma_b = 0.1\n").tasks()  # the edge of chaos at that σ_b
    assert only_b["sigma_w"] is None and only_b["q_star"] is None and only_b["sigma_b"] == 0.1
    (only_w,) = load_spec(head + "sigma_w = 1.2\n").tasks()
    assert only_w["sigma_b"] == 0.0 and only_w["q_star"] is None
    (resnet,) = load_spec(head.replace(kind, "resnet_jacobian_spectrum")).tasks()
    assert (resnet["sigma_w"], resnet["sigma_b"], resnet["weights"]) == (1.0, 0.0, "orthogonal")


# --- running, the store, resume -----------------------------------------------------------------


def test_sweep_rows_match_a_direct_computation(tmp_path):
    """The stored spectrum is the one jacobian_spectrum gives (at the task's BLAS thread count) and the
    theory columns are recomputed here from the stored arrays with the theory module."""
    from isometry.montecarlo._probe_chunks import blas_threads

    report = sweep.run(SMALL, tmp_path / "store", workers=1, progress=False)
    assert (report.total, report.ran, report.done, report.failed) == (8, 8, 8, 0)
    table = sweep.load(tmp_path / "store")
    assert len(table) == 8 and set(table.status) == {"done"}
    row = table[(table.activation == "tanh") & (table.width == 48) & (table.seed == 1)].iloc[0]
    sw, sb = isometry.theory.critical_point("tanh", 0.5)
    with blas_threads(1):
        direct = isometry.jacobian_spectrum(
            48, 3, activation="tanh", sigma_w=sw, sigma_b=sb, seed=1
        )
    stored = sweep.arrays(tmp_path / "store", row.key)
    np.testing.assert_array_equal(
        stored["eigenvalues"], direct.eigenvalues
    )  # same bits, through Parquet
    np.testing.assert_array_equal(stored["q"], direct.q)
    law = isometry.theory.jacobian_density("tanh", "orthogonal", 3, sw, sb)
    floor = 100 * direct.eigenvalues[-1] * np.finfo(float).eps
    assert row.ks == law.ks_distance(direct.eigenvalues, floor)
    assert row.lambda_max == direct.eigenvalues[-1] and row.theory_lambda_max == law.lambda_max
    moments = isometry.theory.jacobian_moments("tanh", "orthogonal", 3, sw, sb).moments
    assert row.theory_m2 == moments[1]
    assert row.m2 == pytest.approx(
        np.mean(direct.eigenvalues**2), rel=1e-14
    )  # same sum, maybe reordered
    q_map = isometry.theory.length_trajectory("tanh", sw, sb, 0.5, 3)
    assert row.theory_q_last == pytest.approx(q_map[-1], rel=1e-12)
    # W1 in log10 λ, directly from its definition with a Riemann sum on an independent grid
    t = np.geomspace(floor, max(direct.eigenvalues[-1], law.lambda_max) * 1.01, 200001)
    emp = np.searchsorted(np.sort(direct.eigenvalues), t, side="right") / 48
    w1 = np.sum(np.abs(emp - law.cdf(t))[:-1] * np.diff(np.log10(t)))
    assert row.w1_log10 == pytest.approx(
        w1, rel=2e-3
    )  # two quadratures of a step function: ~1/points
    assert row.host and row.version == isometry.__version__ and row.blas_threads_used == 1


def test_resume_skips_finished_and_spec_change_adds_tasks(tmp_path):
    store = tmp_path / "store"
    sweep.run(SMALL, store, workers=1, progress=False)
    before = {p.name: p.stat().st_mtime_ns for p in (store / "rows").iterdir()}
    again = sweep.run(SMALL, store, workers=1, progress=False)
    assert (again.already_done, again.ran) == (8, 0)
    wider = SMALL.replace("width = [32, 48]", "width = [32, 48, 40]")
    grown = sweep.run(wider, store, workers=1, progress=False)
    assert (grown.total, grown.already_done, grown.ran) == (12, 8, 4)
    after = {p.name: p.stat().st_mtime_ns for p in (store / "rows").iterdir()}
    assert all(after[name] == mtime for name, mtime in before.items())  # finished rows untouched
    assert len(sweep.load(store)) == 12


def test_failed_tasks_are_recorded_and_rerun_only_when_asked(tmp_path):
    text = """
[sweep]
kind = "jacobian_spectral_density"
[grid]
width = [64, 48]
depth = 3
weights = "structured_orthogonal"  # power-of-two widths only: 48 fails
q_star = 0.5
probes = 2
steps = 6
"""
    store = tmp_path / "store"
    first = sweep.run(text, store, workers=1, progress=False)
    assert (first.done, first.failed) == (1, 1)
    table = sweep.load(store)
    failed = table[table.status == "failed"].iloc[0]
    assert failed.width == 48 and "power-of-two width" in failed.error and "64" in failed.error
    assert (sweep.run(text, store, workers=1, progress=False).skipped_failed,) == (1,)
    retried = sweep.run(text, store, workers=1, progress=False, retry_failed=True)
    assert (retried.ran, retried.failed, retried.already_done) == (1, 1, 1)


def test_memory_beyond_the_machine_fails_the_task_not_the_sweep(tmp_path):
    text = SMALL.replace("width = [32, 48]", "width = [32, 4000000]").replace(
        "seeds = [0, 1]", "seeds = [0]"
    )
    report = sweep.run(text, tmp_path / "store", workers=1, progress=False)
    assert (report.done, report.failed) == (2, 2)
    errors = sweep.load(tmp_path / "store").query("status == 'failed'").error
    assert all(e.startswith("MemoryError") and "GiB" in e for e in errors)


def test_matfree_and_resnet_tasks(tmp_path):
    matfree = sweep.run(
        """
[sweep]
kind = "jacobian_spectral_density"
seeds = 1
[grid]
width = 128
depth = 4
weights = "structured_orthogonal"
q_star = 0.5
probes = 3
steps = 12
""",
        tmp_path / "mf",
        workers=1,
        progress=False,
    )
    resnet = sweep.run(
        """
[sweep]
kind = "resnet_jacobian_spectrum"
[grid]
width = 48
depth = 4
c = 1.0
""",
        tmp_path / "rn",
        workers=1,
        progress=False,
    )
    assert matfree.done == 1 and resnet.done == 1
    row = sweep.load(tmp_path / "mf").iloc[0]
    sw, sb = isometry.theory.critical_point("tanh", 0.5)
    direct = isometry.jacobian_spectral_density(
        128, 4, weights="structured_orthogonal", sigma_w=sw, sigma_b=sb, probes=3, steps=12
    )
    law = isometry.theory.jacobian_density("tanh", "orthogonal", 4, sw, sb)
    assert row.ks == direct.ks_distance(law) and row.m1 == direct.moments[0]
    np.testing.assert_array_equal(sweep.arrays(tmp_path / "mf", row.key)["nodes"], direct.nodes)
    rrow = sweep.load(tmp_path / "rn").iloc[0]
    assert rrow.c_theory == pytest.approx(1.0, rel=1e-12)  # σ_w was chosen for c = 1 by bisection
    assert rrow.theory_m1 == pytest.approx(np.e, rel=1e-12)  # m₁ = e^c of the universal law


def test_dry_run_counts_tasks_and_store(tmp_path, capsys):
    spec = _spec(SMALL, tmp_path)
    store = tmp_path / "store"
    sweep.run(SMALL.replace("seeds = [0, 1]", "seeds = [0]"), store, workers=1, progress=False)
    assert main(["sweep", str(spec), "--store", str(store), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "8 tasks (4 configurations x 2 seeds)" in out
    assert "store" in out and "4 done, 0 failed" in out and "4 new or to retry" in out
    assert "GiB" in out and "s of task time" in out
    assert sorted(p.name for p in (store / "rows").iterdir()).__len__() == 4  # nothing ran


def test_cli_runs_and_plots(tmp_path, capsys):
    spec = _spec(SMALL, tmp_path)
    store = tmp_path / "store"
    assert main(["sweep", str(spec), "--store", str(store), "--workers", "1", "--no-progress"]) == 0
    assert "8 tasks: 0 already done, 8 run now (8 done, 0 failed)" in capsys.readouterr().out
    pytest.importorskip("matplotlib")
    assert main(["sweep", "plot", "--store", str(store), "--out", str(tmp_path / "plots")]) == 0
    names = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert names == ["finite_width.png", "spectra_0.png", "spectra_1.png", "worst_matching.csv"]
    assert "worst-matching" in capsys.readouterr().out
    assert main(["sweep", str(tmp_path / "missing.toml"), "--store", str(store)]) == 2
    assert "cannot read the spec" in capsys.readouterr().err


def test_killed_write_leaves_no_partial_task(tmp_path):
    """A temporary file left by a killed writer is neither a task nor kept."""
    store = tmp_path / "store"
    sweep.run(SMALL.replace("seeds = [0, 1]", "seeds = [0]"), store, workers=1, progress=False)
    stray = store / "rows" / ".tmp-abc.parquet"
    stray.write_bytes(b"PAR1 half")
    assert len(sweep.load(store)) == 4
    os.utime(stray, (1e9, 1e9))  # old: not a live writer's file
    sweep.run(SMALL.replace("seeds = [0, 1]", "seeds = [0]"), store, workers=1, progress=False)
    assert not (store / "rows" / ".tmp-abc.parquet").exists()


# --- readable without isometry; importable without Dask -------------------------------------------


def test_store_opens_without_isometry(tmp_path):
    store = tmp_path / "store"
    sweep.run(SMALL, store, workers=1, progress=False)
    key = sweep.load(store).key[0]
    code = f"""
import sys, pandas as pd, pyarrow.parquet as pq
table = pd.read_parquet({str(store / "results.parquet")!r})
rows = pd.concat([pd.read_parquet(p) for p in sorted(__import__('glob').glob({str(store / "rows" / "*.parquet")!r}))])
ev = pd.read_parquet({str(store / "arrays" / (key + ".parquet"))!r})['eigenvalues'][0]
assert len(table) == 8 and len(rows) == 8 and set(table.status) == {{'done'}}, (len(table), len(rows))
assert len(ev) in (32, 48)
assert not any(m == 'isometry' or m.startswith('isometry.') for m in sys.modules), 'isometry was imported'
print('ok')
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_import_isometry_does_not_import_dask_and_sweep_says_how_to_install():
    code = """
import sys
import isometry
assert 'dask' not in sys.modules and 'distributed' not in sys.modules and 'pandas' not in sys.modules
import builtins
real = builtins.__import__
def hide(name, *a, **k):
    if name.split('.')[0] in ('dask', 'distributed'):
        raise ImportError('No module named ' + name)
    return real(name, *a, **k)
builtins.__import__ = hide
spec = {'sweep': {'kind': 'jacobian_spectrum'}, 'grid': {'width': 8, 'depth': 2, 'sigma_w': 1.05}}
try:
    isometry.sweep.run(spec, sys.argv[1], workers=2, progress=False)
except ImportError as exc:
    assert 'pip install "isometry[sweep]"' in str(exc), exc
    print('ok')
"""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        out = subprocess.run(
            [sys.executable, "-c", code, folder],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": PYTHON_DIR},
        )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
