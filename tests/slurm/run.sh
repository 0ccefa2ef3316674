#!/usr/bin/env bash
# End-to-end test of the Slurm path on a single-node cluster started on this machine:
# installs Debian's slurm-wlm and munge if missing, starts munged, slurmctld and slurmd
# by hand (no systemd) with a minimal slurm.conf, submits examples/slurm/sweep.sbatch
# (a 4-task array plus an afterok merge job) for the 2,000-run LHS sweep, and checks
# that the merged files are byte-identical to an unsharded sweep. Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then exec sudo -E env "PATH=$PATH" bash "$0" "$@"; fi
  echo "tests/slurm/run.sh needs root (it installs packages and starts the Slurm daemons)" >&2
  exit 1
fi
root="$PWD"
scenario="${1:-scenarios/sweeps/workforce_lhs.toml}"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q slurm-wlm munge >/dev/null
fi
cargo build --release --locked -q
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
bin="$target/release/spsim"

work="$(mktemp -d /tmp/spsim-slurm.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/munge/munged.pid" ] && kill "$(cat "$work/munge/munged.pid")" 2>/dev/null || true
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "slurm test FAILED: $*" >&2
  for f in "$work"/*.log "$work"/jobs/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done >&2
  exit 1
}

# munge: a key and a daemon with its own socket, so a system munged is not disturbed.
mkdir -p "$work/munge"
chown munge:munge "$work/munge" 2>/dev/null || true
chmod 700 "$work/munge"
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  chown munge:munge /etc/munge/munge.key 2>/dev/null || true
  chmod 400 /etc/munge/munge.key
fi
socket="$work/munge/munge.socket"
munge_args=(--socket="$socket" --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log"
  --seed-file="$work/munge/seed" --force)
runuser -u munge -- /usr/sbin/munged "${munge_args[@]}" 2>/dev/null || /usr/sbin/munged "${munge_args[@]}"
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || fail "munged did not start"

host="$(hostname -s)"
cpus="$(nproc)"
mkdir -p "$work/state" "$work/spool" "$work/jobs"
cat > "$work/slurm.conf" <<CONF
ClusterName=spsimtest
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=${socket}
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SchedulerType=sched/backfill
StateSaveLocation=${work}/state
SlurmdSpoolDir=${work}/spool
SlurmctldPidFile=${work}/slurmctld.pid
SlurmdPidFile=${work}/slurmd.pid
SlurmctldLogFile=${work}/slurmctld.log
SlurmdLogFile=${work}/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
MinJobAge=3600
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -D -i >"$work/slurmctld.out.log" 2>&1 &
pids+=($!)
sleep 1
slurmd -D -N "$host" >"$work/slurmd.out.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  state="$(sinfo -h -o %T 2>/dev/null | head -n1 || true)"
  [ "$state" = "idle" ] && break
  sleep 1
done
[ "$state" = "idle" ] || fail "the node did not become idle (state: ${state:-none})"
echo "single-node Slurm cluster up: node ${host}, ${cpus} CPUs"

# The sharded sweep through the shipped submit script, from a job folder.
out="$work/sharded"
(cd "$work/jobs" && SPSIM="$bin" bash "$root/examples/slurm/sweep.sbatch" \
  "$root/$scenario" "$out" 4) | tee "$work/submit.txt"
merge_job="$(sed -n 's/.*merge job \([0-9]*\)$/\1/p' "$work/submit.txt" | head -n1)"
[ -n "$merge_job" ] || fail "could not read the merge job id"
for _ in $(seq 600); do
  [ -z "$(squeue -h 2>/dev/null)" ] && break
  sleep 1
done
[ -z "$(squeue -h)" ] || fail "jobs still queued after 10 minutes: $(squeue -h)"
merge_state="$(scontrol show job "$merge_job" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')"
[ "$merge_state" = "COMPLETED" ] || fail "merge job $merge_job ended in state ${merge_state:-unknown}"

# The same sweep, unsharded, outside Slurm.
"$bin" sweep "$root/$scenario" --out "$work/single" --quiet
for f in runs.csv points.csv manifest.json X.txt Y.txt problem.txt; do
  cmp "$work/single/$f" "$out/$f" || fail "$f differs between the Slurm-sharded and the unsharded sweep"
done
[ ! -e "$out/shards" ] || fail "the merge left the shard files behind"
echo "slurm test ok: 4-way array sweep + afterok merge == unsharded sweep ($(($(wc -l <"$out/runs.csv") - 1)) runs)"

# History matching as chained arrays: each wave's 2 shards, then a join, per wave.
cal="$work/cal-sharded"
(cd "$work/jobs" && SPSIM="$bin" bash "$root/examples/slurm/calibrate.sbatch" \
  "$root/tests/data/calibration_small.toml" "$cal" 2) | tee "$work/submit-cal.txt"
last_join="$(sed -n 's/.*join job \([0-9]*\)$/\1/p' "$work/submit-cal.txt" | tail -n1)"
[ -n "$last_join" ] || fail "could not read the last join job id"
for _ in $(seq 600); do
  [ -z "$(squeue -h 2>/dev/null)" ] && break
  sleep 1
done
[ -z "$(squeue -h)" ] || fail "calibration jobs still queued after 10 minutes: $(squeue -h)"
join_state="$(scontrol show job "$last_join" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')"
[ "$join_state" = "COMPLETED" ] || fail "join job $last_join ended in state ${join_state:-unknown}"
"$bin" calibrate "$root/tests/data/calibration_small.toml" --out "$work/cal-single" --quiet
for f in waves.csv plausible.csv manifest.json report.html; do
  cmp "$work/cal-single/$f" "$cal/$f" || fail "$f differs between the Slurm-sharded and the unsharded calibration"
done
echo "slurm test ok: a calibration in chained 2-way arrays + joins == unsharded ($(($(wc -l <"$cal/waves.csv") - 1)) sets)"

