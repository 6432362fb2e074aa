#!/usr/bin/env bash
# Runs the seed workflow (specs/arazzo/stytch-sms-otp-login-workflow.yml, with the 1 MB upstream
# Stytch consumer description) with two Arazzo runners and with our generated code, all against
# the same loopback Stytch-like server, and prints their start-up and per-execution times.
#
#   bash bench/peers.sh            (from the workspace root; needs ../shared, Python 3 and Node)
#
# Peers, installed into a temporary directory that is removed afterwards:
#   - Jentic arazzo-runner (PyPI `arazzo-runner`), Python: timed in one process (import and load
#     of the description, first execution, then the mean of RUNS executions), and as a CLI process;
#   - Redocly Respect (npm `@redocly/cli`, `redocly respect`), Node: one process per execution
#     (it has no way to run a workflow again in the same process), timed whole.
# Ours: `seed-client` (bench/src/bin) runs the macro-generated `sms_otp_login`: the process
# timed whole for one execution, then the mean of RUNS executions on one client.
#
# The peers get a temporary copy of the seed and of the description whose first server is the
# loopback server (neither runner can be pointed at another base URL for a description without
# server variables and still load the 1 MB file as written). Not run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-50}
PORT=${PORT:-8787}
SHARED=../shared/specs-upstream
if [ ! -f "$SHARED/openapi/stytch-consumer-openapi.yml" ]; then
  echo "skipped: $SHARED is absent (the shared test data lives beside the checkout)"
  exit 0
fi

now() { date +%s.%N; }
ms() { python3 -c "import sys; print(f'{(float(sys.argv[2]) - float(sys.argv[1])) * 1000:.1f}')" "$1" "$2"; }

TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "== building ours (release)"
cargo build --release --locked -q -p arazzo-bench --bin stytch-server --bin seed-client
./target/release/stytch-server "$PORT" --open >"$TMP/server.log" &
SERVER_PID=$!
for _ in $(seq 50); do grep -q listening "$TMP/server.log" 2>/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"

mkdir -p "$TMP/arazzo" "$TMP/openapi"
cp specs/arazzo/stytch-sms-otp-login-workflow.yml "$TMP/arazzo/"
sed "0,/- url: https:\/\/api.stytch.com/s||- url: $BASE|" \
  "$SHARED/openapi/stytch-consumer-openapi.yml" >"$TMP/openapi/stytch-consumer-openapi.yml"
SEED="$TMP/arazzo/stytch-sms-otp-login-workflow.yml"
INPUTS='{"phone_number": "+10000000000", "code": "000000", "session_duration_minutes": 60}'

declare -a ROWS
row() { ROWS+=("$(printf '%-34s %-30s %s' "$1" "$2" "$3")"); }

echo "== ours: generated sms_otp_login"
start=$(now)
./target/release/seed-client "$BASE" 0 >/dev/null
end=$(now)
ours=$(./target/release/seed-client "$BASE" "$RUNS" | sed -n 's/per execution: \([0-9.]*\) ms.*/\1/p')
row "arazzo-codegen (generated Rust)" "process, 1 execution: $(ms "$start" "$end") ms" "per execution: $ours ms"

if command -v python3 >/dev/null && python3 -m venv "$TMP/venv" >/dev/null 2>&1; then
  echo "== Jentic arazzo-runner (PyPI)"
  if "$TMP/venv/bin/pip" install -q arazzo-runner >"$TMP/pip.log" 2>&1; then
    version=$("$TMP/venv/bin/pip" show arazzo-runner | sed -n 's/^Version: //p')
    export STYTCH_BASICAUTH_USERNAME=project-test-00000000 STYTCH_BASICAUTH_PASSWORD=secret-test-00000000
    start=$(now)
    if "$TMP/venv/bin/arazzo-runner" execute-workflow "$SEED" --workflow-id sms-otp-login \
        --inputs "$INPUTS" >"$TMP/jentic-cli.log" 2>&1; then
      end=$(now)
      cli="process, 1 execution: $(ms "$start" "$end") ms"
    else
      cli="CLI failed (see below)"
      tail -5 "$TMP/jentic-cli.log"
    fi
    if out=$("$TMP/venv/bin/python" - "$SEED" "$RUNS" "$INPUTS" <<'PY'
import json, sys, time
t0 = time.perf_counter()
from arazzo_runner import ArazzoRunner
t1 = time.perf_counter()
runner = ArazzoRunner.from_arazzo_path(sys.argv[1])
t2 = time.perf_counter()
inputs = json.loads(sys.argv[3])
def run():
    result = runner.execute_workflow("sms-otp-login", inputs)
    status = str(getattr(result, "status", ""))
    outputs = getattr(result, "outputs", None) or {}
    if "complete" not in status.lower() or not outputs.get("sessionJwt"):
        raise SystemExit(f"workflow did not succeed: {result}")
run()
t3 = time.perf_counter()
runs = int(sys.argv[2])
for _ in range(runs):
    run()
t4 = time.perf_counter()
print(f"import {1e3*(t1-t0):.0f} ms + load {1e3*(t2-t1):.0f} ms + first {1e3*(t3-t2):.1f} ms;{1e3*(t4-t3)/runs:.3f}")
PY
    ); then
      row "Jentic arazzo-runner $version" "$cli" "per execution: ${out#*;} ms"
      row "" "in-process: ${out%;*}" ""
    else
      row "Jentic arazzo-runner $version" "could not run the seed: $out" ""
    fi
  else
    row "Jentic arazzo-runner" "pip install failed: $(tail -1 "$TMP/pip.log")" ""
  fi
else
  row "Jentic arazzo-runner" "skipped: no Python 3 with venv" ""
fi

if command -v npm >/dev/null; then
  echo "== Redocly Respect (npm @redocly/cli)"
  if npm install -s --prefix "$TMP/npm" @redocly/cli >"$TMP/npm.log" 2>&1; then
    redocly="$TMP/npm/node_modules/.bin/redocly"
    version=$("$redocly" --version 2>/dev/null | tail -1)
    times=()
    failed=
    for _ in 1 2 3 4 5; do
      start=$(now)
      if ! "$redocly" respect "$SEED" --workflow sms-otp-login \
          --input phone_number=+10000000000 --input code=000000 --input session_duration_minutes=60 \
          >"$TMP/respect.log" 2>&1; then
        failed=1
        break
      fi
      end=$(now)
      times+=("$(ms "$start" "$end")")
    done
    if [ -n "$failed" ]; then
      row "Redocly Respect $version" "could not run the seed (see below)" ""
      grep -v '║\|╔\|╚' "$TMP/respect.log" | tail -15
    else
      median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
      row "Redocly Respect $version" "process, 1 execution: $median ms" "(median of 5 processes)"
    fi
  else
    row "Redocly Respect" "npm install failed: $(tail -1 "$TMP/npm.log")" ""
  fi
else
  row "Redocly Respect" "skipped: no npm" ""
fi

echo
echo "seed workflow against $BASE ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores)"
printf '%s\n' "${ROWS[@]}"
