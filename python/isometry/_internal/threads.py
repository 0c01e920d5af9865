"""How many threads isometry uses, and how its idle threads wait.

isometry computes with two thread pools: the OpenMP team of its own C++ loops (libgomp) and the
pthread pool of the OpenBLAS it loads (``scipy-openblas32``, used for every BLAS/LAPACK call).
The two never work at the same time — no BLAS call is made inside one of our parallel regions —
so one count, set here for both, is the number of cores a call keeps busy.

Waiting. Both runtimes, left to their defaults, keep their idle threads busy-waiting for a while
after each parallel piece of work, hoping the next piece follows at once: libgomp spins for
about 300 000 iterations (milliseconds) at every barrier and at the end of every region,
OpenBLAS's workers for 2**28 cycles (about 0.1 s) after every BLAS call. On an idle machine that
saves a wake-up of a few microseconds; on a busy one the spinning threads take the cores that
the threads they wait for need, and a call that passes through thousands of short parallel
pieces (every layer of a Jacobian product, every Lanczos step) becomes many times slower than
the same call on one thread. It also makes two pools fight each other: OpenBLAS workers still
spinning after a threaded call steal the cores of the OpenMP loop that follows, and the other
way round (isometry itself calls OpenBLAS on one thread, except for the eigensolvers in the
``"all"`` adaptation mode, but NumPy and other libraries in the process may not). So before
either library loads, unless the user has set them, we set

* ``GOMP_SPINCOUNT`` — a short, bounded spin in our OpenMP regions (see RUNTIME_DEFAULTS for
  the value and why), and
* ``OPENBLAS_THREAD_TIMEOUT`` — OpenBLAS workers sleep after 2**n cycles, n at the library's
  minimum instead of 28.

Both are read once, when libgomp / OpenBLAS is loaded (``import isometry``); they are removed
from ``os.environ`` again right after, so libraries loaded later (PyTorch's own libgomp,
another OpenBLAS) and child processes see the user's environment unchanged. If libgomp was
already loaded by another package, its wait policy is whatever that package's load found;
:func:`thread_info` reports it.

Counts. ``set_num_threads(n)`` sets (1) a process-wide cap on our OpenMP teams, kept in the C++
core, so it also holds for calls made from other Python threads (Dask or thread-pool workers;
OpenMP's own ``omp_set_num_threads`` only reaches the calling thread), (2) the calling thread's
OpenMP setting, so threadpoolctl reads the same count, and (3) OpenBLAS's pool size (one setting
for the whole process). A team has min(cap, the calling thread's OpenMP setting) threads, so
``threadpoolctl.threadpool_limits`` (which sets the latter and OpenBLAS's count) limits isometry
too.

Reproducibility. Every loop of ours splits its work into pieces fixed by the problem size and
sums in a fixed order, so results are bitwise identical for any OpenMP count. The BLAS-3 work
(Householder products, Haar Q, Gram matrices, matrix products) runs the same way: in column tiles
fixed by the size, one single-threaded OpenBLAS call per tile, on our OpenMP team
(cpp/include/isometry/linalg/parallel.hpp), because OpenBLAS's own results depend on its thread
count for some routines. The eigensolvers run on one thread. So every result is bitwise
identical for any count and any load.

Adaptation. On a machine where other processes keep some cores busy, a team larger than the free
cores is slower than a smaller one, often slower than one thread: the thread that shares a core
holds up every synchronisation of the team. So each of our synchronising OpenMP loops takes at
most the cores other processes leave free (measured from /proc/stat over the last 50 ms or more;
see cpp/include/isometry/core/free_cores.hpp). That changes no bits, so it is on by default
(``"openmp"``). The tiled matrix work keeps the set count: its tiles are independent, so a team
larger than the free cores loses nothing and gets a larger share of the CPU.
``set_thread_adaptation("all")`` also gives the eigensolvers OpenBLAS's pool,
adapted per call (faster for large matrices on many cores); since OpenBLAS's results depend on
its count, eigenvalues are then equal to rounding, not bitwise, between runs at different loads
— hence opt-in. ``"off"`` uses the set counts always.
The environment variable ``ISOMETRY_THREAD_ADAPTATION`` (off / openmp / all) sets the mode at
import.
"""

from __future__ import annotations

import numbers
import os
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

__all__ = [
    "MAX_THREADS",
    "RUNTIME_DEFAULTS",
    "apply_runtime_defaults",
    "get_num_threads",
    "restore_environment",
    "THREAD_ADAPTATIONS",
    "get_thread_adaptation",
    "set_num_threads",
    "set_thread_adaptation",
    "thread_info",
    "threads",
]

#: Largest accepted thread count (far above any core count we can use; stops a typo such as
#: ``set_num_threads(10**6)`` from trying to start a million threads).
MAX_THREADS = 1024

#: Set at load time when the user has not set them (nor, for GOMP_SPINCOUNT, OMP_WAIT_POLICY).
#: GOMP_SPINCOUNT: libgomp spins this many pause iterations (tens of microseconds) before it
#: sleeps on a futex: long enough to bridge the gap between two back-to-back regions of a
#: Lanczos step on an idle machine, short enough that a thread waiting for a descheduled partner
#: gives its core away almost at once. 0 (OMP_WAIT_POLICY=passive) costs a futex wake-up per
#: region; libgomp's default, 300000, is the milliseconds of spinning described above.
#: OPENBLAS_THREAD_TIMEOUT: 4 is OpenBLAS's minimum (2**4 cycles): workers sleep as soon as a call
#: ends; waking them costs microseconds per BLAS call, which every one of our BLAS calls dwarfs.
RUNTIME_DEFAULTS: dict[str, str] = {"GOMP_SPINCOUNT": "10000", "OPENBLAS_THREAD_TIMEOUT": "4"}

#: Modes of :func:`set_thread_adaptation`.
THREAD_ADAPTATIONS = ("off", "openmp", "all")

# What apply_runtime_defaults found and did, for thread_info().
_load_report: dict[str, Any] = {}


def _loaded_libraries() -> str | None:
    """The shared objects mapped into this process (Linux), or None where we cannot tell."""
    try:
        with open("/proc/self/maps") as fh:
            return fh.read()
    except OSError:
        return None


def apply_runtime_defaults(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Put RUNTIME_DEFAULTS into the environment where the user left them unset.

    Call before libgomp and OpenBLAS load (the core loader does, before importing ``_core``);
    returns the variables it added, for :func:`restore_environment` after the load.
    """
    env = os.environ if environ is None else environ
    added: dict[str, str] = {}
    for name, value in RUNTIME_DEFAULTS.items():
        user_set = name in env or (name == "GOMP_SPINCOUNT" and "OMP_WAIT_POLICY" in env)
        if not user_set:
            env[name] = value
            added[name] = value
    maps = _loaded_libraries()
    _load_report.update(
        added=dict(added),
        user={
            k: env[k] for k in ("OMP_WAIT_POLICY", *RUNTIME_DEFAULTS) if k in env and k not in added
        },
        # None: not Linux, cannot tell. True: our GOMP setting came too late for this process.
        libgomp_already_loaded=None if maps is None else "libgomp" in maps,
        openblas_already_loaded=None if maps is None else "libscipy_openblas.so" in maps,
    )
    return added


def restore_environment(
    added: dict[str, str], environ: MutableMapping[str, str] | None = None
) -> None:
    """Remove what apply_runtime_defaults added (the libraries have read it by now)."""
    env = os.environ if environ is None else environ
    for name, value in added.items():
        if env.get(name) == value:
            del env[name]


def _core():
    from isometry._internal.core import _core

    return _core


def _check_count(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(
            f"n must be an integer in [1, {MAX_THREADS}], got {n!r} of type {type(n).__name__}"
        )
    count = int(n)
    if not 1 <= count <= MAX_THREADS:
        raise ValueError(f"n must be an integer in [1, {MAX_THREADS}], got {count}")
    return count


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for isometry's work: its OpenMP loops and its OpenBLAS.

    Process-wide, for calls from any Python thread (like OpenBLAS's own setting, unlike OpenMP's
    ``omp_set_num_threads``). The default is every core the process may use (or
    ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` when set). ``n`` is a maximum: by default
    isometry's own loops take only the cores other processes leave free
    (:func:`set_thread_adaptation`), because a thread that has to share its core holds up the
    others at every synchronisation, and a call on too many threads can be several times slower
    than on one. Every result is bitwise identical for any ``n``: random draws, isometry's own
    loops and the BLAS-based results (Haar matrices, dense spectra), whose matrix work runs in
    tiles fixed by the problem size on isometry's own threads (OpenBLAS's pool is used only by
    the eigensolvers in the opt-in ``"all"`` adaptation mode). OpenBLAS caps ``n`` at the maximum it was compiled for;
    :func:`get_num_threads` reports what took effect. ``threadpoolctl.threadpool_limits`` limits
    isometry too (a team gets the smaller of this count and the calling thread's OpenMP setting).

    Parameters
    ----------
    n : int
        Threads, 1 to 1024.

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n`` is outside 1 to 1024.

    See Also
    --------
    threads, get_num_threads, build_info

    Examples
    --------
    >>> before = isometry.get_num_threads()
    >>> isometry.set_num_threads(1)
    >>> isometry.get_num_threads()
    1
    >>> isometry.set_num_threads(before)
    """
    n = _check_count(n)
    core = _core()
    core.openmp_set_limit(n)
    core.openmp_set_num_threads(n)  # the calling thread's setting: what threadpoolctl sees
    core.blas_set_num_threads(n)


def get_num_threads() -> int:
    """Threads isometry's next call from this Python thread may use.

    Returns
    -------
    int
        The larger of its OpenMP team and its OpenBLAS pool (equal unless one of them was
        limited on its own, e.g. through ``threadpoolctl.threadpool_limits(user_api="blas")``).

    Examples
    --------
    >>> with isometry.threads(2):
    ...     isometry.get_num_threads()
    2
    """
    core = _core()
    return int(max(core.openmp_team_size(), core.blas_get_num_threads()))


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Run a block with ``n`` threads (see :func:`set_num_threads`), then restore the counts.

    The setting is process-wide while the block runs, as with threadpoolctl's limits; the
    counts before the block come back on the way out, also after an exception.

    Parameters
    ----------
    n : int
        Threads, 1 to 1024.

    Yields
    ------
    None
        The block runs with the new counts.

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n`` is outside 1 to 1024.

    Examples
    --------
    >>> with isometry.threads(1):  # e.g. one thread per worker process
    ...     q = isometry.haar_orthogonal(64, seed=0)
    """
    n = _check_count(n)
    core = _core()
    saved = (core.openmp_limit(), core.openmp_get_max_threads(), core.blas_get_num_threads())
    set_num_threads(n)
    try:
        yield
    finally:
        limit, own, blas = saved
        core.openmp_set_limit(limit)
        core.openmp_set_num_threads(own)
        core.blas_set_num_threads(blas)


def set_thread_adaptation(mode: str) -> None:
    """Choose which thread teams shrink to the cores other processes leave free.

    On a busy machine a team of threads larger than the free cores is slower than a team of the
    free size, often slower than one thread (a thread that shares its core holds up every
    synchronisation). With adaptation, each synchronising parallel loop takes at most the cores
    not used by other processes over the last 50 ms or more, and never more than
    :func:`set_num_threads` allows. (The tiled matrix work keeps the set count in every mode:
    its tiles are independent, so a larger team only gains CPU share.)

    Parameters
    ----------
    mode : {"openmp", "all", "off"}
        ``"openmp"`` (the default): isometry's synchronising OpenMP loops adapt (matrix-free
        products, per-layer loops, mean field, densities); their results are the same bits for
        any team size, so nothing changes but the speed. The matrix products, Householder
        products and Gram matrices of the Jacobian and Haar samplers run in column tiles with
        single-threaded BLAS on the set count of threads, also the same bits for any count.
        The eigensolvers (``method="eigh"``/``"svd"``) run on one thread. ``"all"``: as
        ``"openmp"``, and the eigensolvers use OpenBLAS's pool, adapted call by call: faster
        for large matrices on many cores, but their eigenvalues then agree to rounding, not
        bitwise, between runs at different loads or thread counts. ``"off"``: the teams always
        have the counts that were set (eigensolvers on one thread).

    Examples
    --------
    >>> isometry.set_thread_adaptation("off")
    >>> isometry.get_thread_adaptation()
    'off'
    >>> isometry.set_thread_adaptation("openmp")
    """
    if not isinstance(mode, str) or mode not in THREAD_ADAPTATIONS:
        raise ValueError(
            f"mode must be one of {', '.join(map(repr, THREAD_ADAPTATIONS))}; got {mode!r}"
        )
    _core().set_thread_adaptation(mode)


def get_thread_adaptation() -> str:
    """The thread adaptation mode in force (see :func:`set_thread_adaptation`).

    Returns
    -------
    str
        ``"openmp"``, ``"all"`` or ``"off"``.

    Examples
    --------
    >>> isometry.get_thread_adaptation() in ("openmp", "all", "off")
    True
    """
    return str(_core().thread_adaptation())


def apply_adaptation_from_environment(environ: MutableMapping[str, str] | None = None) -> None:
    """Set the adaptation mode from ``ISOMETRY_THREAD_ADAPTATION`` (at import), if set."""
    env = os.environ if environ is None else environ
    mode = env.get("ISOMETRY_THREAD_ADAPTATION")
    if mode is None:
        return
    try:
        set_thread_adaptation(mode.strip().lower())
    except ValueError:
        import warnings

        warnings.warn(
            f"ISOMETRY_THREAD_ADAPTATION must be one of {', '.join(THREAD_ADAPTATIONS)}; got "
            f"{mode!r}: keeping the default 'openmp'",
            RuntimeWarning,
            stacklevel=2,
        )


def thread_info() -> dict[str, Any]:
    """Effective thread counts and the wait settings the runtimes were loaded with."""
    core = _core()
    limit = core.openmp_limit()
    return {
        "num_threads": get_num_threads(),
        "adaptation": get_thread_adaptation(),
        "free_cores": int(core.free_cores()),
        "openmp_now": int(core.openmp_team_size_now()),
        "openmp": core.openmp_team_size(),
        "openmp_limit": limit if limit > 0 else None,
        "openblas": core.blas_get_num_threads(),
        "cpus_usable": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "wait_defaults_set": dict(_load_report.get("added", {})),
        "wait_settings_from_user": dict(_load_report.get("user", {})),
        "libgomp_loaded_before_isometry": _load_report.get("libgomp_already_loaded"),
        "openblas_loaded_before_isometry": _load_report.get("openblas_already_loaded"),
        "platform": sys.platform,
    }
