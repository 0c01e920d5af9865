"""Old import paths of modules that moved in the 0.2 layout, kept working for one release.

``import isometry.spectrum`` (0.1) still works and gives the module now at
``isometry.montecarlo.mlp``, with a DeprecationWarning; CHANGELOG.md says when they go.
A meta-path finder does this instead of shim files so that each module has exactly one file.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

#: old dotted name -> new dotted name
MOVED: dict[str, str] = {
    "isometry.spectrum": "isometry.montecarlo.mlp",
    "isometry.resnet_spectrum": "isometry.montecarlo.resnet",
    "isometry.matfree": "isometry.montecarlo.matfree",
    "isometry.relu_network": "isometry.montecarlo.relu_signal",
    "isometry.samplers": "isometry.sampling.matrices",
    "isometry.init": "isometry.sampling.network",
    "isometry.build_info": "isometry.build",
    "isometry.plotting_resnet": "isometry.plotting.resnet",
    "isometry.plotting_support": "isometry.montecarlo.theory_comparison",
    "isometry.training.plots": "isometry.plotting.training",
    "isometry.cli_train": "isometry.cli.train",
    "isometry.cli_resnet": "isometry.cli.resnet",
    "isometry.cli_relu_finite_width": "isometry.cli.relu_finite_width",
    "isometry.cli_deep_linear": "isometry.cli.deep_linear",
    "isometry.montecarlo_forward": "isometry.montecarlo.forward",
}
#: ``isometry.init`` is a documented public name, not only an old path: no warning for it.
SILENT = {"isometry.init"}


class _CallableAlias(ModuleType):
    """An old module path whose last name is also a public function of the package
    (``isometry.build_info``): the import system binds the imported module to that name on the
    package, so the alias must keep working as the function too. Attributes come from the new
    module, calls go to the function."""

    def __init__(self, name: str, target: ModuleType, function: object) -> None:
        super().__init__(name, target.__doc__)
        self.__dict__["_target"] = target
        self.__dict__["_function"] = function

    def __getattr__(self, attribute: str) -> object:
        return getattr(self.__dict__["_target"], attribute)

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self.__dict__["_function"](*args, **kwargs)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        if self.old not in SILENT:
            warnings.warn(
                f"{self.old} moved to {self.new}; the old path goes in isometry 0.3",
                DeprecationWarning,
                stacklevel=4,
            )
        target = importlib.import_module(self.new)
        parent_name, _, child = self.old.rpartition(".")
        parent = sys.modules.get(parent_name)
        public = None if parent is None else parent.__dict__.get(child)
        if callable(public) and not isinstance(public, ModuleType):
            return _CallableAlias(self.old, target, public)
        return target

    def exec_module(self, module: ModuleType) -> None:
        sys.modules[self.old] = module  # the import system re-sets it to the same module


class MovedModuleFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        new = MOVED.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(fullname, new))


def install() -> None:
    if not any(isinstance(f, MovedModuleFinder) for f in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
