"""``isometry resnet`` and ``isometry relu-finite-width``."""

from __future__ import annotations

import json
import math

import pytest

import isometry
from isometry import theory
from isometry.cli import main


def test_resnet_json_matches_the_api(capsys):
    assert (
        main(
            [
                "resnet",
                "--width",
                "64",
                "--depth",
                "8",
                "--activation",
                "tanh",
                "--c",
                "0.5",
                "--json",
                "--no-progress",
                "--seed",
                "2",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    sw = theory.resnet_sigma_w("tanh", 0.5, depth=8)
    assert report["sigma_w"] == pytest.approx(sw, rel=1e-14)
    assert report["c_mean_field"] == pytest.approx(0.5, rel=1e-12)
    r = isometry.resnet_jacobian_spectrum(64, 8, activation="tanh", sigma_w=sw, seed=2)
    assert report["c_monte_carlo"] == pytest.approx(r.c, rel=1e-14)
    assert report["mean"] == pytest.approx(r.eigenvalues.mean(), rel=1e-12)
    assert report["theory_mean"] == pytest.approx(math.exp(r.c), rel=1e-14)
    assert report["c_per_activation"]["relu"]["c_at_sigma_w"] == pytest.approx(sw**2 / 2, rel=1e-12)


def test_resnet_plot_and_text(tmp_path, capsys):
    out = tmp_path / "resnet.png"
    assert (
        main(
            [
                "resnet",
                "--width",
                "48",
                "--depth",
                "6",
                "--activation",
                "relu",
                "--sigma-w",
                "1.4",
                "--plot",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    for word in ("KS distance", "c per activation", "theory edges", "hard_tanh"):
        assert word in text
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resnet_bad_input_is_a_clean_error(capsys):
    assert (
        main(["resnet", "--width", "8", "--depth", "2", "--residual-scale", "-1", "--no-progress"])
        == 2
    )
    assert "residual_scale" in capsys.readouterr().err
    assert main(["resnet", "--c", "1", "--sigma-w", "1"]) == 2


def test_relu_finite_width_json_and_plot(tmp_path, capsys):
    out = tmp_path / "relu.png"
    assert (
        main(
            [
                "relu-finite-width",
                "--width",
                "6",
                "--depth",
                "8",
                "--samples",
                "2000",
                "--networks",
                "500",
                "--json",
                "--plot",
                str(out),
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    last = report["rows"][-1]
    assert last["layer"] == 8 and last["mean_field"] == pytest.approx(1.0, rel=1e-12)
    law = theory.relu_output_law([6] * 9)
    assert last["exact_median"] == pytest.approx(law.quantile(0.5) / 6, rel=1e-12)
    assert last["dead_exact"] == pytest.approx(1 - (1 - 2**-6) ** 8, rel=1e-12)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_relu_finite_width_with_bias_has_no_exact_column(capsys):
    assert (
        main(
            [
                "relu-finite-width",
                "--width",
                "4",
                "--depth",
                "3",
                "--sigma-b",
                "0.5",
                "--samples",
                "500",
                "--networks",
                "200",
            ]
        )
        == 0
    )
    assert "simulation" in capsys.readouterr().out
    assert main(["relu-finite-width", "--width", "0"]) == 2
