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
# Sweeps (scenarios/sweeps/) and their sensitivity analyses. A stopped sweep resumes.
for f in scenarios/sweeps/*.toml; do
  s="$(basename "$f" .toml)"
  ./target/release/spsim sweep "$f" --out "results/sweeps/$s" --quiet
  echo "results/sweeps/$s written"
done
./target/release/spsim analyze sobol results/sweeps/workforce_sobol --quiet
./target/release/spsim analyze morris results/sweeps/workforce_morris --quiet
./target/release/spsim calibrate --out results/calibration.md > /dev/null
echo "results/calibration.md written"
