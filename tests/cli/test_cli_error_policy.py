"""The command line never ends in a traceback: one line, exit 2 for a refused argument, 1 for a
failure at run time; output files are regular files written atomically and honestly."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from isometry.cli import main


def cli(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "isometry", *argv],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line_error(done: subprocess.CompletedProcess, code: int, *words: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "error:" in last
    for word in words:
        assert word in last, last


def test_resnet_huge_sigma_w_is_one_line():
    one_line_error(
        cli("resnet", "--width", "16", "--depth", "4", "--sigma-w", "1e200", "--no-progress"),
        2,
        "sigma_w",
    )


def test_phase_diagram_huge_grid_is_refused_with_the_estimate():
    one_line_error(
        cli("phase-diagram", "--grid", "100000"), 2, "phase diagram of 10000000000 points"
    )


@pytest.mark.parametrize(
    "flag,value,word",
    [
        ("--order", "1000000", "order"),
        ("--points", "100000000", "points"),
        ("--order", "2147483648", "order"),
        ("--depth", str(10**20), "depth"),
    ],
)
def test_theory_unbounded_work_is_refused(flag, value, word):
    one_line_error(
        cli("theory", "--sigma-w", "1.05", flag, value, "--output", os.devnull + "-not-used"),
        2,
        word,
    )


def test_max_seconds_lowers_the_limit(tmp_path):
    one_line_error(
        cli("spectrum", "--width", "64", "--depth", "4", "--no-progress", "--max-seconds", "1e-6"),
        2,
        "would take",
        "--max-seconds",
    )


def test_every_exception_type_is_one_line(monkeypatch, capsys):
    """The policy itself, for each exception type a command can raise."""
    import isometry
    from isometry.cli import info

    cases = [
        (ValueError("sigma_w bad"), 2),
        (OverflowError("x overflows"), 2),
        (MemoryError("needs 9 GiB"), 2),
        (TypeError("width must be"), 2),
        (isometry.ConvergenceError("no root"), 1),
        (FloatingPointError("underflow"), 1),
        (ZeroDivisionError("float division by zero"), 1),
        (KeyError("k"), 1),
        (OSError(28, "No space left on device"), 1),
        (RuntimeError("bare"), 1),
    ]
    for exc, code in cases:

        def boom(args, exc=exc):
            raise exc

        monkeypatch.setattr(info, "run", boom)
        assert main(["info"]) == code, exc
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("isometry info: error:"), err
        if type(exc).__name__ in ("ZeroDivisionError", "KeyError", "RuntimeError"):
            assert "internal error" in err[0]


def test_output_to_a_full_device_fails_and_the_device_survives(tmp_path):
    """A character device as --output is refused (it used to be replaced by a regular file as
    root); the test uses its own node (1, 7) = /dev/full when it may create one, else a link to
    /dev/full (written through, so the device is what is refused). The name ends in .csv, the
    format --output takes."""
    target = tmp_path / "full.csv"
    try:
        os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, OSError):
        target.symlink_to("/dev/full")  # not root: os.replace cannot touch /dev anyway
    done = cli(
        "theory", "--sigma-w", "1.05", "--depth", "4", "--points", "50", "--output", str(target)
    )
    one_line_error(done, 1, "character device", "not a regular file")
    assert stat.S_ISCHR(os.stat(target).st_mode)
    assert "wrote" not in done.stderr


def test_plot_without_extension_gets_png(tmp_path):
    done = cli(
        "theory",
        "--sigma-w",
        "1.05",
        "--depth",
        "4",
        "--points",
        "50",
        "--output",
        str(tmp_path / "d.csv"),
        "--plot",
        str(tmp_path / "out"),
    )
    assert done.returncode == 0, done.stderr
    png = tmp_path / "out.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {png}" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "out.png"]  # no temporaries left


def test_plot_with_an_unknown_extension_is_refused(tmp_path):
    done = cli(
        "theory",
        "--sigma-w",
        "1.05",
        "--depth",
        "4",
        "--points",
        "50",
        "--output",
        str(tmp_path / "d.csv"),
        "--plot",
        str(tmp_path / "out.unknownext"),
    )
    one_line_error(done, 2, ".unknownext", ".png")
    # Refused before the computation: nothing is written, not even the --output table.
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert "wrote" not in done.stderr


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_spectrum_with_saturated_units_is_one_line(json_flag):
    """`spectrum --sigma-w 1e3 --depth 200` ended in a ZeroDivisionError traceback: J underflows to
    0 there (erf'(h) below the smallest double for |h| > 30), which is now refused by name."""
    done = cli(
        "spectrum",
        "--sigma-w",
        "1e3",
        "--depth",
        "200",
        "--width",
        "64",
        "--activation",
        "erf",
        "--no-progress",
        *json_flag,
    )
    one_line_error(done, 1, "sigma_w=1000", "underflowed", "at most about")
    assert done.stdout == ""
