#!/usr/bin/env bash
# Set up (first run) and run the whole test suite. Extra arguments go to pytest.
# The browser tests (tests/system/test_web.py) drive Debian's Chromium through Playwright
# (Playwright's own browser download is not reachable here), so Chromium is installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium for the browser tests …" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
