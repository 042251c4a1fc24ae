#!/usr/bin/env bash
# Benchmark GET /v1/me through the hub (wrk) against the same SQL sent straight to
# PostgreSQL (pgbench, bench/me.pgbench), at the same concurrency, and print both side by
# side. The ratio is the cost of everything that is not the database: HTTP, routing,
# JSON, the connection pool. See bench/README.md for how to read it.
#
#   bash bench/run.sh
#
# Settings (environment):
#   BENCH_CONNECTIONS (16)  wrk connections = pgbench clients
#   BENCH_THREADS (2)       wrk threads = pgbench -j
#   BENCH_DURATION (20)     seconds measured, for each tool
#   BENCH_WARMUP (5)        seconds run first and thrown away, for each tool
#   HUB_DB_POOL_SIZE (8)    the hub's PostgreSQL connections
#   BENCH_RESET (0)         1: drop and recreate the bench database first (needed when an
#                           applied migration was edited: `hub migrate` refuses it)
#
# The cluster lives in .hub/bench (data kept between runs, so later runs skip initdb).
# It is stopped on exit if this run started it; if it was already running, it is left
# running. The hub is always stopped on exit. Raw outputs (wrk, pgbench logs, the hub's
# log) are kept in .hub/bench/out/<timestamp>/.
#
# The release build uses its own scratch path (.build-bench) so that it never takes the
# lock on .build, which debug builds and tests use.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=deploy/pg.sh
source deploy/pg.sh

CONNECTIONS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-20}
WARMUP=${BENCH_WARMUP:-5}
POOL=${HUB_DB_POOL_SIZE:-8}
PGDIR=$ROOT/.hub/bench
SCRATCH=$ROOT/.build-bench
EMAIL=admin@alfi.demo
PASSWORD='demo-hub-2025!'
ORGANISATION=ALFI
# SessionPolicy.idleTimeout, as `authenticate` passes it to auth_session.
IDLE_SECONDS=1800

log() { echo "bench: $*" >&2; }
die() { echo "bench: FAIL: $*" >&2; exit 1; }

started_at=$(date +%s)
OUT=$PGDIR/out/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"

HUB_PID=""
PG_STARTED_HERE=0
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    local status=$?
    if [[ -n $HUB_PID ]] && kill -0 "$HUB_PID" 2>/dev/null; then
        kill "$HUB_PID" 2>/dev/null || true
        # Give graceful shutdown a moment, then insist: a stuck hub must not outlive us.
        for _ in $(seq 1 50); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$HUB_PID" 2>/dev/null || true
        wait "$HUB_PID" 2>/dev/null || true
    fi
    if [[ $PG_STARTED_HERE == 1 ]]; then
        pg_stop "$PGDIR" || true
    fi
    log "wall time $(( $(date +%s) - started_at ))s; outputs in ${OUT#"$ROOT"/}"
    exit "$status"
}
trap cleanup EXIT
# Turn signals into a normal exit so the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---------------------------------------------------------------------------------------
# 1. Tools
# ---------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    [[ $EUID -eq 0 ]] || die "wrk is not installed; as root run: apt-get install -y wrk"
    log "installing wrk..."
    # The package lists may be missing or stale in a fresh container: update only if needed.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2 ||
        { DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2; }
fi
pg_ensure_installed

# ---------------------------------------------------------------------------------------
# 2. Release build (first build: 5-10 minutes on 2 cores)
# ---------------------------------------------------------------------------------------
log "building the hub (release, scratch path .build-bench)..."
swift build -c release --scratch-path "$SCRATCH" >&2
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/hub"
[[ -x $BIN ]] || die "no hub binary at $BIN"

# ---------------------------------------------------------------------------------------
# 3. Database: dedicated cluster, migrated and seeded (both idempotent)
# ---------------------------------------------------------------------------------------
# _pg_running is pg.sh's own liveness test (pid file alone is not enough in containers).
_pg_running "$PGDIR" || PG_STARTED_HERE=1
pg_start "$PGDIR" "$(pg_free_port)"
# shellcheck disable=SC1091
source "$PGDIR/env"

if [[ ${BENCH_RESET:-0} == 1 ]]; then
    # Only demo data lives here, so nothing is lost; pg_start recreates the empty database.
    log "BENCH_RESET=1: recreating the bench database"
    pg_psql_super "$PGDIR" -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS hub WITH (FORCE)'
    pg_start "$PGDIR" "$HUB_DB_PORT"
fi
"$BIN" migrate >&2 ||
    die "hub migrate failed; if a migration was edited after this cluster applied it, rerun with BENCH_RESET=1"
HUB_MODE=demo "$BIN" seed-demo >&2

owner_psql() {
    PGPASSWORD=$HUB_DB_OWNER_PASSWORD "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
        -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" -U "$HUB_DB_OWNER_USER" -d "$HUB_DB_NAME" "$@"
}
ORG_ID=$(owner_psql -c "SELECT id FROM organisations WHERE name = '$ORGANISATION'")
PG_VERSION=$(owner_psql -c 'SHOW server_version')
[[ -n $ORG_ID ]] || die "organisation $ORGANISATION not found after seeding"

# ---------------------------------------------------------------------------------------
# 4. The hub, in the background, and a session token
# ---------------------------------------------------------------------------------------
HUB_PORT=$(pg_free_port)
URL=http://127.0.0.1:$HUB_PORT
log "starting hub on $URL (pool $POOL)..."
HUB_HOST=127.0.0.1 HUB_PORT=$HUB_PORT HUB_MODE=demo HUB_LOG_LEVEL=warning HUB_DB_POOL_SIZE=$POOL \
    "$BIN" serve >"$OUT/hub.log" 2>&1 &
HUB_PID=$!

for _ in $(seq 1 300); do
    kill -0 "$HUB_PID" 2>/dev/null || { tail -n 20 "$OUT/hub.log" >&2; die "hub exited during start-up"; }
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/health/ready" || true) == 200 ]] && break
    sleep 0.2
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/health/ready") == 200 ]] || die "hub not ready after 60s"

status=$(curl -s -o "$OUT/session.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"organisationId\":\"$ORG_ID\"}" \
    "$URL/v1/sessions")
[[ $status == 201 ]] || { cat "$OUT/session.json" >&2; die "sign-in answered $status, not 201"; }

# Everything pgbench needs is taken from the sign-in response, formatted as the hub
# formats it when it sets the actor (Actor.rolesSetting: sorted roles joined by commas).
{ read -r TOKEN; read -r USER_ID; read -r ACTOR_ORG_ID; read -r ROLES; read -r BOUND; } < <(
    python3 - "$OUT/session.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
me = s["me"]
print(s["token"])
print(me["user"]["id"])
print(me["organisation"]["id"])
print(",".join(me["roles"]))
print("true" if me["boundBySecret"] else "false")
PY
)
rm -f "$OUT/session.json"  # it holds a live token
TOKEN_HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -c1-64)

# ---------------------------------------------------------------------------------------
# 5. Checks: both sides must do the real work, not answer 401s or read nothing
# ---------------------------------------------------------------------------------------
status=$(curl -s -o "$OUT/me.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/me")
[[ $status == 200 ]] || { cat "$OUT/me.json" >&2; die "GET /v1/me answered $status, not 200"; }
grep -q "\"$EMAIL\"" "$OUT/me.json" || die "GET /v1/me does not name $EMAIL: $(cat "$OUT/me.json")"
log "check: GET /v1/me -> 200 $(cat "$OUT/me.json")"

export PGPASSWORD=$HUB_DB_PASSWORD  # pgbench and psql below connect as hub_app
PGBENCH=("$PG_BIN/pgbench" -n -M extended -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" -U "$HUB_DB_USER"
    -f bench/me.pgbench -D "idle=$IDLE_SECONDS" -D "user_id=$USER_ID" -D "org_id=$ACTOR_ORG_ID"
    -D "roles=$ROLES" -D "bound=$BOUND")

# Show the row step 4 reads, under the same settings, with the same role.
step4=$("$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" \
    -U "$HUB_DB_USER" -d "$HUB_DB_NAME" -v tokenhash="\\x$TOKEN_HASH" -v idle="$IDLE_SECONDS" \
    -v user_id="$USER_ID" -v org_id="$ACTOR_ORG_ID" -v roles="$ROLES" -v bound="$BOUND" <<'SQL'
SELECT count(*) AS sessions FROM auth_session(:'tokenhash'::bytea, :idle * interval '1 second') \gset
\if :sessions
BEGIN;
SELECT set_config('app.user_id', :'user_id', true), set_config('app.org_id', :'org_id', true),
       set_config('app.roles', :'roles', true), set_config('app.bound', :'bound', true) \g /dev/null
SELECT u.email, u.display_name, o.name, o.kind
FROM users u, organisations o WHERE u.id = :'user_id' AND o.id = :'org_id';
COMMIT;
\endif
SQL
)
[[ $step4 == "$EMAIL|"*"|$ORGANISATION|"* ]] ||
    die "step 4 as hub_app read '${step4}', not $EMAIL of $ORGANISATION"
log "check: SQL step 4 as hub_app -> $step4"

# One transaction must succeed, and the same with an unknown token must fail: proof that
# the \gset guards in me.pgbench would stop a run that reads nothing. (pgbench prints
# "failed transactions: 0" even when it aborts: its exit status is what tells.)
"${PGBENCH[@]}" -D "tokenhash=\\x$TOKEN_HASH" -c 1 -t 1 "$HUB_DB_NAME" >"$OUT/pgbench-check.txt" 2>&1 ||
    { cat "$OUT/pgbench-check.txt" >&2; die "pgbench -t 1 failed"; }
grep -q 'actually processed: 1/1$' "$OUT/pgbench-check.txt" ||
    { cat "$OUT/pgbench-check.txt" >&2; die "pgbench -t 1 did not complete its transaction"; }
if "${PGBENCH[@]}" -D "tokenhash=\\x$(printf '0%.0s' {1..64})" -c 1 -t 1 "$HUB_DB_NAME" \
    >"$OUT/pgbench-negative.txt" 2>&1; then
    die "pgbench with an unknown token succeeded: me.pgbench no longer notices empty results"
fi
grep -q 'expected one row, got 0' "$OUT/pgbench-negative.txt" ||
    { cat "$OUT/pgbench-negative.txt" >&2; die "pgbench with an unknown token failed for another reason"; }
log "check: pgbench -t 1 ok; with an unknown token it fails as it should"

# ---------------------------------------------------------------------------------------
# 6. Measure: hub first, then the database alone (the hub sits idle meanwhile)
# ---------------------------------------------------------------------------------------
WRK=(wrk -t "$THREADS" -c "$CONNECTIONS" -H "Authorization: Bearer $TOKEN")
# Other work on the machine (a parallel build) skews both halves: record how busy it was.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

log "wrk warm-up ${WARMUP}s..."
"${WRK[@]}" -d "${WARMUP}s" "$URL/v1/me" >"$OUT/wrk-warmup.txt"
log "wrk ${DURATION}s, $CONNECTIONS connections..."
"${WRK[@]}" -d "${DURATION}s" --latency "$URL/v1/me" >"$OUT/wrk.txt"
cat "$OUT/wrk.txt" >&2
kill -0 "$HUB_PID" 2>/dev/null || die "the hub died during the run"
# wrk counts every answer as a request: a run full of 401/500 would look fast.
if grep -q 'Non-2xx' "$OUT/wrk-warmup.txt" "$OUT/wrk.txt"; then
    die "wrk saw non-2xx responses: $(grep -h 'Non-2xx' "$OUT/wrk-warmup.txt" "$OUT/wrk.txt" | xargs)"
fi
if grep -q 'Socket errors' "$OUT/wrk.txt"; then
    die "wrk saw socket errors: $(grep 'Socket errors' "$OUT/wrk.txt")"
fi

log "pgbench warm-up ${WARMUP}s..."
"${PGBENCH[@]}" -D "tokenhash=\\x$TOKEN_HASH" -c "$CONNECTIONS" -j "$THREADS" -T "$WARMUP" \
    "$HUB_DB_NAME" >"$OUT/pgbench-warmup.txt" 2>&1 ||
    { cat "$OUT/pgbench-warmup.txt" >&2; die "pgbench warm-up failed"; }
log "pgbench ${DURATION}s, $CONNECTIONS clients..."
# Per-transaction log (pgbench_log.<pid>[.<thread>]): its 3rd column, the latency in
# microseconds, gives the percentiles; pgbench itself only prints the mean.
"${PGBENCH[@]}" -D "tokenhash=\\x$TOKEN_HASH" -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" \
    --log --log-prefix="$OUT/pgbench_log" "$HUB_DB_NAME" >"$OUT/pgbench.txt" 2>&1 ||
    { cat "$OUT/pgbench.txt" >&2; die "pgbench failed"; }
cat "$OUT/pgbench.txt" >&2
grep -q 'number of failed transactions: 0' "$OUT/pgbench.txt" || die "pgbench reported failed transactions"

# ---------------------------------------------------------------------------------------
# 7. Results
# ---------------------------------------------------------------------------------------
# wrk prints latencies with their own unit (us, ms, s): bring them to milliseconds.
wrk_ms() {
    awk -v p="$1%" '$1 == p {
        v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
        if (f < 0) { print "unknown unit " u > "/dev/stderr"; exit 1 }
        printf "%.3f\n", v * f }' "$OUT/wrk.txt"
}
WRK_RPS=$(awk '/^Requests\/sec:/ {printf "%.1f", $2}' "$OUT/wrk.txt")
WRK_P50=$(wrk_ms 50)
WRK_P99=$(wrk_ms 99)
PGB_TPS=$(awk '/^tps = / {printf "%.1f", $3; exit}' "$OUT/pgbench.txt")
read -r PGB_P50 PGB_P99 PGB_N < <(python3 - "$OUT"/pgbench_log.* <<'PY'
import sys
lat = sorted(int(line.split()[2]) for path in sys.argv[1:] for line in open(path))
def pct(p):  # nearest rank, in ms
    return lat[max(0, -(-len(lat) * p // 100) - 1)] / 1000
print(f"{pct(50):.3f} {pct(99):.3f} {len(lat)}")
PY
)
for v in WRK_RPS WRK_P50 WRK_P99 PGB_TPS PGB_P50 PGB_P99; do
    [[ -n ${!v} ]] || die "could not parse $v (see $OUT)"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
row() { printf '| %-16s | %20s | %18s | %17s |\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"; }

# At HUB_LOG_LEVEL=warning a quiet hub logs nothing: any line here deserves a look.
hub_lines=$(wc -l <"$OUT/hub.log")
hub_errors=$(grep -ciE 'error|critical' "$OUT/hub.log" || true)
revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -z $(git status --porcelain -- Sources sql Package.swift 2>/dev/null) ]] || revision+=" + uncommitted changes"
{
    echo
    echo "GET /v1/me: hub vs the same SQL on PostgreSQL"
    echo "  date:        $(date -Is)"
    echo "  revision:    $revision"
    # Only "before": during the run the load average mostly counts the benchmark itself.
    echo "  machine:     $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo);" \
        "load average before measuring $LOAD_BEFORE"
    echo "  concurrency: $CONNECTIONS connections/clients, $THREADS threads, ${DURATION}s after ${WARMUP}s warm-up"
    echo "  hub pool:    HUB_DB_POOL_SIZE=$POOL (pgbench holds $CONNECTIONS connections)"
    echo "  PostgreSQL:  $PG_VERSION; pgbench transactions logged: $PGB_N"
    echo
    printf '| %-16s | %20s | %18s | %17s |\n' measure "hub GET /v1/me (wrk)" "same SQL (pgbench)" "ratio hub/pgbench"
    printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..18})" "$(printf -- '-%.0s' {1..22})" \
        "$(printf -- '-%.0s' {1..20})" "$(printf -- '-%.0s' {1..19})"
    row "requests/s (tps)" "$WRK_RPS" "$PGB_TPS"
    row "p50 ms" "$WRK_P50" "$PGB_P50"
    row "p99 ms" "$WRK_P99" "$PGB_P99"
    echo
    echo "  hub log (level warning): $hub_lines line(s), $hub_errors mentioning error/critical"
}
if [[ $hub_lines != 0 ]]; then
    log "hub log (last 20 lines):"
    tail -n 20 "$OUT/hub.log" >&2
fi
