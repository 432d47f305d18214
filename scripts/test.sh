#!/usr/bin/env bash
# Install trainprobe with its test extras and run the whole test suite.
# The README's second command and .ci/run both call this script.
set -euo pipefail
cd "$(dirname "$0")/.."

# Browser tests drive Debian's Chromium; install it when missing (needs root or sudo).
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# torch pinned here (a local CPU build on these machines); the package itself asks torch>=2.1.
# The integration extras are tested too; transformers is pinned to the version the HF
# callback's event order was read from, and torch stays pinned so no CUDA build is pulled.
python -m pip install -q torch==2.13.0 transformers==5.23.0 -e ".[test,lightning,hf]"
python -m ruff check src tests benchmarks
lint-imports  # the layer contract in pyproject.toml
python -m pytest "$@"
