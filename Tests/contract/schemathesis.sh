#!/usr/bin/env bash
# Schemathesis against the demo hub of the test command (Tests/demo_hub.sh, issue 16): every
# operation of the OpenAPI document, with all of schemathesis' checks, a cap on examples per
# operation and on the whole run's time. 0 server errors and 0 schema or status mismatches
# expected.
#
#   bash Tests/contract/schemathesis.sh <hub binary> <hub URL>
#
# The binary prints the demo's logins (its database is the caller's HUB_DB_* environment).
# Schemathesis is installed from PyPI into .hub/venv-contract when missing.
#
# Sign-in is fuzzed too: its failures are counted per address, so it runs after the browser
# tests, and every other request carries a token opened before the run.
#
# Every operation left out, check changed or generation restricted is in schemathesis.toml
# (with its reason), and the hooks (a made-up cursor) in hooks.py.
set -euo pipefail
BIN=$1
URL=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-8}
MAX_TIME=${SCHEMATHESIS_MAX_TIME:-240}
# The test command runs seed 1; another seed (and a longer time) explores cases it never reaches.
SEED=${SCHEMATHESIS_SEED:-1}

VENV=$ROOT/.hub/venv-contract
if ! "$VENV/bin/schemathesis" --version >/dev/null 2>&1; then
    echo "schemathesis.sh: installing schemathesis from PyPI into .hub/venv-contract..." >&2
    python3 -m venv --system-site-packages "$VENV"
    "$VENV/bin/pip" install --quiet 'schemathesis>=4.3,<5'
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
LOGINS=$("$BIN" seed-demo --print-logins)

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
