# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153,SC2154  # variables shared with bench/lib.sh, set by printf -v
# The notify section of bench/run.sh (sourced after bench/lib.sh):
# webhook deliveries of the outbox's
# dispatcher to a local sink (bench/notify.py), against its claim/settle SQL on a full queue
# (bench/notify.pgbench). Runs last: its measure stops the hub.

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

# notify_prepare, before the hub starts: the sink, and the subscription pointing at it.
notify_prepare() {
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
    # The sink listens on 127.0.0.1, which the dispatcher refuses unless told otherwise. No
    # HUB_SMTP_*: no e-mail channel (the bench organisation has no members anyway).
    HUB_ENV_EXTRA+=(HUB_WEBHOOK_ALLOW_LOOPBACK=1)
}

notify_check() {


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
}

notify_measure() {
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
}

notify_report() {
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
}
