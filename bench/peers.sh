#!/usr/bin/env bash
# Runs the seed workflow (specs/arazzo/stytch-sms-otp-login-workflow.yml, with the 1 MB upstream
# Stytch consumer description) with two Arazzo runners and with our generated code, all against
# the same loopback Stytch-like server, and prints their start-up and per-execution times.
#
#   bash bench/peers.sh            (from the workspace root; needs ../shared, Python 3 and Node)
#
# Peers, installed into a temporary directory that is removed afterwards:
#   - Jentic arazzo-runner (PyPI `arazzo-runner`), Python: as a CLI process, and in one process
#     (import, load of the documents, first execution, then the mean of RUNS executions);
#   - Redocly Respect (npm `@redocly/cli`, `redocly respect`), Node: its CLI runs a workflow once
#     per process, so: the process timed whole, and Respect's own timer for that execution (which
#     also checks each response against its schema in the description).
# Ours: `seed-client` (bench/src/bin) runs the macro-generated `sms_otp_login`: the process timed
# whole for one execution, then in one process the first execution and the mean of RUNS more.
#
# Every runner reads a temporary copy of the seed and of the description whose first server is
# the loopback server: Jentic's runner has no base-URL override for a description without server
# variables (Respect's `--server` would do, but all should read the same files). The server
# (`stytch-server --open`) accepts requests without credentials, since the upstream description
# applies its security scheme to no operation and Respect then sends none. Not run in CI.
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
row() { ROWS+=("$(printf '%-32s | %-14s | %-30s | %-15s | %s' "$@")"); }
row "runner" "process, 1 run" "start-up in process" "first execution" "per execution (steady)"

echo "== ours: generated sms_otp_login"
start=$(now)
./target/release/seed-client "$BASE" 0 >/dev/null
end=$(now)
out=$(./target/release/seed-client "$BASE" "$RUNS")
first=$(sed -n 's/first execution: \([0-9.]*\) ms.*/\1/p' <<<"$out")
steady=$(sed -n 's/per execution: \([0-9.]*\) ms.*/\1/p' <<<"$out")
row "arazzo-codegen (generated Rust)" "$(ms "$start" "$end") ms" "none (compiled in)" "$first ms" "$steady ms"

if command -v python3 >/dev/null && python3 -m venv "$TMP/venv" >/dev/null 2>&1; then
  echo "== Jentic arazzo-runner (PyPI)"
  if "$TMP/venv/bin/pip" install -q arazzo-runner >"$TMP/pip.log" 2>&1; then
    version=$("$TMP/venv/bin/pip" show arazzo-runner | sed -n 's/^Version: //p')
    export STYTCH_BASICAUTH_USERNAME=project-test-00000000 STYTCH_BASICAUTH_PASSWORD=secret-test-00000000
    start=$(now)
    if "$TMP/venv/bin/arazzo-runner" execute-workflow "$SEED" --workflow-id sms-otp-login \
        --inputs "$INPUTS" >"$TMP/jentic-cli.log" 2>&1 && grep -q sessionJwt "$TMP/jentic-cli.log"; then
      end=$(now)
      cli="$(ms "$start" "$end") ms"
    else
      cli="CLI failed"
      tail -5 "$TMP/jentic-cli.log"
    fi
    if out=$("$TMP/venv/bin/python" - "$SEED" "$RUNS" "$INPUTS" 2>"$TMP/jentic.log" <<'PY'
import json, logging, sys, time
t0 = time.perf_counter()
from arazzo_runner import ArazzoRunner
t1 = time.perf_counter()
# Its INFO logging would be timed too; the CLI's default level is WARNING.
logging.disable(logging.INFO)
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
print(f"import {1e3*(t1-t0):.0f} ms + load {1e3*(t2-t1):.0f} ms;{1e3*(t3-t2):.1f} ms;{1e3*(t4-t3)/runs:.3f} ms")
PY
    ); then
      IFS=';' read -r load first steady <<<"$out"
      row "Jentic arazzo-runner $version" "$cli" "$load" "$first" "$steady"
    else
      row "Jentic arazzo-runner $version" "$cli" "could not run the seed: $(tail -1 "$TMP/jentic.log")" "" ""
    fi
  else
    row "Jentic arazzo-runner" "pip install failed: $(tail -1 "$TMP/pip.log")" "" "" ""
  fi
else
  row "Jentic arazzo-runner" "skipped: no Python 3 with venv" "" "" ""
fi

if command -v npm >/dev/null; then
  echo "== Redocly Respect (npm @redocly/cli)"
  if npm install -s --prefix "$TMP/npm" @redocly/cli >"$TMP/npm.log" 2>&1; then
    redocly="$TMP/npm/node_modules/.bin/redocly"
    version=$("$redocly" --version 2>/dev/null | tail -1)
    times=()
    inner=()
    failed=
    for _ in 1 2 3 4 5; do
      start=$(now)
      if ! "$redocly" respect "$SEED" --workflow sms-otp-login -J "$TMP/respect.json" \
          --input phone_number=+10000000000 --input code=000000 --input session_duration_minutes=60 \
          >"$TMP/respect.log" 2>&1; then
        failed=1
        break
      fi
      end=$(now)
      times+=("$(ms "$start" "$end")")
      # Respect's own timer for the workflow (its first and only execution in that process).
      inner+=("$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(next(iter(d["files"].values()))["executedWorkflows"][0]["totalTimeMs"])' "$TMP/respect.json")")
    done
    if [ -n "$failed" ]; then
      row "Redocly Respect $version" "could not run the seed (see above)" "" "" ""
      grep -v '║\|╔\|╚' "$TMP/respect.log" | tail -15
    else
      median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
      first=$(printf '%s\n' "${inner[@]}" | sort -n | sed -n 3p)
      row "Redocly Respect $version" "$median ms" "(in the process time)" "$first ms" "n/a: one per process"
    fi
  else
    row "Redocly Respect" "npm install failed: $(tail -1 "$TMP/npm.log")" "" "" ""
  fi
else
  row "Redocly Respect" "skipped: no npm" "" "" ""
fi

echo
echo "seed workflow against $BASE; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores;"
echo "medians of 5 processes for Respect, mean of $RUNS executions for 'per execution'"
printf '%s\n' "${ROWS[@]}"
