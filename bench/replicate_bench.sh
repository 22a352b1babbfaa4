#!/usr/bin/env bash
# replicate benchmark (issue 4): a replica catches up a backlog, as in ANCHORS.md.
# 1 M sysbench rows (4 x 250k), then 60,000 oltp_write_only transactions written on A
# while B's replication is stopped; servers with sync_binlog=1 and
# innodb_flush_log_at_trx_commit=1. B is restored from the same snapshot before each
# contender, all in this one run:
#   native serial, native slave_parallel_threads=4 optimistic,
#   binsync replicate --until-caught-up live (--workers 4 and 8) and catchup (--workers 4),
#   then binsync live at --workers 1, 2 (txn/s by workers).
# Prints seconds, transactions/s, ratios against native parallel, and binsync's peak RSS.
# --baseline BIN also runs live --workers 2 and 4 with another binsync build (live2-before,
# live4-before): before/after figures of a change from the same run and backlog.
# Needs: scripts/install-deps.sh --bench, a release build. Takes ~10 minutes.
#   bench/replicate_bench.sh [--rows-per-table N] [--events N] [--baseline BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=250000
events=60000
baseline=
while [[ $# -gt 0 ]]; do
  case $1 in
    --rows-per-table) rows=$2; shift 2 ;;
    --events) events=$2; shift 2 ;;
    --baseline) baseline=$(realpath "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
source bench/lib.sh
bench_pair bsrb --mysqld-option innodb_log_file_size=512M \
  --mysqld-option sync_binlog=1 --mysqld-option innodb_flush_log_at_trx_commit=1
replicate_from b "$port"
sysbench_prepare "$rows"
wait_for b "$(mariadb "${a[@]}" -N -e "SELECT @@gtid_binlog_pos")"
mariadb "${b[@]}" -e "STOP SLAVE"
bench_down
cp -a "$dir/node2" "$dir/node2.snap"
bench_up
mariadb "${b[@]}" -e "STOP SLAVE" 2>/dev/null || true
t0=$(secs)
sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$port --mysql-user=root \
  --mysql-db=sbtest --tables=4 --table-size=$rows --threads=8 --events=$events --time=0 run >/dev/null
t1=$(secs)
target=$(mariadb "${a[@]}" -N -e "SELECT @@gtid_binlog_pos")
backlog=$(mariadb "${a[@]}" -N -e "SHOW BINARY LOGS" | awk '{s+=$2} END {print s}')
echo "backlog: $events transactions written in $(python3 -c "print(f'{$t1-$t0:.1f}')") s; binlogs on A ${backlog} bytes; A at $target"

restore() {
  bench_down
  rm -rf "$dir/node2"
  cp -a "$dir/node2.snap" "$dir/node2"
  bench_up
  mariadb "${b[@]}" -e "STOP SLAVE" 2>/dev/null || true
}
checksum() { mariadb "$@" -N -e "CHECKSUM TABLE sbtest.sbtest1, sbtest.sbtest2, sbtest.sbtest3, sbtest.sbtest4" | awk '{print $2}' | tr '\n' ' '; }
want=$(checksum "${a[@]}")

native() {  # $1 = slave_parallel_threads
  restore
  mariadb "${b[@]}" -e "SET GLOBAL slave_parallel_threads=$1, GLOBAL slave_parallel_mode='optimistic'"
  local s e
  s=$(secs)
  mariadb "${b[@]}" -e "START SLAVE"
  mariadb "${b[@]}" -N -e "SELECT MASTER_GTID_WAIT('$target', 1800)" >/dev/null
  e=$(secs)
  [[ "$(checksum "${b[@]}")" == "$want" ]] || echo "  native $1: CHECKSUM differs!"
  python3 -c "print($e-$s)"
}

declare -A T RSS
T[serial]=$(native 0)
T[parallel4]=$(native 4)
run_binsync() {  # name, args...
  local name=$1; shift
  restore
  local s e
  s=$(secs)
  /usr/bin/time -f "%M" -o "$dir/rss" ${use_bin:-$bin} --log-level warn replicate --source "$A" --target "$B" --until-caught-up "$@" >"$dir/$name.out"
  e=$(secs)
  [[ "$(checksum "${b[@]}")" == "$want" ]] || echo "  binsync $name: CHECKSUM differs!"
  local bpos
  bpos=$(mariadb "${b[@]}" -N -e "SELECT @@gtid_binlog_pos")
  T[$name]=$(python3 -c "print($e-$s)")
  RSS[$name]=$(( $(cat "$dir/rss") / 1024 ))
  echo "  $name: $(cat "$dir/$name.out" | cut -c1-160)"
  echo "  $name: target gtid_binlog_pos $bpos"
}
run_binsync live4 --mode live --workers 4
run_binsync live8 --mode live --workers 8
run_binsync catchup4 --mode catchup --workers 4


run_binsync live1 --mode live --workers 1
run_binsync live2 --mode live --workers 2
contenders=(serial parallel4 live1 live2 live4 live8 catchup4)
if [[ -n $baseline ]]; then
  use_bin=$baseline run_binsync live2-before --mode live --workers 2
  use_bin=$baseline run_binsync live4-before --mode live --workers 4
  contenders+=(live2-before live4-before)
fi

p=${T[parallel4]}
printf "%-28s %8s %10s %8s %8s\n" contender seconds txn/s "vs par4" "RSS MB"
for k in "${contenders[@]}"; do
  printf "%-28s %8.2f %10.0f %8s %8s\n" "$k" "${T[$k]}" "$(python3 -c "print($events/${T[$k]})")" "$(ratio ${T[$k]} $p)" "${RSS[$k]:--}"
done
echo "targets: live <= 1.00 x native parallel, catchup <= 0.50 x, RSS < 512 MB"
