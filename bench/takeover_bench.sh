#!/usr/bin/env bash
# The lease as a fence under fire (issue 19, item 1; CI runs a short version in
# tests/integration/trust_test.cc). On a fresh sandbox pair, while a writer commits about
# 400 txn/s on A, a live `binsync replicate` A->B runs; each round kills its lease connection
# on B (KILL of the id binsync.lease records, as a DBA or pt-kill would) and starts a second
# replicate of the same stream at once. The round ends when one of the two has stopped: the
# old holder (a takeover) or the newcomer (refused: the old holder took its lease back
# first; or failed, e.g. on a duplicate key the old holder's late commits left). Then the writer stops, the survivor catches up, and the script prints:
#   takeovers        rounds where the newcomer took the lease and the old holder stopped,
#                    by what stopped it: its fence (a transaction found the lease taken) or
#                    its own lease check (taking the lease back was refused)
#   old holder exit  ms from the KILL to the old holder's exit, and from the newcomer's
#                    "starting at" line (lease taken, checkpoint read) to it (min / median /
#                    max); its commits stop at the takeover itself (the fence), the exit follows
#   GTIDs twice      source GTIDs logged more than once in B's binlog, counted with
#                    mariadb-binlog --skip-gtid-strict-mode (without it, it stops silently at
#                    the first GTID out of order)
#   identical        CHECKSUM TABLE equal on A and B
#   bench/takeover_bench.sh [--rounds N] [--rate TXN_PER_S] [--workers N] [--bin PATH]
# --bin runs another binsync build (e.g. one without the fence, to see what it prevents).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=30
rate=400
workers=4
other_bin=
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --bin) other_bin=$(realpath "$2"); shift 2 ;;
    *) echo "usage: $0 [--rounds N] [--rate TXN_PER_S] [--workers N] [--bin PATH]" >&2; exit 2 ;;
  esac
done
source bench/lib.sh
bench_pair takeover
[[ -n $other_bin ]] && bin=$other_bin
stream=from_server_$(mariadb "${a[@]}" -N -e "SELECT @@server_id")
lease_sql="SELECT IS_USED_LOCK('binsync.stream.$stream') = connection_id FROM binsync.lease WHERE stream = '$stream'"

mariadb "${a[@]}" -e "CREATE DATABASE f; CREATE TABLE f.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, k BIGINT NOT NULL, v INT, UNIQUE KEY (k))"
$bin replicate --source "$A" --target "$B" --until-caught-up >"$dir/setup.log" 2>&1
writer "$port" 1 "$rate" & writer_pids+=($!)

run_bg() {  # round number: a replicate of the stream in the background, its pid in $bg
  $bin replicate --source "$A" --target "$B" --mode live --workers "$workers" >"$dir/r$1.log" 2>&1 &
  bg=$!
}
holding() {  # waits (up to 30 s) until the holder holds the lease it recorded, then lets it apply
  for _ in $(seq 600); do
    if ! kill -0 "$holder" 2>/dev/null; then  # the survivor stopped too: another one starts
      wait "$holder" || true
      restarted=$((restarted + 1))
      echo "  the holder of round $holder_round stopped too: $(tail -1 "$dir/r$holder_round.log" | cut -c1-200)" >&2
      holder_round=${holder_round}b
      run_bg "$holder_round"
      holder=$bg
    fi
    [[ $(mariadb "${b[@]}" -N -e "$lease_sql" 2>/dev/null) == 1 ]] && { sleep 0.5; return; }
    sleep 0.05
  done
  echo "no replicate holds the lease of $stream after 30 s" >&2
  return 1
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
started_ms() {  # epoch ms of the "starting at" log line in $1 (logged after the lease is taken)
  python3 - "$1" <<'PY'
import re, sys, datetime
for line in open(sys.argv[1]):
    m = re.match(r"\[?(\d+-\d+-\d+ \d+:\d+:\d+\.\d+)", line)
    if m and " starting at " in line:
        t = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f")
        print(int(t.timestamp() * 1000))
        break
PY
}
spread() {  # min, median, max of the arguments
  (($#)) || { printf none; return; }
  printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {if (NR) printf "min %d, median %d, max %d", v[1], v[int((NR+1)/2)], v[NR]; else printf "none"}'
}
declare -A took_over
after_takeover=()

takeovers=0 fenced=0 by_check=0 refused=0 failed=0 other=0 restarted=0
run_bg 0
holder=$bg holder_round=0
holding || exit 1
stops=()
for ((round = 1; round <= rounds; round++)); do
  id=$(mariadb "${b[@]}" -N -e "SELECT connection_id FROM binsync.lease WHERE stream = '$stream'")
  t0=$(now_ms)
  mariadb "${b[@]}" -e "KILL CONNECTION $id" 2>/dev/null || echo "  round $round: connection $id (binsync.lease) was already gone" >&2
  run_bg "$round"
  newcomer=$bg
  while kill -0 "$holder" 2>/dev/null && kill -0 "$newcomer" 2>/dev/null; do sleep 0.005; done
  if ! kill -0 "$holder" 2>/dev/null; then
    exit_ms=$(now_ms)
    stops+=($((exit_ms - t0)))
    wait "$holder" || true
    takeovers=$((takeovers + 1))
    old_log=$dir/r$holder_round.log
    if grep -q 'was taken over by\|is being taken over' "$old_log"; then
      fenced=$((fenced + 1))
    elif grep -q 'is already being applied by' "$old_log"; then
      by_check=$((by_check + 1))
    else
      other=$((other + 1))
      echo "  round $round: the old holder stopped for another reason:" >&2
      tail -2 "$old_log" | sed 's/^/    /' >&2
    fi
    holder=$newcomer holder_round=$round
    took_over[$round]=$exit_ms
  else
    wait "$newcomer" || true
    if grep -q 'is already being applied by' "$dir/r$round.log"; then
      refused=$((refused + 1))
    else
      failed=$((failed + 1))
      echo "  round $round: the newcomer failed: $(tail -1 "$dir/r$round.log" | cut -c1-200)" >&2
    fi
  fi
  holding || { rounds=$round; echo "  stopping after round $round" >&2; break; }
  if [[ -n ${took_over[$round]:-} ]]; then  # the newcomer's "starting at" line: lease taken
    started=$(started_ms "$dir/r$round.log")
    [[ -n $started ]] && after_takeover+=($((took_over[$round] - started)))
  fi
done
stop_writers
kill -TERM "$holder" 2>/dev/null || true
rc=0; wait "$holder" || rc=$?
$bin replicate --source "$A" --target "$B" --until-caught-up >>"$dir/setup.log" 2>&1 ||
  echo "the final catch-up failed: $(tail -1 "$dir/setup.log" | cut -c1-200)" >&2
ca=$(checksums "$port") cb=$(checksums $((port + 1)))
echo "rounds $rounds at $rate txn/s on A, $workers workers: takeovers $takeovers (old holder stopped by its fence $fenced, by its lease check $by_check, otherwise $other), newcomer refused $refused, newcomer failed $failed; both stopped (a third started) $restarted"
echo "old holder exited, ms after the KILL: $(spread "${stops[@]}"); after the newcomer had taken the lease and read the checkpoint: $(spread "${after_takeover[@]}")"
echo "the last holder exited $rc on SIGTERM"
echo "GTIDs applied twice on B: $(dups 2)   identical: $([[ $ca == "$cb" ]] && echo yes || echo NO) (A $ca, B $cb)"
