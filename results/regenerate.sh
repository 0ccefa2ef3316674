#!/usr/bin/env bash
# Regenerate results/ from the shipped scenarios (run from the repository root):
#   bash results/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
for f in scenarios/*.toml; do
  s="$(basename "$f" .toml)"
  ./target/release/spsim run "$f" --out "results/$s" --quiet
  echo "results/$s written"
done
./target/release/spsim calibrate --out results/calibration.md > /dev/null
echo "results/calibration.md written"
