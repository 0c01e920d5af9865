"""The command line: help on every flag with its default, --version and python -m isometry, the
new options (--sigma-w2, --save, parameter sharing, density), the theory CSV only on request."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import numpy as np
import pytest

import isometry
from isometry.cli import COMMANDS, build_parser, main


def _subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def test_every_flag_of_every_command_has_help_and_shows_its_default():
    commands = _subparsers()
    assert "density" in commands and len(commands) == len(COMMANDS)
    for name, sub in commands.items():
        assert "``" not in (sub.description or ""), name  # no raw reST
        assert issubclass(sub.formatter_class, argparse.ArgumentDefaultsHelpFormatter), name
        for action in sub._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
                continue
            assert action.help, (
                f"isometry {name} {action.option_strings or action.dest} has no help"
            )
        text = sub.format_help()
        if any(a.default not in (None, False, argparse.SUPPRESS) for a in sub._actions if a.help):
            assert "(default:" in text, name


def test_version_and_python_dash_m(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and isometry.__version__ in capsys.readouterr().out
    done = subprocess.run(
        [sys.executable, "-m", "isometry", "--version"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip() == f"isometry {isometry.__version__}"


def test_submodules_load_lazily_on_first_attribute_access():
    code = (
        "import sys, isometry; assert 'isometry.plotting' not in sys.modules; "
        "isometry.training.run_experiment; isometry.datasets.cifar10; isometry.plotting.plot_spectrum; "
        "isometry.init.network_weights; isometry.montecarlo.relu_network_norms; "
        "assert 'isometry.plotting' in sys.modules"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_spectrum_parameter_sharing_saved_three_ways(tmp_path, capsys):
    for suffix in ("npy", "csv", "npz"):
        path = tmp_path / f"ev.{suffix}"
        assert (
            main(
                [
                    "spectrum",
                    "--width",
                    "16",
                    "--depth",
                    "4",
                    "--activation",
                    "relu",
                    "--weights",
                    "parameter_sharing",
                    "--save",
                    str(path),
                    "--no-progress",
                ]
            )
            == 0
        )
    out = capsys.readouterr().out
    assert "parameter_sharing (orthogonal W0) weights" in out
    ev = np.load(tmp_path / "ev.npy")
    # Orthogonal W0 at the default σ_w = 1: all width/2 eigenvalues equal 1 (to rounding).
    assert ev.shape == (8,) and np.allclose(ev, 1.0, atol=1e-12)
    lines = (tmp_path / "ev.csv").read_text().splitlines()
    assert lines[0].startswith("# ") and "eigenvalue,singular_value" in lines
    loaded = isometry.JacobianSpectrum.load(tmp_path / "ev.npz")
    np.testing.assert_array_equal(loaded.eigenvalues, ev)
    assert (
        main(
            [
                "spectrum",
                "--width",
                "8",
                "--depth",
                "2",
                "--save",
                str(tmp_path / "x.txt"),
                "--no-progress",
            ]
        )
        == 2
    )


def test_squared_flags_give_the_same_network(capsys):
    assert (
        main(
            [
                "spectrum",
                "--width",
                "16",
                "--depth",
                "2",
                "--sigma-w2",
                "1.21",
                "--sigma-b2",
                "0.01",
                "--json",
                "--no-progress",
            ]
        )
        == 0
    )
    squared = json.loads(capsys.readouterr().out)
    assert (
        main(
            [
                "spectrum",
                "--width",
                "16",
                "--depth",
                "2",
                "--sigma-w",
                "1.1",
                "--sigma-b",
                "0.1",
                "--json",
                "--no-progress",
            ]
        )
        == 0
    )
    plain = json.loads(capsys.readouterr().out)
    assert squared["mean"] == pytest.approx(
        plain["mean"], rel=1e-12
    )  # σ = √σ²: 1 ulp apart at most
    with pytest.raises(SystemExit):  # argparse: the two forms are mutually exclusive
        main(["spectrum", "--sigma-w", "1.1", "--sigma-w2", "1.21"])


def test_density_command_compares_with_the_theory(tmp_path, capsys):
    csv = tmp_path / "density.csv"
    assert (
        main(
            [
                "density",
                "--width",
                "64",
                "--depth",
                "2",
                "--probes",
                "2",
                "--steps",
                "8",
                "--points",
                "50",
                "--json",
                "--save",
                str(csv),
                "--no-progress",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert (
        report["width"] == 64
        and 0 <= report["ks_theory_vs_monte_carlo"] < 1
        and "theory_m1" in report
    )
    # At criticality the theory's m₁ = χ₁^L = 1 (PSG18 eq. 21).
    assert report["theory_m1"] == pytest.approx(1.0, rel=1e-9)
    text = csv.read_text()
    assert "per unit λ" in text and "density,x,density_error" in text


def test_theory_writes_a_csv_only_when_asked(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["theory", "--depth", "4", "--points", "50"]) == 0
    assert list(tmp_path.iterdir()) == []
    out = tmp_path / "d.csv"
    assert (
        main(
            [
                "theory",
                "--activation",
                "hard_tanh",
                "--depth",
                "4",
                "--sigma-w2",
                "1.2",
                "--sigma-b2",
                "0.05",
                "--points",
                "60",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    lines = out.read_text().splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert any("per unit λ" in line for line in header)
    assert any(line.startswith("# sigma_w2: 1.2") for line in header)
    assert any("atoms" in line for line in header)
    data = np.loadtxt(lines[len(header) + 1 :], delimiter=",")
    assert data.shape == (60, 2) and lines[len(header)] == "lambda,density"


def test_phase_diagram_accepts_squared_ranges(tmp_path, capsys):
    path = tmp_path / "pd.npz"
    assert (
        main(
            [
                "phase-diagram",
                "--activation",
                "erf",
                "--grid",
                "4",
                "--sigma-w2",
                "0.25",
                "4",
                "--save",
                str(path),
                "--no-progress",
            ]
        )
        == 0
    )
    diagram = isometry.theory.PhaseDiagram.load(path)
    np.testing.assert_allclose(diagram.sigma_w**2, np.linspace(0.25, 4, 4), rtol=1e-15)
