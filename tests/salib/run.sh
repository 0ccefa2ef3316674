#!/usr/bin/env bash
# Compare spsim's designs and sensitivity indices with SALib's (installed from PyPI into
# a virtual environment under target/ unless SALib is importable already).
set -euo pipefail
cd "$(dirname "$0")/../.."
py="${PYTHON:-python3}"
if ! "$py" -c "import SALib, numpy" 2>/dev/null; then
  venv="target/salib-venv"
  if [ ! -x "$venv/bin/python" ]; then
    if ! "$py" -m venv "$venv" 2>/dev/null; then
      apt-get install -y -q python3-venv >/dev/null
      rm -rf "$venv"
      "$py" -m venv "$venv"
    fi
    "$venv/bin/pip" install -q "SALib==1.6.0"
  fi
  py="$venv/bin/python"
fi
cargo build --release --locked -q
bin="${CARGO_TARGET_DIR:-target}/release/spsim"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$py" tests/salib/check.py "$bin" scenarios/sweeps/workforce_sobol.toml "$work"
