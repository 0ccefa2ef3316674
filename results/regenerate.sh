#!/usr/bin/env bash
# Regenerate results/ from the shipped scenarios (run from the repository root):
#   bash results/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
for s in baseline high_deprivation england; do
  ./target/release/spsim run "scenarios/$s.toml" --out "results/$s" --quiet
  echo "results/$s written"
done
