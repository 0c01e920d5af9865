"""Reproductions: every claim of the five papers behind this package as a figure and a verdict.

    from isometry.experiments import list_reproductions, reproduce
    report = reproduce("psg17_relu_no_isometry", scale="quick", out="reproductions")
    report.verdict, report.rows, report.figures

Each entry states one claim of one paper, computes it with the package (theory, Monte Carlo,
training), and compares: our theory, our measurement, the paper's stated value where its text
gives one, with the tolerance and its reason written beside every number. ``scale="quick"``
runs on 2 CPU cores in seconds to a minute per entry (CI runs all of them); ``scale="full"``
is the paper's scale, its cost stated per entry (:func:`list_reproductions`). Results are
written to ``<out>/<name>/`` (figure.png, figure.pdf, report.json) and reused when rerun; the
command ``isometry reproduce`` also writes ``<out>/index.html``.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isometry._internal import validation as _validation
from isometry._internal import work
from isometry._internal.locks import DirectoryLock
from isometry.experiments._support import Context, Outcome
from isometry.experiments.report import Report, load_report, save_figure, write_report

__all__ = ["PAPERS", "Report", "Reproduction", "list_reproductions", "registry", "reproduce"]

#: The five papers: key (``Reproduction.paper``) → citation.
PAPERS = {
    "pennington2017": "Pennington, Schoenholz & Ganguli 2017, Resurrecting the sigmoid in deep learning "
    "through dynamical isometry (NeurIPS)",
    "pennington2018": "Pennington, Schoenholz & Ganguli 2018, The emergence of spectral universality in deep "
    "networks (AISTATS)",
    "saxe2013": "Saxe, McClelland & Ganguli 2013, Exact solutions to the nonlinear dynamics of learning in deep "
    "linear neural networks (ICLR 2014)",
    "burkholz2019": "Burkholz & Dubatovka 2019, Initialization of ReLUs for dynamical isometry (NeurIPS)",
    "tarnowski2019": "Tarnowski, Warchoł, Jastrzębski, Tabor & Nowak 2019, Dynamical isometry is achieved in "
    "residual networks in a universal way for any activation function (AISTATS)",
}

SCALES = ("quick", "full")


@dataclass(frozen=True)
class Reproduction:
    """One claim of one paper and how to check it.

    Listed by :func:`registry`; run with :func:`reproduce`. ``params(scale)`` gives the settings
    at ``"quick"`` or ``"full"`` scale.

    Parameters
    ----------
    name : str
        The entry's name (``isometry reproduce <name>``).
    paper : str
        A key of ``isometry.experiments.PAPERS``.
    claim : str
        The claim, in one sentence.
    compute : callable
        ``compute(ctx)`` computes the numbers and the figure: the table rows and the figure.
    quick : dict
        Settings of the quick scale (seconds to a minute on 2 cores).
    full : dict
        Settings of the full scale that differ from ``quick`` (the paper's scale).
    quick_cost : str
        What the quick scale does and its time on 2 cores.
    full_cost : str
        The paper's scale and its expected cost.

    See Also
    --------
    registry, reproduce

    Examples
    --------
    >>> from isometry.experiments import registry
    >>> entry = registry()["psg17_relu_no_isometry"]
    >>> entry.paper, sorted(entry.params("quick")) == sorted(entry.quick)
    ('pennington2017', True)
    """

    name: str
    paper: str  # a key of PAPERS
    claim: str
    compute: Callable[[Context], Outcome]
    quick: dict[str, Any]
    full: dict[str, Any]
    quick_cost: str  # what the quick scale does (and its time on 2 cores)
    full_cost: str  # the paper's scale and its expected cost

    def params(self, scale: str) -> dict[str, Any]:
        return dict(self.quick if scale == "quick" else {**self.quick, **self.full})


def registry() -> dict[str, Reproduction]:
    """Every reproduction, by name, in the order of the papers.

    Returns
    -------
    dict of str to Reproduction
        Name → entry. Imports the paper modules on first use.

    Raises
    ------
    RuntimeError
        If two entries have the same name.

    See Also
    --------
    list_reproductions, reproduce

    Examples
    --------
    >>> from isometry.experiments import PAPERS, registry
    >>> entries = registry()
    >>> {e.paper for e in entries.values()} == set(PAPERS)  # every paper has an entry
    True
    """
    from isometry.experiments import (
        burkholz2019,
        pennington2017,
        pennington2018,
        saxe2013,
        tarnowski2019,
    )

    entries: dict[str, Reproduction] = {}
    for module in (pennington2017, pennington2018, saxe2013, burkholz2019, tarnowski2019):
        for entry in module.ENTRIES:
            if entry.name in entries:
                raise RuntimeError(f"two reproductions are named {entry.name!r}")
            entries[entry.name] = entry
    return entries


def list_reproductions() -> list[dict[str, str]]:
    """The name, paper, claim and cost of each scale of every reproduction.

    Returns
    -------
    list of dict
        One dict per entry with keys ``name``, ``paper`` (the full citation), ``claim``,
        ``quick`` and ``full`` (what each scale does and costs).

    See Also
    --------
    registry, reproduce

    Examples
    --------
    >>> from isometry.experiments import list_reproductions
    >>> first = list_reproductions()[0]
    >>> sorted(first)
    ['claim', 'full', 'name', 'paper', 'quick']
    """
    return [
        {
            "name": e.name,
            "paper": PAPERS[e.paper],
            "claim": e.claim,
            "quick": e.quick_cost,
            "full": e.full_cost,
        }
        for e in registry().values()
    ]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def reproduce(
    name: str,
    scale: str = "quick",
    out: str | Path | None = None,
    device: str = "cpu",
    *,
    data_dir: str | None = None,
    rerun: bool = False,
    log: Callable[[str], None] | None = None,
) -> Report:
    """Run one reproduction (or reuse its finished report) and return its :class:`Report`.

    Parameters
    ----------
    name : str
        The entry's name (:func:`list_reproductions` names them all).
    scale : {"quick", "full"}, default "quick"
        ``"quick"`` runs on 2 CPU cores in seconds to a minute; ``"full"`` is the paper's scale,
        its cost stated per entry.
    out : str or pathlib.Path, optional
        The folder of the results, default ``./reproductions``: ``<name>/figure.png``,
        ``figure.pdf`` and ``report.json``.
    device : {"cpu", "gpu"}, default "cpu"
        ``"gpu"`` sends the Monte Carlo spectra and the training to the GPU.
    data_dir : str, optional
        Where CIFAR-10 lies, for the full-scale training entries.
    rerun : bool, default False
        Compute again even if a finished report with the same scale, device and settings is in
        ``out`` (training runs inside an entry resume on their own).
    log : callable, optional
        Called with one line of text per event; default: print to stderr.

    Returns
    -------
    Report
        The claim, the table (theory, measurement, the paper's value, each with its tolerance and
        its reason), the verdict and the figures.

    Raises
    ------
    ValueError
        If ``name`` is not an entry, or ``scale`` or ``device`` is not allowed.

    See Also
    --------
    list_reproductions, Report

    Notes
    -----
    The report is written last: its presence marks the entry finished, so an interrupted run is
    recomputed, not reused.

    Examples
    --------
    >>> from isometry.experiments import reproduce
    >>> reproduce("no_such_claim")
    Traceback (most recent call last):
        ...
    ValueError: unknown reproduction 'no_such_claim'; `isometry reproduce --list` names them all
    >>> report = reproduce("psg17_relu_no_isometry", out="reproductions")  # doctest: +SKIP
    >>> report.verdict  # doctest: +SKIP
    'PASS'
    """
    entries = registry()
    if name not in entries:
        raise ValueError(
            f"unknown reproduction {name!r}; `isometry reproduce --list` names them all"
        )
    scale = _validation.choice("scale", scale, SCALES)
    device = _validation.choice("device", device, ("cpu", "gpu"))
    entry = entries[name]
    directory = Path(out if out is not None else "reproductions") / name
    say = log or _stderr
    params = json.loads(json.dumps(entry.params(scale)))  # as report.json stores them
    previous = None if rerun else load_report(directory)
    if previous is not None and (previous.scale, previous.device, previous.params) == (
        scale,
        device,
        params,
    ):
        say(f"{name}: reusing the finished {scale} report in {directory}")
        return previous
    ctx = Context(
        name=name,
        scale=scale,
        out=directory,
        device=device,
        params=entry.params(scale),
        data_dir=data_dir,
        log=say,
    )
    with DirectoryLock(directory, what=f"isometry reproduce {name}"):
        return _compute(entry, ctx, params)


def _compute(entry: Any, ctx: Context, params: dict[str, Any]) -> Report:
    """Run the entry in its (locked) folder and write its figure and report."""
    from isometry.experiments._support import limited_threads, pyplot

    name, scale, device, directory = ctx.name, ctx.scale, ctx.device, ctx.out
    started, cpu_started = time.perf_counter(), time.process_time()
    # Full-scale entries are deliberate long runs (hours, stated in --list): the ten-minute
    # default of the work estimates does not apply; $ISOMETRY_MAX_SECONDS still does.
    no_default = work.default_limit(math.inf) if scale == "full" else contextlib.nullcontext()
    with limited_threads(scale), no_default:
        outcome = entry.compute(ctx)
    figures = save_figure(outcome.figure, directory)
    pyplot().close(outcome.figure)
    report = Report(
        name=name,
        paper=PAPERS[entry.paper],
        claim=entry.claim,
        scale=scale,
        rows=outcome.rows,
        figures=figures,
        notes=ctx.notes,
        device=device,
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
        full_scale=entry.full_cost,
        data=outcome.data,
        params=params,
        inconclusive=ctx.inconclusive,
    )
    write_report(report, directory)  # last: its presence marks the entry finished
    return report
