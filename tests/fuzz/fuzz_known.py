"""Defects the fuzz suite finds in areas being fixed elsewhere, each with its reason.

A generated call whose defect matches a rule here is counted as ``known`` instead of failing the
suite; every rule has a concrete reproducer in ``test_fuzz_known_defects.py`` marked
``xfail(strict=True)``, so the day the fix lands that test passes unexpectedly and the rule (and
the mark) must be deleted. Rules are deliberately narrow: a target, an outcome class and a
message, never a whole entry point.

The rules of the robustness work's first survey (unbounded tanh/erf quadratures at huge q, laws
losing their mass, ``JacobianDensity.ks_distance`` input checks) are gone: the mean-field and
density work fixed them, and their reproducers are ordinary regression tests now.
"""

from __future__ import annotations

from typing import Any


def _short_name(request: dict[str, Any]) -> str:
    if request["kind"] == "cli":
        return request["argv"][0]
    return request["target"].rsplit(".", 1)[-1]


#: Entry points and commands that solve for a free-probability law (theory.jacobian_density,
#: lambda_max; the commands that draw the theory beside their result).
FREE_PROBABILITY = ("jacobian_density", "lambda_max", "theory", "spectrum", "density")
HUGE = 1e3


def _numbers(request: dict[str, Any]) -> list[float]:
    values: list[Any] = []
    if request["kind"] == "cli":
        for a in request["argv"]:
            try:
                values.append(float(a))
            except (TypeError, ValueError):
                pass
    else:
        for v in [*request.get("args", []), *request.get("kwargs", {}).values()]:
            values += list(v) if isinstance(v, list) else [v]
    out = []
    for v in values:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            try:
                out.append(abs(float(v)))
            except OverflowError:
                out.append(float("inf"))
    return out


def owner(request: dict[str, Any], reply: dict[str, Any]) -> str | None:
    """The reason a non-clean outcome is known and owned elsewhere, or None."""
    outcome, message = reply["outcome"], str(reply.get("message", ""))
    name = _short_name(request)
    # The log-z solver's cost and memory grow like √q* (tanh/erf at huge σ_w): seconds per law
    # at σ_w = 3000, no answer within 15 s at 11682, std::bad_alloc under a 4 GiB cap at 2**32
    # (the C++ free-probability solver, density work).
    # Since the solver merge of 05:23 (f9f0de5), lambda_max('tanh', 'orthogonal', 4, 2**63 - 1)
    # also ends in a segmentation fault (under the worker's 4 GiB cap): a crash, reported.
    large = any(v >= HUGE for v in _numbers(request))
    stuck = outcome in ("hang", "crash") or (outcome == "internal_error" and "bad_alloc" in message)
    if stuck and large and name in FREE_PROBABILITY:
        return "free-probability solver at huge sigma_w (density work)"
    return None
