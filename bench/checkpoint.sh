#!/usr/bin/env bash
# Access-log checkpoints at scale (issue 14): a log of BENCH_CHAINS chains (BENCH_RECORDS
# records each, written through audit_append as the hub writes them), then a signed
# checkpoint taken by `hub audit checkpoint`, its file's size, and `hub audit verify` without
# and with --checkpoints: what checking against the checkpoints adds to a verification.
#
#   bash bench/checkpoint.sh
#
# Settings (environment):
#   BENCH_CHAINS (100000)   chains (one per household, as the hub names them)
#   BENCH_RECORDS (3)       records per chain
#   BENCH_RUNS (3)          checkpoints and verifications timed; the median is printed
#   BENCH_RESET (0)         1: recreate the database (and generate again)
#
# The cluster lives in .hub/bench-checkpoint (kept between runs); the release build in
# .build-bench, as bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=deploy/pg.sh
source deploy/pg.sh

CHAINS=${BENCH_CHAINS:-100000}
RECORDS=${BENCH_RECORDS:-3}
RUNS=${BENCH_RUNS:-3}
PGDIR=$ROOT/.hub/bench-checkpoint
SCRATCH=$ROOT/.build-bench
OUT=$PGDIR/out/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"

log() { echo "bench: $*" >&2; }
die() { echo "bench: FAIL: $*" >&2; exit 1; }

PG_STARTED_HERE=0
cleanup() {
    local status=$?
    [[ $PG_STARTED_HERE == 0 ]] || pg_stop "$PGDIR" || true
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

pg_ensure_installed
log "building the hub (release, scratch path .build-bench)..."
swift build -c release --scratch-path "$SCRATCH" --product hub >&2
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/hub"

_pg_running "$PGDIR" || PG_STARTED_HERE=1
pg_start "$PGDIR" "$(pg_free_port)"
# shellcheck disable=SC1091
source "$PGDIR/env"
if [[ ${BENCH_RESET:-0} == 1 ]]; then
    pg_psql_super "$PGDIR" -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS hub WITH (FORCE)'
    pg_start "$PGDIR" "$HUB_DB_PORT"
fi
"$BIN" migrate >&2 || die "hub migrate failed (rerun with BENCH_RESET=1)"

owner_psql() {
    PGPASSWORD=$HUB_DB_OWNER_PASSWORD "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
        -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" -U "$HUB_DB_OWNER_USER" -d "$HUB_DB_NAME" "$@"
}

have=$(owner_psql -c "SELECT count(*) FROM audit_chains")
if [[ $have != "$CHAINS" ]]; then
    [[ $have == 0 ]] || die "the log holds $have chains, not $CHAINS; rerun with BENCH_RESET=1"
    log "writing $CHAINS chains of $RECORDS records through audit_append..."
    t0=$(date +%s.%N)
    for _ in $(seq 1 "$RECORDS"); do
        owner_psql -c "SELECT count(audit_append('household:' || md5(n::text)::uuid, ARRAY[md5(n::text)::uuid],
            'household.read', ARRAY['partners'], 'disclosed', 'bench')) FROM generate_series(1, $CHAINS) AS n" >/dev/null
    done
    log "generated in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }')"
fi
RECORDS_IN_LOG=$(owner_psql -c "SELECT count(*) FROM audit_log")

export HUB_AUDIT_SIGNING_KEY_FILE=$OUT/signing.key HUB_AUDIT_CHECKPOINT_DIR=$OUT/checkpoints
PUBLIC=$("$BIN" audit keygen --out "$HUB_AUDIT_SIGNING_KEY_FILE" | sed -n 's/^Clé publique.* : //p')

seconds() { # command... → elapsed seconds on stdout, the command's output to $OUT/last.txt
    local t0
    t0=$(date +%s.%N)
    "$@" >"$OUT/last.txt" 2>&1 || { cat "$OUT/last.txt" >&2; die "$* failed"; }
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", b - a }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

checkpoint=() verify=() verify_with=()
for run in $(seq 1 "$RUNS"); do
    # A new record between two checkpoints, so that each writes its own file.
    owner_psql -c "SELECT audit_append('household:bench-$run', '{}', 'bench', '{}', 'disclosed', 'bench')" >/dev/null
    checkpoint+=("$(seconds "$BIN" audit checkpoint)")
    log "checkpoint $run: ${checkpoint[-1]} s — $(cat "$OUT/last.txt")"
done
FILE=$(find "$HUB_AUDIT_CHECKPOINT_DIR" -name 'checkpoint-*.txt' | sort | tail -n 1)
BYTES=$(stat -c %s "$FILE")
for run in $(seq 1 "$RUNS"); do
    verify+=("$(seconds "$BIN" audit verify)")
    verify_with+=("$(seconds "$BIN" audit verify --checkpoints "$HUB_AUDIT_CHECKPOINT_DIR" --public-key "$PUBLIC")")
    log "verify $run: ${verify[-1]} s alone, ${verify_with[-1]} s with $RUNS checkpoints — $(cat "$OUT/last.txt")"
done

c=$(printf '%s\n' "${checkpoint[@]}" | median)
v=$(printf '%s\n' "${verify[@]}" | median)
w=$(printf '%s\n' "${verify_with[@]}" | median)
cat <<TABLE

Access-log checkpoints ($CHAINS chains, $RECORDS_IN_LOG records; median of $RUNS runs; release build)

| measure | value |
| --- | ---: |
| hub audit checkpoint (read heads, sign, write the file, publish) | $c s |
| checkpoint file | $(awk -v b="$BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }') ($BYTES bytes) |
| hub audit verify | $v s |
| hub audit verify --checkpoints ($RUNS checkpoints) | $w s |
| cost of the checkpoints to a verification | $(awk -v a="$v" -v b="$w" 'BEGIN { printf "%+.2f s (×%.2f)", b - a, b / a }') |
TABLE
