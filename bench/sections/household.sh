# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153,SC2154  # variables shared with bench/lib.sh, set by printf -v
# The household section of bench/run.sh (sourced after bench/lib.sh):
# GET /v1/households/{id} as
# claire.martin@alfi.demo, a random generated household per request (bench/household.lua),
# against bench/household.pgbench.

# household_check: the hub answers 200 with the diagnostic and one audit record, the
# pgbench script reads the same rows and writes the same record, and stops outside the door.
household_check() {
    sign_in_household_reader
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
}

household_measure() {
    HH_SIZE=$(owner_psql -F ' ' -c "SELECT (SELECT count(*) FROM households WHERE reference LIKE 'B-%'),
        (SELECT count(*) FROM households), (SELECT count(*) FROM diagnostic_entries), (SELECT count(*) FROM notes),
        (SELECT count(*) FROM audit_log)")
    read -r HH_GENERATED HH_ALL HH_ENTRIES HH_NOTES HH_AUDIT <<<"$HH_SIZE"
    # wrk passes what follows `--` to the Lua init: the ids file.
    WRK_ARGS=(-- "$HH_IDS")
    measure household "$URL/v1/households/" "$HH_TOKEN" HH_PGBENCH -s bench/household.lua
    HH_AUDIT_AFTER=$(audit_rows)
}

household_report() {
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
}
