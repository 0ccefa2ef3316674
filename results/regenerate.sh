#!/usr/bin/env bash
# Regenerate results/ from the shipped scenarios (run from the repository root); every
# folder gets its report.html (open it in a browser):
#   bash results/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
for f in scenarios/*.toml; do
  s="$(basename "$f" .toml)"
  ./target/release/spsim run "$f" --out "results/$s" --quiet
  echo "results/$s written"
done
# Paired comparisons of shipped scenarios (compare.csv, mechanisms.csv, series.csv, report.html).
./target/release/spsim compare scenarios/baseline.toml scenarios/target_rise.toml \
  --out results/compares/target_rise --quiet
./target/release/spsim compare scenarios/baseline.toml scenarios/supervision_none.toml \
  scenarios/supervision_cut.toml scenarios/supervision_good.toml --out results/compares/supervision --quiet
echo "results/compares written"
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
