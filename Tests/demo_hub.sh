#!/usr/bin/env bash
# One demo hub for the browser tests and schemathesis (issues 16 and 20), on the test
# command's own cluster:
#
#   bash Tests/demo_hub.sh <hub binary> <cluster dir>
#
# A database of its own is created, migrated and seeded with the demo, served on a free port,
# and dropped at the end. The browser tests run first (Tests/browser/run.sh, capped at 8
# minutes): schemathesis then fuzzes sign-in, whose failures throttle the address, and may
# disable Antin's accounts.
set -euo pipefail
BIN=$1
PGDIR=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deploy/pg.sh
source "$ROOT/deploy/pg.sh"
# shellcheck disable=SC1090
source "$PGDIR/env"
pg_ensure_installed

DB=demo_$(od -An -tx1 -N4 /dev/urandom | tr -d ' \n')
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
# The dispatcher runs, as in `deploy/run.sh`: the browser tests open the demo's notifications
# from the inboxes it fills (Tests/browser/inbox_admin_pages.py). No SMTP relay: no e-mail.
export HUB_DB_NAME=$DB HUB_MODE=demo HUB_LOG_LEVEL=warning HUB_NOTIFY_DISPATCHER=on
"$BIN" migrate >/dev/null
"$BIN" seed-demo >/dev/null
# A regroupement for the dashboard's browser test (Tests/browser/indicator_pages.py): the
# demo programme and a second one only the DRIHL is a partner of (no other demo account sees
# it; its name sorts after the demo programme's, which stays the first one offered).
"$BIN" programme create --name "Relogement accompagné Essonne" --starts-on 2024-01-01 \
    --ends-on 2027-12-31 --budget 40000.00 --target-households 20 \
    --partner "DRIHL Île-de-France=evaluator" >/dev/null
"$BIN" programme regroupement --name "Île-de-France" \
    --programme "Logements Hlm accompagnés 2024–2025" "Relogement accompagné Essonne" >/dev/null
PORT=$(pg_free_port)
URL=http://127.0.0.1:$PORT
HUB_HOST=127.0.0.1 HUB_PORT=$PORT HUB_PUBLIC_URL=$URL "$BIN" serve >"$WORK/hub.log" 2>&1 &
HUB_PID=$!
for _ in $(seq 1 300); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/health/ready" || true) == 200 ]] && break
    kill -0 "$HUB_PID" 2>/dev/null || { tail -n 20 "$WORK/hub.log" >&2; exit 1; }
    sleep 0.2
done

status=0
started=$SECONDS
timeout --kill-after=10 480 bash "$ROOT/Tests/browser/run.sh" "$URL" || status=$?
echo "demo_hub.sh: browser tests (Tests/browser/run.sh) exited with $status in $((SECONDS - started)) s"
if [[ $status -eq 0 ]]; then
    started=$SECONDS
    bash "$ROOT/Tests/contract/schemathesis.sh" "$BIN" "$URL" || status=$?
    echo "demo_hub.sh: schemathesis (Tests/contract/schemathesis.sh) exited with $status in $((SECONDS - started)) s"
fi
if [[ $status -ne 0 ]]; then
    echo "demo_hub.sh: the hub's last log lines:" >&2
    tail -n 30 "$WORK/hub.log" >&2
fi
exit "$status"
