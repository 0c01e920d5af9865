"""Work estimates: refuse a computation that would run for hours before starting it.

Every long-running entry point estimates its run time from its arguments (operation counts at a
nominal speed, below) and raises :class:`WorkLimitError` with the estimate when it exceeds the
limit: ``max_seconds=`` where the function takes it, else ``$ISOMETRY_MAX_SECONDS``, else
:data:`DEFAULT_MAX_SECONDS` (ten minutes). The command line takes ``--max-seconds`` on every
command. Deliberate long runs whose size the user has already seen — full-scale reproductions,
the tasks of a sweep (``--dry-run`` prints their time) — lift the default with
:func:`default_limit` (an explicit ``$ISOMETRY_MAX_SECONDS`` or ``--max-seconds`` still holds). The estimates are deliberately rough (a factor of a few either way): their job is to
stop requests that would run for days — ``probes=10**6``, ``depth=10**6``, ``order=10**6`` —
not to predict run times.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
from collections.abc import Iterator

__all__ = [
    "DEFAULT_MAX_SECONDS",
    "ENVIRONMENT_VARIABLE",
    "WorkLimitError",
    "default_limit",
    "limit",
    "require",
]

#: The default limit of every estimate, in seconds.
DEFAULT_MAX_SECONDS = 600.0
ENVIRONMENT_VARIABLE = "ISOMETRY_MAX_SECONDS"

# Nominal speeds of one core (the estimates divide operation counts by these).
FLOPS_BLAS3 = 1e10  # dense matrix products, factorisations
FLOPS_GPU = 1e12  # the same on a CUDA device (double precision, well below its peak)
FLOPS_BLAS2 = 2e9  # matrix-vector products
FLOPS_SCALAR = 5e8  # elementwise loops, Walsh-Hadamard butterflies
NORMALS_PER_SECOND = 1e8  # Philox normals regenerated on the fly
CALL_OVERHEAD = 1e-6  # per layer product, per Lanczos step
PYTHON_PER_PROBE = 2e-4  # the per-probe quadrature CDF and density, in Python


class WorkLimitError(ValueError):
    """A computation would take longer than the work limit; the message holds the estimate.

    Raised before any work starts. The limit is ``max_seconds=`` where the function takes it,
    else ``$ISOMETRY_MAX_SECONDS``, else ten minutes; ``--max-seconds`` on the command line.
    A ``ValueError``, so code that catches refused arguments catches it too.

    See Also
    --------
    isometry.jacobian_spectrum, isometry.jacobian_spectral_density

    Examples
    --------
    >>> issubclass(isometry.WorkLimitError, ValueError)
    True
    >>> try:
    ...     isometry.jacobian_spectrum(4096, 1000, max_seconds=1)
    ... except isometry.WorkLimitError as error:
    ...     print("refused before starting")
    refused before starting
    """


_DEFAULT: contextvars.ContextVar[float] = contextvars.ContextVar(
    "isometry_default_max_seconds", default=DEFAULT_MAX_SECONDS
)


@contextlib.contextmanager
def default_limit(seconds: float) -> Iterator[None]:
    """Within the block, ``seconds`` (``math.inf``: none) replaces the ten-minute default; an
    explicit ``max_seconds=`` or ``$ISOMETRY_MAX_SECONDS`` still applies."""
    token = _DEFAULT.set(float(seconds))
    try:
        yield
    finally:
        _DEFAULT.reset(token)


def limit(max_seconds: float | None = None) -> float:
    """The limit in force: ``max_seconds``, else ``$ISOMETRY_MAX_SECONDS``, else the default."""
    if max_seconds is None:
        text = os.environ.get(ENVIRONMENT_VARIABLE)
        if not text:
            return _DEFAULT.get()
        try:
            value = float(text)
        except ValueError:
            raise ValueError(
                f"${ENVIRONMENT_VARIABLE} must be a number of seconds, got {text!r}"
            ) from None
        name = f"${ENVIRONMENT_VARIABLE}"
    else:
        value, name = max_seconds, "max_seconds"
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a positive number of seconds (or inf), got {value!r}")
    return float(value)


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds > 3.2e9:
        return "longer than a century"
    for unit, size in (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
        if seconds >= 2 * size:
            return f"about {seconds / size:.3g} {unit}"
    return f"about {seconds:.3g} s"


def require(
    what: str, seconds: float, max_seconds: float | None = None, *, reduce: str = ""
) -> None:
    """Raise WorkLimitError stating the estimate if ``seconds`` exceeds the limit in force."""
    allowed = limit(max_seconds)
    if seconds > allowed:
        hint = f"reduce {reduce}, or " if reduce else ""
        raise WorkLimitError(
            f"{what} would take {_duration(seconds)} (a rough estimate at nominal single-core "
            f"speed), above the limit of {allowed:g} s; {hint}raise the limit: max_seconds= where the "
            f"function takes it, ${ENVIRONMENT_VARIABLE}, or --max-seconds on the command line"
        )


def dense_spectrum_seconds(width: int, depth: int, method: str, device: str = "cpu") -> float:
    """J of ``depth`` dense (or Householder) layer products, then the eigensolver or SVD."""
    n = float(width)
    products = depth * 4.0 * n**3  # Householder applications cost about two GEMMs
    solve = (20.0 if method == "svd" else 9.0) * n**3
    flops = FLOPS_BLAS3 if device == "cpu" else FLOPS_GPU
    return (products + solve) / flops + depth * (n * n / FLOPS_BLAS2 + 10 * CALL_OVERHEAD)


def matfree_seconds(
    width: int,
    depth: int,
    weights: str,
    storage: str,
    probes: int,
    steps: int,
    structured_blocks: int,
    points: int,
) -> float:
    """Stochastic Lanczos quadrature: 2·depth layer products per step per probe, plus the forward
    pass, the reorthogonalisation and the per-probe post-processing in Python."""
    n = float(width)
    if weights == "structured_orthogonal":
        per_product = structured_blocks * (n * (math.log2(max(n, 2.0)) + 1) / FLOPS_SCALAR + 1e-7)
    elif storage == "onthefly":
        per_product = n * n / NORMALS_PER_SECOND
    else:
        per_product = 2 * n * n / FLOPS_BLAS2
    per_product += CALL_OVERHEAD
    products = float(probes) * steps * 2 * depth + depth
    reorthogonalisation = float(probes) * steps * steps * n * 4 / FLOPS_BLAS2
    setup = depth * n * n / NORMALS_PER_SECOND if weights != "structured_orthogonal" else 0.0
    post = float(probes) * (PYTHON_PER_PROBE + (points + steps) * 1e-6)
    return products * per_product + reorthogonalisation + setup + post
