# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153,SC2154  # variables shared with bench/lib.sh, set by printf -v
# The page section of bench/run.sh (sourced after bench/lib.sh): the console's household page,
# GET /menages/{id} with the session cookie, against its route GET /v1/households/{id} with
# the same session, both through the hub, for the same reader and the same random generated
# households (bench/household.lua). Issue 20: the page costs at most 1.3 times its route. The
# page (the household's dossier) reads more than the route (the path's stages, the notes the
# reader may read, the reader's name) and renders HTML, in one transaction and one audit
# record as the route; the whole path, the sharing and the access log are tabs of their own.

page_check() {
    sign_in_household_reader
    before=$(audit_rows)
    status=$(curl -s -o "$OUT/page.html" -w '%{http_code}' -H "Accept: text/html" \
        -H "Cookie: __Host-hub_session=$HH_TOKEN" "$URL/menages/$HH_FIRST")
    [[ $status == 200 ]] || { head -c 2000 "$OUT/page.html" >&2; die "GET /menages/$HH_FIRST answered $status, not 200"; }
    for text in "Diagnostic social partagé" "Étapes du parcours" "Étape du parcours :" 'class="fr-badge fr-badge--secret"'; do
        grep -q "$text" "$OUT/page.html" || die "GET /menages/$HH_FIRST: the page has no « $text »"
    done
    after=$(audit_rows)
    ((after == before + 1)) || die "GET /menages/$HH_FIRST added $((after - before)) audit rows, not 1"
    log "check: GET /menages/$HH_FIRST -> 200, $(wc -c <"$OUT/page.html") bytes of HTML, 1 audit record"
}

page_measure() {
    # The route, then the page, then both again: on a busy 2-core machine the second pair
    # tells whether the first was skewed.
    WRK_ARGS=(-- "$HH_IDS" "" "/v1/households/")
    measure_wrk page_route "$URL/" "Authorization: Bearer $HH_TOKEN" -s bench/household.lua
    WRK_ARGS=(-- "$HH_IDS" "" "/menages/")
    measure_wrk page_html "$URL/" "Cookie: __Host-hub_session=$HH_TOKEN" -s bench/household.lua
    WRK_ARGS=(-- "$HH_IDS" "" "/v1/households/")
    measure_wrk page_route2 "$URL/" "Authorization: Bearer $HH_TOKEN" -s bench/household.lua
    WRK_ARGS=(-- "$HH_IDS" "" "/menages/")
    measure_wrk page_html2 "$URL/" "Cookie: __Host-hub_session=$HH_TOKEN" -s bench/household.lua
}

page_report() {
    echo
    echo "GET /menages/{id} (the console's household page) vs GET /v1/households/{id}, both through the hub"
    echo "  date:        $(date -Is)"
    echo "  revision:    $revision"
    echo "  machine:     $(nproc) cores; load average before measuring $page_route_LOAD"
    echo "  concurrency: $CONNECTIONS connections, $THREADS threads, ${DURATION}s after ${WARMUP}s warm-up, each run"
    echo "  reader:      $HH_EMAIL ($HH_ROLES, bound by secret: $HH_BOUND); a random household per request"
    echo
    printf "| %-6s | %22s | %22s | %26s |\n" run "route requests/s (p50)" "page requests/s (p50)" "cost of the page / route"
    printf '|%s|%s|%s|%s|\n' "$(dashes 8)" "$(dashes 24)" "$(dashes 24)" "$(dashes 28)"
    printf "| %-6s | %22s | %22s | %26s |\n" 1 "$page_route_WRK_RPS ($page_route_WRK_P50 ms)" \
        "$page_html_WRK_RPS ($page_html_WRK_P50 ms)" "$(ratio "$page_route_WRK_RPS" "$page_html_WRK_RPS")"
    printf "| %-6s | %22s | %22s | %26s |\n" 2 "$page_route2_WRK_RPS ($page_route2_WRK_P50 ms)" \
        "$page_html2_WRK_RPS ($page_html2_WRK_P50 ms)" "$(ratio "$page_route2_WRK_RPS" "$page_html2_WRK_RPS")"
    echo "  (cost = the route's requests/s divided by the page's: issue 20 asks for at most 1.30)"
}
