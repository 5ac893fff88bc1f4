#!/usr/bin/env bash
# Set up, draw the figures, and serve the book with live reload on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NO_MKDOCS_2_WARNING=1
.venv/bin/python -m dlfoundations.figures
exec .venv/bin/mkdocs serve --livereload --dev-addr "${DEV_ADDR:-127.0.0.1:8000}"
