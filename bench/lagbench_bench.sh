#!/usr/bin/env bash
# lagbench's "must show" runs (issue 14) on a sandbox pair with native master-master
# replication (serial applier, sync_binlog=1, innodb_flush_log_at_trx_commit=1):
#   1. --engine both --direction both --rate 1000 --duration 20: native and binsync, both ways;
#   2. a known lag: MASTER_DELAY=2 on B at 200 TPS (p50 should be 1.5-2.7 s, none < 1.0 s,
#      none > 3.2 s), and no delay at 1000 TPS (p50 < 5 ms);
#   3. a sweep of native and binsync live in one run, with the HTML report.
# Outputs (JSON, text, HTML) go to OUT (default /tmp/lagbench-bench). Takes ~15 minutes.
#   bench/lagbench_bench.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/lagbench-bench}
mkdir -p "$out"
source bench/lib.sh
bench_pair bslag
replicate_from b "$port"
replicate_from a $((port + 1))
sleep 1
lag() { $bin lagbench --a "$A" --b "$B" "$@"; }

echo "== 1. both engines, both directions, 1000 TPS, 20 s"
lag --engine both --direction both --rate 1000 --duration 20 --format json >"$out/both-1000.json" \
  2>"$out/both-1000.log" || echo "(exit $?)"
python3 - "$out/both-1000.json" <<'PY' || true
import json, sys
j = json.load(open(sys.argv[1]))
for s in j["steps"]:
    l = s["lag"]
    print(f'{s["engine"]}/{s["round"]} {s["direction"]}: sent {s["sent"]} measured {s["measured"]} '
          f'p50 {l["p50_us"]} p90 {l["p90_us"]} p99 {l["p99_us"]} p99.9 {l["p999_us"]} max {l["max_us"]} us')
t = j["totals"]
print(f'totals: sent {t["sent"]} measured {t["measured"]} every_transaction_measured {t["every_transaction_measured"]}')
print(f'floor p50 {j["floor"]["p50_us"]} p99 {j["floor"]["p99_us"]} us; visibility p50 {j["visibility"]["p50_us"]} p99 {j["visibility"]["p99_us"]} us')
PY

echo "== 2a. MASTER_DELAY=2 on B, a-b, 200 TPS, 20 s"
mariadb "${b[@]}" -e "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=2; START SLAVE"
lag --direction a-b --rate 200 --duration 20 --drain 15 --format json >"$out/delay2.json" \
  2>"$out/delay2.log" || echo "(exit $?)"
mariadb "${b[@]}" -e "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=0; START SLAVE"
python3 - "$out/delay2.json" <<'PY' || true
import json, sys
j = json.load(open(sys.argv[1]))
s = j["steps"][0]; l = s["lag"]
ok = 1_500_000 <= l["p50_us"] <= 2_700_000 and l["min_us"] >= 1_000_000 and l["max_us"] <= 3_200_000
print(f'delay 2 s: min {l["min_us"]} p50 {l["p50_us"]} max {l["max_us"]} us, measured {s["measured"]}/{s["sent"]}: {"within" if ok else "OUTSIDE"} 1.5-2.7 s p50, [1.0, 3.2] s')
print(f'visibility (1% polled): p50 {j["visibility"]["p50_us"]} p99 {j["visibility"]["p99_us"]} us, {j["visibility"]["count"]} probes')
PY

echo "== 2b. no delay, a-b, 1000 TPS, 20 s"
lag --direction a-b --rate 1000 --duration 20 --format json >"$out/nodelay.json" \
  2>"$out/nodelay.log" || echo "(exit $?)"
python3 - "$out/nodelay.json" <<'PY' || true
import json, sys
j = json.load(open(sys.argv[1]))
s = j["steps"][0]; l = s["lag"]
print(f'no delay 1000 TPS: p50 {l["p50_us"]} p99 {l["p99_us"]} max {l["max_us"]} us ({"under" if l["p50_us"] < 5000 else "OVER"} 5 ms p50), measured {s["measured"]}/{s["sent"]}')
print(f'floor p50 {j["floor"]["p50_us"]} p99 {j["floor"]["p99_us"]} us; visibility p50 {j["visibility"]["p50_us"]} p99 {j["visibility"]["p99_us"]} us')
PY

echo "== 3. sweep, native and binsync live, a-b"
lag --engine both --direction a-b --sweep 250:4000:5 --duration 8 --warmup 2 \
  --report "$out/sweep.html" >"$out/sweep.txt" 2>"$out/sweep.log" || echo "(exit $?)"
cat "$out/sweep.txt"
echo "outputs in $out"
