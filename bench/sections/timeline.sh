# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153,SC2154  # variables shared with bench/lib.sh, set by printf -v
# The timeline section of bench/run.sh (sourced after bench/lib.sh):
# GET /v1/households/{id}/timeline
# (the first page), same reader and households as the household section, against
# bench/timeline.pgbench.

# timeline_page_check N: the hub's first page of household n against the psql dry run of
# timeline.pgbench for the same n (the same entries, in the same order; a next page
# exactly when the SQL found 51), and the hub's one audit record against the one the
# script writes. Sets TL_REQUEST_ID.
timeline_page_check() {
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

# timeline_check: the generation follows the audit levels timeline.pgbench assumes; the
# hub's pages are the script's rows and its records the script's; pgbench stops outside the door.
timeline_check() {
    sign_in_household_reader
    # The audit levels timeline.pgbench passes follow from n (BenchSQL+Households.swift): every
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

    TL_CHECKED=()
    timeline_page_check 1
    ((HOUSEHOLDS < 7)) || timeline_page_check 7
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
}

timeline_measure() {
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
}

timeline_report() {
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
}
