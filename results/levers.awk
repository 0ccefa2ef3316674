# Writes results/levers.md from the levers sweeps' morris.csv (first file) and sobol.csv
# (second file), then the morris.csv of the same Morris sweep at parameter sets of the
# calibration's plausible set (any further files, in the folders set_K/). Columns are found
# by name.
BEGIN { FS = "," }
FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; file++; next }
file == 1 {
  k = $col["metric"] SUBSEP $col["parameter"]
  mu[k] = $col["mu"]; mus[k] = $col["mu_star"]; musc[k] = $col["mu_star_conf"]; musn[k] = $col["mu_star_noise"]
  # Ranked by mu* above the noise floor.
  above[k] = $col["mu_star"] - $col["mu_star_noise"]
  mclear[k] = $col["clear"]; mstatus[$col["metric"]] = $col["status"]; mnoise[$col["metric"]] = $col["noise_share"]
  mreps[$col["metric"]] = $col["replications"]
  if (!(($col["parameter"]) in seenp)) { seenp[$col["parameter"]] = 1; params[++np] = $col["parameter"] }
  next
}
file == 2 {
  k = $col["metric"] SUBSEP $col["parameter"]
  st[k] = $col["ST"]; stc[k] = $col["ST_conf"]; s1[k] = $col["S1"]; s1c[k] = $col["S1_conf"]; sclear[k] = $col["clear"]
  sstatus[$col["metric"]] = $col["status"]; snoise[$col["metric"]] = $col["noise_share"]
  sreps[$col["metric"]] = $col["replications"]; sneed[$col["metric"]] = $col["replications_needed"]
  ssize[$col["metric"]] = $col["design_size_needed"]
  next
}
file >= 3 {
  if (FNR == 2) { n = split(FILENAME, part, "/"); sets[++nsets] = part[n - 1]; sub(/^set_/, "", sets[nsets]) }
  k = nsets SUBSEP $col["metric"] SUBSEP $col["parameter"]
  pmus[k] = $col["mu_star"] - $col["mu_star_noise"]; pconf[k] = $col["mu_star_conf"]
  next
}
# The levers of metric m by mu* above its noise floor, largest first, in top[1..]; `s` is 0
# for the first file, else the plausible set's number.
function rank(m, s, top,   i, j, n, v, val, k) {
  n = 0
  for (i = 1; i <= np; i++) {
    k = (s == 0) ? above[m SUBSEP params[i]] : pmus[s SUBSEP m SUBSEP params[i]]
    v = k + 0
    for (j = n; j >= 1 && val[j] < v; j--) { top[j + 1] = top[j]; val[j + 1] = val[j] }
    top[j + 1] = params[i]; val[j + 1] = v; n++
  }
  return n
}
function top3(t) { return "`" short(t[1]) "`, `" short(t[2]) "`, `" short(t[3]) "`" }
# Whether lever p leads metric m at set s: first, or tied with the first (their mu*
# intervals overlap).
function leads(m, s, p, first,   a, b) {
  a = s SUBSEP m SUBSEP p; b = s SUBSEP m SUBSEP first
  return p == first || pmus[a] + pconf[a] >= pmus[b] - pconf[b]
}
function holds(m, what,   s, base, t, first, in3, cells, i) {
  rank(m, 0, base)
  first = 0; in3 = 0; cells = ""
  for (s = 1; s <= nsets; s++) {
    for (i in t) delete t[i]
    rank(m, s, t)
    first += leads(m, s, base[1], t[1])
    for (i = 1; i <= 3; i++) if (t[i] == base[1]) in3++
    cells = cells " " top3(t) (leads(m, s, t[2], t[1]) ? " (first two tie)" : "") " |"
  }
  printf "| %s | %s | %d of %d | %d of %d |%s\n", what, top3(base), first, nsets, in3, nsets, cells
}
function short(p) { sub(/^(policy|funding)\./, "", p); return p }
function pct(x) { return (x == "") ? "–" : sprintf("%.0f%%", 100 * x) }
# A Sobol' index and its interval, both shown within [0, 1] (an estimate beyond a bound by
# sampling error is shown at the bound).
function clip(x) { return (x < 0) ? 0 : ((x > 1) ? 1 : x) }
function ci(x, c) { return (x == "") ? "–" : sprintf("%.3f [%.3f, %.3f]", clip(x), clip(x - c), clip(x + c)) }
function way(m, p,   k, a) {
  k = m SUBSEP p; a = (mu[k] < 0) ? -mu[k] : mu[k]
  if (mclear[k] != "yes") return "–"
  if (mus[k] == 0 || a < 0.5 * mus[k]) return "either way"
  return (mu[k] > 0) ? "raises it" : "lowers it"
}
# The levers of metric m by ST, largest first (empty ST last), in order[1..]; returns how many.
function by_st(m, order,   i, j, n, k, v, val) {
  n = 0
  for (i = 1; i <= np; i++) {
    k = m SUBSEP params[i]; v = (st[k] == "") ? -1e9 : st[k] + 0
    for (j = n; j >= 1 && val[j] < v; j--) { order[j + 1] = order[j]; val[j + 1] = val[j] }
    order[j + 1] = params[i]; val[j + 1] = v; n++
  }
  return n
}
# One line of the summary: the (at most three) levers that clearly matter on both methods.
function brief(m, what,   order, n, i, k, words, shown) {
  n = by_st(m, order); words = ""; shown = 0
  for (i = 1; i <= n && shown < 3; i++) {
    k = m SUBSEP order[i]
    if (sclear[k] == "yes" && mclear[k] == "yes" && st[k] >= 0.05) {
      words = words (words == "" ? "" : ", ") "`" short(order[i]) "` (" way(m, order[i]) ", ST " sprintf("%.2f", clip(st[k])) ")"
      shown++
    }
  }
  printf "- **%s**: %s.\n", what, (words == "" ? "no lever clearly accounts for a twentieth of its variance" : words)
}
function section(m, what,   i, j, t, order, n, k, clear, words) {
  print "### " what " (`" m "`)"
  print ""
  printf "Noise: %s of one run's variance over the Sobol' design (%s replications per point), %s over the Morris design (%s); Sobol' status **%s**, Morris status **%s**.\n\n", pct(snoise[m]), sreps[m], pct(mnoise[m]), mreps[m], sstatus[m], mstatus[m]
  print "| lever | total Sobol' index ST [95% CI] | first-order S1 [95% CI] | Morris μ* ± half-width (noise alone) | raising the lever… | clearly matters |"
  print "|---|---|---|---|---|---|"
  n = by_st(m, order)
  words = ""
  for (i = 1; i <= n; i++) {
    p = order[i]; k = m SUBSEP p
    clear = (sclear[k] == "yes" && mclear[k] == "yes") ? "**yes** (both)" : (sclear[k] == "yes" ? "yes (Sobol')" : (mclear[k] == "yes" ? "yes (Morris)" : "no"))
    printf "| `%s` | %s | %s | %.3f ± %.3f (%.3f) | %s | %s |\n", short(p), ci(st[k], stc[k]), ci(s1[k], s1c[k]), mus[k], musc[k], musn[k], way(m, p), clear
    if (sclear[k] == "yes" && mclear[k] == "yes") words = words (words == "" ? "" : "; ") "`" short(p) "` (" way(m, p) ")"
  }
  print ""
  if (words == "") print "**In words:** no lever can be told from 0 on both methods for this metric."
  else print "**In words:** the levers that clearly matter on both methods, largest total effect first: " words "."
  print ""
  if (sneed[m] == "more points") printf "Sweep size: for Sobol' intervals of ±0.1, replications alone would not do at %s base samples; about %s base samples at 2 replications would.\n", base, ssize[m]
  else if (sneed[m] != "") printf "Sweep size: for Sobol' intervals of ±0.1, %s replication(s) per point at %s base samples (this sweep has %s), or about %s base samples at 2 replications.\n", sneed[m], base, sreps[m], ssize[m]
  print ""
}
END {
  print "<!-- written by results/regenerate.sh (results/levers.awk) from the morris.csv and sobol.csv of results/sweeps/levers_morris, levers_sobol and levers_morris_plausible/set_K -->"
  print "# The levers that matter for access and retention"
  print ""
  print "Which of the levers a commissioner controls move access and link worker retention, in the baseline"
  print "PCN (`scenarios/baseline.toml`), five such PCNs per run (10 link worker posts) so that turnover is not a"
  print "rare event. Two designs over the same ten levers and ranges (`scenarios/sweeps/levers_sobol.toml`,"
  printf "`levers_morris.toml`): Sobol' indices from %s base samples × 12 = %d points × %s replications, and\n", base, base * 12, sreps["wait_weeks_mean"]
  print "Morris screening from 40 trajectories × 11 = 440 points × 4 replications, all with common random numbers."
  print "The indices are computed on each point's mean over its replications and corrected for the replication"
  print "noise those means still carry; their intervals also count the noise a whole replication shares (`spsim"
  print "analyze`, README: noise is kept apart from the levers)."
  print ""
  print "How to read: the **total Sobol' index ST** is the share of the metric's variance over the ranges below"
  print "that the lever accounts for, alone and with the other levers; S1 alone (both shown within [0, 1]: an estimate"
  print "beyond a bound by sampling error is shown at the bound; `sobol.csv` has the raw estimates). **Morris μ*** is the mean absolute"
  print "change in the metric per the lever's whole range (elementary effects over two-thirds of it, scaled); the number in brackets"
  print "is the μ* a lever with no effect would show through the noise. **Raising the lever…** is the sign of Morris μ"
  print "where the effects agree in sign. A lever **clearly matters** when its ST interval lies above 0 (Sobol') and its"
  print "μ* interval lies above the noise (Morris). Effects are over these ranges only:"
  print ""
  print "| lever | range |"
  print "|---|---|"
  print "| `caseload_target_per_year` | 150–400 patients per link worker a year |"
  print "| `supervision_interval_weeks` | 0 (none) – 12 weeks: not monotone (0, no supervision, is the worst), so its direction reads \"either way\" |"
  print "| `supervision_quality` | 0.1–0.9 (tick-box to reflective) |"
  print "| `peer_support` | 0–1 |"
  print "| `community_time_share` | 0–30% of hours |"
  print "| `holding_max_weeks` | 4–104 weeks |"
  print "| `max_sessions` | 4–16 sessions |"
  print "| `lw_contract_years` | 1–5 years |"
  print "| `lw_renewal_probability` | 0.6–1.0 |"
  print "| `vcse_renewal_probability` | 0.5–1.0 (VCSE grant renewal) |"
  print ""
  print "**Raising the lever…** is given only for levers that clearly matter on Morris: the sign of μ, or \"either way\""
  print "where |μ| is under half of μ* (effects of both signs: the direction depends on the other levers, or the"
  print "effect peaks inside the range)."
  print ""
  print "## In short"
  print ""
  print "The levers that clearly matter on both methods and account for at least a twentieth of the metric's variance"
  print "(ST ≥ 0.05), at most three per metric, largest total Sobol' index first; smaller clear effects are in the"
  print "sections below:"
  print ""
  brief("wait_weeks_mean", "Wait for a first session")
  brief("dropout_waiting_rate", "Dropout while waiting")
  brief("connected_rate", "Connected to a VCSE service")
  brief("journey_connected_directly_share", "Connected directly, without holding")
  brief("lw_burnout_mean", "Burnout")
  brief("lw_intention_to_leave_share", "Intention to leave")
  brief("lw_turnover_annual", "Turnover")
  brief("lw_vacancy_rate", "Vacancies")
  print ""
  print "Employment model (PCN or VCSE host) is a lever too, but a choice between two models, not a range: compare"
  print "the two with `spsim compare` (a paired difference) rather than in these designs."
  print ""
  print "## Access"
  print ""
  section("wait_weeks_mean", "Wait for a first session, weeks")
  section("dropout_waiting_rate", "Dropout while waiting")
  section("connected_rate", "Connected to a VCSE service")
  section("journey_connected_directly_share", "Connected directly, without holding")
  print "## Retention"
  print ""
  section("lw_burnout_mean", "Mean burnout")
  section("lw_intention_to_leave_share", "Link workers intending to leave")
  section("lw_turnover_annual", "Annual turnover")
  section("lw_vacancy_rate", "Vacancy rate")
  if (nsets == 0) exit
  print "## Does the ranking hold across the plausible set?"
  print ""
  printf "The Morris sweep above was run again at %d parameter sets of the calibration's plausible set\n", nsets
  print "(`results/calibration/plausible.csv`, spread evenly over it; `spsim sweep --ensemble FILE --ensemble-set K`):"
  print "the behavioural coefficients the published figures could not pin down take other plausible values, the"
  print "levers and their ranges stay the same. Levers are ranked here by Morris μ* above its noise floor (so the"
  print "order may differ from the Sobol' order above). The table gives each metric's three leading levers at the"
  print "defaults, at how many plausible sets the first of them still leads (first, or tied with the first: their"
  print "μ* intervals overlap) or is in the top three, and the top three at each set."
  print ""
  printf "| metric | top 3 at the defaults | first lever still leads | first lever in the top 3 |"
  for (s = 1; s <= nsets; s++) printf " set %s |", sets[s]
  print ""
  printf "|---|---|---|---|"
  for (s = 1; s <= nsets; s++) printf "---|"
  print ""
  holds("wait_weeks_mean", "wait")
  holds("dropout_waiting_rate", "dropout while waiting")
  holds("connected_rate", "connected")
  holds("journey_connected_directly_share", "connected directly")
  holds("lw_burnout_mean", "burnout")
  holds("lw_intention_to_leave_share", "intention to leave")
  holds("lw_turnover_annual", "turnover")
  holds("lw_vacancy_rate", "vacancy rate")
  print ""
}
