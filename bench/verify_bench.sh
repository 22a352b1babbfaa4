#!/usr/bin/env bash
# verify benchmark (issue 5): binsync verify against pt-table-checksum, and
# binsync verify --repair against pt-table-checksum + pt-table-sync --execute, in the
# same run, on the 1 M-row sysbench pair of ANCHORS.md with 726 rows made different on B
# (250 updated, 125 deleted, 301 updated in another table, 50 extra).
# Needs: scripts/install-deps.sh --bench, a release build. Takes ~4 minutes.
#   bench/verify_bench.sh [--rows-per-table N]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=250000
[[ "${1:-}" == "--rows-per-table" ]] && rows=$2
source bench/lib.sh
bench_pair bsvb

# B replicates from A (pt-table-checksum needs a master/replica shape).
replicate_from b "$port"
sysbench_prepare "$rows"
wait_for b "$(mariadb "${a[@]}" -N -e "SELECT @@gtid_binlog_pos")"

damage() {  # the 726 differences, written on B only
  mariadb "${b[@]}" sbtest -e "
    SET sql_log_bin=0;
    UPDATE sbtest1 SET c = CONCAT('changed-', id) WHERE id % 997 = 0 LIMIT 250;
    DELETE FROM sbtest2 WHERE id % 1999 = 0 LIMIT 125;
    UPDATE sbtest3 SET k = k + 1 WHERE id % 829 = 0 LIMIT 301;
    INSERT INTO sbtest4 (id, k, c, pad) SELECT 2 * $rows + 2 * seq, seq, 'extra', 'x' FROM seq_1_to_50;"
}
damage

# Let both servers settle first (the load leaves ~250 MB of dirty pages being flushed,
# which slowed whichever contender ran first by up to 25%), then time each contender
# three times, alternating, and compare the best runs.
settle() {
  local -n server=$1
  mariadb "${server[@]}" -e "SET GLOBAL innodb_max_dirty_pages_pct = 0"
  for _ in $(seq 1 120); do
    dirty=$(mariadb "${server[@]}" -N -e "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" | cut -f2)
    [[ "$dirty" -eq 0 ]] && break
    sleep 0.5
  done
  mariadb "${server[@]}" -e "SET GLOBAL innodb_max_dirty_pages_pct = DEFAULT"
}
settle a
settle b
pt_runs=()
bs_runs=()
for run in 1 2 3; do
  t0=$(secs)
  pt-table-checksum h=127.0.0.1,P=$port,u=root --databases sbtest --no-check-binlog-format \
    --recursion-method=hosts --replicate=percona.checksums >/tmp/bsvb-pt.out 2>&1 || true
  t1=$(secs)
  $bin --log-level warn verify --a "$A" --b "$B" --databases sbtest --format json >/tmp/bsvb-verify.json && rc=0 || rc=$?
  t2=$(secs)
  pt_s=$(python3 -c "print(f'{$t1-$t0:.3f}')"); bs_s=$(python3 -c "print(f'{$t2-$t1:.3f}')")
  pt_runs+=("$pt_s"); bs_runs+=("$bs_s")
  found=$(python3 -c "import json; r=json.load(open('/tmp/bsvb-verify.json')); print(sum(len(t['diffs']) for t in r['tables']))")
  echo "run $run: pt-table-checksum ${pt_s}s, binsync verify ${bs_s}s (exit $rc, $found rows)"
done
pt_best=$(printf '%s\n' "${pt_runs[@]}" | sort -n | head -1)
bs_best=$(printf '%s\n' "${bs_runs[@]}" | sort -n | head -1)
echo "checksum (best of 3): pt-table-checksum ${pt_best}s, binsync verify ${bs_best}s, ratio binsync/pt $(python3 -c "print(f'{$bs_best/$pt_best:.3f}')") (target <= 0.333)"
grep -E "ERRORS|sbtest" /tmp/bsvb-pt.out | head -6

# Find and fix: pt-table-checksum + pt-table-sync --execute, then the same damage again
# for binsync verify --repair.
t0=$(secs)
pt-table-checksum h=127.0.0.1,P=$port,u=root --databases sbtest --no-check-binlog-format \
  --recursion-method=hosts --replicate=percona.checksums >/dev/null 2>&1 || true
pt-table-sync --execute --replicate percona.checksums --sync-to-master h=127.0.0.1,P=$((port + 1)),u=root \
  --databases sbtest >/tmp/bsvb-ptsync.out 2>&1 || true
t1=$(secs)
pos=$(mariadb "${a[@]}" -N -e "SELECT @@gtid_binlog_pos")
mariadb "${b[@]}" -N -e "SELECT MASTER_GTID_WAIT('$pos', 600)" >/dev/null
check() { mariadb "$@" sbtest -N -e "CHECKSUM TABLE sbtest1, sbtest2, sbtest3, sbtest4" | md5sum; }
echo "after pt-table-sync: A $(check "${a[@]}") B $(check "${b[@]}")"
damage
t2=$(secs)
$bin --log-level warn verify --a "$A" --b "$B" --databases sbtest --repair >/tmp/bsvb-repair.out && rc=0 || rc=$?
t3=$(secs)
pt_s=$(python3 -c "print($t1-$t0)"); bs_s=$(python3 -c "print($t3-$t2)")
echo "find+fix: pt-table-checksum + pt-table-sync ${pt_s}s, binsync verify --repair ${bs_s}s (exit $rc), ratio pt/binsync $(ratio $pt_s $bs_s)x"
echo "after binsync repair: A $(check "${a[@]}") B $(check "${b[@]}")"
