# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153,SC2154  # variables shared with bench/lib.sh, set by printf -v
# The me section of bench/run.sh (sourced after bench/lib.sh):
# GET /v1/me as admin@alfi.demo,
# against bench/me.pgbench.

# me_check: both sides do the real work: the hub answers 200 naming the reader, the SQL
# reads the row, and me.pgbench stops on an unknown token.
me_check() {
    sign_in "$ME_EMAIL" ME
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
}

me_measure() {
    ME_PGBENCH+=(-D "tokenhash=\\x$ME_TOKEN_HASH")
    WRK_ARGS=()
    measure me "$URL/v1/me" "$ME_TOKEN" ME_PGBENCH
}

me_report() {
    table "GET /v1/me: hub vs the same SQL on PostgreSQL" me "hub GET /v1/me (wrk)"
}
