# shellcheck shell=bash
# shellcheck disable=SC2034  # the settings and what the functions set are read by the sections
# bench/lib.sh: what every section of bench/run.sh shares. Sourced by run.sh from the
# repository's root, after the routes are chosen (RUN_<SECTION>, NEED_HOUSEHOLDS,
# NEED_COMITES): the settings, the exit trap, then functions for the tools and the release
# build, the cluster and its population, the hub and its sign-ins, the two tools' runs
# (measure) and the tables.
log() { echo "bench: $*" >&2; }
die() { echo "bench: FAIL: $*" >&2; exit 1; }

# shellcheck source=deploy/pg.sh
source deploy/pg.sh
# shellcheck source=bench/wrk.sh
source bench/wrk.sh

CONNECTIONS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-20}
WARMUP=${BENCH_WARMUP:-5}
POOL=${HUB_DB_POOL_SIZE:-8}
# The hub answers 503 when no connection frees within HUB_DB_CONNECTION_WAIT_MS (1 s by
# default, the fast-fail guard HardeningTests checks). With 16 clients on a pool of 8, a route
# of 800 ms (the minutes) queues longer than that on a busy 2-core machine and wrk's
# non-2xx check stops the run: the bench measures throughput behind a deeper queue.
WAIT_MS=${HUB_DB_CONNECTION_WAIT_MS:-10000}
HOUSEHOLDS=${BENCH_HOUSEHOLDS:-10000}
[[ $HOUSEHOLDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_HOUSEHOLDS must be a positive integer, not '$HOUSEHOLDS'"
NOTIFY_EVENTS=${BENCH_NOTIFY_EVENTS:-5000}
NOTIFY_RATE=${BENCH_NOTIFY_RATE:-50}
NOTIFY_SECONDS=${BENCH_NOTIFY_SECONDS:-20}
NOTIFY_CLIENTS=${BENCH_NOTIFY_CLIENTS:-1}
SITUATIONS=${BENCH_SITUATIONS:-500}
COMITES=${BENCH_COMITES:-30}
COMITES_WARMUP=${BENCH_COMITES_WARMUP:-2}
[[ $COMITES_WARMUP =~ ^[0-9]+$ ]] || die "BENCH_COMITES_WARMUP must be a non-negative integer, not '$COMITES_WARMUP'"
for v in NOTIFY_EVENTS NOTIFY_RATE NOTIFY_SECONDS NOTIFY_CLIENTS SITUATIONS COMITES; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_$v must be a positive integer, not '${!v}'"
done
PGDIR=$ROOT/.hub/bench
SCRATCH=$ROOT/.build-bench
PASSWORD='demo-hub-2025!'
ORGANISATION=ALFI
# The /v1/me reader, and the household reader: ALFI's référente of the generated households
# (lead organisation, bound by secret: she reads partners, secret and ALFI's private items).
ME_EMAIL=admin@alfi.demo
HH_EMAIL=claire.martin@alfi.demo
# SessionPolicy.idleTimeout, as `authenticate` passes it to auth_session.
IDLE_SECONDS=1800
# When the generated households were made, and how long it took (kept between runs), and
# the SHA-256 of the generator's SQL that made them; the same for the comités' fixture
# (with the number of situations).
GENERATED_NOTE=$PGDIR/households-generated
GENERATED_SHA=$PGDIR/households-generated.sha256
# The generator's SQL, whose digests decide whether the generated data can be reused.
HOUSEHOLDS_SQL=Sources/Hub/Seeding/BenchSQL+Households.swift
CELL_SQL=Sources/Hub/Seeding/BenchSQL+Cell.swift
COMITES_NOTE=$PGDIR/comites-generated
COMITES_SHA=$PGDIR/comites-generated.sha256
# The comités' readers: the cell's facilitator (ALFI, the lead organisation of every generated
# household), and a partner's social worker (the département's ASE educator, in the care team
# of a third of the cell's households with a `partners` consent: BenchSQL+Cell.swift).
FAC_EMAIL=karim.haddad@alfi.demo
PARTNER_EMAIL=thomas.leroy@essonne.demo
PARTNER_ORGANISATION="Conseil départemental de l'Essonne"

started_at=$(date +%s)
OUT=$PGDIR/out/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"

HUB_PID=""
SINK_PID=""
# The agenda section's two pgbench sessions (build, publish), by operation.
declare -A AG_PID=()
PG_STARTED_HERE=0
# stop_process PID: SIGTERM, a moment for a graceful shutdown, then SIGKILL: nothing we
# started may outlive us.
stop_process() {
    local pid=$1
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    local status=$? pid child
    # An agenda session may be waiting in a \shell on one of its FIFOs: its child first.
    for pid in "${AG_PID[@]}"; do
        for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do stop_process "$child"; done
        stop_process "$pid"
    done
    stop_process "$HUB_PID"
    stop_process "$SINK_PID"
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

# bench_build: wrk and PostgreSQL installed if missing, then the release build (its first
# build: 5-10 minutes on 2 cores); sets BIN.
bench_build() {
    wrk_ensure_installed
    pg_ensure_installed
    log "building the hub (release, scratch path .build-bench)..."
    swift build -c release --scratch-path "$SCRATCH" >&2
    BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/hub"
    [[ -x $BIN ]] || die "no hub binary at $BIN"
}

owner_psql() {
    PGPASSWORD=$HUB_DB_OWNER_PASSWORD "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
        -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" -U "$HUB_DB_OWNER_USER" -d "$HUB_DB_NAME" "$@"
}
# As the hub connects: hub_app, row level security applies.
app_psql() {
    PGPASSWORD=$HUB_DB_PASSWORD "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" -U "$HUB_DB_USER" -d "$HUB_DB_NAME" "$@"
}
super_psql() { pg_psql_super "$PGDIR" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
audit_rows() { owner_psql -c 'SELECT count(*) FROM audit_log'; }

# bench_database: the dedicated cluster started, migrated and seeded with the demo partners
# (both idempotent); sets ORG_ID and PG_VERSION.
bench_database() {
    # _pg_running is pg.sh's own liveness test (pid file alone is not enough in containers).
    _pg_running "$PGDIR" || PG_STARTED_HERE=1
    pg_start "$PGDIR" "$(pg_free_port)"
    # shellcheck disable=SC1091
    source "$PGDIR/env"

    if [[ ${BENCH_RESET:-0} == 1 ]]; then
        # Only demo and generated data live here, so nothing is lost; pg_start recreates the
        # empty database.
        log "BENCH_RESET=1: recreating the bench database"
        pg_psql_super "$PGDIR" -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS hub WITH (FORCE)'
        rm -f "$GENERATED_NOTE" "$GENERATED_SHA" "$COMITES_NOTE" "$COMITES_SHA"
        pg_start "$PGDIR" "$HUB_DB_PORT"
    fi
    "$BIN" migrate >&2 ||
        die "hub migrate failed; if a migration was edited after this cluster applied it, rerun with BENCH_RESET=1"
    HUB_MODE=demo "$BIN" seed-demo >&2
    ORG_ID=$(owner_psql -c "SELECT id FROM organisations WHERE name = '$ORGANISATION'")
    PG_VERSION=$(owner_psql -c 'SHOW server_version')
    [[ -n $ORG_ID ]] || die "organisation $ORGANISATION not found after seeding"
}

GENERATION="-"
# bench_households: BENCH_HOUSEHOLDS households generated, or reused if the same generator
# made as many; their ids in HH_IDS (HH_FIRST the first), and what they hold (HH_STATES,
# PATH_*) for the tables.
bench_households() {
    # Generated households are the `B-%` references (hub seed-synthetic --bench households,
    # Sources/Hub/Seeding/BenchSQL+Households.swift). It inserts them in one transaction, so a
    # database holds all of a generation or none of it.
    generator_sha=$(sha256sum "$HOUSEHOLDS_SQL" | cut -c1-64)
    have=$(owner_psql -c "SELECT count(*) FROM households WHERE reference LIKE 'B-%'")
    if [[ $have == "$HOUSEHOLDS" ]]; then
        # Reused only if made by this generator: an older one would measure other data (before
        # the paths, the households had no meetings, aid, flats...).
        if [[ -f $GENERATED_SHA ]]; then
            [[ $(cat "$GENERATED_SHA") == "$generator_sha" ]] ||
                die "the households' generator changed since the bench database's households were generated;" \
                    "rerun with BENCH_RESET=1 to generate them again"
        else
            paths=$(owner_psql -c "SELECT count(*) FROM meetings m JOIN households h ON h.id = m.household_id
                                   WHERE h.reference LIKE 'B-%'")
            ((paths > 0)) ||
                die "the bench database's households were generated by an older generator" \
                    "(no paths: no meetings); rerun with BENCH_RESET=1 to generate them again"
        fi
        GENERATION="reused ($HOUSEHOLDS already in the bench database"
        if [[ -f $GENERATED_NOTE ]]; then
            GENERATION+="; generated $(cat "$GENERATED_NOTE"))"
        else
            GENERATION+=")"
        fi
        log "households: $GENERATION"
    elif [[ $have == 0 ]]; then
        log "generating $HOUSEHOLDS households and their paths (hub seed-synthetic --bench households)..."
        gen_start=$(date +%s.%N)
        "$BIN" seed-synthetic --bench households --households "$HOUSEHOLDS" >&2 ||
            die "hub seed-synthetic --bench households failed"
        gen_seconds=$(awk -v a="$gen_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        echo "${gen_seconds}s on $(date -Is)" >"$GENERATED_NOTE"
        echo "$generator_sha" >"$GENERATED_SHA"
        GENERATION="${gen_seconds}s in this run"
        log "households: generated $HOUSEHOLDS in ${gen_seconds}s"
    else
        die "the bench database holds $have generated households, not BENCH_HOUSEHOLDS=$HOUSEHOLDS;" \
            "rerun with BENCH_RESET=1 to generate $HOUSEHOLDS"
    fi
    # The ids both clients draw from, derived as households.sql derives them; the join
    # proves that each one exists. wrk's Lua has no md5, so it reads them from this file.
    HH_IDS=$OUT/household-ids.txt
    owner_psql -v households="$HOUSEHOLDS" >"$HH_IDS" <<'SQL'
SELECT h.id FROM generate_series(1, :households) AS n
JOIN households h ON h.id = md5('bench-' || n)::uuid AND h.reference LIKE 'B-%'
ORDER BY n;
SQL
    [[ $(wc -l <"$HH_IDS") == "$HOUSEHOLDS" ]] ||
        die "only $(wc -l <"$HH_IDS") of the $HOUSEHOLDS ids md5('bench-' || n) name a generated household"
    HH_FIRST=$(head -n 1 "$HH_IDS")

    # What the generation holds: households by state, and the rows of their paths.
    HH_STATES=$(owner_psql -F ' ' -c "SELECT string_agg(status || ' ' || c, ', ' ORDER BY c DESC) FROM
        (SELECT status, count(*) AS c FROM households WHERE reference LIKE 'B-%' GROUP BY status) s")
    read -r PATH_TRANSITIONS PATH_CONTRACTS PATH_MEETINGS PATH_NOTES PATH_AIDS PATH_FLATS PATH_PROPOSALS \
        PATH_ANSWERS PATH_CAL PATH_LEASES PATH_ALERTS PATH_OUTCOMES < <(owner_psql -F ' ' <<'SQL'
CREATE TEMP TABLE b AS SELECT id FROM households WHERE reference LIKE 'B-%';
SELECT (SELECT count(*) FROM path_transitions WHERE household_id IN (SELECT id FROM b)),
       (SELECT count(*) FROM contracts WHERE household_id IN (SELECT id FROM b)),
       (SELECT count(*) FROM meetings WHERE household_id IN (SELECT id FROM b)),
       (SELECT count(*) FROM meeting_notes WHERE household_id IN (SELECT id FROM b)),
       (SELECT count(*) FROM aids WHERE household_id IN (SELECT id FROM b)),
       (SELECT count(*) FROM flats WHERE reference LIKE 'B-%'),
       (SELECT count(*) FROM proposals WHERE household_id IN (SELECT id FROM b)),
       (SELECT count(*) FROM proposal_answers WHERE household_id IN (SELECT id FROM b)),
       (SELECT count(*) FROM cal_decisions WHERE household_id IN (SELECT id FROM b)),
       (SELECT count(*) FROM leases WHERE household_id IN (SELECT id FROM b)),
       (SELECT count(*) FROM alerts WHERE household_id IN (SELECT id FROM b)),
       (SELECT count(*) FROM outcomes WHERE household_id IN (SELECT id FROM b));
SQL
    )
    log "households: by state: $HH_STATES"
    log "households: rows: $PATH_TRANSITIONS path transitions, $PATH_CONTRACTS contracts, $PATH_MEETINGS meetings" \
        "($PATH_NOTES notes), $PATH_AIDS aids, $PATH_FLATS flats, $PATH_PROPOSALS proposals ($PATH_ANSWERS answers)," \
        "$PATH_CAL CAL decisions, $PATH_LEASES leases, $PATH_ALERTS alerts, $PATH_OUTCOMES outcomes"
}

COMITES_GENERATION="-"
# bench_cell: the comités' cell following BENCH_SITUATIONS of the generated households, made
# again when its generator or the number changed; what it holds in CF_* for the tables. The
# cell is md5('bench-cell') (CELL_ID), its four past comités md5('bench-comite-<c>'); the
# agenda section creates and removes its planned comités.
bench_cell() {
    CELL_ID=$(owner_psql -c "SELECT md5('bench-cell')::uuid")
    comites_sha=$(cat "$HOUSEHOLDS_SQL" "$CELL_SQL" | sha256sum | cut -c1-64)
    comites_key="$comites_sha $SITUATIONS"
    have=$(owner_psql -c "SELECT count(*) FROM cell_situations WHERE cell_id = '$CELL_ID'")
    if [[ $have == "$SITUATIONS" && -f $COMITES_SHA && $(cat "$COMITES_SHA") == "$comites_key" ]]; then
        COMITES_GENERATION="reused ($SITUATIONS situations already in the bench database"
        if [[ -f $COMITES_NOTE ]]; then
            COMITES_GENERATION+="; made $(cat "$COMITES_NOTE"))"
        else
            COMITES_GENERATION+=")"
        fi
        log "comités: $COMITES_GENERATION"
    else
        # Another number of situations, or an older generator of the cell (or of the households):
        # the fixture is removed and made again. As the superuser, with the triggers off
        # (session_replication_role): sql/0008's lifecycle triggers refuse to delete a
        # published agenda or a held comité's decisions, whoever asks.
        log "comités: (re)making the cell, $SITUATIONS situations and their comités (hub seed-synthetic --bench cell)..."
        super_psql -v cell="$CELL_ID" >&2 <<'SQL' || die "removing the earlier comités fixture failed"
BEGIN;
SET LOCAL session_replication_role = replica;
CREATE TEMP TABLE bc AS SELECT id FROM comites WHERE cell_id = :'cell';
CREATE TEMP TABLE bi AS SELECT id FROM agenda_items WHERE comite_id IN (SELECT id FROM bc);
DELETE FROM comite_errata WHERE comite_id IN (SELECT id FROM bc);
DELETE FROM comite_actions WHERE comite_id IN (SELECT id FROM bc);
DELETE FROM comite_objections WHERE item_id IN (SELECT id FROM bi);
DELETE FROM comite_discussions WHERE comite_id IN (SELECT id FROM bc);
DELETE FROM comite_decisions WHERE comite_id IN (SELECT id FROM bc);
DELETE FROM comite_attendance WHERE comite_id IN (SELECT id FROM bc);
DELETE FROM summary_sheet_entries WHERE item_id IN (SELECT id FROM bi);
DELETE FROM comite_requests WHERE comite_id IN (SELECT id FROM bc)
    OR household_id IN (SELECT household_id FROM cell_situations WHERE cell_id = :'cell');
DELETE FROM agenda_items WHERE id IN (SELECT id FROM bi);
DELETE FROM comites WHERE id IN (SELECT id FROM bc);
DELETE FROM cell_situations WHERE cell_id = :'cell';
DELETE FROM cell_people WHERE cell_id = :'cell';
DELETE FROM cell_organisations WHERE cell_id = :'cell';
DELETE FROM coordination_cells WHERE id = :'cell';
DELETE FROM consents WHERE purpose = 'Suivi du jeune majeur sorti de l''ASE en cellule de coordination';
DELETE FROM care_team c USING organisations o, households h
WHERE o.id = c.organisation_id AND o.name = 'Conseil départemental de l''Essonne'
  AND h.id = c.household_id AND h.reference LIKE 'B-%';
COMMIT;
SQL
        rm -f "$COMITES_NOTE" "$COMITES_SHA"
        gen_start=$(date +%s.%N)
        "$BIN" seed-synthetic --bench cell --situations "$SITUATIONS" >&2 || die "hub seed-synthetic --bench cell failed"
        gen_seconds=$(awk -v a="$gen_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        echo "in ${gen_seconds}s on $(date -Is)" >"$COMITES_NOTE"
        echo "$comites_key" >"$COMITES_SHA"
        COMITES_GENERATION="${gen_seconds}s in this run"
        log "comités: made in ${gen_seconds}s"
    fi
    # What the fixture holds, for the tables (and a check that it is whole).
    read -r CF_SITUATIONS CF_HELD CF_ITEMS CF_SHEETS CF_DECISIONS CF_DISCUSSIONS CF_ACTIONS CF_REQUESTS \
        CF_PARTNER < <(owner_psql -F ' ' -v cell="$CELL_ID" <<'SQL'
SELECT (SELECT count(*) FROM cell_situations WHERE cell_id = :'cell' AND removed_at IS NULL),
       (SELECT count(*) FROM comites WHERE cell_id = :'cell' AND status IN ('held', 'minutesValidated', 'minutesDiffused')),
       (SELECT count(*) FROM agenda_items i JOIN comites c ON c.id = i.comite_id WHERE c.cell_id = :'cell'),
       (SELECT count(*) FROM summary_sheet_entries e JOIN agenda_items i ON i.id = e.item_id
        JOIN comites c ON c.id = i.comite_id WHERE c.cell_id = :'cell'),
       (SELECT count(*) FROM comite_decisions d JOIN comites c ON c.id = d.comite_id WHERE c.cell_id = :'cell'),
       (SELECT count(*) FROM comite_discussions d JOIN comites c ON c.id = d.comite_id WHERE c.cell_id = :'cell'),
       (SELECT count(*) FROM comite_actions a JOIN comites c ON c.id = a.comite_id WHERE c.cell_id = :'cell'),
       (SELECT count(*) FROM comite_requests r JOIN cell_situations s ON s.household_id = r.household_id
        WHERE s.cell_id = :'cell' AND r.comite_id IS NULL),
       (SELECT count(*) FROM cell_situations s JOIN consents k ON k.household_id = s.household_id
        JOIN organisations o ON o.id = k.recipient_organisation_id
        WHERE s.cell_id = :'cell' AND o.name = 'Conseil départemental de l''Essonne'
          AND k.withdrawn_at IS NULL AND k.expires_at > now());
SQL
    )
    [[ $CF_SITUATIONS == "$SITUATIONS" && $CF_HELD == 4 ]] ||
        die "the comités fixture holds $CF_SITUATIONS situations and $CF_HELD held comités, not $SITUATIONS and 4"
    log "comités: $CF_SITUATIONS situations, $CF_HELD comités held ($CF_ITEMS agenda items, $CF_SHEETS sheet" \
        "entries, $CF_DECISIONS decisions, $CF_DISCUSSIONS discussions, $CF_ACTIONS actions), $CF_REQUESTS pending" \
        "requests; the partner passes the door of $CF_PARTNER households"
}

# Passed to `hub serve` besides the defaults (the notify section adds to it).
HUB_ENV_EXTRA=()
# hub_start: `hub serve` in the background on a free port (URL), ready; and PGBENCH_BASE,
# pgbench's command line as hub_app.
hub_start() {
    HUB_PORT=$(pg_free_port)
    URL=http://127.0.0.1:$HUB_PORT
    HUB_ENV=(HUB_HOST=127.0.0.1 HUB_PORT="$HUB_PORT" HUB_MODE=demo HUB_LOG_LEVEL=warning HUB_DB_POOL_SIZE="$POOL"
        HUB_DB_CONNECTION_WAIT_MS="$WAIT_MS")
    HUB_ENV+=("${HUB_ENV_EXTRA[@]}")
    log "starting hub on $URL (pool $POOL)..."
    env "${HUB_ENV[@]}" "$BIN" serve >"$OUT/hub.log" 2>&1 &
    HUB_PID=$!

    for _ in $(seq 1 300); do
        kill -0 "$HUB_PID" 2>/dev/null || { tail -n 20 "$OUT/hub.log" >&2; die "hub exited during start-up"; }
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/health/ready" || true) == 200 ]] && break
        sleep 0.2
    done
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/health/ready") == 200 ]] || die "hub not ready after 60s"

    export PGPASSWORD=$HUB_DB_PASSWORD  # pgbench connects as hub_app
    PGBENCH_BASE=("$PG_BIN/pgbench" -n -M extended -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" -U "$HUB_DB_USER"
        -D "idle=$IDLE_SECONDS")
}

# sign_in EMAIL PREFIX [ORGANISATION-ID]: signs in for ALFI, or the given organisation; sets
# PREFIX_TOKEN, PREFIX_TOKEN_HASH, PREFIX_USER_ID, PREFIX_ORG_ID, PREFIX_ROLES and
# PREFIX_BOUND. Everything pgbench needs is taken from the sign-in
# response, formatted as the hub formats it when it sets the actor (Actor.rolesSetting:
# sorted roles joined by commas).
sign_in() {
    local email=$1 prefix=$2 organisation=${3:-$ORG_ID} status token user_id org_id roles bound
    status=$(curl -s -o "$OUT/session.json" -w '%{http_code}' -H 'Content-Type: application/json' \
        --data "{\"email\":\"$email\",\"password\":\"$PASSWORD\",\"organisationId\":\"$organisation\"}" \
        "$URL/v1/sessions")
    [[ $status == 201 ]] || { cat "$OUT/session.json" >&2; die "sign-in of $email answered $status, not 201"; }
    { read -r token; read -r user_id; read -r org_id; read -r roles; read -r bound; } < <(
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
    printf -v "${prefix}_TOKEN" '%s' "$token"
    printf -v "${prefix}_TOKEN_HASH" '%s' "$(printf '%s' "$token" | sha256sum | cut -c1-64)"
    printf -v "${prefix}_USER_ID" '%s' "$user_id"
    printf -v "${prefix}_ORG_ID" '%s' "$org_id"
    printf -v "${prefix}_ROLES" '%s' "$roles"
    printf -v "${prefix}_BOUND" '%s' "$bound"
}
# The household routes share their reader: signed in once.
sign_in_household_reader() { [[ -n ${HH_TOKEN:-} ]] || sign_in "$HH_EMAIL" HH; }

# wrk prints latencies with their own unit (us, ms, s): bring them to milliseconds.
wrk_ms() {
    awk -v p="$1%" '$1 == p {
        v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
        if (f < 0) { print "unknown unit " u > "/dev/stderr"; exit 1 }
        printf "%.3f\n", v * f }' "$2"
}

# measure NAME URL PGBENCH-VARIABLE [wrk arguments after the URL...]: runs both tools,
# checks them, and sets NAME_WRK_RPS, NAME_WRK_P50, NAME_WRK_P99, NAME_PGB_TPS,
# NAME_PGB_P50, NAME_PGB_P99, NAME_PGB_N and NAME_LOAD. Outputs go to $OUT/NAME-*.
measure() {
    local name=$1 url=$2 token=$3 pgbench_var=$4; shift 4
    local -n pgb="$pgbench_var"
    local prefix=$OUT/$name
    measure_wrk "$name" "$url" "Authorization: Bearer $token" "$@"

    log "$name: pgbench warm-up ${WARMUP}s..."
    "${pgb[@]}" -c "$CONNECTIONS" -j "$THREADS" -T "$WARMUP" "$HUB_DB_NAME" >"$prefix-pgbench-warmup.txt" 2>&1 ||
        { cat "$prefix-pgbench-warmup.txt" >&2; die "$name: pgbench warm-up failed"; }
    log "$name: pgbench ${DURATION}s, $CONNECTIONS clients..."
    # Per-transaction log (NAME-pgbench_log.<pid>[.<thread>]): its 3rd column, the latency
    # in microseconds, gives the percentiles; pgbench itself only prints the mean.
    "${pgb[@]}" -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" --log --log-prefix="$prefix-pgbench_log" \
        "$HUB_DB_NAME" >"$prefix-pgbench.txt" 2>&1 ||
        { cat "$prefix-pgbench.txt" >&2; die "$name: pgbench failed"; }
    cat "$prefix-pgbench.txt" >&2
    grep -q 'number of failed transactions: 0' "$prefix-pgbench.txt" || die "$name: pgbench reported failed transactions"

    local tps pp50 pp99 n v
    tps=$(awk '/^tps = / {printf "%.1f", $3; exit}' "$prefix-pgbench.txt")
    read -r pp50 pp99 n < <(python3 - "$prefix"-pgbench_log.* <<'PY'
import sys
lat = sorted(int(line.split()[2]) for path in sys.argv[1:] for line in open(path))
def pct(p):  # nearest rank, in ms
    return lat[max(0, -(-len(lat) * p // 100) - 1)] / 1000
print(f"{pct(50):.3f} {pct(99):.3f} {len(lat)}")
PY
    )
    for v in tps pp50 pp99; do
        [[ -n ${!v} ]] || die "$name: could not parse $v (see $OUT)"
    done
    printf -v "${name}_PGB_TPS" '%s' "$tps"
    printf -v "${name}_PGB_P50" '%s' "$pp50"
    printf -v "${name}_PGB_P99" '%s' "$pp99"
    printf -v "${name}_PGB_N" '%s' "$n"
}

# measure_wrk NAME URL HEADER [wrk arguments after the URL...]: the hub's half of `measure`,
# alone: sets NAME_WRK_RPS, NAME_WRK_P50, NAME_WRK_P99 and NAME_LOAD.
measure_wrk() {
    local name=$1 url=$2 header=$3; shift 3
    local wrk=(wrk -t "$THREADS" -c "$CONNECTIONS" -H "$header")
    local prefix=$OUT/$name
    # Other work on the machine (a parallel build) skews both halves: record how busy it was.
    printf -v "${name}_LOAD" '%s' "$(cut -d' ' -f1-3 /proc/loadavg)"

    log "$name: wrk warm-up ${WARMUP}s..."
    "${wrk[@]}" -d "${WARMUP}s" "$@" "$url" "${WRK_ARGS[@]}" >"$prefix-wrk-warmup.txt"
    log "$name: wrk ${DURATION}s, $CONNECTIONS connections..."
    "${wrk[@]}" -d "${DURATION}s" --latency "$@" "$url" "${WRK_ARGS[@]}" >"$prefix-wrk.txt"
    cat "$prefix-wrk.txt" >&2
    kill -0 "$HUB_PID" 2>/dev/null || die "the hub died during the run"
    # wrk counts every answer as a request: a run full of 401/404/500 would look fast.
    if grep -q 'Non-2xx' "$prefix-wrk-warmup.txt" "$prefix-wrk.txt"; then
        die "$name: wrk saw non-2xx responses: $(grep -h 'Non-2xx' "$prefix-wrk-warmup.txt" "$prefix-wrk.txt" | xargs)"
    fi
    if grep -q 'Socket errors' "$prefix-wrk.txt"; then
        die "$name: wrk saw socket errors: $(grep 'Socket errors' "$prefix-wrk.txt")"
    fi

    local rps p50 p99 v
    rps=$(awk '/^Requests\/sec:/ {printf "%.1f", $2}' "$prefix-wrk.txt")
    p50=$(wrk_ms 50 "$prefix-wrk.txt")
    p99=$(wrk_ms 99 "$prefix-wrk.txt")
    for v in rps p50 p99; do
        [[ -n ${!v} ]] || die "$name: could not parse $v (see $OUT)"
    done
    printf -v "${name}_WRK_RPS" '%s' "$rps"
    printf -v "${name}_WRK_P50" '%s' "$p50"
    printf -v "${name}_WRK_P99" '%s' "$p99"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
dashes() { printf -- '-%.0s' $(seq 1 "$1"); }

# table TITLE NAME HUB-HEADER EXTRA-LINES...: the same table for every route.
table() {
    local title=$1 name=$2 hub_header=$3; shift 3
    local w=${#hub_header} load="${name}_LOAD" n="${name}_PGB_N"
    ((w >= 20)) || w=20
    row() { printf "| %-16s | %${w}s | %18s | %17s |\n" "$1" "$2" "$3" "$(ratio "$2" "$3")"; }
    echo
    echo "$title"
    echo "  date:        $(date -Is)"
    echo "  revision:    $revision"
    # Only "before": during the run the load average mostly counts the benchmark itself.
    echo "  machine:     $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo);" \
        "load average before measuring ${!load}"
    echo "  concurrency: $CONNECTIONS connections/clients, $THREADS threads, ${DURATION}s after ${WARMUP}s warm-up"
    echo "  hub pool:    HUB_DB_POOL_SIZE=$POOL (pgbench holds $CONNECTIONS connections), HUB_DB_CONNECTION_WAIT_MS=$WAIT_MS"
    echo "  PostgreSQL:  $PG_VERSION; pgbench transactions logged: ${!n}"
    local line
    for line in "$@"; do echo "  $line"; done
    echo
    printf "| %-16s | %${w}s | %18s | %17s |\n" measure "$hub_header" "same SQL (pgbench)" "ratio hub/pgbench"
    printf '|%s|%s|%s|%s|\n' "$(dashes 18)" "$(dashes $((w + 2)))" "$(dashes 20)" "$(dashes 19)"
    local rps="${name}_WRK_RPS" tps="${name}_PGB_TPS" wp50="${name}_WRK_P50" pp50="${name}_PGB_P50"
    local wp99="${name}_WRK_P99" pp99="${name}_PGB_P99"
    row "requests/s (tps)" "${!rps}" "${!tps}"
    row "p50 ms" "${!wp50}" "${!pp50}"
    row "p99 ms" "${!wp99}" "${!pp99}"
}

# bench_revision: what the tables' headers name (uncommitted changes to the hub included).
bench_revision() {
    revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    [[ -z $(git status --porcelain -- Sources sql Package.swift 2>/dev/null) ]] || revision+=" + uncommitted changes"
}

# hub_log_report: at HUB_LOG_LEVEL=warning a quiet hub logs nothing: any line deserves a look.
hub_log_report() {
    local lines errors
    lines=$(wc -l <"$OUT/hub.log")
    errors=$(grep -ciE 'error|critical' "$OUT/hub.log" || true)
    echo
    echo "  hub log (level warning): $lines line(s), $errors mentioning error/critical"
    if [[ $lines != 0 ]]; then
        log "hub log (last 20 lines):"
        tail -n 20 "$OUT/hub.log" >&2
    fi
}
