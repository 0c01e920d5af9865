"""The result of one reproduction — claim, table of numbers, verdict, figures — and its files.

Per entry, in ``<out>/<name>/``: ``figure.png`` and ``figure.pdf`` (one figure per entry), then
``report.json`` written last, atomically: an entry whose ``report.json`` exists (same scale and
format version) is finished and is reused when the run is repeated. For the whole run,
``<out>/index.html`` shows every finished entry's figure, table and verdict, with the images
referenced by relative paths so the folder reads offline anywhere.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from isometry._internal.files import write_text_atomically

__all__ = ["FORMAT_VERSION", "Report", "Row", "load_report", "write_index", "write_report"]

FORMAT_VERSION = 1


def _number(x: Any) -> Any:
    """JSON-safe: NaN/inf become strings, numpy scalars plain floats."""
    if x is None or isinstance(x, (str, bool)):
        return x
    try:
        value = float(x)
    except (TypeError, ValueError):
        return str(x)
    return value if math.isfinite(value) else str(value)


@dataclass
class Row:
    """One line of an entry's table.

    ``theory``: our large-width / exact / closed-form value; ``measured``: our Monte Carlo or
    training result; ``paper``: the value the paper states (a number, or text such as "grows
    with L"), None where its text gives none; ``tolerance``: the rule the verdict used and why.
    """

    quantity: str
    theory: Any
    measured: Any
    paper: Any
    tolerance: str
    passed: bool

    @classmethod
    def compare(
        cls,
        quantity: str,
        theory: float | None,
        measured: float,
        *,
        tol: float,
        reason: str,
        paper: Any = None,
        relative: bool = False,
        reference: float | None = None,
    ) -> Row:
        """Pass when |measured − reference| ≤ tol (× |reference| when ``relative``); the reference
        is ``reference``, else ``theory``, else the paper's number."""
        ref = reference if reference is not None else (theory if theory is not None else paper)
        bound = tol * abs(ref) if relative else tol
        ok = bool(math.isfinite(float(measured)) and abs(float(measured) - float(ref)) <= bound)
        rule = f"|Δ| ≤ {tol:g}{' × ref' if relative else ''}: {reason}"
        return cls(quantity, _number(theory), _number(measured), _number(paper), rule, ok)

    @classmethod
    def check(
        cls,
        quantity: str,
        passed: bool,
        *,
        theory: Any = None,
        measured: Any = None,
        paper: Any = None,
        rule: str,
    ) -> Row:
        return cls(quantity, _number(theory), _number(measured), _number(paper), rule, bool(passed))


@dataclass
class Report:
    """One reproduction's result: the claim, its table of numbers, the verdict and the figures.

    Returned by :func:`reproduce` and stored as ``report.json``. ``verdict`` is ``"PASS"`` when
    every row passes, ``"INCONCLUSIVE"`` when the run cannot test the claim, else ``"FAIL"``;
    ``table_text()`` prints the table; ``to_dict``/``from_dict`` convert to and from JSON values.

    Parameters
    ----------
    name : str
        The entry's name.
    paper : str
        The paper's citation.
    claim : str
        The claim, in one sentence.
    scale : str
        ``"quick"`` or ``"full"``.
    rows : list of Row
        The table: quantity, our theory, our measurement, the paper's value, the tolerance rule
        with its reason, and whether it passed.
    figures : list of str
        The figures' paths, relative to the entry's folder.
    notes : list of str, optional
        Remarks made while computing.
    device : str, default "cpu"
        ``"cpu"`` or ``"gpu"``.
    seconds : float, default 0.0
        Wall time.
    cpu_seconds : float, default 0.0
        CPU time of this process (the wall time on an idle machine).
    full_scale : str, default ""
        The full scale's description and cost.
    data : dict, optional
        The numbers behind the figure.
    params : dict, optional
        The entry's settings at this scale.
    version : int, default 1
        The report format's version.
    inconclusive : str, default ""
        Why this run cannot test the claim (outside its regime), if so.

    See Also
    --------
    reproduce

    Examples
    --------
    >>> from isometry.experiments import Report
    >>> from isometry.experiments.report import Row
    >>> row = Row.compare("m₁", 1.0, 1.003, tol=0.01, reason="Monte Carlo, 3 s.e.")
    >>> report = Report("demo", "a paper", "m₁ = 1", "quick", rows=[row], figures=[])
    >>> report.verdict, row.passed
    ('PASS', True)
    """

    name: str
    paper: str
    claim: str
    scale: str
    rows: list[Row]
    figures: list[str]  # paths relative to the entry's folder
    notes: list[str] = field(default_factory=list)
    device: str = "cpu"
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of this process: the wall time on an idle machine
    full_scale: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # numbers behind the figure
    params: dict[str, Any] = field(default_factory=dict)  # the entry's settings at this scale
    version: int = FORMAT_VERSION
    inconclusive: str = ""  # why this run cannot test the claim (outside its regime), if so

    @property
    def verdict(self) -> str:
        if self.inconclusive:
            return "INCONCLUSIVE"
        return "PASS" if self.rows and all(r.passed for r in self.rows) else "FAIL"

    @property
    def passed(self) -> bool:
        """Not failed: PASS, or INCONCLUSIVE (the run is outside the claim's regime; the report
        says why and the other scale decides)."""
        return self.verdict != "FAIL"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["verdict"] = self.verdict
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Report:
        d = dict(d)
        d.pop("verdict", None)
        d["rows"] = [Row(**r) for r in d["rows"]]
        return cls(**d)

    def table_text(self) -> str:
        """The table as aligned plain text (for the terminal)."""

        def cell(x: Any) -> str:
            if isinstance(x, float):
                return f"{x:.4g}"
            return "—" if x is None else str(x)

        lines = [f"{'quantity':44s} {'theory':>11s} {'measured':>11s} {'paper':>11s}  pass"]
        for r in self.rows:
            lines.append(
                f"{r.quantity[:44]:44s} {cell(r.theory)[:11]:>11s} {cell(r.measured)[:11]:>11s} "
                f"{cell(r.paper)[:11]:>11s}  {'yes' if r.passed else 'NO'}"
            )
        return "\n".join(lines)


def _json_default(x: Any) -> Any:
    return _number(x)


def write_report(report: Report, directory: Path) -> Path:
    return write_text_atomically(
        directory / "report.json",
        json.dumps(report.to_dict(), indent=2, default=_json_default, allow_nan=False) + "\n",
    )


def load_report(directory: Path) -> Report | None:
    """The finished report in ``directory``, or None (absent, unreadable or an older format)."""
    path = directory / "report.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        if data.get("version") != FORMAT_VERSION:
            return None
        return Report.from_dict(data)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def save_figure(fig: Any, directory: Path, stem: str = "figure") -> list[str]:
    """``stem.png`` (raster, 150 dpi) and ``stem.pdf`` (vector), each written atomically."""
    from isometry.plotting.reproductions import save_reproduction_figure

    return save_reproduction_figure(fig, directory, stem)


_CSS = """body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:3px 7px;font-size:90%}
th{background:#eee}.PASS{color:#060;font-weight:bold}.FAIL{color:#b00;font-weight:bold}.INCONCLUSIVE{color:#a60;font-weight:bold}
.entry{display:flex;gap:1.5em;border-top:2px solid #888;padding:1em 0}.entry img{max-width:560px}
.side{flex:1;min-width:0}.note{font-size:90%;color:#444}td.no{background:#fdd}"""


def _cell(x: Any) -> str:
    if isinstance(x, float):
        return html.escape(f"{x:.5g}")
    return "—" if x is None else html.escape(str(x))


def write_index(reports: list[Report], out: Path, *, title: str, header_notes: list[str]) -> Path:
    """``out/index.html``: a summary table, then per entry the figure beside its table."""
    failed = sum(not r.passed for r in reports)
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>",
    ]
    parts += [f"<p class='note'>{html.escape(n)}</p>" for n in header_notes]
    inconclusive = sum(r.verdict == "INCONCLUSIVE" for r in reports)
    parts.append(
        f"<p><b>{len(reports) - failed - inconclusive} of {len(reports)} verdicts pass, "
        f"{inconclusive} inconclusive at this scale (outside the claim's regime; see each entry), "
        f"{failed} fail.</b></p>"
    )
    parts.append(
        "<table><tr><th>entry</th><th>paper</th><th>scale</th><th>verdict</th><th>seconds</th><th>CPU s</th></tr>"
    )
    for r in reports:
        parts.append(
            f"<tr><td><a href='#{r.name}'>{r.name}</a></td><td>{html.escape(r.paper)}</td>"
            f"<td>{r.scale}</td><td class='{r.verdict}'>{r.verdict}</td><td>{r.seconds:.1f}</td><td>{r.cpu_seconds:.1f}</td></tr>"
        )
    parts.append("</table>")
    for r in reports:
        png = next((f for f in r.figures if f.endswith(".png")), None)
        vector = [f for f in r.figures if not f.endswith(".png")]
        parts.append(f"<div class='entry' id='{r.name}'><div>")
        if png:
            parts.append(f"<img src='{r.name}/{png}' alt='figure of {r.name}'>")
        parts.append(
            "<br>" + " ".join(f"<a href='{r.name}/{v}'>{v}</a>" for v in vector) + "</div>"
        )
        parts.append(
            f"<div class='side'><h2>{r.name} <span class='{r.verdict}'>{r.verdict}</span></h2>"
            f"<p><i>{html.escape(r.paper)}</i> — {html.escape(r.claim)}</p>"
        )
        parts.append(
            "<table><tr><th>quantity</th><th>our theory</th><th>our Monte Carlo / training</th>"
            "<th>paper</th><th>tolerance (why)</th><th>pass</th></tr>"
        )
        for row in r.rows:
            parts.append(
                f"<tr><td>{html.escape(row.quantity)}</td><td>{_cell(row.theory)}</td>"
                f"<td>{_cell(row.measured)}</td><td>{_cell(row.paper)}</td>"
                f"<td class='note'>{html.escape(row.tolerance)}</td>"
                f"<td class='{'' if row.passed else 'no'}'>{'yes' if row.passed else 'NO'}</td></tr>"
            )
        parts.append("</table>")
        parts += [f"<p class='note'>{html.escape(n)}</p>" for n in r.notes]
        parts.append(
            f"<p class='note'>scale {r.scale} on {r.device}, {r.seconds:.1f} s. Full scale: "
            f"{html.escape(r.full_scale)}</p></div></div>"
        )
    parts.append("</body></html>\n")
    return write_text_atomically(out / "index.html", "\n".join(parts))
