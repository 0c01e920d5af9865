"""Defects the fuzz suite finds in areas being fixed elsewhere, each with its reason.

A generated call whose defect matches a rule here is counted as ``known`` instead of failing the
suite; every rule has a concrete reproducer in ``test_fuzz_known_defects.py`` marked
``xfail(strict=True)``, so the day the fix lands that test passes unexpectedly and the rule (and
the mark) must be deleted. Rules are deliberately narrow: a target, an outcome class and a
message, never a whole entry point.
"""

from __future__ import annotations

import re
from typing import Any

# Mean-field functions whose tanh/erf quadrature cost grows like √q (a hang or a non-convergence
# at huge σ_w, σ_b, q or depth of the ResNet recursion): the bounded quadratures of the
# mean-field work fix them.
MEAN_FIELD_TARGETS = (
    "q_star",
    "chi1",
    "c_star",
    "depth_scales",
    "edge_of_chaos",
    "critical_point",
    "length_map",
    "correlation_map",
    "resnet_parameter",
    "resnet_parameter_table",
    "resnet_sigma_w",
    "default_q0",
    "jacobian_moments",
    "jacobian_density",
    "lambda_max",
    "phase_diagram",
    "jacobian_spectrum",
    "jacobian_spectral_density",
    "derivative_moments",
    "length_trajectory",
    "spectrum_mean_and_normalized_variance",
    "resnet_jacobian_spectrum",
)
MEAN_FIELD_COMMANDS = (
    "spectrum",
    "theory",
    "phase-diagram",
    "resnet",
    "train",
)  # train: q* → (σ_w, σ_b)
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
        values = list(request.get("args", [])) + list(request.get("kwargs", {}).values())
    out = []
    for v in values:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            try:
                out.append(abs(float(v)))
            except OverflowError:
                out.append(float("inf"))
    return out


def _short_name(request: dict[str, Any]) -> str:
    if request["kind"] == "cli":
        return request["argv"][0]
    return request["target"].rsplit(".", 1)[-1]


def owner(request: dict[str, Any], reply: dict[str, Any]) -> str | None:
    """The reason a non-clean outcome is known and owned elsewhere, or None."""
    outcome, message = reply["outcome"], str(reply.get("message", ""))
    name = _short_name(request)
    target = request.get("target", "")
    method = request.get("method")
    # Free-probability laws (density work): the upper-edge search, the law invariants, and the
    # input checks of JacobianDensity.ks_distance/cdf, all being rewritten there.
    if outcome == "internal_error" and "could not locate the upper edge" in message:
        return "free-probability solver: upper edge not found (density work)"
    if outcome == "violation" and "(law mass)" in message and target.startswith("isometry.theory"):
        return "free-probability law loses its mass (density work)"
    if (
        method in ("ks_distance", "cdf")
        and target in ("isometry.theory.jacobian_density", "isometry.theory.resnet_density")
        and outcome in ("violation", "unnamed_error", "internal_error")
    ):
        return "JacobianDensity.ks_distance/cdf input handling (density work)"
    # Mean field at huge q (mean-field work).
    large = any(v >= HUGE for v in _numbers(request))
    if outcome == "hang" and large and (name in MEAN_FIELD_TARGETS or name in MEAN_FIELD_COMMANDS):
        return "tanh/erf mean-field quadrature at huge q (mean-field work)"
    if outcome in ("unnamed_error", "internal_error") and re.search(
        r"normal_expectation: no convergence|q must be positive and finite, got (inf|0\.0)", message
    ):
        return "mean-field quadrature at extreme q (mean-field work)"
    if (
        outcome == "hang"
        and name in ("resnet_sigma_w", "resnet_parameter", "resnet_parameter_table")
        and large
    ):
        return "ResNet mean-field recursion over huge depth (mean-field work)"
    return None
