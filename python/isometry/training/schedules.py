"""Learning-rate schedules: pure functions of the step, so a resumed run needs no schedule state.

A schedule is a dict (it goes into the run's JSON configuration as is):

* ``{"name": "constant"}``
* ``{"name": "step", "every": k, "factor": γ}``  — η·γ^⌊step/k⌋
* ``{"name": "exponential", "half_life": k}``   — η·2^(−step/k)
* ``{"name": "cosine", "steps": T}``            — η·(1 + cos(π·min(step, T)/T))/2
* any of them with ``"warmup": w`` — multiplied by min(1, (step + 1)/w)

``every``, ``steps`` and ``warmup`` count steps: integers ≥ 1. ``factor`` and ``half_life`` are
finite numbers > 0.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

__all__ = ["SCHEDULES", "learning_rate", "validate_schedule"]

SCHEDULES = {
    "constant": (),
    "step": ("every", "factor"),
    "exponential": ("half_life",),
    "cosine": ("steps",),
}
STEP_COUNTS = ("every", "steps", "warmup")  # integers >= 1; the other keys are finite reals > 0


def validate_schedule(schedule: Mapping[str, Any] | None) -> dict[str, Any]:
    schedule = dict(schedule or {"name": "constant"})
    name = schedule.get("name")
    if name not in SCHEDULES:
        raise ValueError(
            f"schedule name must be one of {', '.join(map(repr, SCHEDULES))}; got {name!r}"
        )
    allowed = set(SCHEDULES[name]) | {"name", "warmup"}
    unknown = sorted(set(schedule) - allowed)
    if unknown:
        raise ValueError(
            f"schedule {name!r} takes {sorted(allowed - {'name'})}; unknown key(s) {unknown}"
        )
    for key in (*SCHEDULES[name], "warmup"):
        if key in schedule or key != "warmup":
            value = schedule.get(key)
            if key in STEP_COUNTS:
                if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                    raise ValueError(
                        f"schedule {name!r}: {key} must be an integer >= 1 (a number of steps), "
                        f"got {value!r}"
                    )
                schedule[key] = int(value)
            elif (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not math.isfinite(value)
                or not float(value) > 0
            ):
                raise ValueError(
                    f"schedule {name!r}: {key} must be a finite number > 0, got {value!r}"
                )
    return schedule


def learning_rate(base: float, schedule: Mapping[str, Any], step: int) -> float:
    """The learning rate of update number ``step`` (0-based)."""
    name = schedule["name"]
    if name == "constant":
        factor = 1.0
    elif name == "step":
        factor = schedule["factor"] ** (step // schedule["every"])
    elif name == "exponential":
        factor = 2.0 ** (-step / schedule["half_life"])
    else:
        total = schedule["steps"]
        factor = 0.5 * (1 + math.cos(math.pi * min(step, total) / total))
    if "warmup" in schedule:
        factor *= min(1.0, (step + 1) / schedule["warmup"])
    return base * factor
