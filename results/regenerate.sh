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
# History matching to the published figures (results/calibration/: waves.csv,
# plausible.csv, manifest.json, report.html), then answers across its plausible set.
./target/release/spsim calibrate scenarios/calibration/national.toml --out results/calibration --quiet
echo "results/calibration written"
# The defaults against the published figures, with the history matching's section.
./target/release/spsim calibrate --out results/calibration.md > /dev/null
echo "results/calibration.md written"
./target/release/spsim run scenarios/baseline.toml --out results/ensembles/baseline \
  --ensemble results/calibration/plausible.csv --ensemble-size 200 --replications 10 --quiet
./target/release/spsim compare scenarios/baseline.toml scenarios/supervision_good.toml \
  scenarios/caseload_target_high.toml --out results/compares/ensemble \
  --ensemble results/calibration/plausible.csv --ensemble-size 100 --replications 10 --quiet
echo "results/ensembles/baseline and results/compares/ensemble written"
# Caseload target × supervision across the plausible set (results/target_supervision_ensemble.md).
out=results/target_supervision_ensemble.md
{
  echo "<!-- written by results/regenerate.sh from results/ensembles/target_supervision/*/ensemble.csv -->"
  echo "# Caseload target × supervision across the plausible set"
  echo
  echo "Each row: the baseline PCN at one caseload target and supervision level (scenarios/target_supervision/),"
  echo "run at 100 parameter sets of results/calibration/plausible.csv (spread evenly over it), 5 replications"
  echo "each with common random numbers. Cells: median across the sets and, in brackets, the 90% range of the"
  echo "sets' means (5th to 95th percentile). Access holds where at most 5% drop out while waiting (high end of"
  echo "the range); retention holds where at most 20% intend to leave (high end of the range)."
  echo
  echo "| supervision | target | dropout while waiting | wait (weeks) | connected | burnout | intention to leave | turnover / year | access holds | retention holds |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$out"
for sup in none fortnightly; do
  for t in 150 200 250 300 350 400 450; do
    s="t${t}_${sup}"
    ./target/release/spsim run "scenarios/target_supervision/$s.toml" --out "results/ensembles/target_supervision/$s" \
      --ensemble results/calibration/plausible.csv --ensemble-size 100 --quiet
    awk -F, -v sup="$sup" -v t="$t" '
      function cell(m) { return sprintf("%.3f [%.3f, %.3f]", med[m], lo[m], hi[m]) }
      NR > 1 { med[$1] = $2; lo[$1] = $3; hi[$1] = $4 }
      END {
        a = (hi["dropout_waiting_rate"] <= 0.05) ? "yes" : "no"
        r = (hi["lw_intention_to_leave_share"] <= 0.20) ? "yes" : "no"
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", sup, t, cell("dropout_waiting_rate"),
          cell("wait_weeks_mean"), cell("connected_rate"), cell("lw_burnout_mean"),
          cell("lw_intention_to_leave_share"), cell("lw_turnover_annual"), a, r
      }' "results/ensembles/target_supervision/$s/ensemble.csv" >> "$out"
  done
done
echo "$out written"
