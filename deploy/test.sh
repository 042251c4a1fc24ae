#!/usr/bin/env bash
# Run the test suite against a throwaway PostgreSQL cluster (deleted on exit, Ctrl-C included).
# Extra arguments go to `swift test`, e.g. `bash deploy/test.sh --filter TenancyTests`.
# A full run (no arguments) then runs the browser tests and schemathesis against one demo hub
# (Tests/demo_hub.sh),
# Tests/scenarios/notify_crash.py (the hub SIGKILLed
# mid-delivery, the SMTP server restarted, two hub processes on one database) and
# Tests/scenarios/db_outage.py (PostgreSQL stopped and restarted under load, then SIGTERM).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=deploy/pg.sh
source deploy/pg.sh

# The SMTP tests and the notify scenario run a real SMTP server: Debian's aiosmtpd, which
# only /usr/bin/python3 imports.
ensure_aiosmtpd() {
    /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null && return 0
    local sudo=()
    if [[ $EUID -ne 0 ]]; then
        if ! command -v sudo >/dev/null; then
            echo "test.sh: python3-aiosmtpd is not installed; as root run: apt-get install -y python3-aiosmtpd" >&2
            return 1
        fi
        sudo=(sudo)
    fi
    echo "test.sh: installing python3-aiosmtpd from Debian packages..." >&2
    # sudo resets the environment: DEBIAN_FRONTEND goes through env. Update the lists only if needed.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-aiosmtpd >&2 || {
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-aiosmtpd >&2
    } || return 1
    /usr/bin/python3 -c 'import aiosmtpd' || {
        echo "test.sh: aiosmtpd installed but /usr/bin/python3 cannot import it" >&2
        return 1
    }
}

pg_ensure_installed
ensure_aiosmtpd
mkdir -p "$ROOT/.hub"
PGDIR=$(mktemp -d "$ROOT/.hub/test-XXXXXX")

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    # Never let a failing stop keep the directory (or change the exit status).
    pg_stop "$PGDIR" || true
    rm -rf "$PGDIR"
}
trap cleanup EXIT
# Turn signals into a normal exit so the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' TERM HUP

PORT=$(pg_free_port)
# No crash safety needed for a cluster that is deleted afterwards; much faster on small disks.
HUB_PG_FAST=1 pg_start "$PGDIR" "$PORT"
# shellcheck disable=SC1091
source "$PGDIR/env"
echo "test.sh: throwaway cluster $PGDIR on 127.0.0.1:$HUB_DB_PORT"

# Each phase says how long it took: the whole command has a budget (README).
phase_start=$SECONDS
swift build --build-tests
BIN="$(swift build --show-bin-path)/hub"
"$BIN" migrate
echo "test.sh: build and migration took $((SECONDS - phase_start)) s"

export HUB_TEST=1
# Every answer the tests receive, checked against the OpenAPI document afterwards (issue 16).
export HUB_CONTRACT_RECORD=$PGDIR/answers.jsonl
# Swift Testing starts every test at once: on 2 cores, 250 tests with their servers, their
# databases and PostgreSQL's backends ran at a load of 12 to 15, and the tests that time
# many requests through a small pool (ConcurrencyTests) or an import under its deadline
# missed them. At most SWIFT_TEST_WIDTH tests run at a time (default 8).
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=${SWIFT_TEST_WIDTH:-8}
status=0
phase_start=$SECONDS
swift test "$@" || status=$?
echo "test.sh: swift test exited with $status in $((SECONDS - phase_start)) s (cluster $PGDIR, port $HUB_DB_PORT)"
if [[ $status -ne 0 ]]; then
    # Tests run concurrently: a failure that does not repeat alone is often the server's
    # (a deadlock, a serialization failure). Its words, before the cluster is deleted.
    grep -E -A3 "deadlock detected|could not serialize|concurrently updated|canceling statement" \
        "$PGDIR/log/postgres.log" | tail -n 40 >&2 || true
fi
if [[ $status -eq 0 ]]; then
    python3 -c 'import openapi_schema_validator' 2>/dev/null ||
        python3 -m pip install --quiet 'openapi-schema-validator>=0.6,<1' >&2
    python3 Tests/contract/check_answers.py Sources/Hub/Resources/openapi.json "$HUB_CONTRACT_RECORD" || status=$?
    echo "test.sh: answers checked against the OpenAPI document, exit $status"
fi
# The browser tests and schemathesis, on a full run only: one demo hub of their own on this
# cluster (Tests/demo_hub.sh), Chromium capped at 8 minutes and schemathesis at 4.
if [[ $status -eq 0 && $# -eq 0 ]]; then
    phase_start=$SECONDS
    bash Tests/demo_hub.sh "$BIN" "$PGDIR" || status=$?
    echo "test.sh: browser tests and schemathesis (Tests/demo_hub.sh) exited with $status in $((SECONDS - phase_start)) s"
fi
# The scenarios, on a full run only: each takes under two minutes. The outage scenario stops
# and restarts this very cluster, so it runs last.
if [[ $status -eq 0 && $# -eq 0 ]]; then
    phase_start=$SECONDS
    /usr/bin/python3 Tests/scenarios/notify_crash.py "$BIN" || status=$?
    echo "test.sh: notify scenario (Tests/scenarios/notify_crash.py) exited with $status in $((SECONDS - phase_start)) s"
fi
if [[ $status -eq 0 && $# -eq 0 ]]; then
    phase_start=$SECONDS
    /usr/bin/python3 Tests/scenarios/db_outage.py "$BIN" --pgdir "$PGDIR" || status=$?
    echo "test.sh: outage scenario (Tests/scenarios/db_outage.py) exited with $status in $((SECONDS - phase_start)) s"
fi
exit "$status"
