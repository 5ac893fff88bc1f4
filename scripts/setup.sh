#!/usr/bin/env bash
# Create the virtual environment and install everything the book needs. Idempotent:
# a second run only reinstalls what changed (requirements.txt, pyproject.toml, package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11 or newer is required"'

stamp() { cat "$@" | sha256sum | cut -c1-16; }

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi

python_stamp=$(stamp requirements.txt pyproject.toml)
if [ "$(cat .venv/.installed 2>/dev/null)" != "$python_stamp" ]; then
  echo "==> installing Python requirements (torch==2.13.0 is the CPU wheel)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ -n "${TORCH_INDEX_URL:-}" ]; then
    # CI on GitHub: the CPU wheel of the pinned torch from its own index (the default
    # index serves a CUDA build there). Here, pip finds the local CPU wheel by itself.
    torch_pin=$(grep -E '^torch==' requirements.txt)
    .venv/bin/python -m pip install --quiet "$torch_pin" --index-url "$TORCH_INDEX_URL"
  fi
  .venv/bin/python -m pip install --quiet -r requirements.txt
  .venv/bin/python -m pip install --quiet --no-deps -e .
  echo "$python_stamp" > .venv/.installed
fi

node_stamp=$(stamp package.json package-lock.json)
if [ "$(cat node_modules/.installed 2>/dev/null)" != "$node_stamp" ]; then
  command -v npm >/dev/null 2>&1 || { echo "npm is required to install KaTeX (served by the site itself)"; exit 1; }
  echo "==> installing front-end assets (KaTeX) with npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$node_stamp" > node_modules/.installed
fi
