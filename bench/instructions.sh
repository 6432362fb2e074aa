#!/usr/bin/env bash
# Instructions per call of the generated `sms_otp_login` and of the hand-written reqwest client,
# counted by callgrind on the client thread (user space; the server thread and the kernel are
# not counted). Unlike time on a shared machine, the counts barely move from run to run. Each
# side runs twice, N and 3N calls, and the difference is divided by 2N, so set-up cancels out.
#
#   bash bench/instructions.sh      (from the workspace root; needs valgrind; N=500 by default)
#   ARAZZO_BENCH_PADDING=102400 N=50 bash bench/instructions.sh
#                                   (the `user` object of the response padded by ~100 KB of
#                                   members neither side reads; N a multiple of 10)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "skipped: valgrind is not installed"; exit 0; }
N=${N:-500}
bin=$(cargo bench -q -p arazzo-bench --bench workflow --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "workflow" and m.get("executable"):
        print(m["executable"])')
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
count() { # side calls -> instructions of the main thread
  ARAZZO_BENCH_NO_PAIRED=1 valgrind -q --tool=callgrind --separate-threads=yes \
    --callgrind-out-file="$TMP/out.$1.$2" "$bin" "$1" --sample-count "$(($2 / 10))" --sample-size 10 \
    --bench >/dev/null 2>"$TMP/log" || { cat "$TMP/log"; exit 1; }
  awk '/^summary:/ { print $2; exit }' "$TMP/out.$1.$2-01"
}
declare -A per
for side in generated_sms_otp_login hand_written_reqwest; do
  one=$(count "$side" "$N")
  three=$(count "$side" "$((3 * N))")
  per[$side]=$(( (three - one) / (2 * N) ))
done
g=${per[generated_sms_otp_login]}
h=${per[hand_written_reqwest]}
echo "instructions per call (client thread, callgrind; padding ${ARAZZO_BENCH_PADDING:-0} bytes): generated $g, hand-written $h: $(awk -v g="$g" -v h="$h" 'BEGIN { printf "%.3fx", g / h }')"
