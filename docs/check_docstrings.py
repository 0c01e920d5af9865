"""Validate the docstrings of the public API with numpydoc, and run their Examples as doctests.

    python docs/check_docstrings.py            # both checks; exit 1 on any failure
    python docs/check_docstrings.py --report   # also list what the full check would flag elsewhere

The public API is every function and class in ``__all__`` of the modules in ``PUBLIC_MODULES``
(modules that do not import, such as optional ones not yet present, are skipped and named).

Two levels of numpydoc checks (codes: https://numpydoc.readthedocs.io/en/latest/validation.html):

* ``BASE_CHECKS`` for every public name: it has a docstring (GL08) with a one-line summary
  (SS01), section titles are known and in order (GL06, GL07), documented parameters exist and are
  typed (PR02, PR04, PR10: no typo like ``x:int``), sections are well formed (PR06, RT02, YD01).
* ``FULL_CHECKS`` for the names in ``FULL``, whose docstrings have been written in numpydoc form:
  additionally every parameter documented (PR01), a Returns section (RT01) and an Examples
  section (EX01). A name moves into ``FULL`` when its docstring is converted; the list only grows.

Not checked: SA01 (See Also) and ES01 (extended summary), which many short helpers rightly lack;
SS02-SS06 and PR08/PR09/RT04/RT05 (capitalisation and final full stops), which are style, not
content, and would reject summaries that start with a symbol such as ``q*`` or ``χ₁``.

The doctests run every ``>>>`` example in the docstrings of the public names (the Examples
sections), with NORMALIZE_WHITESPACE and ELLIPSIS, in a namespace holding ``np`` and
``isometry``.
"""

from __future__ import annotations

import argparse
import doctest
import functools
import importlib
import inspect
import sys
from collections.abc import Iterator

import numpy as np
from numpydoc.validate import get_doc_object, validate

PUBLIC_MODULES = [
    "isometry",
    "isometry.theory",
    "isometry.theory.deep_linear",
    "isometry.init",
    "isometry.training",
    "isometry.datasets",
    "isometry.sweep",
    "isometry.experiments",
]

BASE_CHECKS = {"GL08", "SS01", "GL06", "GL07", "PR02", "PR04", "PR10", "PR06", "RT02", "YD01"}
FULL_CHECKS = BASE_CHECKS | {"PR01", "RT01", "EX01"}

#: Public names whose docstrings are in full numpydoc form (Parameters, Returns, Examples, ...):
#: every public name; a new one joins when it is written in that form.
FULL = {
    "isometry.build_info",
    "isometry.ConvergenceError",
    "isometry.WorkLimitError",
    "isometry.default_q0",
    "isometry.gaussian",
    "isometry.get_num_threads",
    "isometry.get_thread_adaptation",
    "isometry.haar_orthogonal",
    "isometry.jacobian_spectral_density",
    "isometry.jacobian_spectrum",
    "isometry.JacobianSpectrum",
    "isometry.length_trajectory_mc",
    "isometry.resnet_jacobian_spectrum",
    "isometry.ResnetSpectrum",
    "isometry.set_num_threads",
    "isometry.set_thread_adaptation",
    "isometry.SpectralDensity",
    "isometry.threads",
    "isometry.theory.Activation",
    "isometry.theory.c_star",
    "isometry.theory.chi1",
    "isometry.theory.correlation_map",
    "isometry.theory.critical_point",
    "isometry.theory.critical_sigma_b",
    "isometry.theory.depth_scales",
    "isometry.theory.DepthScales",
    "isometry.theory.derivative_moments",
    "isometry.theory.edge_of_chaos",
    "isometry.theory.jacobian_density",
    "isometry.theory.jacobian_moments",
    "isometry.theory.JacobianDensity",
    "isometry.theory.JacobianMoments",
    "isometry.theory.lambda_max",
    "isometry.theory.length_map",
    "isometry.theory.length_trajectory",
    "isometry.theory.phase_diagram",
    "isometry.theory.PhaseDiagram",
    "isometry.theory.q_star",
    "isometry.theory.relu_death_probability",
    "isometry.theory.relu_log_norm_moments",
    "isometry.theory.relu_mean_field_norm",
    "isometry.theory.relu_norm_moments",
    "isometry.theory.relu_norm_ratio_moments",
    "isometry.theory.relu_output_law",
    "isometry.theory.ReluOutputLaw",
    "isometry.theory.resnet_density",
    "isometry.theory.resnet_edges",
    "isometry.theory.resnet_moments",
    "isometry.theory.resnet_parameter",
    "isometry.theory.resnet_parameter_table",
    "isometry.theory.resnet_sigma_w",
    "isometry.theory.ResnetParameter",
    "isometry.theory.sample_relu_chain",
    "isometry.theory.spectrum_mean_and_normalized_variance",
    "isometry.theory.universal_density",
    "isometry.theory.deep_linear.learning_time",
    "isometry.theory.deep_linear.learning_time_infinite_depth",
    "isometry.theory.deep_linear.learning_time_large_depth",
    "isometry.theory.deep_linear.mode_strength",
    "isometry.theory.deep_linear.mode_strength_deep",
    "isometry.theory.deep_linear.mode_strength_infinite_depth",
    "isometry.init.network_weights",
    "isometry.init.parameter_sharing",
    "isometry.training.Batcher",
    "isometry.training.Dataset",
    "isometry.training.Experiment",
    "isometry.training.load_dataset",
    "isometry.training.MLP",
    "isometry.training.named_experiment",
    "isometry.training.run_experiment",
    "isometry.training.RunConfig",
    "isometry.training.RunOutcome",
    "isometry.training.train_run",
    "isometry.training.Trainer",
    "isometry.datasets.ChecksumError",
    "isometry.datasets.cifar10",
    "isometry.datasets.data_directory",
    "isometry.datasets.digits",
    "isometry.datasets.mnist",
    "isometry.sweep.arrays",
    "isometry.sweep.load",
    "isometry.sweep.load_spec",
    "isometry.sweep.run",
    "isometry.sweep.Spec",
    "isometry.sweep.SpecError",
    "isometry.sweep.SweepReport",
    "isometry.experiments.list_reproductions",
    "isometry.experiments.registry",
    "isometry.experiments.Report",
    "isometry.experiments.reproduce",
    "isometry.experiments.Reproduction",
}


@functools.cache
def public_names() -> tuple[tuple[str, object], ...]:
    """(qualified name, object) of every public function and class, each object once."""
    return tuple(_public_names())


def _public_names() -> Iterator[tuple[str, object]]:
    seen: set[int] = set()
    for module_name in PUBLIC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            print(f"check_docstrings: skipping {module_name} ({exc})")
            continue
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{module_name}.{name}", obj


def validate_names(report: bool) -> int:
    failures = 0
    pending = 0
    names = list(public_names())
    for qualname, obj in names:
        checks = FULL_CHECKS if qualname in FULL else BASE_CHECKS
        # The object itself, not its name: numpydoc imports a name as a module first, and
        # isometry.build_info is also the old import path of the module isometry.build.
        errors = validate(get_doc_object(obj))["errors"]
        bad = [(code, message) for code, message in errors if code in checks]
        for code, message in bad:
            print(f"  {qualname}: {code} {message}")
        failures += bool(bad)
        if qualname not in FULL:
            missing = [code for code, _ in errors if code in FULL_CHECKS - BASE_CHECKS]
            pending += bool(missing)
            if report and missing:
                print(f"  (full check would flag {qualname}: {', '.join(sorted(set(missing)))})")
    unknown = FULL - {q for q, _ in names}
    for qualname in sorted(unknown):
        print(f"  FULL lists {qualname}, which is not a public name")
    failures += len(unknown)
    print(
        f"check_docstrings: numpydoc on {len(names)} public names: {len(FULL)} in full form, "
        f"{len(names) - len(FULL)} at the base level ({pending} of them not yet fully "
        f"documented); {failures} failing"
    )
    return failures


def run_doctests() -> int:
    import isometry

    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    examples = 0
    for qualname, obj in public_names():
        for test in finder.find(obj, qualname, globs={"np": np, "isometry": isometry}):
            examples += len(test.examples)
            runner.run(test)
    result = runner.summarize(verbose=False)
    print(
        f"check_docstrings: doctest: {result.attempted - result.failed} passed, "
        f"{result.failed} failed ({examples} examples)"
    )
    return result.failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--report",
        action="store_true",
        help="also list what the full check would flag outside FULL",
    )
    parser.add_argument("--no-doctest", action="store_true")
    args = parser.parse_args(argv)
    failed = validate_names(args.report)
    if not args.no_doctest:
        failed += run_doctests()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
