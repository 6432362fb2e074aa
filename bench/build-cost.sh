#!/usr/bin/env bash
# What the macro adds to `cargo check -p generated-example`: the median time of a check after a
# no-op edit (touch) of a .rs file of the crate, which re-expands the macro, against one after a
# touch of the seed document, which also reruns build.rs. Then the generator's own time in the
# dev profile (what the macro and build.rs run, unoptimised) on the seed, with our small
# description and with the 1 MB upstream one.
#
#   bash bench/build-cost.sh        (from the workspace root; RUNS=N, default 9)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-9}
SEED=specs/arazzo/stytch-sms-otp-login-workflow.yml

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }

cargo check -q -p generated-example --locked
cargo build -q -p arazzo-codegen --locked

for _ in $(seq "$RUNS"); do
  touch generated-example/src/lib.rs
  timed cargo check -q -p generated-example --locked
done | median >"${TMPDIR:-/tmp}/rs.$$"
for _ in $(seq "$RUNS"); do
  touch "$SEED"
  timed cargo check -q -p generated-example --locked
done | median >"${TMPDIR:-/tmp}/spec.$$"
rs=$(cat "${TMPDIR:-/tmp}/rs.$$")
spec=$(cat "${TMPDIR:-/tmp}/spec.$$")
rm -f "${TMPDIR:-/tmp}/rs.$$" "${TMPDIR:-/tmp}/spec.$$"
printf 'cargo check -p generated-example after touching a .rs file: %.2f s (median of %s)\n' "$rs" "$RUNS"
printf 'cargo check -p generated-example after touching the seed:   %.2f s (median of %s)\n' "$spec" "$RUNS"

gen() {
  for _ in $(seq "$RUNS"); do timed ./target/debug/arazzo-codegen check "$@"; done | median
}
printf 'generator, dev profile, seed with specs/openapi (what the macro runs): %.3f s\n' "$(gen "$SEED")"
UPSTREAM=../shared/specs-upstream/openapi/stytch-consumer-openapi.yml
if [ -f "$UPSTREAM" ]; then
  printf 'generator, dev profile, seed with the 1 MB upstream description:       %.3f s\n' \
    "$(gen "$SEED" --source "stytchConsumerApi=$UPSTREAM")"
else
  echo "skipped the 1 MB case: $UPSTREAM is absent"
fi
