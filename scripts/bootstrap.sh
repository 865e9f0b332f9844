#!/usr/bin/env bash
# Create .venv and install the project into it; a no-op when pyproject.toml has not changed.
# torch is installed first and pinned: torch==2.13.0 is the CPU wheel here, while an unpinned
# torch (pulled in by sentence-transformers) would fetch a multi-GB CUDA build.
# Elsewhere, set TORCH_INDEX_URL (e.g. PyTorch's CPU wheel index) to be sure of a CPU build.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $($python --version 2>&1) …" >&2
  "$python" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing dependencies into .venv (first run only) …" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ -n "${TORCH_INDEX_URL:-}" ]; then
    .venv/bin/python -m pip install --quiet torch==2.13.0 --index-url "$TORCH_INDEX_URL"
  else
    .venv/bin/python -m pip install --quiet torch==2.13.0
  fi
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
