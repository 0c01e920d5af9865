"""Tidy per-step and per-evaluation tables, written as CSV atomically.

Per run: ``steps.csv`` (one row per update: the minibatch loss and accuracy *before* the update,
and the learning rate it used, ``step_learning_rate`` — the schedule's value at that step, named
apart from the run's base ``learning_rate`` that the joined tables put in front) and ``evals.csv`` (test loss and accuracy after ``step`` updates,
step 0 being the initial network). Floats are written with ``repr`` so they read back bitwise.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from isometry._internal.files import write_text_atomically

__all__ = ["EVAL_COLUMNS", "STEP_COLUMNS", "read_table", "table_text", "write_table"]

STEP_COLUMNS = ("step", "epoch", "step_learning_rate", "train_loss", "train_accuracy")
EVAL_COLUMNS = ("step", "test_loss", "test_accuracy")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return (
            repr(value)
            if math.isfinite(value)
            else ("nan" if math.isnan(value) else ("inf" if value > 0 else "-inf"))
        )
    return str(value)


def table_text(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    buf.write(",".join(columns) + "\n")
    for row in rows:
        buf.write(",".join(_cell(row.get(c)) for c in columns) + "\n")
    return buf.getvalue()


def write_table(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    write_text_atomically(path, table_text(columns, rows))


def _parse(text: str) -> Any:
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def read_table(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV written by :func:`write_table`, with numbers parsed back."""
    with open(path, newline="") as fh:
        return [{k: _parse(v) for k, v in row.items()} for row in csv.DictReader(fh)]
