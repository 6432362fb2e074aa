#!/usr/bin/env bash
# Every figure of README's Performance table for issue 16 ("Zero overhead"), in one run, side by
# side: instructions per `sms_otp_login` against the hand-written client (callgrind; plain and
# with the response padded by 1 KB, 100 KB and 10 MB of unread members), heap allocations per
# run, client CPU time and wall time in paired rounds (plain and padded), and generation of the
# seed from the 1 MB upstream description and of all 24 Stytch workflows against a bare parse.
#
#   bash bench/zero-overhead.sh        (from the workspace root; needs valgrind and
#                                       ../shared/specs-upstream; about 15 minutes on 2 cores)
#
# Callgrind's counts are the deterministic figures; the times depend on what else runs on the
# machine (the paired rounds make the ratios fairer, not exact).
set -euo pipefail
cd "$(dirname "$0")/.."
section() { printf '\n== %s\n' "$1"; }

section "instructions per run, client thread (callgrind)"
bash bench/instructions.sh
ARAZZO_BENCH_PADDING=1024 N=100 bash bench/instructions.sh
ARAZZO_BENCH_PADDING=102400 N=20 bash bench/instructions.sh
ARAZZO_BENCH_PADDING=10485760 N=10 bash bench/instructions.sh

section "heap allocations per run, client thread (divan's AllocProfiler; the alloc rows)"
ARAZZO_BENCH_NO_PAIRED=1 cargo bench -q -p arazzo-bench --bench workflow --features count-allocations

section "client CPU time and wall time, paired rounds"
cargo bench -q -p arazzo-bench --bench workflow
ARAZZO_BENCH_PAIRED_ONLY=1 ARAZZO_BENCH_PADDING=1024 ARAZZO_BENCH_ROUNDS=31 ARAZZO_BENCH_PER_ROUND=100 \
  cargo bench -q -p arazzo-bench --bench workflow
ARAZZO_BENCH_PAIRED_ONLY=1 ARAZZO_BENCH_PADDING=102400 ARAZZO_BENCH_ROUNDS=21 ARAZZO_BENCH_PER_ROUND=20 \
  cargo bench -q -p arazzo-bench --bench workflow
ARAZZO_BENCH_PAIRED_ONLY=1 ARAZZO_BENCH_PADDING=10485760 ARAZZO_BENCH_ROUNDS=11 ARAZZO_BENCH_PER_ROUND=2 \
  cargo bench -q -p arazzo-bench --bench workflow

section "generation against a bare parse"
cargo bench -q -p arazzo-bench --bench generation
