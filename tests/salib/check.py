"""Check spsim's sweep designs and sensitivity indices against SALib.

Usage: python check.py SPSIM_BINARY SCENARIO WORKDIR

1. The native Saltelli design equals SALib's `sobol.sample(..., calc_second_order=False,
   scramble=False)` on the problem file spsim writes (whole-number parameters rounded).
2. SALib's Sobol' sample matrix, run through `spsim sweep --design X.txt`, gives Y.txt;
   SALib's `sobol.analyze` on it and `spsim analyze sobol` give the same S1 and ST, and
   bootstrap intervals of similar width.
3. The same for Morris: `morris.sample` → `spsim sweep --design` → mu, mu*, sigma agree.
Exits non-zero on any disagreement.
"""
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.util import read_param_file

spsim, scenario, work = sys.argv[1], sys.argv[2], Path(sys.argv[3])
work.mkdir(parents=True, exist_ok=True)
failures = []


def run(*args):
    subprocess.run([spsim, *args], check=True)


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# 1. Native design vs SALib's sampler.
native = work / "native"
run("sweep", scenario, "--out", str(native), "--replications", "1", "--quiet")
problem = read_param_file(str(native / "problem.txt"))
manifest = json.loads((native / "manifest.json").read_text())
n_base = manifest["base_samples"]
whole = [p.get("whole_numbers", False) for p in manifest["parameters"]]
x_salib = sobol_sample.sample(problem, n_base, calc_second_order=False, scramble=False)
x_native = np.loadtxt(native / "X.txt")
x_expected = np.where(whole, np.floor(x_salib + 0.5), x_salib)  # spsim rounds halves up
check(x_native.shape == x_expected.shape and np.allclose(x_native, x_expected, rtol=0, atol=1e-9),
      f"native Saltelli design ({x_native.shape[0]} rows) equals SALib's sobol.sample(scramble=False)")

# 2. Sobol' indices on SALib's own (scrambled) sample matrix.
x = sobol_sample.sample(problem, 64, calc_second_order=False, seed=7)
np.savetxt(work / "sobol_X.txt", x)
design_dir = work / "sobol"
# One replication: with more, spsim corrects the indices for replication noise, which
# SALib (a method for deterministic models) does not.
run("sweep", scenario, "--out", str(design_dir), "--replications", "1", "--design", str(work / "sobol_X.txt"), "--quiet")
run("analyze", "sobol", str(design_dir), "--quiet")
ours = {(r["metric"], r["parameter"]): r for r in read_csv(design_dir / "sobol.csv")}
metrics = (design_dir / "Y.txt").read_text().splitlines()[0].split("columns: ")[1].split()
y_all = np.loadtxt(design_dir / "Y.txt", ndmin=2)
compared, before = 0, len(failures)
for k, metric in enumerate(metrics):
    y = y_all[:, k]
    if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
        continue
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=1000, seed=1)
    for j, name in enumerate(problem["names"]):
        r = ours[(metric, name)]
        s1, st = float(r["S1"]), float(r["ST"])
        if abs(s1 - si["S1"][j]) > 1e-9 or abs(st - si["ST"][j]) > 1e-9:
            check(False, f"{metric} / {name}: spsim S1={s1:.6f} ST={st:.6f}, SALib S1={si['S1'][j]:.6f} ST={si['ST'][j]:.6f}")
        for ours_c, theirs_c, what in [(float(r["S1_conf"]), si["S1_conf"][j], "S1_conf"), (float(r["ST_conf"]), si["ST_conf"][j], "ST_conf")]:
            if abs(ours_c - theirs_c) > 0.3 * max(ours_c, theirs_c) + 1e-3:
                check(False, f"{metric} / {name}: {what} spsim {ours_c:.4f} vs SALib {theirs_c:.4f}")
        compared += 1
check(compared > 20 and len(failures) == before, f"Sobol' S1 and ST agree with SALib to 1e-9, intervals within 30% ({compared} metric × parameter pairs)")

# 3. Morris on SALib's trajectories.
x = morris_sample.sample(problem, 12, num_levels=4, seed=3)
np.savetxt(work / "morris_X.txt", x)
design_dir = work / "morris"
run("sweep", scenario, "--out", str(design_dir), "--replications", "2", "--design", str(work / "morris_X.txt"), "--quiet")
run("analyze", "morris", str(design_dir), "--levels", "4", "--quiet")
ours = {(r["metric"], r["parameter"]): r for r in read_csv(design_dir / "morris.csv")}
y_all = np.loadtxt(design_dir / "Y.txt", ndmin=2)
x_run = np.loadtxt(design_dir / "X.txt", ndmin=2)
compared, before = 0, len(failures)
for k, metric in enumerate(metrics):
    y = y_all[:, k]
    if not np.all(np.isfinite(y)):
        continue
    mi = morris_analyze.analyze(problem, x_run, y, num_levels=4, num_resamples=1000, seed=1)
    for j, name in enumerate(problem["names"]):
        r = ours[(metric, name)]
        for key in ["mu", "mu_star", "sigma"]:
            a, b = float(r[key]), float(mi[key][j])
            if abs(a - b) > 1e-9 * max(1.0, abs(b)):
                check(False, f"{metric} / {name}: {key} spsim {a} vs SALib {b}")
        compared += 1
check(compared > 20 and len(failures) == before, f"Morris mu, mu*, sigma agree with SALib ({compared} pairs)")

if failures:
    print(f"{len(failures)} disagreement(s) with SALib")
    sys.exit(1)
print("spsim agrees with SALib")
