# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153,SC2154  # variables shared with bench/lib.sh, set by printf -v
# The agenda section of bench/run.sh (sourced after bench/lib.sh):
# POST /v1/comites/{id}/agenda/build,
# then /publish, as the cell's facilitator karim.haddad@alfi.demo, on fresh planned comités:
# latency per operation, against bench/agenda-build.pgbench and bench/agenda-publish.pgbench
# run by two pgbench sessions kept open.

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
    # shellcheck disable=SC2004  # AG_PID is associative (bench/lib.sh): $op is a key
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

# agenda_check: a reference build and publication through the hub, the same through the
# pgbench scripts (same agenda, sheets, requests and audit records), and a reader outside the
# cell stopped.
agenda_check() {
    sign_in "$FAC_EMAIL" FAC
    # The next comité's day, as the cell's generator counts it: one month after the last one held.
    AG_DAY=$(owner_psql -c "SELECT ((current_date - 21) + interval '1 month')::date")
    AG_CHAIN="organisation:${FAC_ORG_ID,,}"
    AG_TAG="bench-agenda-$(date +%s)-"
    # Leftovers of an interrupted run.
    leftovers=$(owner_psql -v cell="$CELL_ID" <<<"SELECT string_agg(id::text, ' ') FROM comites
                                                  WHERE cell_id = :'cell' AND reference LIKE 'CS-BQ%'")
    # shellcheck disable=SC2086
    [[ -z $leftovers ]] || ag_cleanup $leftovers

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
}

agenda_measure() {
    AG_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
    AG_STARTED=$(date +%s)
    AG_TOTAL=$((COMITES_WARMUP + COMITES))
    # Two pgbench sessions (build, publish), each kept open for every comité: -t 2N+1, an
    # operation every other transaction, when this script says go (agenda-build.pgbench).
    declare -gA AG_DONE AG_GO
    AG_FDS=()
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
}

agenda_report() {
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
}
