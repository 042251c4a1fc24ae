#!/usr/bin/env bash
# Schemathesis against a demo hub of the test command's own cluster (issue 16): every
# operation of the OpenAPI document, with all of schemathesis' checks, a cap on examples per
# operation and on the whole run's time. 0 server errors and 0 schema or status mismatches
# expected.
#
#   bash Tests/contract/schemathesis.sh <hub binary> <cluster dir>
#
# The cluster is deploy/pg.sh's (DIR/env). The run creates a database of its own, migrates it,
# seeds the demo, serves it on a free port and drops the database at the end. Schemathesis is
# installed from PyPI into .hub/venv-contract when missing.
#
# Sign-in is fuzzed too: its failures are counted per address, so the hub runs alone on its
# own database, and every other request carries a token opened before the run.
#
# Every operation left out, check changed or generation restricted is in schemathesis.toml
# (with its reason), and the hooks (a made-up cursor) in hooks.py.
set -euo pipefail
BIN=$1
PGDIR=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-8}
MAX_TIME=${SCHEMATHESIS_MAX_TIME:-240}
# The test command runs seed 1; another seed (and a longer time) explores cases it never reaches.
SEED=${SCHEMATHESIS_SEED:-1}
# shellcheck source=deploy/pg.sh
source "$ROOT/deploy/pg.sh"
# shellcheck disable=SC1090
source "$PGDIR/env"
pg_ensure_installed

VENV=$ROOT/.hub/venv-contract
if ! "$VENV/bin/schemathesis" --version >/dev/null 2>&1; then
    echo "schemathesis.sh: installing schemathesis from PyPI into .hub/venv-contract..." >&2
    python3 -m venv --system-site-packages "$VENV"
    "$VENV/bin/pip" install --quiet 'schemathesis>=4.3,<5'
fi

DB=contract_$(od -An -tx1 -N4 /dev/urandom | tr -d ' \n')
WORK=$(mktemp -d)
HUB_PID=
cleanup() {
    [[ -z $HUB_PID ]] || { kill "$HUB_PID" 2>/dev/null || true; wait "$HUB_PID" 2>/dev/null || true; }
    PGPASSWORD=$HUB_DB_OWNER_PASSWORD "$PG_BIN/psql" -X -q -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" \
        -U "$HUB_DB_OWNER_USER" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

PGPASSWORD=$HUB_DB_OWNER_PASSWORD "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" \
    -U "$HUB_DB_OWNER_USER" -d postgres -c "CREATE DATABASE $DB" >/dev/null
export HUB_DB_NAME=$DB HUB_MODE=demo HUB_LOG_LEVEL=warning HUB_NOTIFY_DISPATCHER=off
"$BIN" migrate >/dev/null
"$BIN" seed-demo >/dev/null
LOGINS=$("$BIN" seed-demo --print-logins)
PORT=$(pg_free_port)
URL=http://127.0.0.1:$PORT
HUB_HOST=127.0.0.1 HUB_PORT=$PORT "$BIN" serve >"$WORK/hub.log" 2>&1 &
HUB_PID=$!
for _ in $(seq 1 300); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/health/ready" || true) == 200 ]] && break
    kill -0 "$HUB_PID" 2>/dev/null || { tail -n 20 "$WORK/hub.log" >&2; exit 1; }
    sleep 0.2
done

# One seat per kind of work, so that each operation is tried by someone it serves (the
# operations' seats are in schemathesis.toml): Claire Martin, ALFI's bound social worker,
# reaches most of the demo; ALFI's facilitator runs its cell and comités; Antin's housing
# officer offers flats; Antin's administrator manages accounts and webhooks (Antin's, so that
# disabling a listed user never locks out another seat but Antin's own).
organisation() { awk -v name="$1" '{ id = $1; $1 = ""; sub(/^ /, "") } $0 == name && length(id) == 36 { print id }' <<<"$LOGINS"; }
token() {
    curl -s -X POST "$URL/v1/sessions" -H 'Content-Type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"demo-hub-2025!\",\"organisationId\":\"$2\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
ALFI=$(organisation ALFI)
ANTIN=$(organisation 'Antin Résidences')
HUB_SEAT_WORKER=$(token claire.martin@alfi.demo "$ALFI")
HUB_SEAT_FACILITATOR=$(token karim.haddad@alfi.demo "$ALFI")
HUB_SEAT_HOUSING=$(token julie.moreau@antin.demo "$ANTIN")
HUB_SEAT_ADMIN=$(token admin@antin.demo "$ANTIN")
export HUB_SEAT_WORKER HUB_SEAT_FACILITATOR HUB_SEAT_HOUSING HUB_SEAT_ADMIN

started=$SECONDS
status=0
# From the work directory: schemathesis keeps its examples and reproductions in ./.schemathesis.
cd "$WORK"
SCHEMATHESIS_HOOKS=hooks PYTHONPATH=$ROOT/Tests/contract \
    "$VENV/bin/schemathesis" --config-file "$ROOT/Tests/contract/schemathesis.toml" run "$URL/openapi.json" --url "$URL" \
    --checks all --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" --seed "$SEED" \
    --generation-deterministic --request-timeout 10 --no-color \
    --report junit --report-dir "$WORK/report" >"$WORK/schemathesis.txt" 2>&1 || status=$?
cat "$WORK/schemathesis.txt"
echo "schemathesis.sh: exit $status in $((SECONDS - started)) s"
exit "$status"
