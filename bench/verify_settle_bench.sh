#!/usr/bin/env bash
# verify under live writes on both masters (Trust issue, item 10): a native master-master
# sandbox pair, both nodes written at --rate transactions/s each (disjoint rows, as a
# healthy master-master application writes them: nothing really differs), binsync verify
# run --runs times meanwhile. Every reported difference is a false one. Prints, per run,
# the exit code, differences, unsettled rows and both replicas' lag, then the counts.
# After the writes stop and replication drains, a last verify must exit 0.
# Needs: mariadb client, python3, a release build. About 30 s + runs x verify time.
#   bench/verify_settle_bench.sh [--rate N] [--runs N] [--rows N] [--settle-timeout S]
#                                [--warmup S] [--delay S]
# --delay S: node2 applies node1's transactions S seconds late (MASTER_DELAY), a lag that
# does not depend on the machine's speed.
# BINSYNC=path/to/binsync runs another build (e.g. an older one, to compare).
set -euo pipefail
cd "$(dirname "$0")/.."
rate=400
runs=10
rows=200000
settle_opt=()  # binsync verify's default unless --settle-timeout is given
warmup=5
delay=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --rate) rate=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --settle-timeout) settle_opt=(--settle-timeout "$2"); shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --delay) delay=$2; shift 2 ;;
    *) echo "usage: $0 [--rate N] [--runs N] [--rows N] [--settle-timeout S] [--warmup S] [--delay S]" >&2; exit 2 ;;
  esac
done
source bench/lib.sh
bench_pair bsvs
verify_bin=${BINSYNC:-$bin}
work=$(mktemp -d /tmp/bsvs-run-XXXXXX)
writer_pids=()
stop_writers() {  # the clients (a writer then dies on its next write) and the writers
  for p in "${writer_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$work"/writer-*.pid; do
    [[ -f "$f" ]] && { kill "$(cat "$f")" 2>/dev/null || true; }
    rm -f "$f"
  done
  wait "${writer_pids[@]}" 2>/dev/null || true
  writer_pids=()
}
trap 'stop_writers; rm -rf "$work"; $bin --log-level warn sandbox down --dir "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT

# Native master-master, as in the reference procedure.
replicate_from a $((port + 1))
replicate_from b "$port"
mariadb "${a[@]}" -e "CREATE DATABASE bench; USE bench; CREATE TABLE bench.t (id INT NOT NULL PRIMARY KEY,
  k INT NOT NULL, c CHAR(60) NOT NULL, pad VARCHAR(120) NOT NULL);
  INSERT INTO bench.t SELECT seq, seq, MD5(seq), REPEAT('p', 100) FROM seq_1_to_$rows"
wait_for b "$(mariadb "${a[@]}" -N -e "SELECT @@gtid_binlog_pos")"
if [[ "$delay" != 0 ]]; then
  mariadb "${b[@]}" -e "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = $delay; START SLAVE"
fi

# One writer per master: autocommit UPDATEs of its own rows (odd ids on node1, even on
# node2) at `rate` per second, open loop (each statement's due time fixed in advance).
writer() {  # writer INDEX PARITY ARRAY_NAME
  local -n server=$3
  python3 - "$rate" "$2" "$rows" "$work/writer-$1.pid" <<'EOF' | mariadb "${server[@]}" bench &
import os, random, sys, time
rate, parity, rows, pidfile = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
open(pidfile, "w").write(str(os.getpid()))
rng = random.Random(parity)
start = time.time()
i = 0
while True:
    delay = start + i / rate - time.time()
    if delay > 0:
        time.sleep(delay)
    key = 2 * rng.randrange(rows // 2) + (1 if parity else 2)
    if key > rows:
        key -= 2
    try:
        sys.stdout.write(f"UPDATE t SET k = k + 1, c = '{i}' WHERE id = {key};\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the client was stopped: the run is over
        sys.exit(0)
    i += 1
EOF
  writer_pids+=($!)
}
writer 1 1 a
writer 2 0 b
seq_of() {  # the server's own domain's seq_no in its gtid_binlog_pos
  local -n server=$1
  local s
  s=$(mariadb "${server[@]}" -N -e "SELECT @@gtid_binlog_pos" | tr ',' '\n' | grep "^$2-$2-" | cut -d- -f3 || true)
  echo "${s:-0}"
}
lag_of() {
  local -n server=$1
  mariadb "${server[@]}" -e "SHOW SLAVE STATUS\G" | awk '/Seconds_Behind_Master/ {print $2}'
}
sa0=$(seq_of a 1); sb0=$(seq_of b 2); t0=$(secs)
sleep "$warmup"

false_runs=0
unsettled_runs=0
false_rows=0
unsettled_rows=0
error_runs=0
for run in $(seq 1 "$runs"); do
  r0=$(secs)
  "$verify_bin" --log-level warn verify --a "$A" --b "$B" --databases bench --format json \
    "${settle_opt[@]}" >"$work/verify.json" 2>"$work/verify.err" && rc=0 || rc=$?
  r1=$(secs)
  read -r diffs unsettled < <(python3 - "$work/verify.json" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    print("? ?")
    sys.exit()
print(sum(len(t["diffs"]) for t in r["tables"]),
      sum(len(t.get("unsettled", [])) for t in r["tables"]))
EOF
)
  [[ "$diffs" != "0" && "$diffs" != "?" ]] && { false_runs=$((false_runs + 1)); false_rows=$((false_rows + diffs)); }
  [[ "$unsettled" != "0" && "$unsettled" != "?" ]] && { unsettled_runs=$((unsettled_runs + 1)); unsettled_rows=$((unsettled_rows + unsettled)); }
  printf 'run %d: exit %s, %s differences, %s unsettled, %.1fs; lag node1 %ss node2 %ss\n' \
    "$run" "$rc" "$diffs" "$unsettled" "$(python3 -c "print($r1-$r0)")" "$(lag_of a)" "$(lag_of b)"
  grep -E "not applied|could not be settled" "$work/verify.err" | head -2 | sed 's/^/    /' || true
  if ((rc == 2)); then grep -E "error" "$work/verify.err" | tail -2 | sed 's/^/    error: /'; fi
  [[ $rc == 2 ]] && error_runs=$((${error_runs:-0} + 1))
done
t1=$(secs)
sa1=$(seq_of a 1); sb1=$(seq_of b 2)
stop_writers
echo "offered ${rate} txn/s per node; achieved node1 $(python3 -c "print(f'{($sa1-$sa0)/($t1-$t0):.0f}')") node2 $(python3 -c "print(f'{($sb1-$sb0)/($t1-$t0):.0f}')") txn/s"
echo "runs with false differences: $false_runs of $runs ($false_rows rows); runs with unsettled rows: $unsettled_runs of $runs ($unsettled_rows rows)"
echo "runs that failed (exit 2): $error_runs of $runs"

# Drained, the pair is identical: every difference above was false.
wait_for a "$(mariadb "${b[@]}" -N -e "SELECT @@gtid_binlog_pos" | tr ',' '\n' | grep '^2-2-' || true)"
wait_for b "$(mariadb "${a[@]}" -N -e "SELECT @@gtid_binlog_pos" | tr ',' '\n' | grep '^1-1-' || true)"
"$verify_bin" --log-level warn verify --a "$A" --b "$B" --databases bench >/dev/null && rc=0 || rc=$?
echo "after the writes drained: verify exit $rc (0: identical)"
