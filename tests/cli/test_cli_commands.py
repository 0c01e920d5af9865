"""The command line and plots, including the path without matplotlib."""

from __future__ import annotations

import json
import sys

import pytest

from isometry.cli import main


def test_spectrum_prints_summary_and_theory(capsys):
    assert (
        main(
            [
                "spectrum",
                "--width",
                "64",
                "--depth",
                "4",
                "--activation",
                "tanh",
                "--weights",
                "orthogonal",
                "--sigma-w",
                "1.05",
                "--sigma-b",
                "0",
                "--no-progress",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for word in ("mean", "variance", "min", "max", "condition number", "theory", "time"):
        assert word in out


def test_spectrum_json_matches_api(capsys):
    import isometry

    assert (
        main(
            [
                "spectrum",
                "--width",
                "48",
                "--depth",
                "3",
                "--activation",
                "relu",
                "--weights",
                "gaussian",
                "--sigma-w",
                "1.4142135623730951",
                "--json",
                "--no-progress",
                "--seed",
                "5",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    r = isometry.jacobian_spectrum(
        48, 3, activation="relu", weights="gaussian", sigma_w=2**0.5, seed=5
    )
    assert report["mean"] == pytest.approx(r.eigenvalues.mean(), rel=1e-12)
    assert report["theory_mean"] == pytest.approx(
        1.0, rel=1e-12
    )  # χ₁ = 1 at the ReLU critical point
    assert report["theory_normalized_variance"] == pytest.approx(2 * 3, rel=1e-12)  # L/p, p = 1/2


def test_spectrum_plot_writes_png(tmp_path, capsys):
    out = tmp_path / "sub" / "spectrum.png"
    assert (
        main(
            [
                "spectrum",
                "--width",
                "64",
                "--depth",
                "6",
                "--activation",
                "hard_tanh",
                "--sigma-w",
                "1.2",
                "--sigma-b",
                "0.1",
                "--plot",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [
        p for p in out.parent.iterdir() if p.name.startswith(".")
    ]  # no temporary left behind


def test_bad_input_exits_2_with_message(capsys):
    assert main(["spectrum", "--width", "0", "--no-progress"]) == 2
    assert "width must be a positive integer" in capsys.readouterr().err
    assert main(["spectrum", "--width", "8", "--sigma-w", "0.9", "--no-progress"]) == 2
    assert "pass q0" in capsys.readouterr().err


def test_info(capsys):
    assert main(["info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["openmp"] is True and "OpenBLAS" in info["blas_runtime"]
    assert info["cuda"]["option"] in ("AUTO", "ON", "OFF") and isinstance(
        info["cuda"]["compiled"], bool
    )


def test_without_matplotlib(monkeypatch, tmp_path, capsys):
    # Hide matplotlib: the computation still works, plotting explains what to install.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert (
        main(["spectrum", "--width", "32", "--depth", "2", "--sigma-w", "1.2", "--no-progress"])
        == 0
    )
    import isometry
    from isometry.plotting.spectrum import plot_spectrum

    r = isometry.jacobian_spectrum(32, 2, sigma_w=1.2)
    with pytest.raises(ImportError, match=r'pip install "isometry\[plot\]"'):
        plot_spectrum(r, tmp_path / "x.png")


def test_progress_bar_in_logs():
    import io

    from isometry._internal.progress import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar("work", stream=stream, log_every=0.0)
    for i in range(1, 4):
        bar(i, 3)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("work [" + "#" * 30 + "] 3/3")


def test_theory_command_prints_and_saves(tmp_path, capsys):
    import numpy as np

    from isometry import theory

    out = tmp_path / "density.csv"
    assert (
        main(
            [
                "theory",
                "--activation",
                "hard_tanh",
                "--weights",
                "orthogonal",
                "--depth",
                "16",
                "--q-star",
                "0.5",
                "--points",
                "300",
                "--output",
                str(out),
                "--plot",
                str(tmp_path / "d.png"),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    sigma_w, sigma_b = theory.critical_point("hard_tanh", 0.5)
    assert (
        f"{sigma_w:.10g}" in text and "chi1      1" in text and "lambda_max 7.86" in text
    )  # THEORY §9e edge 7.8633
    lines = out.read_text().splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert lines[len(header)] == "lambda,density" and any("per unit λ" in line for line in header)
    data = np.loadtxt(lines[len(header) + 1 :], delimiter=",")
    assert data.shape == (300, 2) and np.all(data[:, 1] >= 0)
    assert (tmp_path / "d.png").read_bytes()[:4] == b"\x89PNG"


def test_theory_command_rejects_conflicting_arguments(capsys):
    assert main(["theory", "--q-star", "0.1", "--sigma-w", "1.2"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["theory", "--activation", "tanh", "--q-star", "-1"]) == 2


def test_phase_diagram_command(tmp_path, capsys):
    png = tmp_path / "pd.png"
    assert main(["phase-diagram", "--activation", "erf", "--grid", "12", "--plot", str(png)]) == 0
    text = capsys.readouterr().out
    assert "σ_b = 0:  σ_w = 1" in text  # the critical line ends at (1, 0) (PSG18 §4.3.3)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["phase-diagram", "--grid", "1"]) == 2
