"""Sphinx configuration of the isometry documentation.

Build (from the repository root, after ``pip install ".[docs]"``)::

    sphinx-build -W -b html docs docs/_build/html

The package is imported from wherever Python finds it (the installed wheel in CI; set
``PYTHONPATH=python`` to document a source tree that holds a built ``_core`` extension).
The site builds offline: MathJax is served from the ``sphinx-mathjax-offline`` wheel, and each
intersphinx target falls back to a small inventory generated from ``docs/_intersphinx/*.txt``
when its online ``objects.inv`` cannot be fetched.
"""

from __future__ import annotations

import os
import sys
import zlib
from pathlib import Path

import isometry

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for the local `_ext` helpers

project = "isometry"
author = "The isometry developers"
copyright = "2025, the isometry developers"
release = isometry.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 copied into _static: math renders without a CDN
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_intersphinx", "Thumbs.db", ".DS_Store", "**/README.md"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["custom.css"]

# -- MyST ------------------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# -- autodoc / autosummary / numpydoc --------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = True
numpydoc_xref_ignore = {
    "optional",
    "default",
    "of",
    "or",
    "shape",
    "callable",
    "None",
    "int",
    "float",
    "str",
    "bool",
    "dict",
    "list",
    "tuple",
    "sequence",
    "array_like",
    "object",
    "complex",
}
numpydoc_xref_aliases = {
    "ndarray": "numpy.ndarray",
    "Generator": "numpy.random.Generator",
    "Activation": "isometry.theory.Activation",
    "JacobianSpectrum": "isometry.JacobianSpectrum",
    "SpectralDensity": "isometry.SpectralDensity",
    "ResnetSpectrum": "isometry.ResnetSpectrum",
    "JacobianDensity": "isometry.theory.JacobianDensity",
    "JacobianMoments": "isometry.theory.JacobianMoments",
    "DepthScales": "isometry.theory.DepthScales",
    "PhaseDiagram": "isometry.theory.PhaseDiagram",
    "ReluOutputLaw": "isometry.theory.ReluOutputLaw",
    "ResnetParameter": "isometry.theory.ResnetParameter",
}
numpydoc_validation_checks: set[str] = set()  # validated by docs/check_docstrings.py instead

# -- intersphinx, online first, offline fallback ---------------------------------------------
# Each project lists its online inventory first; when that cannot be fetched (no network) the
# small inventory generated below is used instead, which lists only the objects these pages
# refer to, with their addresses on the project's site. Sphinx warns only when every location of
# a project fails, so an offline build stays warning-free and its links still point to the
# right pages.
INTERSPHINX_SOURCES = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "scipy": "https://docs.scipy.org/doc/scipy/",
    "dask": "https://docs.dask.org/en/stable/",
    "distributed": "https://distributed.dask.org/en/stable/",
}
_inventory_dir = HERE / "_build" / "intersphinx"


def _write_fallback_inventory(name: str) -> str:
    """objects.inv (format 2) from docs/_intersphinx/<name>.txt; returns its path."""
    lines = [
        line
        for line in (HERE / "_intersphinx" / f"{name}.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    header = (
        f"# Sphinx inventory version 2\n# Project: {name}\n# Version: \n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    _inventory_dir.mkdir(parents=True, exist_ok=True)
    path = _inventory_dir / f"{name}.inv"
    path.write_bytes(header + zlib.compress(("\n".join(lines) + "\n").encode()))
    return str(path)


# ISOMETRY_DOCS_OFFLINE=1 (set by docs/check.sh) skips the online attempt altogether.
_online = not os.environ.get("ISOMETRY_DOCS_OFFLINE")
intersphinx_mapping = {
    name: (url, ((url + "objects.inv",) if _online else ()) + (_write_fallback_inventory(name),))
    for name, url in INTERSPHINX_SOURCES.items()
}
intersphinx_timeout = 5

# -- sphinx-gallery: every example runs at build time ----------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples" / "gallery"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # every plot_*.py is executed; a failure fails the build
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "min_reported_time": 0,
    "show_memory": False,
    "show_signature": False,
}

# -- HTML ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"isometry {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}
html_show_sourcelink = False
html_last_updated_fmt = None

# Only internal links are checked by `-b linkcheck` in docs/check.sh (no network in CI).
linkcheck_ignore = [r"https?://.*", r"mailto:.*"]
linkcheck_anchors = True
