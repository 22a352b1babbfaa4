#!/usr/bin/env bash
# The Trust issue's long fault run (a person runs it; CI keeps the short versions in
# tests/integration/trust_test.cc). On a fresh sandbox pair, while a writer keeps committing
# on the source (and on the target, bidirectional), binsync replicate is killed with -9 at
# random moments, the target and the source are restarted, and binsync's target connections
# are killed; after each scenario binsync catches up and the script checks:
#   identical      CHECKSUM TABLE of every table equal on both servers
#   applied twice  GTIDs of the source found more than once in the target's binlog (live
#                  mode keeps GTIDs; catchup rows are checked by the unique key instead)
# Then a 300 MB transaction is replicated and binsync's peak RSS printed (target < 512 MB).
#   bench/trust_bench.sh [--kills N] [--big-mb N]
set -euo pipefail
cd "$(dirname "$0")/.."
kills=12
big_mb=300
while (($#)); do
  case $1 in
    --kills) kills=$2; shift 2 ;;
    --big-mb) big_mb=$2; shift 2 ;;
    *) echo "usage: $0 [--kills N] [--big-mb N]" >&2; exit 2 ;;
  esac
done
source bench/lib.sh
bench_pair trust
log=$dir/binsync.log
run_bg() { $bin replicate --source "$A" --target "$B" "$@" >>"$log" 2>&1 & bg=$!; }
catch_up() { $bin replicate --source "$A" --target "$B" --until-caught-up "$@" >>"$log" 2>&1; }

mariadb "${a[@]}" -e "CREATE DATABASE f; CREATE TABLE f.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, k BIGINT NOT NULL, v INT, UNIQUE KEY (k))"
catch_up
scenario() {  # name, writers (one|both), replicate options...
  local name=$1 who=$2
  shift 2
  start_writers "$who"
  local n=0 exits=0
  while ((n < kills)); do
    run_bg "$@"
    sleep "$(python3 -c 'import random; print(round(random.uniform(0.3, 2.5), 2))')"
    if kill -9 "$bg" 2>/dev/null; then
      n=$((n + 1)) exits=0
    else
      exits=$((exits + 1))
      if ((exits >= 3)); then  # binsync keeps exiting by itself: a server down?
        for i in 1 2; do
          if ! mariadb -h127.0.0.1 -P$((port + i - 1)) -uroot -e 'DO 1' 2>/dev/null; then
            echo "  node$i is down (its log is kept in /tmp/trust-bench-node$i-crash-*.log); restarting it"
            grep -E 'signal|ERROR' "$dir/node$i/mariadbd.log" | tail -3 | sed 's/^/    /'
            cp "$dir/node$i/mariadbd.log" "/tmp/trust-bench-node$i-crash-$(date +%s).log"
          fi
        done
        bench_up
        exits=0
      fi
    fi
    wait "$bg" 2>/dev/null || true
  done
  stop_writers
  catch_up "$@"
  local ca cb
  ca=$(checksums "$port") cb=$(checksums $((port + 1)))
  printf '%-34s kills %3d  identical %-3s  A %s B %s  GTIDs applied twice on B: %s\n' \
    "$name" "$kills" "$([[ $ca == "$cb" ]] && echo yes || echo NO)" "$ca" "$cb" "$(dups 2)"
}
scenario "live, one-way" one --mode live
scenario "catchup, one-way" one --mode catchup
scenario "live, bidirectional" both --mode live --bidirectional

# Target and source restarts and killed connections under a running live stream.
start_writers one
run_bg --mode live
pid=$bg
sleep 2
node_pid() { python3 -c "import json,sys; print([n['pid'] for n in json.load(open('$dir/sandbox.json'))['servers'] if n['index']==$1][0])"; }
for round in 1 2; do
  kill "$(node_pid 2)"; sleep 2; bench_up; sleep 2      # target restart
  mariadb "${b[@]}" -N -e "SELECT ID FROM information_schema.PROCESSLIST WHERE USER='root' AND ID <> CONNECTION_ID() AND COMMAND <> 'Binlog Dump'" |
    while read -r id; do mariadb "${b[@]}" -e "KILL CONNECTION $id" 2>/dev/null || true; done  # killed connections
  sleep 2
done
stop_writers
kill "$(node_pid 1)"; sleep 2; bench_up; sleep 3          # source restart, writers stopped
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
echo "replicate under restarts and killed connections: exit $rc on SIGTERM (0 expected; log $log)"
catch_up --mode live
ca=$(checksums "$port") cb=$(checksums $((port + 1)))
printf '%-34s identical %-3s  GTIDs applied twice on B: %s\n' "restarts + killed connections" \
  "$([[ $ca == "$cb" ]] && echo yes || echo NO)" "$(dups 2)"

# Memory: one transaction of ~big_mb MB.
rows=$((big_mb * 1000))
mariadb "${a[@]}" -e "CREATE TABLE f.big (id INT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(1000)); USE f; INSERT INTO f.big (pad) SELECT REPEAT('x', 1000) FROM seq_1_to_$rows"
/usr/bin/time -v $bin replicate --source "$A" --target "$B" --until-caught-up 2>"$dir/big.err" >/dev/null || true
peak=$(grep 'Maximum resident' "$dir/big.err" | awk '{print $NF}')
printf 'one %d MB transaction: binsync peak RSS %d MB (target < 512 MB); rows on B: %s\n' "$big_mb" \
  $((peak / 1024)) "$(mariadb "${b[@]}" -N -e 'SELECT COUNT(*) FROM f.big')"
