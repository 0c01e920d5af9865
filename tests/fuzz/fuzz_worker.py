"""The fuzz suite's worker process: runs calls sent on stdin, reports each call's outcome.

Started by ``fuzz_harness.Worker`` with an address-space cap (``RLIMIT_AS``), one thread per
library, no network. Each request is a length-prefixed pickle ``{"kind": "api", "target":
"isometry.theory.q_star", "args": [...], "kwargs": {...}}`` or ``{"kind": "cli", "argv": [...]}``;
each reply a pickled dict with the outcome class and the details (see ``classify``). Running
many calls per process keeps the suite fast; the parent kills and restarts this process when a
call hangs (no reply within its time cap) or crashes it (signal or exit).

Outcome classes:

* ``ok`` — a result whose invariants hold (finite, eigenvalues ≥ −rounding, densities ≥ 0,
  probabilities in [0, 1], masses summing to 1, ...);
* ``clean_error`` — a documented exception type (ValueError, TypeError, MemoryError,
  OverflowError, FloatingPointError, isometry.ConvergenceError, and OSError/ImportError where a
  file or an optional package is involved) whose message names an argument;
* ``unnamed_error`` — a documented type whose message names no argument;
* ``internal_error`` — an internal type (IndexError, KeyError, ZeroDivisionError,
  AttributeError, bare RuntimeError, ...) or pybind11's "incompatible function arguments" /
  "int too large to convert", or NumPy's own allocation failure instead of the package's estimate;
* ``violation`` — a result that breaks an invariant (a silent inf/NaN/negative density, ...);
* ``traceback`` — (CLI) an exception escaping ``isometry.cli.main``, or a "Traceback" printed;
* ``hang`` / ``crash`` — assigned by the parent.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import inspect
import io
import math
import os
import pickle
import resource
import shutil
import struct
import sys
import tempfile
import time
import traceback
from typing import Any

DOCUMENTED = (
    "ValueError",
    "TypeError",
    "MemoryError",
    "OverflowError",
    "FloatingPointError",
    "ConvergenceError",
)
# Allowed where files or optional packages are the subject (dataset loaders, plots, outputs).
DOCUMENTED_IO = (
    "FileNotFoundError",
    "OSError",
    "PermissionError",
    "IsADirectoryError",
    "NotADirectoryError",
    "ImportError",
    "ChecksumError",
    "UnpicklingError",
    "FileExistsError",
)
INTERNAL_MESSAGES = (
    "incompatible function arguments",
    "int too large to convert",
    "Unable to allocate",
    "std::bad_alloc",
    "bad_alloc",
)


def _read_exact(stream: Any, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_message(stream: Any) -> Any:
    header = _read_exact(stream, 4)
    if header is None:
        return None
    (size,) = struct.unpack(">I", header)
    body = _read_exact(stream, size)
    return None if body is None else pickle.loads(body)


def write_message(stream: Any, obj: Any) -> None:
    body = pickle.dumps(obj)
    stream.write(struct.pack(">I", len(body)) + body)
    stream.flush()


# ---------------------------------------------------------------------------------------------
# Special argument values that cannot travel as plain pickles (callables) or need a fresh place.


def resolve(value: Any, scratch: str) -> Any:
    """Tuples ("__special__", name) become the object they name; containers are walked."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "__special__":
        return _special(value[1], scratch)
    if isinstance(value, list):
        return [resolve(v, scratch) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, scratch) for k, v in value.items()}
    return value


def _special(name: str, scratch: str) -> Any:
    import numpy as np

    if name == "swish":
        from isometry.theory import Activation

        def sigmoid(h: Any) -> Any:
            return 0.5 * (1 + np.tanh(h / 2))

        return Activation(
            lambda h: h * sigmoid(h), lambda h: sigmoid(h) * (1 + h * (1 - sigmoid(h)))
        )
    if name == "softsign":
        from isometry.theory import Activation

        return Activation(lambda h: h / (1 + np.abs(h)), lambda h: 1 / (1 + np.abs(h)) ** 2)
    if name == "nan_activation":
        from isometry.theory import Activation

        return Activation(lambda h: np.full_like(h, np.nan), lambda h: np.full_like(h, np.nan))
    if name.startswith("data:"):
        from fuzz_data import make_data_dir

        return make_data_dir(name[5:], scratch)
    if name == "train-config":
        from fuzz_data import train_config

        return train_config(scratch)
    if name.startswith("sweep-spec:"):
        from fuzz_data import sweep_spec

        return sweep_spec(name[len("sweep-spec:") :], scratch)
    if name.startswith("seedseq:"):  # the seed kinds besides int and None
        return np.random.SeedSequence(int(name[len("seedseq:") :]))
    if name.startswith("generator:"):
        return np.random.default_rng(int(name[len("generator:") :]))
    if name.startswith("path:"):
        return os.path.join(scratch, name[5:])
    raise ValueError(f"unknown special value {name!r}")


# ---------------------------------------------------------------------------------------------
# Invariants of results.


def _finite(value: Any) -> bool:
    import numpy as np

    if isinstance(value, (float, np.floating)):
        return math.isfinite(float(value))
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        return bool(np.all(np.isfinite(value)))
    return True


def _walk(result: Any, path: str = "result", depth: int = 0):
    """(path, value) of every float or array inside a result (dataclasses, tuples, dicts)."""
    import numpy as np

    if depth > 4:
        return
    if isinstance(result, (float, np.floating, np.ndarray)):
        yield path, result
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        for f in dataclasses.fields(result):
            if f.name.startswith("_") or f.name in (
                "diagnostics",
                "info",
            ):  # metadata, echoes of input
                continue
            yield from _walk(getattr(result, f.name), f"{path}.{f.name}", depth + 1)
    elif isinstance(result, tuple) and hasattr(result, "_fields"):  # NamedTuple: by field name
        for name, v in zip(result._fields, result):
            yield from _walk(v, f"{path}.{name}", depth + 1)
    elif isinstance(result, (tuple, list)) and len(result) < 64:
        for i, v in enumerate(result):
            yield from _walk(v, f"{path}[{i}]", depth + 1)
    elif isinstance(result, dict) and len(result) < 64:
        for k, v in result.items():
            yield from _walk(v, f"{path}[{k!r}]", depth + 1)


# Fields that are infinite by definition in some valid results (tail_log_x: log of the law's
# lower edge, -inf where that edge is 0).
INFINITE_ALLOWED = (
    "condition_number",
    "xi_c",
    "xi_q",
    "xi",
    "learning_time",
    "depth_scale",
    "tail_log_x",
)


def violations(target: str, result: Any, kwargs: dict[str, Any]) -> list[str]:
    """What is wrong with a returned result (empty when its invariants hold)."""
    import numpy as np

    found = []
    name = type(result).__name__
    for path, value in _walk(result):
        if name == "PhaseDiagram":
            continue  # NaN is its documented marker of "no fixed point", inf of criticality
        if name == "JacobianDensity" and path == "result.q_star":
            continue  # NaN for the universal and ResNet laws, which have no q*
        if (
            name == "SpectralDensity"
            and path in ("result.density_error", "result.moment_errors")
            and getattr(result, "probes", 2) < 2
            and bool(np.all(np.isnan(value)))
        ):
            continue  # NaN is the documented standard error of one probe (no spread to measure)
        if any(a in path for a in INFINITE_ALLOWED):
            if (
                isinstance(value, np.ndarray)
                and value.dtype.kind == "f"
                and np.any(np.isnan(value))
            ):
                found.append(f"{path} has NaN")
            continue
        if not _finite(value):
            found.append(f"{path} is not finite")
    if name in ("JacobianSpectrum", "ResnetSpectrum"):
        ev, sv = result.eigenvalues, result.singular_values
        if ev.size and np.all(np.isfinite(ev)):
            scale = max(float(np.max(np.abs(ev))), np.finfo(float).tiny)
            eps = float(np.finfo(result.dtype).eps)
            if float(ev.min()) < -64 * eps * scale * max(result.width, 1):
                found.append(f"eigenvalue {ev.min()} below −rounding (λ_max {scale})")
            if float(np.max(ev)) == 0.0 and result.activation in ("tanh", "erf", "linear"):
                found.append(
                    "all eigenvalues exactly 0 for an activation with φ' > 0 (silent underflow)"
                )
        if sv.size and np.any(sv < 0):
            found.append("negative singular value")
    elif name == "SpectralDensity":
        if np.any(result.density < -1e-12 * max(1.0, float(np.max(np.abs(result.density))))):
            found.append("negative density")
        if np.any(result.quadrature_weights < -1e-12):
            found.append("negative quadrature weight")
        t = np.geomspace(
            max(result.resolved_from, 1e-300), max(float(np.max(result.nodes)), 1e-300) * 2, 50
        )
        cdf = result.cdf(t)
        if np.any(cdf < -1e-9) or np.any(cdf > 1 + 1e-9) or np.any(np.diff(cdf) < -1e-9):
            found.append("cdf outside [0, 1] or decreasing")
        if not 0 <= result.mass_at_zero <= 1 + 1e-9:
            found.append(f"mass_at_zero {result.mass_at_zero} outside [0, 1]")
    elif name == "JacobianDensity":
        found += _law_violations(result)
    elif name == "ndarray" and target.endswith(("gaussian", "haar_orthogonal")):
        pass  # finiteness above; orthogonality below
    if target.endswith("haar_orthogonal") and isinstance(result, np.ndarray) and result.size:
        q = result.astype(np.float64)
        gram = q.T @ q if q.shape[0] >= q.shape[1] else q @ q.T
        tol = 1e-10 if result.dtype == np.float64 else 1e-4
        if np.max(np.abs(gram - np.eye(gram.shape[0]))) > tol * max(q.shape):
            found.append("not orthogonal")
    death = target.endswith("relu_death_probability") and isinstance(result, np.ndarray)
    if death and (np.any(result < 0) or np.any(result > 1)):
        found.append("probability outside [0, 1]")
    if (
        target.endswith(("q_star", "chi1", "length_map"))
        and isinstance(result, float)
        and result < 0
    ):
        found.append(f"{target} returned a negative value {result}")
    if (
        target.endswith("derivative_moments")
        and isinstance(result, np.ndarray)
        and np.any(result < 0)
    ):
        found.append("negative derivative moment")
    if (
        target.endswith("c_star")
        and isinstance(result, float)
        and not -1 - 1e-12 <= result <= 1 + 1e-12
    ):
        found.append(f"c* = {result} outside [-1, 1]")
    return found


def _law_violations(law: Any) -> list[str]:
    import numpy as np

    from isometry.theory._law_checks import MIN_CHECKED_POINTS

    found = []
    if np.any(law.density < 0):
        found.append("negative density")
    masses = [m for _, m in law.atoms]
    if any(not 0 <= m <= 1 + 1e-9 for m in masses):
        found.append("atom mass outside [0, 1]")
    # The grid integral (trapezoid) is accurate to max(1e-6, 4/n²) of the mass from
    # MIN_CHECKED_POINTS points up (isometry.theory._law_checks, which holds every law to it);
    # a coarser grid only samples the density, and its integral may miss the mass by more.
    total = law.continuous_mass() + sum(masses)
    integrable = law.x.size >= MIN_CHECKED_POINTS
    if integrable and not abs(total - 1) <= 0.05:
        found.append(f"total mass {total:.6g}, not 1 (law mass)")
    t = np.concatenate([law.x, [law.x[-1] * 2]]) if law.x.size else np.array([1.0])
    cdf = np.asarray(law.cdf(t))
    if np.any(cdf < -1e-9) or (integrable and np.any(cdf > 1.05)) or np.any(np.diff(cdf) < -1e-9):
        found.append("cdf outside [0, 1] or decreasing (law mass)")
    return found


# ---------------------------------------------------------------------------------------------
# Classification.


#: What an error of a target may name besides its parameters: a sweep spec's errors name the
#: section or key of the spec (``sweep.kind``, ``grid.width``, "missing [sweep] section").
EXTRA_NAMES = {"isometry.sweep.load_spec": ["sweep", "grid", "spec", "toml"]}


def _parameter_names(target: str, fn: Any) -> list[str]:
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return names + EXTRA_NAMES.get(target, [])


#: The symbols messages use for some parameters (q* for q_star, σ_w for sigma_w, ...).
SYMBOLS = {"q_star": ("q*",), "sigma_w": ("σ_w",), "sigma_b": ("σ_b",), "q0": ("q⁰", "q^0")}


def _names_argument(message: str, names: list[str]) -> bool:
    lowered = message.lower()
    forms = set()
    for n in names:
        forms |= set(SYMBOLS.get(n, ()))
        n = n.lower()
        for base in (n, n[:-1] if n.endswith("s") and len(n) > 3 else n):  # depths -> depth
            forms |= {base, base.replace("_", "-"), base.replace("_", " ")}
    return any(f and f in lowered for f in forms)


def classify_exception(exc: BaseException, names: list[str], io_ok: bool) -> dict[str, Any]:
    kind = type(exc).__name__
    message = str(exc)
    bases = {c.__name__ for c in type(exc).__mro__}
    detail = {"type": kind, "message": message[:500]}
    if any(m in message for m in INTERNAL_MESSAGES):
        return {"outcome": "internal_error", **detail}
    documented = kind in DOCUMENTED or (io_ok and (kind in DOCUMENTED_IO or "OSError" in bases))
    if not documented and kind == "ChecksumError":
        documented = True
    if not documented and "ValueError" in bases and kind not in ("UnicodeDecodeError",):
        documented = True  # project subclasses of ValueError (ChecksumError, ...)
    if not documented:
        return {"outcome": "internal_error", **detail}
    if "\n" in message.strip() and "Invoked with" in message:
        return {"outcome": "internal_error", **detail}
    if not _names_argument(message, names) and not (
        io_ok and "/" in message
    ):  # a file named by its path
        return {"outcome": "unnamed_error", **detail}
    return {"outcome": "clean_error", **detail}


def run_api(request: dict[str, Any], scratch: str) -> dict[str, Any]:
    module_name, _, attr = request["target"].rpartition(".")
    fn: Any = importlib.import_module(module_name)
    for part in attr.split("/"):
        fn = getattr(fn, part)
    args = resolve(list(request.get("args", [])), scratch)
    kwargs = resolve(dict(request.get("kwargs", {})), scratch)
    names = _parameter_names(request["target"], fn) + list(kwargs)
    io_ok = bool(request.get("io_ok"))
    method = request.get("method")
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            result = fn(*args, **kwargs)
            if method is not None:  # call a method of the result (e.g. ks_distance)
                m_args = resolve(list(request.get("method_args", [])), scratch)
                m_names = _parameter_names("", getattr(result, method))
                names = names + m_names
                result = getattr(result, method)(*m_args)
    except MemoryError as exc:
        return classify_exception(exc, names, io_ok)
    except Exception as exc:  # noqa: BLE001 - every exception is classified
        out = classify_exception(exc, names, io_ok)
        if out["outcome"] == "internal_error":
            out["traceback"] = traceback.format_exc()[-2000:]
        return out
    found = violations(request["target"], result, kwargs)
    if found:
        return {
            "outcome": "violation",
            "type": type(result).__name__,
            "message": "; ".join(found)[:500],
        }
    return {"outcome": "ok", "type": type(result).__name__, "message": ""}


def run_cli(request: dict[str, Any], scratch: str) -> dict[str, Any]:
    import isometry
    from isometry.cli import main

    argv = [str(resolve(a, scratch)) for a in request["argv"]]
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    threads = isometry.get_num_threads()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except BaseException as exc:  # noqa: BLE001 - an exception escaping main is the defect
        return {
            "outcome": "traceback",
            "type": type(exc).__name__,
            "message": str(exc)[:500],
            "traceback": traceback.format_exc()[-2000:],
        }
    finally:
        isometry.set_num_threads(threads)  # --threads is process-wide: not for the next call
    text = err.getvalue()
    detail = {
        "type": f"exit {code}",
        "message": text.strip().splitlines()[-1][:500] if text.strip() else "",
    }
    if "Traceback" in text:
        return {"outcome": "traceback", **detail}
    if code == 0:
        return {"outcome": "ok", **detail}
    if code not in (1, 2):
        return {"outcome": "internal_error", **detail}
    last = detail["message"]
    if any(m in text for m in INTERNAL_MESSAGES):
        return {"outcome": "internal_error", **detail}
    if "internal error (" in last:  # the CLI's own word for an exception of an internal type
        return {"outcome": "internal_error", **detail}
    if not last or "error" not in last:
        return {"outcome": "unnamed_error", **detail}
    return {"outcome": "clean_error", **detail}


def main() -> None:
    cap = int(os.environ.get("ISOMETRY_FUZZ_MEMORY_BYTES", str(4 << 30)))
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    # The protocol keeps the real stdout; anything else printing to fd 1 goes nowhere.
    channel = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    import urllib.request

    def no_network(*_a: Any, **_k: Any) -> Any:
        raise OSError("network access is disabled in the fuzz worker")

    urllib.request.urlopen = no_network  # type: ignore[assignment]
    import warnings

    warnings.simplefilter("ignore")
    import isometry
    import isometry.theory  # noqa: F401

    root = tempfile.mkdtemp(prefix="isometry-fuzz-")
    os.environ["ISOMETRY_DATA"] = os.path.join(root, "no-data")  # never the user's datasets
    home = os.getcwd()
    write_message(channel, {"ready": True, "pid": os.getpid()})
    count = 0
    while True:
        request = read_message(sys.stdin.buffer)
        if request is None:
            return
        count += 1
        scratch = os.path.join(root, str(count))
        os.makedirs(scratch)
        os.chdir(scratch)
        start = time.perf_counter()
        try:
            if request["kind"] == "cli":
                reply = run_cli(request, scratch)
            else:
                reply = run_api(request, scratch)
        except BaseException as exc:  # noqa: BLE001 - the worker itself must survive
            reply = {
                "outcome": "internal_error",
                "type": type(exc).__name__,
                "message": f"worker: {exc}"[:500],
                "traceback": traceback.format_exc()[-2000:],
            }
        finally:
            os.chdir(home)
            shutil.rmtree(scratch, ignore_errors=True)
        reply["seconds"] = time.perf_counter() - start
        write_message(channel, reply)


if __name__ == "__main__":
    main()
