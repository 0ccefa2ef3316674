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
  # A finished sweep is not run again: its report is rebuilt from its files.
  ./target/release/spsim report "results/sweeps/$s" > /dev/null
  echo "results/sweeps/$s written"
done
./target/release/spsim analyze sobol results/sweeps/workforce_sobol --quiet
./target/release/spsim analyze morris results/sweeps/workforce_morris --quiet
./target/release/spsim analyze sobol results/sweeps/levers_sobol --quiet
./target/release/spsim analyze morris results/sweeps/levers_morris --quiet
# The levers' Morris screening again at 5 parameter sets spread over the calibration's
# plausible set: does the ranking hold?
n=$(($(wc -l < results/calibration/plausible.csv) - 1))
for i in 0 1 2 3 4; do
  k=$((i * n / 5 + 1))
  ./target/release/spsim sweep scenarios/sweeps/levers_morris.toml --out "results/sweeps/levers_morris_plausible/set_$k" \
    --ensemble results/calibration/plausible.csv --ensemble-set "$k" --quiet
  ./target/release/spsim analyze morris "results/sweeps/levers_morris_plausible/set_$k" --quiet
done
# Which levers matter for access and retention, in words (results/levers.md).
base=$(grep -o '"base_samples": [0-9]*' results/sweeps/levers_sobol/manifest.json | grep -o '[0-9]*$')
awk -v base="$base" -f results/levers.awk results/sweeps/levers_morris/morris.csv results/sweeps/levers_sobol/sobol.csv \
  results/sweeps/levers_morris_plausible/set_*/morris.csv > results/levers.md
echo "results/levers.md written"
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
# Does fortnightly reflective supervision pay for itself? (results/supervision_costs.md)
./target/release/spsim compare scenarios/baseline.toml scenarios/supervision_good.toml \
  --out results/compares/supervision_costs --replications 200 --quiet
out=results/supervision_costs.md
awk -F, '
  function row(m, what, f) {
    printf "| %s | " f " | " f " | " f " [" f ", " f "] |\n", what, base[m], alt[m], d[m], lo[m], hi[m]
  }
  function clear(m) { return lo[m] > 0 || hi[m] < 0 }
  NR > 1 && $2 == "all" { base[$3] = $4; alt[$3] = $5; d[$3] = $6; lo[$3] = $7; hi[$3] = $8 }
  END {
    print "<!-- written by results/regenerate.sh from results/compares/supervision_costs/compare.csv -->"
    print "# Does fortnightly reflective supervision pay for itself?"
    print ""
    print "The baseline PCN (scenarios/baseline.toml: supervision every 4 weeks of quality 0.5) against the same PCN"
    print "with fortnightly reflective supervision (scenarios/supervision_good.toml: every 2 weeks, quality 0.9), 200"
    print "paired replications with common random numbers, 5 reported years, at the default unit costs ([costs] in"
    print "docs/scenario-reference.md, with their sources; 2022/23 prices). Money per PCN-year; differences are"
    print "supervision − baseline with 95% intervals. Open results/compares/supervision_costs/report.html for the"
    print "plots, the year-by-year differences and the mechanisms."
    print ""
    print "| measure | baseline | fortnightly reflective | difference [95% CI] |"
    print "|---|---|---|---|"
    row("cost_supervision_per_pcn_year", "supervisors'"'"' time (£)", "%.0f")
    row("cost_recruitment_per_pcn_year", "recruitment (£)", "%.0f")
    row("cost_staff_per_pcn_year", "link worker posts filled (£)", "%.0f")
    row("cost_total_per_pcn_year", "total cost (£)", "%.0f")
    row("lw_leavers_per_pcn_year", "link workers leaving a year", "%.3f")
    row("lw_burnout_mean", "mean burnout (0–1)", "%.3f")
    row("lw_intention_to_leave_share", "share intending to leave", "%.3f")
    row("connections_per_pcn_year", "patients connected a year", "%.1f")
    row("first_sessions_per_pcn_year", "first sessions a year", "%.1f")
    row("gp_value_avoided_per_pcn_year", "GP consultations avoided (£)", "%.0f")
    row("cost_net_per_pcn_year", "net cost (£)", "%.0f")
    print ""
    printf "**What the model shows.** "
    c = "cost_total_per_pcn_year"
    if (clear(c)) printf "Fortnightly reflective supervision changes the cost of the service by £%.0f a PCN-year (95%% CI £%.0f to £%.0f): ", d[c], lo[c], hi[c]
    else printf "Its effect on the total cost is not distinguishable from 0 (£%.0f a PCN-year, 95%% CI £%.0f to £%.0f): ", d[c], lo[c], hi[c]
    s = "cost_supervision_per_pcn_year"; r = "cost_recruitment_per_pcn_year"; f = "cost_staff_per_pcn_year"
    printf "the supervisors'"'"' time adds £%.0f, recruitment changes by £%.0f, and posts kept filled add £%.0f. ", d[s], d[r], d[f]
    l = "lw_leavers_per_pcn_year"
    if (clear(l)) printf "Leavers change by %.3f a PCN-year (95%% CI %.3f to %.3f). ", d[l], lo[l], hi[l]
    else printf "The change in leavers (%.3f a PCN-year, 95%% CI %.3f to %.3f) is not distinguishable from 0. ", d[l], lo[l], hi[l]
    k = "connections_per_pcn_year"
    if (clear(k) && d[k] > 0) printf "It connects %.1f more patients a year (95%% CI %.1f to %.1f), at £%.0f per additional patient connected. ", d[k], lo[k], hi[k], d[c] / d[k]
    else printf "Connections change by %.1f a year (95%% CI %.1f to %.1f), not a clear gain, so there is no cost per additional patient connected to report. ", d[k], lo[k], hi[k]
    n = "cost_net_per_pcn_year"
    if (clear(n) && d[n] <= 0) print "Counting the GP consultations avoided, it pays for itself."
    else if (clear(n)) printf "Counting the GP consultations avoided, it does not pay for itself in money: it costs £%.0f a PCN-year more net; what it buys is the workforce and access outcomes above.\n", d[n]
    else printf "Counting the GP consultations avoided, the net difference (£%.0f, 95%% CI £%.0f to £%.0f) is not distinguishable from 0.\n", d[n], lo[n], hi[n]
  }' results/compares/supervision_costs/compare.csv > "$out"
echo "$out written"
