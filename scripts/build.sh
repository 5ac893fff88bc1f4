#!/usr/bin/env bash
# Set up and build the strict static site into site/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NO_MKDOCS_2_WARNING=1
exec .venv/bin/mkdocs build --strict --site-dir site
