#!/usr/bin/env bash
# dump benchmark (issue 3): decode a generated sysbench binlog, as in ANCHORS.md.
# 1 M sysbench rows (oltp_common prepare, 4 x 250k) then 60,000 oltp_write_only transactions on
# one sandbox server (binlog_row_image=FULL, binlog_row_metadata=FULL): about 520 MB of binlog.
# Same run, same files, output to /dev/null, each contender the best of --repeat runs:
#   mariadb-binlog -v --base64-output=decode-rows        (the yardstick)
#   binsync dump --format stats | json | text
# Prints seconds, MB/s, peak RSS and the ratios (targets: stats >= 10x, json >= 3x).
# Needs: scripts/install-deps.sh --bench, a release build. Takes ~3 minutes.
#   bench/dump_bench.sh [--rows-per-table N] [--events N] [--repeat N] [--keep DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=250000
events=60000
repeat=3
keep=
while [[ $# -gt 0 ]]; do
  case $1 in
    --rows-per-table) rows=$2; shift 2 ;;
    --events) events=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
source bench/lib.sh
bench_pair bsdb --mysqld-option innodb_log_file_size=512M --mysqld-option max_binlog_size=1G
sysbench_prepare "$rows"
sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$port --mysql-user=root \
  --mysql-db=sbtest --tables=4 --table-size=$rows --threads=8 --events=$events --time=0 run >/dev/null
mariadb "${a[@]}" -e "FLUSH BINARY LOGS"
datadir=$(mariadb "${a[@]}" -N -e "SELECT @@datadir")
mapfile -t files < <(mariadb "${a[@]}" -N -e "SHOW BINARY LOGS" | awk -v d="$datadir" '{print d "/" $1}')
unset 'files[${#files[@]}-1]'   # the fresh, empty one
bytes=$(cat "${files[@]}" | wc -c)
if [[ -n $keep ]]; then mkdir -p "$keep"; cp "${files[@]}" "$keep/"; fi
echo "binlog: ${#files[@]} file(s), $bytes bytes"

# best wall time of $repeat runs and the peak RSS (KB) of the last; stdout to /dev/null
measure() {
  local best= rss t0 t1 t
  for _ in $(seq "$repeat"); do
    t0=$(secs)
    /usr/bin/time -f %M -o "$dir/rss" "$@" >/dev/null
    t1=$(secs)
    t=$(python3 -c "print(f'{$t1-$t0:.3f}')")
    if [[ -z $best ]] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
  done
  rss=$(cat "$dir/rss")
  echo "$best $rss"
}
report() {  # name seconds rss
  printf '%-52s %7.2f s %7.0f MB/s  RSS %4d MB\n' "$1" "$2" "$(python3 -c "print($bytes/1e6/$2)")" $(($3 / 1024))
}
read -r ref ref_rss < <(measure mariadb-binlog -v --base64-output=decode-rows "${files[@]}")
report "mariadb-binlog -v --base64-output=decode-rows" "$ref" "$ref_rss"
for fmt in stats json text; do
  read -r t rss < <(measure "$bin" dump --format "$fmt" "${files[@]}")
  report "binsync dump --format $fmt" "$t" "$rss"
  eval "t_$fmt=$t"
done
echo "ratio mariadb-binlog/binsync: stats $(ratio "$ref" "$t_stats")x (target >= 10), json $(ratio "$ref" "$t_json")x (target >= 3), text $(ratio "$ref" "$t_text")x"
