#!/usr/bin/env bash
# Benchmark routes of the hub (wrk) against the same SQL sent straight to PostgreSQL
# (pgbench), at the same concurrency, and print both side by side, one table per route.
# The ratio is the cost of everything that is not the database: HTTP, routing, JSON, the
# connection pool, the hub's own Swift work. See bench/README.md for how to read it.
#
#   bash bench/run.sh [--routes me,household,timeline,agenda,minutes,notify]
#
# Routes (sections), in this order:
#   me         GET /v1/me as admin@alfi.demo, against bench/me.pgbench
#   household  GET /v1/households/{id} as claire.martin@alfi.demo, a random household among
#              BENCH_HOUSEHOLDS generated ones (bench/households.sql), against
#              bench/household.pgbench (wrk draws the ids with bench/household.lua)
#   timeline   GET /v1/households/{id}/timeline (the first page), same reader and households,
#              against bench/timeline.pgbench (wrk draws the ids with bench/household.lua)
#   agenda     POST /v1/comites/{id}/agenda/build, then POST /v1/comites/{id}/publish, as the cell's
#              facilitator karim.haddad@alfi.demo, on BENCH_COMITES fresh planned comités of a cell
#              following BENCH_SITUATIONS situations (bench/comites.sql): latency per operation (each is
#              one-shot), against bench/agenda-build.pgbench and bench/agenda-publish.pgbench run by
#              two pgbench sessions kept open, the hub's and the SQL's operations taking turns
#   minutes    GET /v1/comites/{id}/minutes of the cell's first comité (every situation on its agenda)
#              as thomas.leroy@essonne.demo, a partner's social worker who passes the door of a third of
#              its households, against bench/minutes.pgbench
#   notify     webhook deliveries of the outbox's dispatcher to a local sink (bench/notify.py):
#              deliveries/s for BENCH_NOTIFY_EVENTS events inserted at once, and the delay
#              from an event's commit to its delivery at a steady BENCH_NOTIFY_RATE; against
#              the dispatcher's claim/settle SQL on a full queue (bench/notify.pgbench). Runs
#              last: it stops the hub before pgbench, whose queue the dispatcher would drain.
#
# Settings (environment):
#   BENCH_ROUTES (me,household,timeline,agenda,minutes,notify)  the sections to run; --routes on
#                           the command line wins
#   BENCH_CONNECTIONS (16)  wrk connections = pgbench clients
#   BENCH_THREADS (2)       wrk threads = pgbench -j
#   BENCH_DURATION (20)     seconds measured, for each tool
#   BENCH_WARMUP (5)        seconds run first and thrown away, for each tool
#   BENCH_HOUSEHOLDS (10000) generated households (with their paths) for the household and
#                           timeline routes; generated once and reused while the database holds
#                           that many, made by the same bench/households.sql (the agenda and
#                           minutes sections need them too)
#   BENCH_SITUATIONS (500)  situations the comités' cell follows (bench/comites.sql), made once and
#                           reused while made by the same bench/comites.sql for that many
#   BENCH_COMITES (30)      agenda: planned comités built and published, per side, measured
#   BENCH_COMITES_WARMUP (2) agenda: comités built and published first, per side, not counted
#   BENCH_NOTIFY_EVENTS (5000) events inserted in one statement for the notify throughput,
#                           and deliveries drained by each pgbench run (rounded up to 16s)
#   BENCH_NOTIFY_RATE (50)  events per second, one INSERT each, for the notify latency
#   BENCH_NOTIFY_SECONDS (20) seconds of those inserts
#   BENCH_NOTIFY_CLIENTS (1) pgbench clients for the claim/settle SQL (1: the one claim loop
#                           of one hub process)
#   HUB_DB_POOL_SIZE (8)    the hub's PostgreSQL connections
#   HUB_NOTIFY_POLL_MS      passed on to the hub (its dispatcher's poll interval; 2000 if unset)
#   BENCH_RESET (0)         1: drop and recreate the bench database first (needed when an
#                           applied migration was edited: `hub migrate` refuses it; or to
#                           change BENCH_HOUSEHOLDS or regenerate after bench/households.sql
#                           changed; bench/comites.sql is rerun by itself when it changed)
#
# The cluster lives in .hub/bench (data kept between runs, so later runs skip initdb and
# the household generation). It is stopped on exit if this run started it; if it was
# already running, it is left running. The hub (and the notify sink) are always stopped on
# exit. Raw outputs (wrk, pgbench logs, the hub's log, the sink's log) are kept in
# .hub/bench/out/<timestamp>/.
#
# The release build uses its own scratch path (.build-bench) so that it never takes the
# lock on .build, which debug builds and tests use.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

log() { echo "bench: $*" >&2; }
die() { echo "bench: FAIL: $*" >&2; exit 1; }

ROUTES=${BENCH_ROUTES:-me,household,timeline,agenda,minutes,notify}
KNOWN_ROUTES="me, household, timeline, agenda, minutes, notify"
while (($# > 0)); do
    case $1 in
        --routes) (($# >= 2)) || die "--routes needs a value (a list of $KNOWN_ROUTES)"
            ROUTES=$2; shift 2 ;;
        --routes=*) ROUTES=${1#--routes=}; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (usage: bash bench/run.sh [--routes me,household,timeline,agenda,minutes,notify])" ;;
    esac
done
RUN_ME=0
RUN_HOUSEHOLD=0
RUN_TIMELINE=0
RUN_AGENDA=0
RUN_MINUTES=0
RUN_NOTIFY=0
IFS=, read -ra route_list <<<"$ROUTES"
for route in "${route_list[@]}"; do
    case ${route// /} in
        me) RUN_ME=1 ;;
        household | households) RUN_HOUSEHOLD=1 ;;
        timeline) RUN_TIMELINE=1 ;;
        agenda) RUN_AGENDA=1 ;;
        minutes) RUN_MINUTES=1 ;;
        notify) RUN_NOTIFY=1 ;;
        "") ;;
        *) die "unknown route '$route' in '$ROUTES' (known: $KNOWN_ROUTES)" ;;
    esac
done
((RUN_ME + RUN_HOUSEHOLD + RUN_TIMELINE + RUN_AGENDA + RUN_MINUTES + RUN_NOTIFY > 0)) ||
    die "no route selected by '$ROUTES' (known: $KNOWN_ROUTES)"
# Both household routes read the generated households, as the same reader (HH_*). The
# comités' cell follows some of them (bench/comites.sql).
HH_READER=$((RUN_HOUSEHOLD | RUN_TIMELINE))
NEED_COMITES=$((RUN_AGENDA | RUN_MINUTES))
NEED_HOUSEHOLDS=$((HH_READER | NEED_COMITES))

# shellcheck source=deploy/pg.sh
source deploy/pg.sh

CONNECTIONS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-20}
WARMUP=${BENCH_WARMUP:-5}
POOL=${HUB_DB_POOL_SIZE:-8}
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
# the SHA-256 of the bench/households.sql that made them; the same for the comités' fixture
# (bench/comites.sql, with the number of situations).
GENERATED_NOTE=$PGDIR/households-generated
GENERATED_SHA=$PGDIR/households-generated.sha256
# The generator's SQL, whose digests decide whether the generated data can be reused.
HOUSEHOLDS_SQL=Sources/Hub/Seeding/BenchSQL+Households.swift
CELL_SQL=Sources/Hub/Seeding/BenchSQL+Cell.swift
COMITES_NOTE=$PGDIR/comites-generated
COMITES_SHA=$PGDIR/comites-generated.sha256
# The comités' readers: the cell's facilitator (ALFI, the lead organisation of every generated
# household), and a partner's social worker (the département's ASE educator, in the care team
# of a third of the cell's households with a `partners` consent: bench/comites.sql).
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
# 3. Database: dedicated cluster, migrated and seeded (both idempotent), households generated
# ---------------------------------------------------------------------------------------
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

owner_psql() {
    PGPASSWORD=$HUB_DB_OWNER_PASSWORD "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
        -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" -U "$HUB_DB_OWNER_USER" -d "$HUB_DB_NAME" "$@"
}
# As the hub connects: hub_app, row level security applies.
app_psql() {
    PGPASSWORD=$HUB_DB_PASSWORD "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" -U "$HUB_DB_USER" -d "$HUB_DB_NAME" "$@"
}
ORG_ID=$(owner_psql -c "SELECT id FROM organisations WHERE name = '$ORGANISATION'")
PG_VERSION=$(owner_psql -c 'SHOW server_version')
[[ -n $ORG_ID ]] || die "organisation $ORGANISATION not found after seeding"

GENERATION="-"
if [[ $NEED_HOUSEHOLDS == 1 ]]; then
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
fi
super_psql() { pg_psql_super "$PGDIR" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
# The comités' cell: md5('bench-cell'), its four past comités md5('bench-comite-<c>')
# (bench/comites.sql); the bench's planned comités are created and removed by the agenda section.
CELL_ID=$(owner_psql -c "SELECT md5('bench-cell')::uuid")
COMITES_GENERATION="-"
if [[ $NEED_COMITES == 1 ]]; then
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
fi
audit_rows() { owner_psql -c 'SELECT count(*) FROM audit_log'; }

if [[ $RUN_NOTIFY == 1 ]]; then
    # The webhook sink, then the subscription pointing at it (bench/notify.sql: its own
    # organisation, user and subscription; the previous runs' events and deliveries deleted).
    NOTIFY_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
    log "notify: starting the webhook sink (bench/notify.py)..."
    python3 bench/notify.py --port-file "$OUT/notify-sink.port" --secret-hex "$NOTIFY_SECRET" \
        --log "$OUT/notify-sink.log" 2>"$OUT/notify-sink.err" &
    SINK_PID=$!
    for _ in $(seq 1 100); do [[ -s $OUT/notify-sink.port ]] && break; sleep 0.1; done
    [[ -s $OUT/notify-sink.port ]] || { cat "$OUT/notify-sink.err" >&2; die "the webhook sink did not start"; }
    SINK=http://127.0.0.1:$(cat "$OUT/notify-sink.port")
    owner_psql -v sink_url="$SINK/hook" -v secret="$NOTIFY_SECRET" -f bench/notify.sql >&2 ||
        die "bench/notify.sql failed"
    NOTIFY_ORG=$(owner_psql -c "SELECT md5('bench-notify-organisation')::uuid")
    NOTIFY_SUB=$(owner_psql -c "SELECT md5('bench-notify-webhook')::uuid")
fi

# ---------------------------------------------------------------------------------------
# 4. The hub, in the background, and session tokens
# ---------------------------------------------------------------------------------------
HUB_PORT=$(pg_free_port)
URL=http://127.0.0.1:$HUB_PORT
HUB_ENV=(HUB_HOST=127.0.0.1 HUB_PORT="$HUB_PORT" HUB_MODE=demo HUB_LOG_LEVEL=warning HUB_DB_POOL_SIZE="$POOL")
# The notify sink listens on 127.0.0.1, which the dispatcher refuses unless told otherwise.
# No HUB_SMTP_*: no e-mail channel (the bench organisation has no members anyway).
[[ $RUN_NOTIFY == 0 ]] || HUB_ENV+=(HUB_WEBHOOK_ALLOW_LOOPBACK=1)
log "starting hub on $URL (pool $POOL)..."
env "${HUB_ENV[@]}" "$BIN" serve >"$OUT/hub.log" 2>&1 &
HUB_PID=$!

for _ in $(seq 1 300); do
    kill -0 "$HUB_PID" 2>/dev/null || { tail -n 20 "$OUT/hub.log" >&2; die "hub exited during start-up"; }
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/health/ready" || true) == 200 ]] && break
    sleep 0.2
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/health/ready") == 200 ]] || die "hub not ready after 60s"

# sign_in EMAIL PREFIX [ORGANISATION-ID]: signs in for ALFI, or the given organisation; sets PREFIX_TOKEN, PREFIX_TOKEN_HASH, PREFIX_USER_ID, PREFIX_ORG_ID,
# PREFIX_ROLES and PREFIX_BOUND. Everything pgbench needs is taken from the sign-in
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
[[ $RUN_ME == 0 ]] || sign_in "$ME_EMAIL" ME
[[ $HH_READER == 0 ]] || sign_in "$HH_EMAIL" HH
[[ $RUN_AGENDA == 0 ]] || sign_in "$FAC_EMAIL" FAC
if [[ $RUN_MINUTES == 1 ]]; then
    partner_org=$(owner_psql -v name="$PARTNER_ORGANISATION" <<<"SELECT id FROM organisations WHERE name = :'name'")
    [[ -n $partner_org ]] || die "organisation $PARTNER_ORGANISATION not found after seeding"
    sign_in "$PARTNER_EMAIL" PT "$partner_org"
fi

export PGPASSWORD=$HUB_DB_PASSWORD  # pgbench below connects as hub_app
PGBENCH_BASE=("$PG_BIN/pgbench" -n -M extended -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" -U "$HUB_DB_USER"
    -D "idle=$IDLE_SECONDS")

# ---------------------------------------------------------------------------------------
# 5. Checks: both sides must do the real work, not answer 401s/404s or read nothing
# ---------------------------------------------------------------------------------------
if [[ $RUN_ME == 1 ]]; then
    status=$(curl -s -o "$OUT/me.json" -w '%{http_code}' -H "Authorization: Bearer $ME_TOKEN" "$URL/v1/me")
    [[ $status == 200 ]] || { cat "$OUT/me.json" >&2; die "GET /v1/me answered $status, not 200"; }
    grep -q "\"$ME_EMAIL\"" "$OUT/me.json" || die "GET /v1/me does not name $ME_EMAIL: $(cat "$OUT/me.json")"
    log "check: GET /v1/me -> 200 $(cat "$OUT/me.json")"

    ME_PGBENCH=("${PGBENCH_BASE[@]}" -f bench/me.pgbench -D "user_id=$ME_USER_ID" -D "org_id=$ME_ORG_ID"
        -D "roles=$ME_ROLES" -D "bound=$ME_BOUND")

    # Show the row step 4 reads, under the same settings, with the same role.
    step4=$(app_psql -At -v tokenhash="\\x$ME_TOKEN_HASH" -v idle="$IDLE_SECONDS" \
        -v user_id="$ME_USER_ID" -v org_id="$ME_ORG_ID" -v roles="$ME_ROLES" -v bound="$ME_BOUND" <<'SQL'
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
    [[ $step4 == "$ME_EMAIL|"*"|$ORGANISATION|"* ]] ||
        die "step 4 as hub_app read '${step4}', not $ME_EMAIL of $ORGANISATION"
    log "check: SQL step 4 as hub_app -> $step4"

    # One transaction must succeed, and the same with an unknown token must fail: proof that
    # the \gset guards in me.pgbench would stop a run that reads nothing. (pgbench prints
    # "failed transactions: 0" even when it aborts: its exit status is what tells.)
    "${ME_PGBENCH[@]}" -D "tokenhash=\\x$ME_TOKEN_HASH" -c 1 -t 1 "$HUB_DB_NAME" >"$OUT/pgbench-check.txt" 2>&1 ||
        { cat "$OUT/pgbench-check.txt" >&2; die "pgbench -t 1 failed"; }
    grep -q 'actually processed: 1/1$' "$OUT/pgbench-check.txt" ||
        { cat "$OUT/pgbench-check.txt" >&2; die "pgbench -t 1 did not complete its transaction"; }
    if "${ME_PGBENCH[@]}" -D "tokenhash=\\x$(printf '0%.0s' {1..64})" -c 1 -t 1 "$HUB_DB_NAME" \
        >"$OUT/pgbench-negative.txt" 2>&1; then
        die "pgbench with an unknown token succeeded: me.pgbench no longer notices empty results"
    fi
    grep -q 'expected one row, got 0' "$OUT/pgbench-negative.txt" ||
        { cat "$OUT/pgbench-negative.txt" >&2; die "pgbench with an unknown token failed for another reason"; }
    log "check: pgbench -t 1 ok; with an unknown token it fails as it should"
fi

if [[ $RUN_HOUSEHOLD == 1 ]]; then
    # The hub: one household answers 200 with its current diagnostic, and the request
    # appends one audit record. Its levels are what household.pgbench passes to
    # audit_append: this is where a mismatch between the two sides would show.
    before=$(audit_rows)
    status=$(curl -s -D "$OUT/household.headers" -o "$OUT/household.json" -w '%{http_code}' \
        -H "Authorization: Bearer $HH_TOKEN" "$URL/v1/households/$HH_FIRST")
    [[ $status == 200 ]] ||
        { cat "$OUT/household.json" >&2; die "GET /v1/households/$HH_FIRST answered $status, not 200"; }
    summary=$(python3 - "$OUT/household.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
d = h.get("currentDiagnostic")
if not d:
    sys.exit(f"currentDiagnostic is {d!r}")
pieces = [p for s in d["sections"] for p in [s.get("view")] + [x for i in s["items"]
          for x in (i.get("assessment"), i.get("comment"))]] + [d.get("preconisations")]
levels = sorted({p["level"] for p in pieces if p})
print(f'{h["reference"]}, {len(h["persons"])} persons, diagnostic v{d["version"]} {d["status"]} with'
      f' {sum(1 for p in pieces if p)} entries at levels {",".join(levels)}')
PY
    ) || die "GET /v1/households/$HH_FIRST: no current diagnostic ($summary)"
    grep -q '"currentDiagnostic":{' "$OUT/household.json" ||
        die "GET /v1/households/$HH_FIRST: \"currentDiagnostic\" is not an object"
    log "check: GET /v1/households/$HH_FIRST -> 200, $summary"
    REQUEST_ID=$(awk -F': *' 'tolower($1) == "x-request-id" { sub(/\r$/, "", $2); print $2 }' \
        "$OUT/household.headers")
    [[ -n $REQUEST_ID ]] || die "GET /v1/households/$HH_FIRST: no X-Request-Id header"
    after=$(audit_rows)
    ((after == before + 1)) || die "GET /v1/households/$HH_FIRST added $((after - before)) audit rows, not 1"
    record=$(owner_psql -c "SELECT chain, household_ids, action, levels, outcome FROM audit_log
                            WHERE request_id = '$REQUEST_ID'")
    expected="household:$HH_FIRST|{$HH_FIRST}|household.read|{partners,secret,private}|disclosed"
    [[ $record == "$expected" ]] ||
        die "the hub's audit record is '$record', not '$expected' as household.pgbench writes it"
    log "check: the hub appended one audit record: $record"

    HH_PGBENCH=("${PGBENCH_BASE[@]}" -f bench/household.pgbench -D "households=$HOUSEHOLDS"
        -D "tokenhash=\\x$HH_TOKEN_HASH" -D "user_id=$HH_USER_ID" -D "org_id=$HH_ORG_ID"
        -D "bound=$HH_BOUND" -D "request_id=$REQUEST_ID")

    # Dry run of household.pgbench itself with psql, as hub_app, on the first household:
    # pgbench's `:var` (a bound parameter) becomes psql's `:'var'` (a quoted literal), and
    # n is fixed. The \gset steps stop psql on an empty result (ON_ERROR_STOP); the footers
    # count the rows of the other statements.
    perl -pe 's/^\\set n random\(.*$/\\set n 1/; s/(?<![:\w]):([a-z_]\w*)/:'"'"'$1'"'"'/g' \
        bench/household.pgbench >"$OUT/household-dryrun.sql"
    cat >>"$OUT/household-dryrun.sql" <<'SQL'
\echo gset: :h_reference lead :f_lead_organisation_id diagnostic :d_id v:dh_version :dh_status
SQL
    before=$(audit_rows)
    # shellcheck disable=SC2153  # HH_* are set by sign_in (printf -v)
    app_psql -P footer=on -v households="$HOUSEHOLDS" -v tokenhash="\\x$HH_TOKEN_HASH" -v idle="$IDLE_SECONDS" \
        -v user_id="$HH_USER_ID" -v org_id="$HH_ORG_ID" -v roles="$HH_ROLES" -v bound="$HH_BOUND" \
        -v request_id="$REQUEST_ID" -f "$OUT/household-dryrun.sql" >"$OUT/household-dryrun.txt" 2>&1 ||
        { cat "$OUT/household-dryrun.txt" >&2; die "psql dry run of household.pgbench failed"; }
    after=$(audit_rows)
    # Row counts in order: set_config, persons, entries, audit_append.
    counts=$(grep -oE '^\([0-9]+ rows?\)$' "$OUT/household-dryrun.txt" | tr -dc '0-9\n' | paste -sd' ')
    expected_persons=$(owner_psql -c "SELECT count(*) FROM household_persons WHERE household_id = '$HH_FIRST'")
    expected_entries=$(owner_psql -c "SELECT count(*) FROM diagnostic_entries e JOIN diagnostics d ON d.id = e.diagnostic_id
                                      WHERE d.household_id = '$HH_FIRST' AND d.status = 'validated'")
    [[ $counts == "1 $expected_persons $expected_entries 1" ]] ||
        { cat "$OUT/household-dryrun.txt" >&2
          die "dry run row counts '$counts', not '1 $expected_persons $expected_entries 1'" \
              "(set_config, persons, entries read by the référente, audit_append)"; }
    ((after == before + 1)) || die "the psql dry run added $((after - before)) audit rows, not 1"
    log "check: psql dry run as hub_app: $(grep '^gset:' "$OUT/household-dryrun.txt");" \
        "$expected_persons persons, $expected_entries of $expected_entries entries; 1 audit row"

    before=$(audit_rows)
    "${HH_PGBENCH[@]}" -D "roles=$HH_ROLES" -c 1 -t 1 "$HUB_DB_NAME" >"$OUT/household-pgbench-check.txt" 2>&1 ||
        { cat "$OUT/household-pgbench-check.txt" >&2; die "household pgbench -t 1 failed"; }
    grep -q 'actually processed: 1/1$' "$OUT/household-pgbench-check.txt" ||
        { cat "$OUT/household-pgbench-check.txt" >&2; die "household pgbench -t 1 did not complete its transaction"; }
    after=$(audit_rows)
    ((after == before + 1)) || die "household pgbench -t 1 added $((after - before)) audit rows, not 1"
    # A reader who does not pass the door (orgAdmin only) reads no household: the \gset on
    # the facts must stop pgbench, as the hub would answer 404.
    if "${HH_PGBENCH[@]}" -D "roles=orgAdmin" -c 1 -t 1 "$HUB_DB_NAME" \
        >"$OUT/household-pgbench-negative.txt" 2>&1; then
        die "household pgbench outside the door succeeded: household.pgbench no longer notices empty results"
    fi
    grep -q 'expected one row, got 0' "$OUT/household-pgbench-negative.txt" ||
        { cat "$OUT/household-pgbench-negative.txt" >&2
          die "household pgbench outside the door failed for another reason"; }
    log "check: household pgbench -t 1 ok, 1 audit row; outside the door it fails as it should"
    HH_PGBENCH+=(-D "roles=$HH_ROLES")
fi

if [[ $RUN_TIMELINE == 1 ]]; then
    # The audit levels timeline.pgbench passes follow from n (bench/households.sql): every
    # generated row of the path is at `partners` but aid (`secret`), and a household has
    # (n / 7) % 4 aids, the first within its first page. Check those facts on the whole
    # generation, then the hub's own records for one household of each kind.
    read -r rule_aid rule_level < <(owner_psql -F ' ' -v households="$HOUSEHOLDS" <<'SQL'
SELECT (SELECT count(*) FROM generate_series(1, :households) AS n
        WHERE ((n / 7) % 4 > 0) <> EXISTS (SELECT 1 FROM aids WHERE household_id = md5('bench-' || n)::uuid)),
       (SELECT count(*) FROM (
            SELECT household_id, level FROM contracts UNION ALL SELECT household_id, level FROM meetings
            UNION ALL SELECT household_id, level FROM proposals UNION ALL SELECT household_id, level FROM proposal_answers
            UNION ALL SELECT household_id, level FROM cal_decisions UNION ALL SELECT household_id, level FROM leases
            UNION ALL SELECT household_id, level FROM alerts UNION ALL SELECT household_id, level FROM outcomes
            UNION ALL SELECT household_id, CASE level WHEN 'secret' THEN 'partners' ELSE level END FROM aids) r
        JOIN households h ON h.id = r.household_id AND h.reference LIKE 'B-%' WHERE r.level <> 'partners');
SQL
    )
    [[ $rule_aid == 0 && $rule_level == 0 ]] ||
        die "timeline: the generated data does not follow timeline.pgbench's audit levels: $rule_aid households" \
            "with aid other than (n / 7) % 4 > 0, $rule_level rows of the path at another level"

    # timeline_check N: the hub's first page of household n against the psql dry run of
    # timeline.pgbench for the same n (the same entries, in the same order; a next page
    # exactly when the SQL found 51), and the hub's one audit record against the one the
    # script writes. Sets TL_REQUEST_ID.
    timeline_check() {
        local n=$1 id status before after record expected levels hub_page sql_page rows next
        id=$(sed -n "${n}p" "$HH_IDS")
        before=$(audit_rows)
        status=$(curl -s -D "$OUT/timeline-$n.headers" -o "$OUT/timeline-$n.json" -w '%{http_code}' \
            -H "Authorization: Bearer $HH_TOKEN" "$URL/v1/households/$id/timeline")
        [[ $status == 200 ]] ||
            { cat "$OUT/timeline-$n.json" >&2; die "GET /v1/households/$id/timeline answered $status, not 200"; }
        TL_REQUEST_ID=$(awk -F': *' 'tolower($1) == "x-request-id" { sub(/\r$/, "", $2); print $2 }' \
            "$OUT/timeline-$n.headers")
        [[ -n $TL_REQUEST_ID ]] || die "GET /v1/households/$id/timeline: no X-Request-Id header"
        after=$(audit_rows)
        ((after == before + 1)) || die "GET /v1/households/$id/timeline added $((after - before)) audit rows, not 1"
        levels='{partners}'
        (((n / 7) % 4 > 0)) && levels='{partners,secret}'
        record=$(owner_psql -c "SELECT chain, household_ids, action, levels, outcome FROM audit_log
                                WHERE request_id = '$TL_REQUEST_ID'")
        expected="household:$id|{$id}|timeline.read|$levels|disclosed"
        [[ $record == "$expected" ]] ||
            die "the hub's audit record for the timeline of n=$n is '$record', not '$expected' as timeline.pgbench writes it"

        # The dry run: pgbench's `:var` becomes psql's `:'var'`, n is fixed, and pgbench's
        # `\if EXPR` becomes a query whose boolean psql's `\if` reads.
        perl -pe 's/^\\set n random\(.*$/\\set n '"$n"'/; s/(?<![:\w]):([a-z_]\w*)/:'"'"'$1'"'"'/g;
                  s/^\\if (.*)$/SELECT ($1) AS pgbench_if \\gset\n\\if :pgbench_if/' \
            bench/timeline.pgbench >"$OUT/timeline-dryrun-$n.sql"
        before=$(audit_rows)
        # shellcheck disable=SC2153  # HH_* are set by sign_in (printf -v)
        app_psql -At -v households="$HOUSEHOLDS" -v tokenhash="\\x$HH_TOKEN_HASH" -v idle="$IDLE_SECONDS" \
            -v user_id="$HH_USER_ID" -v org_id="$HH_ORG_ID" -v roles="$HH_ROLES" -v bound="$HH_BOUND" \
            -v request_id="$TL_REQUEST_ID" -f "$OUT/timeline-dryrun-$n.sql" >"$OUT/timeline-dryrun-$n.txt" 2>&1 ||
            { cat "$OUT/timeline-dryrun-$n.txt" >&2; die "psql dry run of timeline.pgbench (n=$n) failed"; }
        after=$(audit_rows)
        ((after == before + 1)) || die "the psql dry run of timeline.pgbench added $((after - before)) audit rows, not 1"
        # id|kind of each entry, and the page's summary: the hub's, then the SQL's (its first
        # 50 rows; a 51st means a next page).
        hub_page=$(python3 - "$OUT/timeline-$n.json" <<'PY'
import json, sys
page = json.load(open(sys.argv[1]))
for item in page["items"]:
    print(f'{item["id"].lower()}|{item["kind"]}')
print("next" if page.get("nextCursor") else "last")
PY
        )
        rows=$(awk -F'|' 'NF == 7 { print $1 "|" $2 }' "$OUT/timeline-dryrun-$n.txt")
        next=last
        (($(wc -l <<<"$rows") > 50)) && next=next
        sql_page=$(head -n 50 <<<"$rows"; echo "$next")
        [[ $hub_page == "$sql_page" ]] ||
            { diff <(echo "$hub_page") <(echo "$sql_page") >&2
              die "timeline of n=$n: the hub's page and timeline.pgbench's rows differ (above: < hub, > SQL)"; }
        TL_CHECKED+=("n=$n: $(($(wc -l <<<"$hub_page") - 1)) entries ($next page), audit levels $levels")
    }
    TL_CHECKED=()
    timeline_check 1
    ((HOUSEHOLDS < 7)) || timeline_check 7
    printf -v checked '%s; ' "${TL_CHECKED[@]}"
    log "check: the hub's timeline pages are timeline.pgbench's rows, its audit records the script's:" \
        "${checked%; }"

    TL_PGBENCH=("${PGBENCH_BASE[@]}" -f bench/timeline.pgbench -D "households=$HOUSEHOLDS"
        -D "tokenhash=\\x$HH_TOKEN_HASH" -D "user_id=$HH_USER_ID" -D "org_id=$HH_ORG_ID"
        -D "bound=$HH_BOUND" -D "request_id=$TL_REQUEST_ID")
    before=$(audit_rows)
    "${TL_PGBENCH[@]}" -D "roles=$HH_ROLES" -c 1 -t 1 "$HUB_DB_NAME" >"$OUT/timeline-pgbench-check.txt" 2>&1 ||
        { cat "$OUT/timeline-pgbench-check.txt" >&2; die "timeline pgbench -t 1 failed"; }
    grep -q 'actually processed: 1/1$' "$OUT/timeline-pgbench-check.txt" ||
        { cat "$OUT/timeline-pgbench-check.txt" >&2; die "timeline pgbench -t 1 did not complete its transaction"; }
    after=$(audit_rows)
    ((after == before + 1)) || die "timeline pgbench -t 1 added $((after - before)) audit rows, not 1"
    # Outside the door (orgAdmin only) the facts' \gset must stop pgbench, as the hub answers 404.
    if "${TL_PGBENCH[@]}" -D "roles=orgAdmin" -c 1 -t 1 "$HUB_DB_NAME" \
        >"$OUT/timeline-pgbench-negative.txt" 2>&1; then
        die "timeline pgbench outside the door succeeded: timeline.pgbench no longer notices empty results"
    fi
    grep -q 'expected one row, got 0' "$OUT/timeline-pgbench-negative.txt" ||
        { cat "$OUT/timeline-pgbench-negative.txt" >&2
          die "timeline pgbench outside the door failed for another reason"; }
    log "check: timeline pgbench -t 1 ok, 1 audit row; outside the door it fails as it should"
    TL_PGBENCH+=(-D "roles=$HH_ROLES")
fi

if [[ $RUN_MINUTES == 1 ]]; then
    # The cell's first comité: every situation on its agenda, its minutes diffused, one
    # erratum (bench/comites.sql). The partner passes the door of a third of its households.
    MN_COMITE=$(owner_psql -c "SELECT md5('bench-comite-3')::uuid")
    before=$(audit_rows)
    status=$(curl -s -D "$OUT/minutes.headers" -o "$OUT/minutes.json" -w '%{http_code}' \
        -H "Authorization: Bearer $PT_TOKEN" "$URL/v1/comites/$MN_COMITE/minutes")
    [[ $status == 200 ]] ||
        { head -c 2000 "$OUT/minutes.json" >&2; die "GET /v1/comites/$MN_COMITE/minutes answered $status, not 200"; }
    MN_REQUEST_ID=$(awk -F': *' 'tolower($1) == "x-request-id" { sub(/\r$/, "", $2); print $2 }' "$OUT/minutes.headers")
    [[ -n $MN_REQUEST_ID ]] || die "GET /v1/comites/$MN_COMITE/minutes: no X-Request-Id header"
    after=$(audit_rows)
    ((after == before + 1)) || die "GET /v1/comites/$MN_COMITE/minutes added $((after - before)) audit rows, not 1"
    # What the hub showed: its items' households (in order) and levels, which the audit record
    # names and minutes.pgbench passes; and how many of each piece, for the dry run.
    { read -r MN_HOUSEHOLDS; read -r MN_LEVELS; read -r MN_ITEMS MN_DECISIONS MN_DISCUSSIONS MN_ACTIONS MN_ERRATA \
        MN_ATTENDANCE MN_VERSION; } < <(python3 - "$OUT/minutes.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
order = ["partners", "secret", "private"]
items = m["items"]
levels = {"partners"}
discussions = secret = 0
for i in items:
    d = i.get("decision")
    if d and d.get("discussion"):
        discussions += 1
        levels.add(d["discussion"]["level"])
    for a in i["actions"]:
        levels.add(a["level"])
for e in m["errata"]:
    levels.add(e["level"])
print("{" + ",".join(i["householdId"].lower() for i in items) + "}")
print("{" + ",".join(sorted(levels, key=order.index)) + "}")
print(len(items), sum(1 for i in items if i.get("decision")), discussions, sum(len(i["actions"]) for i in items),
      len(m["errata"]), len(m["attendance"]), m["version"])
PY
    )
    MN_BYTES=$(wc -c <"$OUT/minutes.json")
    MN_CHAIN="organisation:${PT_ORG_ID,,}"
    # What the partner may read, counted as the owner from R1–R4: the items whose household has
    # the département in its care team with an active consent (`partners`), and of those, the
    # decisions, the discussions and actions at `partners`, and the errata at `partners`.
    read -r exp_items exp_decisions exp_discussions exp_actions exp_errata exp_all < <(owner_psql -F ' ' \
        -v comite="$MN_COMITE" -v org="$PT_ORG_ID" <<'SQL'
CREATE TEMP TABLE seen AS
SELECT i.id, i.household_id FROM agenda_items i
WHERE i.comite_id = :'comite'
  AND EXISTS (SELECT 1 FROM care_team t WHERE t.household_id = i.household_id AND t.organisation_id = :'org'
              AND t.removed_at IS NULL)
  AND EXISTS (SELECT 1 FROM consents k WHERE k.household_id = i.household_id AND k.recipient_organisation_id = :'org'
              AND k.withdrawn_at IS NULL AND k.expires_at > now());
SELECT (SELECT count(*) FROM seen),
       (SELECT count(*) FROM comite_decisions WHERE item_id IN (SELECT id FROM seen)),
       (SELECT count(*) FROM comite_discussions WHERE item_id IN (SELECT id FROM seen) AND level = 'partners'),
       (SELECT count(*) FROM comite_actions WHERE item_id IN (SELECT id FROM seen) AND level = 'partners'),
       (SELECT count(*) FROM comite_errata WHERE comite_id = :'comite' AND level = 'partners'
          AND (item_id IS NULL OR item_id IN (SELECT id FROM seen))),
       (SELECT count(*) FROM agenda_items WHERE comite_id = :'comite');
SQL
    )
    [[ "$MN_ITEMS $MN_DECISIONS $MN_DISCUSSIONS $MN_ACTIONS $MN_ERRATA" == \
       "$exp_items $exp_decisions $exp_discussions $exp_actions $exp_errata" ]] ||
        die "the minutes as $PARTNER_EMAIL show $MN_ITEMS items, $MN_DECISIONS decisions, $MN_DISCUSSIONS discussions," \
            "$MN_ACTIONS actions, $MN_ERRATA errata; R1–R4 give $exp_items, $exp_decisions, $exp_discussions," \
            "$exp_actions, $exp_errata"
    ((MN_ITEMS > 0 && MN_ITEMS < exp_all)) ||
        die "the partner sees $MN_ITEMS of the comité's $exp_all items: the door is not exercised"
    MN_ALL_ITEMS=$exp_all
    record=$(owner_psql -c "SELECT chain, household_ids, action, levels, outcome FROM audit_log
                            WHERE request_id = '$MN_REQUEST_ID'")
    expected="$MN_CHAIN|$MN_HOUSEHOLDS|comite.minutes.read|$MN_LEVELS|disclosed"
    [[ $record == "$expected" ]] ||
        die "the hub's audit record for the minutes is '${record:0:300}…', not '${expected:0:300}…' as minutes.pgbench writes it"
    log "check: GET /v1/comites/$MN_COMITE/minutes as $PARTNER_EMAIL -> 200, v$MN_VERSION, $MN_ITEMS of" \
        "$exp_all items, $MN_DECISIONS decisions, $MN_DISCUSSIONS discussions, $MN_ACTIONS actions, $MN_ERRATA" \
        "errata, $MN_ATTENDANCE attendees ($MN_BYTES bytes); R1–R4 give the same; one audit record, levels $MN_LEVELS"

    MN_PGBENCH=("${PGBENCH_BASE[@]}" -f bench/minutes.pgbench -D "comite=$MN_COMITE"
        -D "tokenhash=\\x$PT_TOKEN_HASH" -D "user_id=$PT_USER_ID" -D "org_id=$PT_ORG_ID"
        -D "bound=$PT_BOUND" -D "request_id=$MN_REQUEST_ID" -D "chain=$MN_CHAIN"
        -D "households=$MN_HOUSEHOLDS" -D "levels=$MN_LEVELS")
    # Dry run of minutes.pgbench with psql, as hub_app: pgbench's `:var` becomes psql's `:'var'`.
    perl -pe 's/(?<![:\w]):([a-z_]\w*)/:'"'"'$1'"'"'/g' bench/minutes.pgbench >"$OUT/minutes-dryrun.sql"
    before=$(audit_rows)
    # shellcheck disable=SC2153  # PT_* are set by sign_in (printf -v)
    app_psql -P footer=on -v comite="$MN_COMITE" -v tokenhash="\\x$PT_TOKEN_HASH" -v idle="$IDLE_SECONDS" \
        -v user_id="$PT_USER_ID" -v org_id="$PT_ORG_ID" -v roles="$PT_ROLES" -v bound="$PT_BOUND" \
        -v request_id="$MN_REQUEST_ID" -v chain="$MN_CHAIN" -v households="$MN_HOUSEHOLDS" -v levels="$MN_LEVELS" \
        -f "$OUT/minutes-dryrun.sql" >"$OUT/minutes-dryrun.txt" 2>&1 ||
        { tail -n 20 "$OUT/minutes-dryrun.txt" >&2; die "psql dry run of minutes.pgbench failed"; }
    after=$(audit_rows)
    # Row counts in order: set_config, the comité again, items, decisions, actions, attendance,
    # errata, audit_append.
    counts=$(grep -oE '^\([0-9]+ rows?\)$' "$OUT/minutes-dryrun.txt" | tr -dc '0-9\n' | paste -sd' ')
    [[ $counts == "1 1 $MN_ITEMS $MN_DECISIONS $MN_ACTIONS $MN_ATTENDANCE $MN_ERRATA 1" ]] ||
        die "minutes dry run row counts '$counts', not '1 1 $MN_ITEMS $MN_DECISIONS $MN_ACTIONS $MN_ATTENDANCE" \
            "$MN_ERRATA 1' (set_config, comité, items, decisions, actions, attendance, errata, audit_append:" \
            "what the hub showed)"
    ((after == before + 1)) || die "the psql dry run of minutes.pgbench added $((after - before)) audit rows, not 1"
    log "check: psql dry run of minutes.pgbench as hub_app reads what the hub showed: $counts"
    before=$(audit_rows)
    "${MN_PGBENCH[@]}" -D "roles=$PT_ROLES" -c 1 -t 1 "$HUB_DB_NAME" >"$OUT/minutes-pgbench-check.txt" 2>&1 ||
        { cat "$OUT/minutes-pgbench-check.txt" >&2; die "minutes pgbench -t 1 failed"; }
    grep -q 'actually processed: 1/1$' "$OUT/minutes-pgbench-check.txt" ||
        { cat "$OUT/minutes-pgbench-check.txt" >&2; die "minutes pgbench -t 1 did not complete its transaction"; }
    after=$(audit_rows)
    ((after == before + 1)) || die "minutes pgbench -t 1 added $((after - before)) audit rows, not 1"
    # With the roles of an orgAdmin (no household work: not a member of the cell) the comité's
    # \gset must stop pgbench, as the hub answers 404.
    if "${MN_PGBENCH[@]}" -D "roles=orgAdmin" -c 1 -t 1 "$HUB_DB_NAME" >"$OUT/minutes-pgbench-negative.txt" 2>&1; then
        die "minutes pgbench as an orgAdmin succeeded: minutes.pgbench no longer notices a hidden comité"
    fi
    grep -q 'expected one row, got 0' "$OUT/minutes-pgbench-negative.txt" ||
        { cat "$OUT/minutes-pgbench-negative.txt" >&2; die "minutes pgbench as an orgAdmin failed for another reason"; }
    log "check: minutes pgbench -t 1 ok, 1 audit row; as an orgAdmin it fails as it should"
    MN_PGBENCH+=(-D "roles=$PT_ROLES")
fi

if [[ $RUN_AGENDA == 1 ]]; then
    # The next comité's day, as bench/comites.sql counts it: one month after the last one held.
    AG_DAY=$(owner_psql -c "SELECT ((current_date - 21) + interval '1 month')::date")
    AG_CHAIN="organisation:${FAC_ORG_ID,,}"
    AG_TAG="bench-agenda-$(date +%s)-"
    # Each measured build and publish runs on a comité of its own, planned on AG_DAY:
    # extraordinary, because a cell has one monthly comité a day (comites_monthly); build and
    # publish do not look at the kind. The id is md5(AG_TAG || name), which the pgbench
    # sessions derive from their counter.
    ag_new_comite() {
        owner_psql -v id="$AG_TAG$1" -v cell="$CELL_ID" -v day="$AG_DAY" -v org="$ORG_ID" <<'SQL'
INSERT INTO comites (id, cell_id, reference, kind, held_on, reason, requested_by_organisation_id)
VALUES (md5(:'id')::uuid, :'cell', 'CS-BQ' || left(md5(:'id'), 10), 'extraordinary', :'day',
        'Comité de mesure de l''ordre du jour (bench)', :'org')
RETURNING id;
SQL
    }
    # ag_state ID: the comité's stage, its agenda (items, and a digest of their situations,
    # positions, reasons and origin), its frozen sheets (entries, and a digest of them) and the
    # requests it took up: "status items digest sheets digest requests".
    ag_state() {
        owner_psql -F ' ' -v c="$1" <<'SQL'
SELECT c.status,
       (SELECT count(*) FROM agenda_items WHERE comite_id = c.id),
       (SELECT md5(coalesce(string_agg(situation_id || ':' || position || ':' || reasons::text || ':' || added_by, '|'
                                       ORDER BY position), ''))
        FROM agenda_items WHERE comite_id = c.id),
       (SELECT count(*) FROM summary_sheet_entries e JOIN agenda_items i ON i.id = e.item_id WHERE i.comite_id = c.id),
       (SELECT md5(coalesce(string_agg(i.situation_id || ':' || e.position || ':' || e.section || ':' || e.code || ':'
                                       || e.value::text || ':' || e.level || ':' || e.author_organisation_id, '|'
                                       ORDER BY i.position, e.position), ''))
        FROM summary_sheet_entries e JOIN agenda_items i ON i.id = e.item_id WHERE i.comite_id = c.id),
       (SELECT count(*) FROM comite_requests WHERE comite_id = c.id)
FROM comites c WHERE c.id = :'c';
SQL
    }
    # The requests a publication took up are pending again (so the next comité finds the
    # same facts), and the bench's comités are removed with their agenda and sheets, as the
    # superuser (the lifecycle triggers refuse to delete a published agenda); then vacuumed, so
    # that every build and publication starts from the same tables.
    ag_release() { owner_psql -v c="$1" <<<"UPDATE comite_requests SET comite_id = NULL WHERE comite_id = :'c'"; }
    ag_cleanup() {
        super_psql -v ids="{$(IFS=,; echo "$*")}" <<'SQL' >/dev/null
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE comite_requests SET comite_id = NULL WHERE comite_id = ANY (:'ids'::uuid[]);
DELETE FROM summary_sheet_entries WHERE item_id IN (SELECT id FROM agenda_items WHERE comite_id = ANY (:'ids'::uuid[]));
DELETE FROM agenda_items WHERE comite_id = ANY (:'ids'::uuid[]);
DELETE FROM comites WHERE id = ANY (:'ids'::uuid[]);
COMMIT;
VACUUM agenda_items, summary_sheet_entries, comite_requests, comites;
SQL
    }
    # Leftovers of an interrupted run.
    leftovers=$(owner_psql -v cell="$CELL_ID" <<<"SELECT string_agg(id::text, ' ') FROM comites
                                                  WHERE cell_id = :'cell' AND reference LIKE 'CS-BQ%'")
    # shellcheck disable=SC2086
    [[ -z $leftovers ]] || ag_cleanup $leftovers
    # ag_hub PATH ID NAME: POST PATH of comité ID as the facilitator; the answer in
    # agenda-NAME.json; prints "status milliseconds request-id". The time is curl's, from the
    # connection made to the last byte received (the connection to 127.0.0.1 left out).
    ag_hub() {
        local out=$OUT/agenda-$3.json code connect total
        read -r code connect total < <(curl -s -D "$out.headers" -o "$out" --data '' \
            -w '%{http_code} %{time_connect} %{time_total}\n' -H "Authorization: Bearer $FAC_TOKEN" \
            "$URL/v1/comites/$2/$1")
        echo "$code $(awk -v c="$connect" -v t="$total" 'BEGIN { printf "%.3f", (t - c) * 1000 }')" \
            "$(awk -F': *' 'tolower($1) == "x-request-id" { sub(/\r$/, "", $2); print $2 }' "$out.headers")"
    }
    audit_record() { owner_psql -c "SELECT chain, household_ids, action, levels, outcome FROM audit_log
                                    WHERE request_id = '$1' ORDER BY id DESC LIMIT 1"; }

    # The reference: one build and one publication through the hub. What it placed is what the
    # SQL side places (agenda-build.pgbench); every later build and publication, on either side,
    # must leave the same agenda and the same sheets.
    c=$(ag_new_comite ref-hub)
    before=$(audit_rows)
    read -r status ms rid < <(ag_hub agenda/build "$c" build-ref)
    [[ $status == 200 ]] ||
        { head -c 2000 "$OUT/agenda-build-ref.json" >&2; die "POST /v1/comites/$c/agenda/build answered $status, not 200"; }
    ((after = $(audit_rows), after == before + 1)) || die "the hub's build added $((after - before)) audit rows, not 1"
    read -r AG_ITEMS AG_BUILD_BYTES < <(python3 - "$OUT/agenda-build-ref.json" <<'PY'
import json, os, sys
c = json.load(open(sys.argv[1]))
print(len(c["agenda"]), os.path.getsize(sys.argv[1]))
PY
    )
    read -r st items AG_DIGEST _ _ _ < <(ag_state "$c")
    [[ $st == planned && $items == "$AG_ITEMS" && $AG_ITEMS -gt 0 ]] ||
        die "after the hub's build the comité is $st with $items items, its answer $AG_ITEMS"
    # The arrays the hub bound, read back in its order: the situations and their reasons (as
    # PostgreSQL array literals), and the agenda's households, which its audit record names.
    { read -r AG_SITUATIONS; read -r AG_REASONS; read -r AG_HOUSEHOLDS; read -r AG_PEOPLE; } < <(
        owner_psql -v c="$c" -v cell="$CELL_ID" <<'SQL'
SELECT array_agg(situation_id ORDER BY position)::text FROM agenda_items WHERE comite_id = :'c';
SELECT array_agg(reasons::text ORDER BY position)::text FROM agenda_items WHERE comite_id = :'c';
SELECT array_agg(household_id ORDER BY position, id)::text FROM agenda_items WHERE comite_id = :'c';
SELECT array_agg(user_id)::text FROM cell_people WHERE cell_id = :'cell';
SQL
    )
    ((${#AG_REASONS} < 120000)) ||
        die "the reasons array is ${#AG_REASONS} bytes: too long for one pgbench -D argument (128 KiB)"
    AG_REASON_KINDS=$(owner_psql -v c="$c" <<'SQL'
SELECT string_agg(kind || ' ' || n, ', ' ORDER BY n DESC, kind) FROM (
    SELECT r->>'kind' AS kind, count(*) AS n FROM agenda_items, jsonb_array_elements(reasons) r
    WHERE comite_id = :'c' GROUP BY 1) k;
SQL
    )
    record=$(audit_record "$rid")
    [[ $record == "$AG_CHAIN|$AG_HOUSEHOLDS|comite.agenda.build|{partners}|changed" ]] ||
        die "the hub's audit record of the build is '${record:0:300}…', not as agenda-build.pgbench writes it"
    AG_BUILD_RID=$rid
    before=$(audit_rows)
    read -r status ms rid < <(ag_hub publish "$c" publish-ref)
    [[ $status == 200 ]] ||
        { head -c 2000 "$OUT/agenda-publish-ref.json" >&2; die "POST /v1/comites/$c/publish answered $status, not 200"; }
    ((after = $(audit_rows), after == before + 1)) || die "the hub's publish added $((after - before)) audit rows, not 1"
    AG_PUBLISH_BYTES=$(wc -c <"$OUT/agenda-publish-ref.json")
    read -r st items digest AG_SHEETS AG_SHEETS_DIGEST AG_TAKEN < <(ag_state "$c")
    [[ $st == agendaPublished && $items == "$AG_ITEMS" && $digest == "$AG_DIGEST" && $AG_SHEETS -gt 0 ]] ||
        die "after the hub's publication the comité is $st with $items items and $AG_SHEETS sheet entries"
    record=$(audit_record "$rid")
    [[ $record == "$AG_CHAIN|$AG_HOUSEHOLDS|comite.publish|{partners}|changed" ]] ||
        die "the hub's audit record of the publication is '${record:0:300}…', not as agenda-publish.pgbench writes it"
    AG_PUBLISH_RID=$rid
    ag_cleanup "$c"
    log "check: the hub built an agenda of $AG_ITEMS items ($AG_REASON_KINDS) and published it:" \
        "$AG_SHEETS sheet entries frozen, $AG_TAKEN requests taken up; one audit record each"

    AG_COMMON=(-D "tokenhash=\\x$FAC_TOKEN_HASH" -D "user_id=$FAC_USER_ID" -D "org_id=$FAC_ORG_ID"
        -D "bound=$FAC_BOUND" -D "chain=$AG_CHAIN" -D "households=$AG_HOUSEHOLDS" -D "idprefix=$AG_TAG" -D k=0)
    AG_BUILD_PGBENCH=("${PGBENCH_BASE[@]}" -f bench/agenda-build.pgbench "${AG_COMMON[@]}"
        -D "situations=$AG_SITUATIONS" -D "reasons=$AG_REASONS" -D "request_id=$AG_BUILD_RID")
    # shellcheck disable=SC2034  # AG_BUILD_PGBENCH and AG_PUBLISH_PGBENCH are used as "AG_${op^^}_PGBENCH[@]"
    AG_PUBLISH_PGBENCH=("${PGBENCH_BASE[@]}" -f bench/agenda-publish.pgbench "${AG_COMMON[@]}"
        -D "people=$AG_PEOPLE" -D "request_id=$AG_PUBLISH_RID")
    # The same once through pgbench, one transaction each (k=1: the next transaction is an
    # operation, on the comité given): the same agenda, sheets, requests and audit records.
    c=$(ag_new_comite ref-sql)
    for op in build publish; do
        var="AG_${op^^}_PGBENCH[@]"
        before=$(audit_rows)
        "${!var}" -D roles="$FAC_ROLES" -D k=1 -D comite="$c" -c 1 -t 1 "$HUB_DB_NAME" \
            >"$OUT/agenda-$op-pgbench-check.txt" 2>&1 ||
            { cat "$OUT/agenda-$op-pgbench-check.txt" >&2; die "agenda $op pgbench -t 1 failed"; }
        grep -q 'actually processed: 1/1$' "$OUT/agenda-$op-pgbench-check.txt" ||
            { cat "$OUT/agenda-$op-pgbench-check.txt" >&2; die "agenda $op pgbench -t 1 did not complete"; }
        ((after = $(audit_rows), after == before + 1)) || die "agenda $op pgbench added $((after - before)) audit rows, not 1"
    done
    read -r st items digest sheets sheets_digest taken < <(ag_state "$c")
    [[ "$st $items $digest $sheets $sheets_digest $taken" == \
       "agendaPublished $AG_ITEMS $AG_DIGEST $AG_SHEETS $AG_SHEETS_DIGEST $AG_TAKEN" ]] ||
        die "after pgbench's build and publication the comité is $st with $items items ($digest), $sheets sheet" \
            "entries ($sheets_digest), $taken requests taken; the hub's: $AG_ITEMS ($AG_DIGEST), $AG_SHEETS" \
            "($AG_SHEETS_DIGEST), $AG_TAKEN"
    for op in build:comite.agenda.build:$AG_BUILD_RID publish:comite.publish:$AG_PUBLISH_RID; do
        IFS=: read -r _ action hub_rid <<<"$op"
        records=$(owner_psql -c "SELECT count(DISTINCT (chain, household_ids, action, levels, outcome)), count(*)
                                 FROM audit_log WHERE request_id = '$hub_rid'" | tr '|' ' ')
        [[ $records == "1 2" ]] ||
            die "the hub's and pgbench's audit records of $action differ (distinct, rows: $records)"
    done
    # A reader outside the cell (an orgAdmin's roles: no household work) does not see the
    # comité: the comité's \gset must stop pgbench, as the hub answers 404.
    n=$(ag_new_comite negative)
    if "${AG_BUILD_PGBENCH[@]}" -D roles=orgAdmin -D k=1 -D comite="$n" -c 1 -t 1 "$HUB_DB_NAME" \
        >"$OUT/agenda-pgbench-negative.txt" 2>&1; then
        die "agenda pgbench as an orgAdmin succeeded: agenda-build.pgbench no longer notices a hidden comité"
    fi
    grep -q 'expected one row, got 0' "$OUT/agenda-pgbench-negative.txt" ||
        { cat "$OUT/agenda-pgbench-negative.txt" >&2; die "agenda pgbench as an orgAdmin failed for another reason"; }
    ag_cleanup "$c" "$n"
    log "check: pgbench's build and publication leave the same agenda, sheets, requests taken and audit" \
        "records as the hub's; as an orgAdmin it fails as it should"
fi

if [[ $RUN_NOTIFY == 1 ]]; then
    # sink_get PATH FILE SECONDS: a control answer of the sink (JSON) into FILE.
    sink_get() {
        curl -s --max-time "$3" -o "$2" "$SINK$1" || die "notify: the sink did not answer $1 within $3 s"
    }
    # json FILE KEY...: the values of the keys, on one line ("None" for null).
    json() {
        python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(str(d[k]) for k in sys.argv[2:]))
PY
    }
    # notify_settled PREFIX EXPECTED: waits (10 s at most) until EXPECTED deliveries of the
    # bench events whose reference starts with PREFIX- are delivered; prints "delivered
    # retried other last-fan-out" (retried: attempts > 1; other: any status but delivered,
    # or no delivery at all; last-fan-out: the latest fanned_out_at, epoch seconds).
    notify_settled() {
        local row delivered
        for _ in $(seq 1 100); do
            row=$(owner_psql -F ' ' -v org="$NOTIFY_ORG" -v prefix="$1" <<'SQL'
SELECT count(*) FILTER (WHERE d.status = 'delivered'), count(*) FILTER (WHERE d.attempts > 1),
       count(*) FILTER (WHERE d.status IS DISTINCT FROM 'delivered'), extract(epoch FROM max(e.fanned_out_at))
FROM notify_events e LEFT JOIN notify_deliveries d ON d.event_id = e.id
WHERE e.organisation_id = :'org' AND e.reference LIKE :'prefix' || '-%'
SQL
            )
            delivered=${row%% *}
            ((delivered < $2)) || break
            sleep 0.1
        done
        echo "$row"
    }
    # insert_events PREFIX N: N bench events in one statement (references PREFIX-1..N), as
    # Outbox.record writes them for a comité's agenda (no household, the organisation
    # addressed); prints the time just after the commit (epoch seconds, the server's clock).
    insert_events() {
        owner_psql -v org="$NOTIFY_ORG" -v prefix="$1" -v n="$2" <<'SQL'
INSERT INTO notify_events (id, topic, organisation_id, household_id, reference, link_path, organisation_ids)
SELECT gen_random_uuid(), 'agendaPublished', :'org', NULL, :'prefix' || '-' || n, '/v1/comites/x',
       ARRAY[:'org'::uuid]
FROM generate_series(1, :n) AS n;
SELECT extract(epoch FROM clock_timestamp());
SQL
    }

    # cpu_seconds PID: user + system CPU time the process has used so far, in seconds.
    cpu_seconds() {
        awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat"
    }
    # analyzes: how many times autovacuum has analyzed and vacuumed notify_deliveries. The plans
    # of notify_claim and notify_settle depend on its statistics (bench/README.md, notify).
    analyzes() {
        owner_psql -c "SELECT autoanalyze_count || '/' || autovacuum_count FROM pg_stat_user_tables
                       WHERE relname = 'notify_deliveries'"
    }

    NOTIFY_STARTED=$(date +%s)
    # The sink must not be the bottleneck: how many one-connection POSTs it takes per second,
    # at the dispatcher's concurrency (16), with wrk's one thread competing for the CPU.
    log "notify: sink capacity check: wrk 3s, 16 connections, one connection per POST..."
    wrk -t 1 -c 16 -d 3s -s bench/notify.lua "$SINK/hook" >"$OUT/notify-sink-capacity.txt"
    cat "$OUT/notify-sink-capacity.txt" >&2
    SINK_RPS=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$OUT/notify-sink-capacity.txt")
    [[ -n $SINK_RPS ]] || die "notify: could not parse the sink capacity check"
    ! grep -q 'Non-2xx' "$OUT/notify-sink-capacity.txt" || die "notify: the sink answered non-2xx to wrk"
    SINK_ERRORS=$(grep -h 'Socket errors' "$OUT/notify-sink-capacity.txt" | sed 's/^ *//' || true)
    sink_get "/stats?group=W" "$OUT/notify-sink-capacity.json" 5
    log "check: the sink took $SINK_RPS POST/s from wrk ($(json "$OUT/notify-sink-capacity.json" requests) received)"

    # One event through the hub: it must reach the sink once, signed with the
    # subscription's secret, and be settled as delivered at the first attempt.
    insert_events C 1 >/dev/null
    sink_get "/wait?group=C&count=1&timeout=15" "$OUT/notify-check.json" 20
    read -r unique dups badsig badbody < <(json "$OUT/notify-check.json" unique duplicates bad_signature bad_body)
    ((unique == 1)) || { tail -n 20 "$OUT/hub.log" >&2; die "notify: one event did not reach the sink within 15 s"; }
    ((dups == 0 && badsig == 0 && badbody == 0)) ||
        die "notify: the check delivery: $dups duplicates, $badsig bad signatures, $badbody bad bodies"
    read -r delivered retried other _ < <(notify_settled C 1)
    [[ "$delivered $retried $other" == "1 0 0" ]] ||
        die "notify: the check event's delivery: $delivered delivered, $retried retried, $other otherwise, not 1 0 0"
    log "check: one event -> one signed delivery at the sink, settled delivered at the first attempt"
    NOTIFY_CHECKS_TOOK=$(($(date +%s) - NOTIFY_STARTED))
fi

# ---------------------------------------------------------------------------------------
# 6. Measure, route by route: hub first, then the database alone (the hub sits idle)
# ---------------------------------------------------------------------------------------
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
    local wrk=(wrk -t "$THREADS" -c "$CONNECTIONS" -H "Authorization: Bearer $token")
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

    local rps p50 p99 tps pp50 pp99 n v
    rps=$(awk '/^Requests\/sec:/ {printf "%.1f", $2}' "$prefix-wrk.txt")
    p50=$(wrk_ms 50 "$prefix-wrk.txt")
    p99=$(wrk_ms 99 "$prefix-wrk.txt")
    tps=$(awk '/^tps = / {printf "%.1f", $3; exit}' "$prefix-pgbench.txt")
    read -r pp50 pp99 n < <(python3 - "$prefix"-pgbench_log.* <<'PY'
import sys
lat = sorted(int(line.split()[2]) for path in sys.argv[1:] for line in open(path))
def pct(p):  # nearest rank, in ms
    return lat[max(0, -(-len(lat) * p // 100) - 1)] / 1000
print(f"{pct(50):.3f} {pct(99):.3f} {len(lat)}")
PY
    )
    for v in rps p50 p99 tps pp50 pp99; do
        [[ -n ${!v} ]] || die "$name: could not parse $v (see $OUT)"
    done
    printf -v "${name}_WRK_RPS" '%s' "$rps"
    printf -v "${name}_WRK_P50" '%s' "$p50"
    printf -v "${name}_WRK_P99" '%s' "$p99"
    printf -v "${name}_PGB_TPS" '%s' "$tps"
    printf -v "${name}_PGB_P50" '%s' "$pp50"
    printf -v "${name}_PGB_P99" '%s' "$pp99"
    printf -v "${name}_PGB_N" '%s' "$n"
}

if [[ $RUN_ME == 1 ]]; then
    ME_PGBENCH+=(-D "tokenhash=\\x$ME_TOKEN_HASH")
    WRK_ARGS=()
    measure me "$URL/v1/me" "$ME_TOKEN" ME_PGBENCH
fi
if [[ $RUN_HOUSEHOLD == 1 ]]; then
    HH_SIZE=$(owner_psql -F ' ' -c "SELECT (SELECT count(*) FROM households WHERE reference LIKE 'B-%'),
        (SELECT count(*) FROM households), (SELECT count(*) FROM diagnostic_entries), (SELECT count(*) FROM notes),
        (SELECT count(*) FROM audit_log)")
    read -r HH_GENERATED HH_ALL HH_ENTRIES HH_NOTES HH_AUDIT <<<"$HH_SIZE"
    # wrk passes what follows `--` to the Lua init: the ids file.
    WRK_ARGS=(-- "$HH_IDS")
    measure household "$URL/v1/households/" "$HH_TOKEN" HH_PGBENCH -s bench/household.lua
    HH_AUDIT_AFTER=$(audit_rows)
fi
if [[ $RUN_TIMELINE == 1 ]]; then
    # Entries per household (every row the timeline's union reads for it, before the page's
    # limit): how much the database sorts to give the first 50.
    read -r TL_P50 TL_P90 TL_MAX TL_PAGED TL_AUDIT < <(owner_psql -F ' ' <<'SQL'
WITH e AS (
    SELECT household_id FROM path_transitions UNION ALL SELECT household_id FROM diagnostics WHERE status = 'validated'
    UNION ALL SELECT household_id FROM contracts UNION ALL SELECT household_id FROM meetings
    UNION ALL SELECT household_id FROM aids UNION ALL SELECT household_id FROM proposals
    UNION ALL SELECT household_id FROM proposal_answers UNION ALL SELECT household_id FROM cal_decisions
    UNION ALL SELECT household_id FROM leases
    UNION ALL SELECT household_id FROM leases WHERE entry_inspection_on IS NOT NULL
    UNION ALL SELECT household_id FROM leases WHERE slid_on IS NOT NULL
    UNION ALL SELECT household_id FROM alerts UNION ALL SELECT household_id FROM alerts WHERE resolved_on IS NOT NULL
    UNION ALL SELECT household_id FROM outcomes),
c AS (SELECT count(*) AS n FROM e JOIN households h ON h.id = e.household_id AND h.reference LIKE 'B-%'
      GROUP BY e.household_id)
SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n), percentile_disc(0.9) WITHIN GROUP (ORDER BY n), max(n),
       count(*) FILTER (WHERE n > 50), (SELECT count(*) FROM audit_log)
FROM c;
SQL
    )
    WRK_ARGS=(-- "$HH_IDS" /timeline)
    measure timeline "$URL/v1/households/" "$HH_TOKEN" TL_PGBENCH -s bench/household.lua
    TL_AUDIT_AFTER=$(audit_rows)
fi

if [[ $RUN_AGENDA == 1 ]]; then
    AG_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
    AG_STARTED=$(date +%s)
    AG_TOTAL=$((COMITES_WARMUP + COMITES))
    # Two pgbench sessions (build, publish), each kept open for every comité: -t 2N+1, an
    # operation every other transaction, when this script says go (agenda-build.pgbench).
    declare -A AG_DONE AG_GO
    AG_FDS=()
    ag_session_start() {
        local op=$1 var="AG_${1^^}_PGBENCH[@]" done_fd go_fd line
        rm -f "$OUT/agenda-$op.done" "$OUT/agenda-$op.go"
        mkfifo "$OUT/agenda-$op.done" "$OUT/agenda-$op.go"
        # Opened read-write, so that neither side blocks on open().
        exec {done_fd}<>"$OUT/agenda-$op.done" {go_fd}<>"$OUT/agenda-$op.go"
        AG_DONE[$op]=$done_fd
        AG_GO[$op]=$go_fd
        AG_FDS+=("$done_fd" "$go_fd")
        # pgbench (and its \shell children) must not inherit the FIFOs: a reader holding the
        # FIFO it reads open for writing never sees its end, and would outlive this script.
        (
            for fd in "${AG_FDS[@]}"; do eval "exec $fd>&-"; done
            exec "${!var}" -D roles="$FAC_ROLES" -D donefifo="$OUT/agenda-$op.done" \
                -D gofifo="$OUT/agenda-$op.go" -c 1 -j 1 -t $((2 * AG_TOTAL + 1)) --log \
                --log-prefix="$OUT/agenda-$op-pgbench_log" "$HUB_DB_NAME" >"$OUT/agenda-$op-pgbench.txt" 2>&1
        ) &
        AG_PID[$op]=$!
        ag_wait "$op" 1
    }
    # ag_wait OP I: the session says it is ready for operation I (so I - 1 is done).
    ag_wait() {
        local line=""
        for _ in $(seq 1 900); do
            read -r -t 1 -u "${AG_DONE[$1]}" line && break
            kill -0 "${AG_PID[$1]}" 2>/dev/null ||
                { cat "$OUT/agenda-$1-pgbench.txt" >&2; die "agenda: the pgbench $1 session ended early"; }
        done
        [[ $line == "$2" ]] || die "agenda: the pgbench $1 session said '$line', not $2"
    }
    ag_sql() { echo go >&"${AG_GO[$1]}"; ag_wait "$1" $(($2 + 1)); }
    ag_session_start build
    ag_session_start publish

    log "agenda: $AG_TOTAL comités per side ($COMITES_WARMUP warm-up), build then publish, hub and SQL in turn..."
    : >"$OUT/agenda-hub-ms.txt"
    for ((i = 1; i <= AG_TOTAL; i++)); do
        h=$(ag_new_comite "hub-$i")
        q=$(ag_new_comite "$i")
        # Who goes first alternates, so that neither side always finds the other's leftovers.
        if ((i % 2)); then sides="hub sql"; else sides="sql hub"; fi
        for op in build publish; do
            for side in $sides; do
                c=$q
                [[ $side == sql ]] || c=$h
                before=$(audit_rows)
                if [[ $side == hub ]]; then
                    path=agenda/build
                    [[ $op == build ]] || path=publish
                    read -r status ms _ < <(ag_hub "$path" "$h" "$op-$i")
                    [[ $status == 200 ]] ||
                        { head -c 2000 "$OUT/agenda-$op-$i.json" >&2; die "agenda: the hub's $op $i answered $status"; }
                    echo "$i $op $ms" >>"$OUT/agenda-hub-ms.txt"
                else
                    ag_sql "$op" "$i"
                fi
                ((after = $(audit_rows), after == before + 1)) ||
                    die "agenda: the $side $op $i added $((after - before)) audit rows, not 1"
                read -r st items digest sheets sheets_digest taken < <(ag_state "$c")
                if [[ $op == build ]]; then
                    expected="planned $AG_ITEMS $AG_DIGEST 0"
                    got="$st $items $digest $sheets"
                else
                    expected="agendaPublished $AG_ITEMS $AG_DIGEST $AG_SHEETS $AG_SHEETS_DIGEST $AG_TAKEN"
                    got="$st $items $digest $sheets $sheets_digest $taken"
                    # The requests go back to pending: the other side's publication takes them up too.
                    ag_release "$c"
                fi
                [[ $got == "$expected" ]] ||
                    die "agenda: after the $side $op $i the comité holds '$got', not '$expected' as the reference"
            done
        done
        ag_cleanup "$h" "$q"
        ((i % 5)) || log "agenda: $i of $AG_TOTAL comités"
    done
    for op in build publish; do
        echo go >&"${AG_GO[$op]}"  # the last wait: the session ends
        wait "${AG_PID[$op]}" || { cat "$OUT/agenda-$op-pgbench.txt" >&2; die "agenda: the pgbench $op session failed"; }
        unset "AG_PID[$op]"
        grep -q "actually processed: $((2 * AG_TOTAL + 1))/" "$OUT/agenda-$op-pgbench.txt" ||
            { cat "$OUT/agenda-$op-pgbench.txt" >&2; die "agenda: the pgbench $op session did not run to its end"; }
    done
    # The operations' latencies (the even transactions of each session, numbered from 1 in
    # the --log), the warm-up left out, against the hub's; p50, p99 (nearest rank: with fewer
    # than 100 comités, the largest) and max, in ms; then the two together, per comité.
    python3 - "$COMITES_WARMUP" "$OUT/agenda-hub-ms.txt" "$OUT"/agenda-build-pgbench_log.* \
        "$OUT"/agenda-publish-pgbench_log.* >"$OUT/agenda-latency.txt" <<'PY'
import math, re, sys
warm = int(sys.argv[1])
hub = {"build": [], "publish": []}
for line in open(sys.argv[2]):
    i, op, ms = line.split()
    if int(i) > warm:
        hub[op].append(float(ms))
sql = {}
for path in sys.argv[3:]:
    op = "build" if "agenda-build-" in path else "publish"
    ops = [int(l.split()[2]) / 1000 for l in open(path) if int(l.split()[1]) % 2 == 0]
    sql[op] = ops[warm:]
def stats(values):
    v = sorted(values)
    pct = lambda p: v[max(0, math.ceil(len(v) * p / 100) - 1)]
    return f"{pct(50):.1f} {pct(99):.1f} {v[-1]:.1f} {sum(v) / len(v):.1f} {len(v)}"
for side, series in (("hub", hub), ("sql", sql)):
    for op in ("build", "publish"):
        print(side, op, stats(series[op]))
    print(side, "both", stats([a + b for a, b in zip(series["build"], series["publish"])]))
PY
    cat "$OUT/agenda-latency.txt" >&2
    AG_TOOK=$(($(date +%s) - AG_STARTED))
fi

if [[ $RUN_MINUTES == 1 ]]; then
    MN_AUDIT=$(audit_rows)
    WRK_ARGS=()
    # Each request takes hundreds of milliseconds, more than a second with 16 in flight: wrk's
    # default 2 s timeout would count the slowest as socket errors.
    measure minutes "$URL/v1/comites/$MN_COMITE/minutes" "$PT_TOKEN" MN_PGBENCH --timeout 30s
    MN_AUDIT_AFTER=$(audit_rows)
fi

if [[ $RUN_NOTIFY == 1 ]]; then
    kill -0 "$HUB_PID" 2>/dev/null || die "the hub died before the notify section"
    NOTIFY_STARTED=$(date +%s)
    NOTIFY_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

    # Throughput: N events committed at once; the hub fans them out (128 per call) in turn
    # with rounds of 4 batches of 16 claimed deliveries, each POSTed and settled.
    log "notify: throughput, $NOTIFY_EVENTS events in one INSERT..."
    T_ANALYZES=$(analyzes)
    hub_cpu=$(cpu_seconds "$HUB_PID")
    sink_cpu=$(cpu_seconds "$SINK_PID")
    commit_at=$(insert_events T "$NOTIFY_EVENTS")
    wait_s=$((60 + NOTIFY_EVENTS / 20))
    sink_get "/wait?group=T&count=$NOTIFY_EVENTS&timeout=$wait_s" "$OUT/notify-throughput.json" $((wait_s + 5))
    read -r T_UNIQUE _ T_DUPS T_BADSIG T_BADBODY T_FIRST T_LAST < <(json "$OUT/notify-throughput.json" \
        unique requests duplicates bad_signature bad_body first last)
    # Share of one core used by the hub and by the sink from the commit to the last delivery.
    read -r T_HUB_CPU T_SINK_CPU < <(awk -v h0="$hub_cpu" -v h1="$(cpu_seconds "$HUB_PID")" \
        -v s0="$sink_cpu" -v s1="$(cpu_seconds "$SINK_PID")" -v c="$commit_at" -v l="$T_LAST" \
        'BEGIN { printf "%.0f %.0f\n", 100 * (h1 - h0) / (l - c), 100 * (s1 - s0) / (l - c) }')
    ((T_UNIQUE == NOTIFY_EVENTS)) ||
        { tail -n 20 "$OUT/hub.log" >&2
          die "notify: the sink received $T_UNIQUE of $NOTIFY_EVENTS events within ${wait_s}s"; }
    ((T_BADSIG == 0 && T_BADBODY == 0)) ||
        die "notify: $T_BADSIG deliveries with a bad signature, $T_BADBODY with a bad body"
    read -r T_DELIVERED T_RETRIED T_OTHER T_FANNED < <(notify_settled T "$NOTIFY_EVENTS")
    ((T_DELIVERED == NOTIFY_EVENTS && T_OTHER == 0)) ||
        die "notify: $T_DELIVERED of $NOTIFY_EVENTS deliveries settled as delivered ($T_OTHER otherwise)"
    T_ANALYZES+=" -> $(analyzes)"
    read -r NOTIFY_HUB_DPS NOTIFY_SEND_DPS T_FIRST_S T_FANNED_S T_TOTAL_S < <(
        awk -v n="$NOTIFY_EVENTS" -v c="$commit_at" -v f="$T_FIRST" -v l="$T_LAST" -v fo="$T_FANNED" 'BEGIN {
            printf "%.1f %.1f %.2f %.2f %.2f\n", n / (l - c), (l > f) ? (n - 1) / (l - f) : 0, f - c, fo - c, l - c }')
    log "notify: $NOTIFY_EVENTS deliveries in ${T_TOTAL_S}s after the commit: $NOTIFY_HUB_DPS/s" \
        "(first after ${T_FIRST_S}s, last fan-out call ${T_FANNED_S}s after the commit;" \
        "$NOTIFY_SEND_DPS/s from first to last); $T_DUPS duplicates, $T_RETRIED retried;" \
        "CPU: hub $T_HUB_CPU %, sink $T_SINK_CPU % of a core"

    # Latency: one event per INSERT (autocommit), paced by pg_sleep_until at a steady rate.
    # The reference carries clock_timestamp() in epoch microseconds, taken in the INSERT,
    # just before its commit; the sink subtracts it from the time it receives the POST.
    # After each INSERT a SELECT reads the clock again: after the commit (and a round trip).
    NOTIFY_LATENCY_EVENTS=$((NOTIFY_RATE * NOTIFY_SECONDS))
    awk -v k="$NOTIFY_LATENCY_EVENTS" -v rate="$NOTIFY_RATE" 'BEGIN {
        print "SELECT (extract(epoch FROM clock_timestamp()) * 1e6)::bigint + 100000 AS t0 \\gset"
        for (i = 0; i < k; i++) {
            printf "SELECT pg_sleep_until(to_timestamp((:t0 + %d) / 1e6)) \\g /dev/null\n", i * 1000000 / rate
            print "INSERT INTO notify_events (id, topic, organisation_id, household_id, reference, link_path, organisation_ids)"
            print "VALUES (gen_random_uuid(), '\''agendaPublished'\'', :'\''org'\'', NULL,"
            print "        '\''L-'\'' || (extract(epoch FROM clock_timestamp()) * 1e6)::bigint, '\''/v1/comites/x'\'',"
            print "        ARRAY[:'\''org'\''::uuid]) RETURNING reference;"
            print "SELECT (extract(epoch FROM clock_timestamp()) * 1e6)::bigint;"
        } }' >"$OUT/notify-latency.sql"
    log "notify: latency, $NOTIFY_LATENCY_EVENTS events, one INSERT each, $NOTIFY_RATE/s for ${NOTIFY_SECONDS}s..."
    owner_psql -v org="$NOTIFY_ORG" -f "$OUT/notify-latency.sql" >"$OUT/notify-latency-inserts.txt" ||
        die "notify: the paced inserts failed"
    sink_get "/wait?group=L&count=$NOTIFY_LATENCY_EVENTS&timeout=30" "$OUT/notify-latency.json" 35
    read -r L_UNIQUE L_DUPS L_BADSIG L_BADBODY < <(json "$OUT/notify-latency.json" \
        unique duplicates bad_signature bad_body)
    ((L_UNIQUE == NOTIFY_LATENCY_EVENTS)) ||
        die "notify: the sink received $L_UNIQUE of $NOTIFY_LATENCY_EVENTS paced events"
    ((L_BADSIG == 0 && L_BADBODY == 0)) ||
        die "notify: $L_BADSIG deliveries with a bad signature, $L_BADBODY with a bad body"
    read -r L_DELIVERED L_RETRIED L_OTHER _ < <(notify_settled L "$NOTIFY_LATENCY_EVENTS")
    ((L_DELIVERED == NOTIFY_LATENCY_EVENTS && L_OTHER == 0)) ||
        die "notify: $L_DELIVERED of $NOTIFY_LATENCY_EVENTS paced deliveries settled as delivered"
    # Where the time goes, from the database's timestamps: fanned_out_at is the start of the
    # notify_fan_out call that took the event (so INSERT -> fanned_out_at is the wake-up:
    # the commit, NOTIFY, the dispatcher's loop), delivered_at the start of notify_settle.
    owner_psql -F ' ' -v org="$NOTIFY_ORG" >"$OUT/notify-latency-db.txt" <<'SQL'
SELECT e.reference, (extract(epoch FROM e.fanned_out_at) * 1e6)::bigint,
       (extract(epoch FROM d.delivered_at) * 1e6)::bigint
FROM notify_events e JOIN notify_deliveries d ON d.event_id = e.id
WHERE e.organisation_id = :'org' AND e.reference LIKE 'L-%'
SQL
    # Percentiles (nearest rank) of: receive - timestamp in the INSERT (the table's figures),
    # receive - timestamp after the commit, the INSERT's own time (commit and a round trip:
    # how far before the commit the first timestamp may be), and the steps above. The sink's
    # log gives the receive times, the psql output the pairs of timestamps.
    python3 - "$OUT/notify-sink.log" "$OUT/notify-latency-inserts.txt" "$OUT/notify-latency-db.txt" \
        >"$OUT/notify-latency.txt" <<'PY'
import math, sys
received = {}
for line in open(sys.argv[1]):
    t, group, _, reference, _, dup = line.rstrip("\n").split("\t")
    if group == "L" and dup == "0":
        received[reference] = int(t)
lines = open(sys.argv[2]).read().split()
pairs = [(lines[i], int(lines[i][2:]), int(lines[i + 1])) for i in range(0, len(lines), 2)]
db = {r: (int(f), int(d)) for r, f, d in (line.split() for line in open(sys.argv[3]))}
def pct(values, p):
    values = sorted(values)
    return values[max(0, math.ceil(len(values) * p / 100) - 1)] / 1000
rows = {
    "insert": [received[r] - before for r, before, _ in pairs],
    "commit": [received[r] - after for r, _, after in pairs],
    "roundtrip": [after - before for _, before, after in pairs],
    "wakeup": [db[r][0] - before for r, before, _ in pairs],
    "send": [received[r] - db[r][0] for r, _, _ in pairs],
    "settle": [db[r][1] - received[r] for r, _, _ in pairs],
}
rate = (len(pairs) - 1) / ((pairs[-1][1] - pairs[0][1]) / 1e6)
for name, values in rows.items():
    print(name, *(f"{pct(values, p):.2f}" for p in (50, 90, 99, 100)), f"{min(values) / 1000:.2f}")
print("rate", f"{rate:.1f}", len(pairs))
PY
    cat "$OUT/notify-latency.txt" >&2
    read -r _ L_P50 L_P90 L_P99 L_MAX L_MIN < <(grep '^insert ' "$OUT/notify-latency.txt")
    read -r _ LC_P50 LC_P90 LC_P99 LC_MAX LC_MIN < <(grep '^commit ' "$OUT/notify-latency.txt")
    read -r _ RT_P50 _ RT_P99 RT_MAX _ < <(grep '^roundtrip ' "$OUT/notify-latency.txt")
    read -r _ L_RATE _ < <(grep '^rate ' "$OUT/notify-latency.txt")
    read -r _ LW_P50 LW_P90 LW_P99 LW_MAX LW_MIN < <(grep '^wakeup ' "$OUT/notify-latency.txt")
    read -r _ LS_P50 LS_P90 LS_P99 LS_MAX LS_MIN < <(grep '^send ' "$OUT/notify-latency.txt")
    log "notify: commit -> delivery p50 $L_P50 ms, p99 $L_P99 ms, max $L_MAX ms"

    # The database alone: the hub stops first, or its dispatcher would drain pgbench's queue.
    log "notify: stopping the hub (its dispatcher would drain pgbench's queue)..."
    stop_process "$HUB_PID"
    HUB_PID=""

    # pgbench drains a queue of the same size as the hub did (rounded up to whole batches
    # of 16), after WARM batches of warm-up. notify_fill puts that many pending webhook
    # deliveries on the bench subscription (references P-n), as notify_fan_out would leave
    # them, after deleting the previous fill and vacuuming.
    # With BENCH_NOTIFY_CLIENTS > 1, each client runs its share of the batches (rounded up).
    NOTIFY_PER_CLIENT=$(( ((NOTIFY_EVENTS + 15) / 16 + NOTIFY_CLIENTS - 1) / NOTIFY_CLIENTS ))
    NOTIFY_BATCHES=$((NOTIFY_PER_CLIENT * NOTIFY_CLIENTS))
    NOTIFY_WARM=20
    NOTIFY_QUEUE=$(((NOTIFY_PER_CLIENT + NOTIFY_WARM) * NOTIFY_CLIENTS * 16))
    notify_fill() {
        owner_psql -v org="$NOTIFY_ORG" -v sub="$NOTIFY_SUB" -v n="$1" <<'SQL'
DELETE FROM notify_deliveries d USING notify_events e
WHERE e.id = d.event_id AND e.organisation_id = :'org' AND e.reference LIKE 'P-%';
DELETE FROM notify_events WHERE organisation_id = :'org' AND reference LIKE 'P-%';
VACUUM (ANALYZE) notify_events, notify_deliveries;
WITH e AS (
    INSERT INTO notify_events (id, topic, organisation_id, household_id, reference, link_path, organisation_ids,
                               fanned_out_at)
    SELECT gen_random_uuid(), 'agendaPublished', :'org', NULL, 'P-' || n, '/v1/comites/x', ARRAY[:'org'::uuid], now()
    FROM generate_series(1, :n) AS n
    RETURNING id, topic)
INSERT INTO notify_deliveries (id, event_id, channel, topic, subscription_id, organisation_id)
SELECT gen_random_uuid(), e.id, 'webhook', e.topic, :'sub', :'org' FROM e;
SQL
    }
    queue_depth() { owner_psql -c "SELECT count(*) FROM notify_deliveries WHERE status IN ('pending', 'sending')"; }
    NOTIFY_PGB_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
    NOTIFY_PGBENCH=("${PGBENCH_BASE[@]}" -f bench/notify.pgbench -c "$NOTIFY_CLIENTS" -j "$NOTIFY_CLIENTS")
    for cycle in 0 1; do
        name=notify-pgbench-cycle$cycle
        log "notify: pgbench cycle=$cycle: filling a queue of $NOTIFY_QUEUE deliveries..."
        notify_fill "$NOTIFY_QUEUE" >&2 || die "notify: filling pgbench's queue failed"
        depth=$(queue_depth)
        ((depth == NOTIFY_QUEUE)) || die "notify: $depth deliveries due, not $NOTIFY_QUEUE: another queue is in the way"
        printf -v "NOTIFY_PGB_ANALYZES$cycle" '%s' "$(analyzes)"
        "${NOTIFY_PGBENCH[@]}" -D cycle=$cycle -t "$NOTIFY_WARM" "$HUB_DB_NAME" >"$OUT/$name-warmup.txt" 2>&1 ||
            { cat "$OUT/$name-warmup.txt" >&2; die "notify: pgbench cycle=$cycle warm-up failed"; }
        log "notify: pgbench cycle=$cycle: $NOTIFY_BATCHES batches of 16, $NOTIFY_CLIENTS client(s)..."
        "${NOTIFY_PGBENCH[@]}" -D cycle=$cycle -t "$NOTIFY_PER_CLIENT" "$HUB_DB_NAME" >"$OUT/$name.txt" 2>&1 ||
            { cat "$OUT/$name.txt" >&2; die "notify: pgbench cycle=$cycle failed"; }
        cat "$OUT/$name.txt" >&2
        grep -q "actually processed: $NOTIFY_BATCHES/$NOTIFY_BATCHES\$" "$OUT/$name.txt" ||
            die "notify: pgbench cycle=$cycle did not complete its $NOTIFY_BATCHES batches"
        # Every delivery of the fill claimed once and settled as delivered, nothing left.
        read -r delivered retried other _ < <(notify_settled P "$NOTIFY_QUEUE")
        [[ "$delivered $retried $other $(queue_depth)" == "$NOTIFY_QUEUE 0 0 0" ]] ||
            die "notify: after pgbench cycle=$cycle: $delivered delivered, $retried claimed twice, $other not" \
                "delivered, $(queue_depth) still due"
        tps=$(awk '/^tps = / {printf "%.1f", $3; exit}' "$OUT/$name.txt")
        [[ -n $tps ]] || die "notify: could not parse pgbench's tps (see $OUT/$name.txt)"
        printf -v "NOTIFY_PGB_TPS$cycle" '%s' "$tps"
        printf -v "NOTIFY_PGB_DPS$cycle" '%s' "$(awk -v t="$tps" 'BEGIN { printf "%.1f", t * 16 }')"
        printf -v "NOTIFY_PGB_LAT$cycle" '%s' "$(awk '/^latency average = / {print $4; exit}' "$OUT/$name.txt")"
        analyzed="NOTIFY_PGB_ANALYZES$cycle"
        printf -v "$analyzed" '%s' "${!analyzed} -> $(analyzes)"
    done
    # The queue is empty now: one more batch must fail, proof that a dry queue stops pgbench
    # rather than measuring empty claims.
    if "${NOTIFY_PGBENCH[@]}" -D cycle=0 -t 1 "$HUB_DB_NAME" >"$OUT/notify-pgbench-negative.txt" 2>&1; then
        die "notify: pgbench on an empty queue succeeded: notify.pgbench no longer notices a dry queue"
    fi
    grep -q 'the queue ran dry' "$OUT/notify-pgbench-negative.txt" ||
        { cat "$OUT/notify-pgbench-negative.txt" >&2; die "notify: pgbench on an empty queue failed for another reason"; }
    log "check: pgbench on the empty queue fails on 'the queue ran dry', as it should"
    # Checks and measures, without the set-up (sink, subscription) or the hub's start.
    NOTIFY_TOOK=$((NOTIFY_CHECKS_TOOK + $(date +%s) - NOTIFY_STARTED))
fi

# ---------------------------------------------------------------------------------------
# 7. Results
# ---------------------------------------------------------------------------------------
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
    echo "  hub pool:    HUB_DB_POOL_SIZE=$POOL (pgbench holds $CONNECTIONS connections)"
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

# At HUB_LOG_LEVEL=warning a quiet hub logs nothing: any line here deserves a look.
hub_lines=$(wc -l <"$OUT/hub.log")
hub_errors=$(grep -ciE 'error|critical' "$OUT/hub.log" || true)
revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -z $(git status --porcelain -- Sources sql Package.swift 2>/dev/null) ]] || revision+=" + uncommitted changes"
if [[ $RUN_ME == 1 ]]; then
    table "GET /v1/me: hub vs the same SQL on PostgreSQL" me "hub GET /v1/me (wrk)"
fi
if [[ $RUN_HOUSEHOLD == 1 ]]; then
    table "GET /v1/households/{id}: hub vs the same transaction on PostgreSQL" household \
        "hub GET /v1/households/{id} (wrk)" \
        "reader:      $HH_EMAIL ($HH_ROLES, bound by secret: $HH_BOUND); a random household per request" \
        "data:        $HH_GENERATED generated households ($HH_ALL in all), $HH_ENTRIES diagnostic entries," \
        "             $HH_NOTES notes, $HH_AUDIT audit rows before the run ($HH_AUDIT_AFTER after)" \
        "generation:  $GENERATION"
    # shellcheck disable=SC2154  # set by measure (printf -v)
    household_ratio=$(ratio "$household_WRK_RPS" "$household_PGB_TPS")
    if awk -v r="$household_ratio" 'BEGIN { exit !(r < 0.5) }'; then
        echo
        echo "  NOTE: the hub serves less than half of pgbench's transactions on this route (ratio $household_ratio)."
    fi
fi
if [[ $RUN_TIMELINE == 1 ]]; then
    table "GET /v1/households/{id}/timeline: hub vs the same transaction on PostgreSQL" timeline \
        "hub GET /v1/households/{id}/timeline (wrk)" \
        "reader:      $HH_EMAIL ($HH_ROLES, bound by secret: $HH_BOUND); a random household per request," \
        "             the first page (50 entries, 51 rows asked for)" \
        "data:        $HOUSEHOLDS generated households, by state now:" \
        "             $HH_STATES" \
        "paths:       $PATH_TRANSITIONS path transitions, $PATH_CONTRACTS contracts, $PATH_MEETINGS meetings" \
        "             ($PATH_NOTES notes), $PATH_AIDS aids, $PATH_FLATS flats, $PATH_PROPOSALS proposals" \
        "             ($PATH_ANSWERS answers), $PATH_CAL CAL decisions, $PATH_LEASES leases, $PATH_ALERTS alerts," \
        "             $PATH_OUTCOMES outcomes" \
        "timeline:    entries per household p50 $TL_P50, p90 $TL_P90, max $TL_MAX; $TL_PAGED of $HOUSEHOLDS have" \
        "             more than one page; $TL_AUDIT audit rows before the run ($TL_AUDIT_AFTER after)" \
        "generation:  $GENERATION"
    # shellcheck disable=SC2154  # set by measure (printf -v)
    timeline_ratio=$(ratio "$timeline_WRK_RPS" "$timeline_PGB_TPS")
    if awk -v r="$timeline_ratio" 'BEGIN { exit !(r < 0.5) }'; then
        echo
        echo "  NOTE: the hub serves less than half of pgbench's transactions on this route (ratio $timeline_ratio)."
    fi
fi
if [[ $RUN_AGENDA == 1 ]]; then
    arow() { printf "| %-17s | %24s | %24s | %9s |\n" "$@"; }
    agenda_line() { grep "^$1 $2 " "$OUT/agenda-latency.txt" | cut -d' ' -f3-; }
    echo
    echo "POST /v1/comites/{id}/agenda/build, then /publish: hub vs the same SQL on PostgreSQL (one-shot, per operation)"
    echo "  date:        $(date -Is); the section took ${AG_TOOK}s"
    echo "  revision:    $revision"
    echo "  machine:     $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo);" \
        "load average before measuring $AG_LOAD"
    echo "  PostgreSQL:  $PG_VERSION; HUB_DB_POOL_SIZE=$POOL; pgbench: one session per operation kind, kept open"
    echo "  facilitator: $FAC_EMAIL ($FAC_ROLES, bound by secret: $FAC_BOUND), of ALFI, which runs the cell"
    echo "  cell:        $CF_SITUATIONS situations followed; 4 comités held before (the first with all of them," \
        "then about a third each);"
    echo "               $CF_REQUESTS requests pending; each comité planned on $AG_DAY, one month after the last held"
    echo "  agenda:      $AG_ITEMS items placed ($AG_REASON_KINDS);"
    echo "               $AG_SHEETS summary-sheet entries frozen, $AG_TAKEN requests taken up at publication;" \
        "answers: build $AG_BUILD_BYTES B, publish $AG_PUBLISH_BYTES B"
    echo "  comités:     $COMITES measured per side after $COMITES_WARMUP warm-up, hub and SQL in turn, each on" \
        "a fresh planned comité, removed afterwards"
    echo "  fixture:     households $GENERATION; comités $COMITES_GENERATION"
    echo "  (p99 is the nearest rank: with fewer than 100 comités, the largest)"
    echo
    arow "ms" "hub p50 / p99 / max" "SQL p50 / p99 / max" "ratio p50"
    printf '|%s|%s|%s|%s|\n' "$(dashes 19)" "$(dashes 26)" "$(dashes 26)" "$(dashes 11)"
    for op in build publish both; do
        read -r hp50 hp99 hmax _ _ <<<"$(agenda_line hub $op)"
        read -r sp50 sp99 smax _ _ <<<"$(agenda_line sql $op)"
        label=$op
        [[ $op != both ]] || label="build + publish"
        arow "$label" "$hp50 / $hp99 / $hmax" "$sp50 / $sp99 / $smax" "$(ratio "$hp50" "$sp50")"
    done
fi
if [[ $RUN_MINUTES == 1 ]]; then
    table "GET /v1/comites/{id}/minutes: hub vs the same transaction on PostgreSQL" minutes \
        "hub GET /v1/comites/{id}/minutes (wrk)" \
        "reader:      $PARTNER_EMAIL ($PT_ROLES, bound by secret: $PT_BOUND), $PARTNER_ORGANISATION: in the care" \
        "             team of $CF_PARTNER of the cell's households, with a \`partners\` consent" \
        "comité:      the cell's first, minutes diffused, version $MN_VERSION: $MN_ALL_ITEMS items on its agenda" \
        "shown:       $MN_ITEMS items, $MN_DECISIONS decisions, $MN_DISCUSSIONS discussions, $MN_ACTIONS actions," \
        "             $MN_ERRATA erratum, $MN_ATTENDANCE attendees: $MN_BYTES bytes of JSON; audit levels $MN_LEVELS" \
        "fixture:     households $GENERATION; comités $COMITES_GENERATION" \
        "audit:       $MN_AUDIT rows before the run ($MN_AUDIT_AFTER after)"
fi
if [[ $RUN_NOTIFY == 1 ]]; then
    # shellcheck disable=SC2154  # NOTIFY_PGB_* are set by printf -v
    nrow() { printf "| %-40s | %12s | %26s | %17s |\n" "$@"; }
    lrow() { printf "| %-44s | %9s | %9s | %9s | %9s | %9s |\n" "$@"; }
    poll=${HUB_NOTIFY_POLL_MS:-2000}
    poll_note="the default"
    [[ -z ${HUB_NOTIFY_POLL_MS:-} ]] || poll_note="HUB_NOTIFY_POLL_MS"
    echo
    echo "Notify: webhook deliveries through the hub vs the dispatcher's claim/settle SQL on PostgreSQL"
    echo "  date:        $(date -Is); the section took ${NOTIFY_TOOK}s"
    echo "  revision:    $revision"
    echo "  machine:     $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo);" \
        "load average before measuring $NOTIFY_LOAD (hub), $NOTIFY_PGB_LOAD (pgbench)"
    echo "  hub:         dispatcher: 4 batches of 16 in flight, poll interval $poll ms ($poll_note), HUB_DB_POOL_SIZE=$POOL"
    echo "  sink:        bench/notify.py, $SINK_RPS POST/s in its capacity check (wrk, 16 connections," \
        "one connection per POST)${SINK_ERRORS:+; wrk: $SINK_ERRORS}"
    echo "  throughput:  $NOTIFY_EVENTS events in one INSERT, all received ${T_TOTAL_S}s after its commit;" \
        "the first after ${T_FIRST_S}s, the last fan-out call"
    echo "               ${T_FANNED_S}s after the commit (fan-out and sending take turns);" \
        "CPU: hub $T_HUB_CPU %, sink $T_SINK_CPU % of a core"
    echo "  latency:     $NOTIFY_LATENCY_EVENTS events, one INSERT each, at $L_RATE/s; the INSERT's own" \
        "time (commit + round trip) p50 $RT_P50 ms, p99 $RT_P99 ms, max $RT_MAX ms"
    echo "  pgbench:     $NOTIFY_CLIENTS client(s), a queue of $NOTIFY_QUEUE pending deliveries," \
        "$NOTIFY_BATCHES batches of 16 measured after $((NOTIFY_WARM * NOTIFY_CLIENTS)); mean batch" \
        "$NOTIFY_PGB_LAT0 ms (one statement), $NOTIFY_PGB_LAT1 ms (17 commits)"
    echo "  statistics:  autovacuum analyze/vacuum counts of notify_deliveries: hub throughput $T_ANALYZES," \
        "pgbench $NOTIFY_PGB_ANALYZES0, $NOTIFY_PGB_ANALYZES1"
    echo "  sink saw:    $T_DUPS + $L_DUPS duplicate Hub-Event-Id (throughput + latency), 0 bad signatures;" \
        "$((T_RETRIED + L_RETRIED)) deliveries needed a second attempt"
    echo
    nrow "deliveries/s" "hub (sink)" "same SQL (pgbench)" "ratio hub/pgbench"
    printf '|%s|%s|%s|%s|\n' "$(dashes 42)" "$(dashes 14)" "$(dashes 28)" "$(dashes 19)"
    nrow "commit -> all received / claim+settle" "$NOTIFY_HUB_DPS" "$NOTIFY_PGB_DPS0" \
        "$(ratio "$NOTIFY_HUB_DPS" "$NOTIFY_PGB_DPS0")"
    nrow "first -> last received / as the hub" "$NOTIFY_SEND_DPS" "$NOTIFY_PGB_DPS1" \
        "$(ratio "$NOTIFY_SEND_DPS" "$NOTIFY_PGB_DPS1")"
    echo
    lrow "delay to delivery, ms" p50 p90 p99 max min
    printf '|%s|%s|%s|%s|%s|%s|\n' "$(dashes 46)" "$(dashes 11)" "$(dashes 11)" "$(dashes 11)" \
        "$(dashes 11)" "$(dashes 11)"
    lrow "commit -> delivery (timestamp in the INSERT)" "$L_P50" "$L_P90" "$L_P99" "$L_MAX" "$L_MIN"
    lrow "after the commit -> delivery" "$LC_P50" "$LC_P90" "$LC_P99" "$LC_MAX" "$LC_MIN"
    lrow "  of which INSERT -> fan-out call starts" "$LW_P50" "$LW_P90" "$LW_P99" "$LW_MAX" "$LW_MIN"
    lrow "  and fan-out call starts -> delivery" "$LS_P50" "$LS_P90" "$LS_P99" "$LS_MAX" "$LS_MIN"
    if awk -v s="$SINK_RPS" -v h="$NOTIFY_SEND_DPS" 'BEGIN { exit !(s < 3 * h) }'; then
        echo
        echo "  NOTE: the sink's capacity check ($SINK_RPS POST/s) is less than 3x the hub's rate" \
            "($NOTIFY_SEND_DPS/s): the sink may be part of the limit."
    fi
    if ((T_DUPS + L_DUPS > 0)); then
        echo
        echo "  NOTE: the sink received $((T_DUPS + L_DUPS)) duplicate deliveries (same Hub-Event-Id)."
    fi
    if [[ ${T_ANALYZES%% -> *} != "${T_ANALYZES##* -> }" ]]; then
        echo
        echo "  NOTE: autovacuum processed notify_deliveries during the hub's throughput part" \
            "($T_ANALYZES): the plans of notify_claim and notify_settle may have changed mid-run" \
            "(bench/README.md, notify)."
    fi
    if awk -v p="$LW_P50" -v poll="$poll" 'BEGIN { exit !(p > poll / 5) }'; then
        echo
        echo "  NOTE: the median wake-up ($LW_P50 ms) is a large part of the poll interval ($poll ms): the" \
            "dispatcher seems to wait for its poll rather than be woken by NOTIFY."
    fi
fi
echo
echo "  hub log (level warning): $hub_lines line(s), $hub_errors mentioning error/critical"
if [[ $hub_lines != 0 ]]; then
    log "hub log (last 20 lines):"
    tail -n 20 "$OUT/hub.log" >&2
fi
