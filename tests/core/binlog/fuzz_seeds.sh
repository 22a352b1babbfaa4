#!/usr/bin/env bash
# Writes a seed corpus for binlog_fuzz_decode (fuzz_decode.cc) into DIR: the events of the
# real binlogs in ../shared/fixtures/binlogs (after their magic and FORMAT_DESCRIPTION),
# prefixed with the selector byte of their flavour, plus a few JSON documents and diffs.
# Usage: tests/core/binlog/fuzz_seeds.sh DIR
set -euo pipefail
out=${1:?usage: fuzz_seeds.sh DIR}
root=$(cd "$(dirname "$0")/../../.." && pwd)
fixtures=$root/../shared/fixtures/binlogs
if [[ ! -d $fixtures ]]; then
  echo "fuzz_seeds.sh: $fixtures is absent (expected ../shared next to the repository)" >&2
  exit 1
fi
mkdir -p "$out"
n=0
while IFS= read -r -d '' f; do
  [[ $(head -c 4 "$f" | od -An -tx1 | tr -d ' ') == fe62696e ]] || continue
  # FDE size: bytes 9..12 of its header (little-endian), the header starting at offset 4.
  size=$(od -An -tu4 -j 13 -N 4 "$f" | tr -d ' ')
  (( size > 19 && size < 1024 )) || continue
  if head -c 200 "$f" | grep -a MariaDB > /dev/null; then sel='\x01'; else sel='\x00'; fi
  { printf "$sel"; head -c $((4 + size + 65536)) "$f" | tail -c +$((5 + size)); } > "$out/fixture-$n"
  n=$((n + 1))
done < <(find "$fixtures" -type f ! -name '*.md' ! -name '*.gz' -print0)
printf '\x02\x00\x01\x00\x0c\x00\x0b\x00\x01\x00\x05\x01\x00a' > "$out/json-object"
printf '\x02\x0f\xf6\x04\x06\x03\x81\x0d\xfb' > "$out/json-decimal"
printf '\x03\x0d\x00\x01\x00\x0c\x00\x0b\x00\x01\x00\x05\x01\x00a\x00\x03$.a\x03\x05\x07\x00' \
  > "$out/json-diff"
echo "wrote $((n + 3)) seeds to $out"
