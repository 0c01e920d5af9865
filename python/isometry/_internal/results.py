"""The one base of every result type: a short repr, JSON-safe dictionaries, ``.npz`` files and
tables.

Results are frozen dataclasses whose fields are arrays (the data) and scalars, strings, tuples
and small dicts (the parameters and statistics). ``Result`` gives all of them the same way out
of Python:

* ``repr``: one line with the parameters and the *shapes* of the arrays (a width-512 spectrum
  used to print 200 lines of numbers);
* ``to_dict()``: plain Python values that ``json.dumps`` accepts as strict JSON (arrays become
  lists, NumPy scalars Python numbers, non-finite floats the strings ``"nan"``, ``"inf"``,
  ``"-inf"``);
* ``save(path)`` / ``load(path)``: one ``.npz`` file holding every array plus the other fields
  as a JSON document (``__metadata__``), written atomically and read without pickle;
* ``to_frame()``: a ``pandas.DataFrame`` of the tabular arrays (pandas is optional);
* ``summary()``: the parameters and the statistics in one flat dict (plain Python values).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from isometry._internal.files import atomic_path, destination

__all__ = ["Result", "jsonable"]

R = TypeVar("R", bound="Result")

_FORMAT = "isometry-result/1"


def jsonable(value: Any, *, strict: bool = True) -> Any:
    """``value`` as plain Python: lists for arrays and tuples, str keys, Python numbers.

    ``strict``: non-finite floats become the strings ``"nan"``, ``"inf"``, ``"-inf"`` (strict JSON
    has no NaN); otherwise they stay floats (Python's json module writes and reads them back).
    """
    if isinstance(value, np.ndarray):
        return (
            [jsonable(v, strict=strict) for v in value.tolist()]
            if value.ndim
            else jsonable(value.item(), strict=strict)
        )
    if isinstance(value, np.generic):
        return jsonable(value.item(), strict=strict)
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if strict and not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v, strict=strict) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, strict=strict) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return repr(value)


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"<{'×'.join(map(str, value.shape)) or 'scalar'} {value.dtype}>"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)) and len(value) > 4:
        return f"<{len(value)} items>"
    if isinstance(value, dict):
        return f"<dict of {len(value)}>"
    return repr(value)


class Result:
    """Mixin for the frozen result dataclasses (see the module docstring).

    Subclasses set ``_frame_columns`` (the 1-D arrays of equal length that form ``to_frame``)
    and ``_statistics`` (the names of derived numbers ``summary`` adds after the parameters);
    fields whose name starts with ``_`` are caches, rebuilt by ``_restored`` after ``load``.
    """

    _frame_columns: ClassVar[tuple[str, ...]] = ()

    # -- fields ------------------------------------------------------------------------------
    def _public_fields(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if not f.name.startswith("_")
        }

    def parameters(self) -> dict[str, Any]:
        """The fields that are not arrays: what was asked for and what was resolved (plain
        Python values; non-finite floats stay floats)."""
        return {
            k: jsonable(v, strict=False)
            for k, v in self._public_fields().items()
            if not isinstance(v, np.ndarray)
        }

    def statistics(self) -> dict[str, Any]:
        """Derived numbers for :meth:`summary` (none by default)."""
        return {}

    def summary(self) -> dict[str, Any]:
        """The parameters followed by the statistics, in one flat dict of plain Python values
        (``to_dict`` is the strict-JSON form)."""
        return {
            **self.parameters(),
            **{k: jsonable(v, strict=False) for k, v in self.statistics().items()},
        }

    # -- text --------------------------------------------------------------------------------
    def __repr__(self) -> str:
        parts = [f"{k}={_short(v)}" for k, v in self._public_fields().items()]
        return f"{type(self).__name__}({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        """Every public field as strict-JSON-safe Python values (``json.dumps`` works on it)."""
        return {k: jsonable(v) for k, v in self._public_fields().items()}

    # -- files -------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write an ``.npz`` file: the arrays, plus the other fields as JSON in ``__metadata__``.

        Written to a temporary file and renamed into place. ``type(self).load(path)`` reads it
        back (no pickle involved). A missing ``.npz`` suffix is added.
        """
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        fields = self._public_fields()
        arrays = {k: v for k, v in fields.items() if isinstance(v, np.ndarray)}
        metadata = {
            "format": _FORMAT,
            "type": type(self).__name__,
            "fields": {k: jsonable(v, strict=False) for k, v in fields.items() if k not in arrays},
        }
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez(tmp, __metadata__=np.array(json.dumps(metadata)), **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as the allow_pickle flag
        return destination(path)

    @classmethod
    def load(cls: type[R], path: str | os.PathLike[str]) -> R:
        """The result saved by :meth:`save` (``ValueError`` if the file holds another type)."""
        with np.load(Path(path), allow_pickle=False) as data:
            if "__metadata__" not in data.files:
                raise ValueError(
                    f"{path} was not written by isometry's Result.save (no __metadata__)"
                )
            metadata = json.loads(str(data["__metadata__"]))
            arrays = {k: data[k] for k in data.files if k != "__metadata__"}
        if metadata.get("format") != _FORMAT:
            raise ValueError(f"{path}: unknown result format {metadata.get('format')!r}")
        if metadata.get("type") != cls.__name__:
            raise ValueError(f"{path} holds a {metadata.get('type')}, not a {cls.__name__}")
        values = {**metadata["fields"], **arrays}
        known = {f.name for f in dataclasses.fields(cls) if not f.name.startswith("_")}  # type: ignore[arg-type]
        kwargs = {k: cls._decoded(k, v) for k, v in values.items() if k in known}
        return cls(**kwargs)._restored()

    @classmethod
    def _decoded(cls, name: str, value: Any) -> Any:
        """A field read back from JSON: tuples where the annotation says tuple."""
        annotation = str({f.name: f.type for f in dataclasses.fields(cls)}.get(name, ""))  # type: ignore[arg-type]
        if isinstance(value, list) and annotation.startswith("tuple"):
            return tuple(value)
        if isinstance(value, list) and annotation.startswith("list[tuple"):
            return [tuple(v) for v in value]
        return value

    def _restored(self: R) -> R:
        """Rebuild private caches after ``load`` (nothing by default)."""
        return self

    # -- tables ------------------------------------------------------------------------------
    def to_frame(self) -> Any:
        """A ``pandas.DataFrame`` of the tabular arrays (``ImportError`` without pandas)."""
        if not self._frame_columns:
            raise TypeError(f"{type(self).__name__} has no tabular data; use to_dict()")
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_frame needs pandas: pip install pandas") from exc
        return pd.DataFrame({k: np.asarray(getattr(self, k)) for k in self._frame_columns})
