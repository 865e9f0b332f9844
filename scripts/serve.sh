#!/usr/bin/env bash
# Set up (first run), build the index from seeds/ if there is none, and serve on 127.0.0.1:8000.
# Extra arguments go to `qa serve` (e.g. --port 9000, --build to update the index first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/qa serve "$@"
