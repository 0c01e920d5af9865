#!/usr/bin/env bash
# Build the documentation with warnings as errors and every gallery example executed, then check
# it: numpydoc on the public API and its Examples as doctests, internal links and assets, and
# pages opened in headless Chromium (screenshots in docs/_build/screenshots).
#
#   pip install ".[docs]" && bash docs/check.sh      # Chromium: apt-get install chromium
#
# Runs offline: intersphinx uses the inventories of docs/_intersphinx (ISOMETRY_DOCS_OFFLINE=1;
# set it to an empty string to try the online ones first), MathJax comes from a wheel.
set -euo pipefail
cd "$(dirname "$0")/.."

export ISOMETRY_DOCS_OFFLINE="${ISOMETRY_DOCS_OFFLINE-1}"
# The gallery runs small problems, for which extra threads only add overhead; on a machine
# doing other work, spinning OpenMP/OpenBLAS threads make them many times slower.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export MPLBACKEND=Agg

# A clean build, so that every example really runs (sphinx-gallery skips unchanged ones).
rm -rf docs/_build/html docs/_build/doctrees docs/auto_examples docs/api/generated
start=$(date +%s)
python -m sphinx -W --keep-going -b html docs docs/_build/html
echo "docs: html built in $(( $(date +%s) - start )) s, $(find docs/_build/html -name '*.html' -not -path '*/_static/*' | wc -l) pages, $(ls examples/gallery/plot_*.py | wc -l) examples executed"

python docs/check_docstrings.py
python docs/check_links.py docs/_build/html
python docs/check_pages.py docs/_build/html --out docs/_build/screenshots
echo "docs: all checks passed"
