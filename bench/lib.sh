# Shared plumbing of the macro benchmarks (sourced, not run): a sandbox pair in a temporary
# directory, stopped and removed on exit, and the helpers every script uses.
#   bench_pair PREFIX [sandbox up options...]   sets bin dir port a b A B pw, starts the pair
#   bench_up / bench_down                       start / stop the pair again (same options)
#   replicate_from REPLICA_ARRAY_NAME SOURCE_PORT   native replication, MASTER_USE_GTID=slave_pos
#   sysbench_prepare ROWS_PER_TABLE              4 sysbench tables on A (database sbtest)
#   wait_for ARRAY_NAME GTID_POS                 MASTER_GTID_WAIT on that server
#   secs; ratio X Y
#   writer PORT TAG RATE; start_writers [both]; stop_writers   a write load on f.t (trust, takeover)
#   checksums PORT; dups NODE                    CHECKSUM TABLE f.t; GTIDs logged twice
bench_pair() {
  local prefix=$1
  shift
  bin=$PWD/build/binsync
  dir=$(mktemp -d "/tmp/$prefix-XXXXXX")
  port=$(( 30000 + RANDOM % 5000 ))
  bench_opts=(--base-port "$port" --buffer-pool 1G "$@")
  trap '$bin --log-level warn sandbox down --dir "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
  bench_up
  a=(-h127.0.0.1 -P"$port" -uroot)
  b=(-h127.0.0.1 -P$((port + 1)) -uroot)
  A="mysql://root@127.0.0.1:$port"
  B="mysql://root@127.0.0.1:$((port + 1))"
  pw=$(cat "$dir/repl.password")
}
bench_up() { $bin --log-level warn sandbox up --dir "$dir" "${bench_opts[@]}" >/dev/null; }
bench_down() { $bin --log-level warn sandbox down --dir "$dir" >/dev/null; }
replicate_from() {
  local -n replica=$1
  mariadb "${replica[@]}" -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$2, MASTER_USER='repl', MASTER_PASSWORD='$pw', MASTER_USE_GTID=slave_pos; START SLAVE"
}
sysbench_prepare() {
  mariadb "${a[@]}" -e "CREATE DATABASE sbtest"
  sysbench oltp_common --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$port" --mysql-user=root \
    --mysql-db=sbtest --tables=4 --table-size="$1" prepare >/dev/null
}
wait_for() {
  local -n server=$1
  mariadb "${server[@]}" -N -e "SELECT MASTER_GTID_WAIT('$2', 1800)" >/dev/null
}
secs() { date +%s.%N; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

writer_pids=()
# Autocommitted inserts (unique k) and updates at roughly `rate` per second on server `port`.
writer() {
  local p=$1 tag=$2 rate=$3
  python3 - "$p" "$tag" "$rate" <<'PY' | mariadb -h127.0.0.1 -P"$1" -uroot --force 2>/dev/null || true
import sys, time
port, tag, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
i = 0
start = time.time()
while True:
    i += 1
    k = tag * 100000000 + i
    print(f"INSERT INTO f.t (k, v) VALUES ({k}, {i});")
    if i % 3 == 0:
        print(f"UPDATE f.t SET v = v + 1 WHERE k = {k - 1};")
    if i % 7 == 0:
        print(f"DELETE FROM f.t WHERE k = {k - 5};")
    sys.stdout.flush()
    delay = start + i / rate - time.time()
    if delay > 0:
        time.sleep(delay)
PY
}
start_writers() {
  writer "$port" 1 400 & writer_pids+=($!)
  if [[ ${1:-} == both ]]; then writer $((port + 1)) 2 400 & writer_pids+=($!); fi
}
stop_writers() {
  for p in "${writer_pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  for p in "${writer_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  writer_pids=()
  sleep 1
}
checksums() {
  mariadb -h127.0.0.1 -P"$1" -uroot -N -e "CHECKSUM TABLE f.t" | awk '{print $2}'
}
dups() {  # GTIDs logged more than once in server $1's binlogs (--skip-gtid-strict-mode:
  # without it mariadb-binlog stops silently at the first GTID out of order)
  local d=$dir/node$1/data
  mariadb-binlog --skip-gtid-strict-mode "$d"/mariadb-bin.[0-9]* 2>/dev/null |
    grep -o 'GTID [0-9]*-[0-9]*-[0-9]*' | sort | uniq -d | wc -l
}
