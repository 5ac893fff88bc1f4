#!/usr/bin/env bash
# The whole test suite: unit, oracle and property tests, the figure pipeline, a strict
# site build, copy-paste safety of every page, and browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! bash scripts/install-browser.sh; then
  echo "could not install chromium; browser tests will fail in CI (CI=true) and skip elsewhere" >&2
fi
export NO_MKDOCS_2_WARNING=1 MPLBACKEND=Agg
# small matrices: one BLAS thread per process is faster than two threads fighting over two cores
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
# -n auto: one pytest-xdist worker per core; worksteal evens out tests of unequal length.
# Later options win: `bash scripts/test.sh -n 0` runs in one process.
exec .venv/bin/python -m pytest -n auto --dist worksteal "$@"
