#!/usr/bin/env bash
# resync benchmark (issue 6): a native master-master pair with N sysbench rows breaks on a
# real 1062 on B; then 5,000 oltp_write_only transactions are written to A (--from) and
# 300 to B (--to). binsync resync --conflicts from-wins against the old recovery
# (mariadb-dump --single-transaction of A + reload on B), same run, ratio printed.
# Run at 1 M and 4 M rows to see that the re-seed grows with the data and resync does not.
# Needs: scripts/install-deps.sh --bench, a release build.
#   bench/resync_bench.sh [--rows-per-table N] (default 250000: 4 tables = 1 M rows)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=250000
[[ "${1:-}" == "--rows-per-table" ]] && rows=$2
source bench/lib.sh
bench_pair bsrs --mysqld-option innodb_log_file_size=512M
replicate_from a $((port + 1))
replicate_from b "$port"
sysbench_prepare "$rows"
wait_for b "$(mariadb "${a[@]}" -N -e 'SELECT @@gtid_binlog_pos')"
# The break: a row on B outside the binlog, the same key inserted on A -> B stops on 1062.
big=$((rows * 10))
mariadb "${b[@]}" -e "SET sql_log_bin=0; INSERT INTO sbtest.sbtest1 (id, k, c, pad) VALUES ($big, 1, 'b only', 'x')"
mariadb "${a[@]}" -e "INSERT INTO sbtest.sbtest1 (id, k, c, pad) VALUES ($big, 2, 'a', 'y')"
sleep 1
sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$port --mysql-user=root \
  --mysql-db=sbtest --tables=4 --table-size=$rows --threads=4 --events=5000 --time=0 run >/dev/null
sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$((port + 1)) --mysql-user=root \
  --mysql-db=sbtest --tables=4 --table-size=$rows --threads=2 --events=300 --time=0 run >/dev/null
echo "B: $(mariadb "${b[@]}" -N -e "SELECT CONCAT(Slave_SQL_Running) FROM information_schema.SLAVE_STATUS" 2>/dev/null || true)"

t0=$(secs)
$bin --log-level warn resync --from "$A" --to "$B" --conflicts from-wins >"$dir/resync.out" && rc=0 || rc=$?
t1=$(secs)
grep -E "^plan|^applied|^conflicts|^verify|^time" "$dir/resync.out" || true
cp "$dir/resync.out" /tmp/binsync-resync-bench.out
echo "resync exit $rc"

# The old recovery: dump A, reload into B (a scratch database, unlogged).
t2=$(secs)
mariadb-dump --single-transaction --skip-lock-tables "${a[@]}" sbtest >"$dir/dump.sql"
t3=$(secs)
mariadb "${b[@]}" -e "SET sql_log_bin=0; CREATE DATABASE reseed"
{ echo "SET sql_log_bin=0;"; cat "$dir/dump.sql"; } | mariadb "${b[@]}" reseed
t4=$(secs)
python3 - <<EOF
resync = $t1 - $t0
dump, reload = $t3 - $t2, $t4 - $t3
print(f"rows {4 * $rows}: binsync resync {resync:.2f} s; mariadb-dump {dump:.2f} s + reload {reload:.2f} s = {dump + reload:.2f} s; ratio resync/re-seed {resync / (dump + reload):.2f} (target <= 0.33)")
EOF
