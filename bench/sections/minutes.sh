# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153,SC2154  # variables shared with bench/lib.sh, set by printf -v
# The minutes section of bench/run.sh (sourced after bench/lib.sh):
# GET /v1/comites/{id}/minutes of the
# cell's first comité as thomas.leroy@essonne.demo, a partner's social worker who passes
# the door of a third of its households, against bench/minutes.pgbench.

# minutes_check: the hub shows what R1–R4 give and writes the record minutes.pgbench writes;
# the script reads the same rows and stops for a reader outside the cell.
minutes_check() {
    local partner_org
    partner_org=$(owner_psql -v name="$PARTNER_ORGANISATION" <<<"SELECT id FROM organisations WHERE name = :'name'")
    [[ -n $partner_org ]] || die "organisation $PARTNER_ORGANISATION not found after seeding"
    sign_in "$PARTNER_EMAIL" PT "$partner_org"
    # The cell's first comité: every situation on its agenda, its minutes diffused, one
    # erratum (BenchSQL+Cell.swift). The partner passes the door of a third of its households.
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
}

minutes_measure() {
    MN_AUDIT=$(audit_rows)
    WRK_ARGS=()
    # Each request takes hundreds of milliseconds, more than a second with 16 in flight: wrk's
    # default 2 s timeout would count the slowest as socket errors.
    measure minutes "$URL/v1/comites/$MN_COMITE/minutes" "$PT_TOKEN" MN_PGBENCH --timeout 30s
    MN_AUDIT_AFTER=$(audit_rows)
}

minutes_report() {
    table "GET /v1/comites/{id}/minutes: hub vs the same transaction on PostgreSQL" minutes \
        "hub GET /v1/comites/{id}/minutes (wrk)" \
        "reader:      $PARTNER_EMAIL ($PT_ROLES, bound by secret: $PT_BOUND), $PARTNER_ORGANISATION: in the care" \
        "             team of $CF_PARTNER of the cell's households, with a \`partners\` consent" \
        "comité:      the cell's first, minutes diffused, version $MN_VERSION: $MN_ALL_ITEMS items on its agenda" \
        "shown:       $MN_ITEMS items, $MN_DECISIONS decisions, $MN_DISCUSSIONS discussions, $MN_ACTIONS actions," \
        "             $MN_ERRATA erratum, $MN_ATTENDANCE attendees: $MN_BYTES bytes of JSON; audit levels $MN_LEVELS" \
        "fixture:     households $GENERATION; comités $COMITES_GENERATION" \
        "audit:       $MN_AUDIT rows before the run ($MN_AUDIT_AFTER after)"
}
