# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153,SC2154  # variables shared with bench/lib.sh, set by printf -v
# The agenda page section of bench/run.sh (sourced after bench/lib.sh): the console's page of
# the cell's first comité, GET /comites/{id} with the session cookie, against its route
# GET /v1/comites/{id} with the same session, both through the hub, as the cell's facilitator
# karim.haddad@alfi.demo, who sees every one of its BENCH_SITUATIONS items. Issue 21: the page
# costs at most 1.3 times its route. The page reads what the route reads (the comité, its
# agenda, its moves) through the same gate and audit record, plus the reader's name and the
# names of the cell's organisations, and renders HTML.

agendapage_check() {
    [[ -n ${FAC_TOKEN:-} ]] || sign_in "$FAC_EMAIL" FAC
    AP_COMITE=$(owner_psql -c "SELECT md5('bench-comite-3')::uuid")
    AP_ITEMS=$(owner_psql -c "SELECT count(*) FROM agenda_items WHERE comite_id = '$AP_COMITE'")
    before=$(audit_rows)
    status=$(curl -s -o "$OUT/agenda-page.html" -w '%{http_code}' -H "Accept: text/html" \
        -H "Cookie: __Host-hub_session=$FAC_TOKEN" "$URL/comites/$AP_COMITE")
    [[ $status == 200 ]] ||
        { head -c 2000 "$OUT/agenda-page.html" >&2; die "GET /comites/$AP_COMITE answered $status, not 200"; }
    shown=$(grep -c '<li id="point-' "$OUT/agenda-page.html" || true)
    [[ $shown == "$AP_ITEMS" ]] || die "GET /comites/$AP_COMITE shows $shown items, not the $AP_ITEMS of its agenda"
    after=$(audit_rows)
    ((after == before + 1)) || die "GET /comites/$AP_COMITE added $((after - before)) audit rows, not 1"
    status=$(curl -s -o "$OUT/agenda-route.json" -w '%{http_code}' \
        -H "Authorization: Bearer $FAC_TOKEN" "$URL/v1/comites/$AP_COMITE")
    [[ $status == 200 ]] || die "GET /v1/comites/$AP_COMITE answered $status, not 200"
    log "check: GET /comites/$AP_COMITE -> 200, $shown items, $(wc -c <"$OUT/agenda-page.html") bytes of HTML" \
        "($(wc -c <"$OUT/agenda-route.json") bytes of JSON from the route), 1 audit record"
}

agendapage_measure() {
    # The route, then the page, then both again: on a busy 2-core machine the second pair
    # tells whether the first was skewed. Each answer is a whole agenda: wrk's 2 s timeout
    # would count the slowest as errors.
    WRK_ARGS=()
    measure_wrk agendapage_route "$URL/v1/comites/$AP_COMITE" "Authorization: Bearer $FAC_TOKEN" --timeout 30s
    measure_wrk agendapage_html "$URL/comites/$AP_COMITE" "Cookie: __Host-hub_session=$FAC_TOKEN" --timeout 30s
    measure_wrk agendapage_route2 "$URL/v1/comites/$AP_COMITE" "Authorization: Bearer $FAC_TOKEN" --timeout 30s
    measure_wrk agendapage_html2 "$URL/comites/$AP_COMITE" "Cookie: __Host-hub_session=$FAC_TOKEN" --timeout 30s
}

agendapage_report() {
    echo
    echo "GET /comites/{id} (the console's agenda page) vs GET /v1/comites/{id}, both through the hub"
    echo "  date:        $(date -Is)"
    echo "  revision:    $revision"
    echo "  machine:     $(nproc) cores; load average before measuring $agendapage_route_LOAD"
    echo "  concurrency: $CONNECTIONS connections, $THREADS threads, ${DURATION}s after ${WARMUP}s warm-up, each run"
    echo "  reader:      $FAC_EMAIL, the cell's facilitator: $AP_ITEMS items on the comité's agenda, all shown"
    echo
    printf "| %-6s | %22s | %22s | %26s |\n" run "route requests/s (p50)" "page requests/s (p50)" "cost of the page / route"
    printf '|%s|%s|%s|%s|\n' "$(dashes 8)" "$(dashes 24)" "$(dashes 24)" "$(dashes 28)"
    printf "| %-6s | %22s | %22s | %26s |\n" 1 "$agendapage_route_WRK_RPS ($agendapage_route_WRK_P50 ms)" \
        "$agendapage_html_WRK_RPS ($agendapage_html_WRK_P50 ms)" \
        "$(ratio "$agendapage_route_WRK_RPS" "$agendapage_html_WRK_RPS")"
    printf "| %-6s | %22s | %22s | %26s |\n" 2 "$agendapage_route2_WRK_RPS ($agendapage_route2_WRK_P50 ms)" \
        "$agendapage_html2_WRK_RPS ($agendapage_html2_WRK_P50 ms)" \
        "$(ratio "$agendapage_route2_WRK_RPS" "$agendapage_html2_WRK_RPS")"
    echo "  (cost = the route's requests/s divided by the page's: issue 21 asks for at most 1.30)"
}
