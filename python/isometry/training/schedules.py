"""Learning-rate schedules: pure functions of the step, so a resumed run needs no schedule state.

A schedule is a dict (it goes into the run's JSON configuration as is):

* ``{"name": "constant"}``
* ``{"name": "step", "every": k, "factor": γ}``  — η·γ^⌊step/k⌋
* ``{"name": "exponential", "half_life": k}``   — η·2^(−step/k)
* ``{"name": "cosine", "steps": T}``            — η·(1 + cos(π·min(step, T)/T))/2
* any of them with ``"warmup": w`` — multiplied by min(1, (step + 1)/w)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["SCHEDULES", "learning_rate", "validate_schedule"]

SCHEDULES = {"constant": (), "step": ("every", "factor"), "exponential": ("half_life",), "cosine": ("steps",)}


def validate_schedule(schedule: Mapping[str, Any] | None) -> dict[str, Any]:
    schedule = dict(schedule or {"name": "constant"})
    name = schedule.get("name")
    if name not in SCHEDULES:
        raise ValueError(f"schedule name must be one of {', '.join(map(repr, SCHEDULES))}; got {name!r}")
    allowed = set(SCHEDULES[name]) | {"name", "warmup"}
    unknown = sorted(set(schedule) - allowed)
    if unknown:
        raise ValueError(f"schedule {name!r} takes {sorted(allowed - {'name'})}; unknown key(s) {unknown}")
    for key in (*SCHEDULES[name], "warmup"):
        if key in schedule or key != "warmup":
            value = schedule.get(key)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                raise ValueError(f"schedule {name!r}: {key} must be a number > 0, got {value!r}")
    return schedule


def learning_rate(base: float, schedule: Mapping[str, Any], step: int) -> float:
    """The learning rate of update number ``step`` (0-based)."""
    name = schedule["name"]
    if name == "constant":
        factor = 1.0
    elif name == "step":
        factor = schedule["factor"] ** (step // int(schedule["every"]))
    elif name == "exponential":
        factor = 2.0 ** (-step / schedule["half_life"])
    else:
        total = schedule["steps"]
        factor = 0.5 * (1 + math.cos(math.pi * min(step, total) / total))
    if "warmup" in schedule:
        factor *= min(1.0, (step + 1) / schedule["warmup"])
    return base * factor
