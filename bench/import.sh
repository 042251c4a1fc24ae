#!/usr/bin/env bash
# The import of a running caseload at scale (issue 19), release build, on a database of its own:
#
#   1. 10,000 households with their history (bench/import_file.py) through `hub import`:
#      households per second and the process's peak RSS;
#   2. the same first BENCH_IMPORT_HTTP households (1,000) typed through the HTTP API, one
#      request per fact as a partner's integration does today (bench/import_http.py), in the
#      same run: per household, the import against the API;
#   3. a file of at least 50 MB (22,000 households) through `hub import`: its peak RSS beside
#      the 10,000's says whether memory grows with the file;
#   4. the imported programme's indicators, read by its evaluator through the hub, equal to the
#      counts made from the file (bench/import_file.py --count) for 2024 and 2025.
#
#   bash bench/import.sh
#
# Settings (environment): BENCH_IMPORT_HOUSEHOLDS (10000), BENCH_IMPORT_LARGE (22000; 0 leaves
# the large file out), BENCH_IMPORT_HTTP (1000). The cluster lives in .hub/bench-import, its database made anew at
# each run; the release build in .build-bench, as bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=deploy/pg.sh
source deploy/pg.sh

HOUSEHOLDS=${BENCH_IMPORT_HOUSEHOLDS:-10000}
LARGE=${BENCH_IMPORT_LARGE:-22000}
HTTP_HOUSEHOLDS=${BENCH_IMPORT_HTTP:-1000}
PGDIR=$ROOT/.hub/bench-import
SCRATCH=$ROOT/.build-bench
OUT=$ROOT/.hub/bench-import/out/$(date +%Y%m%d-%H%M%S)
PASSWORD=bench-import-2025
mkdir -p "$OUT"

log() { echo "bench: $*" >&2; }
die() { echo "bench: FAIL: $*" >&2; exit 1; }

HUB_PID=
PG_STARTED_HERE=0
started_at=$(date +%s)
cleanup() {
    local status=$?
    [[ -z $HUB_PID ]] || { kill "$HUB_PID" 2>/dev/null || true; wait "$HUB_PID" 2>/dev/null || true; }
    [[ $PG_STARTED_HERE == 0 ]] || pg_stop "$PGDIR" || true
    log "wall time $(( $(date +%s) - started_at ))s; outputs in ${OUT#"$ROOT"/}"
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
pg_psql_super "$PGDIR" -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS hub WITH (FORCE)'
pg_start "$PGDIR" "$HUB_DB_PORT"
"$BIN" migrate >&2

owner_psql() {
    PGPASSWORD=$HUB_DB_OWNER_PASSWORD "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
        -h "$HUB_DB_HOST" -p "$HUB_DB_PORT" -U "$HUB_DB_OWNER_USER" -d "$HUB_DB_NAME" "$@"
}

# One lead organisation and its evaluator, a programme per run of the import (the same
# references in two programmes of one organisation would be the same households).
"$BIN" organisation create --name "ALFI (banc d'import)" --kind supportOperator >/dev/null
"$BIN" organisation create --name "DRIHL (banc d'import)" --kind state >/dev/null
programme() {
    "$BIN" programme create --name "$1" --starts-on 2024-01-01 --ends-on 2026-12-31 --budget 65000.00 \
        --target-households 30 --partner "ALFI (banc d'import)=holder" "ALFI (banc d'import)=operator" \
        "DRIHL (banc d'import)=evaluator"
}
MAIN=$(programme "Import de $HOUSEHOLDS ménages")
BIG=$(programme "Import d'un fichier de 50 Mo")
HTTP=$(programme "Les mêmes faits par l'API")
echo "$PASSWORD" | "$BIN" user create --email importe@bench.demo --name "Référente import" \
    --membership "ALFI (banc d'import):socialWorker:secret" >/dev/null
echo "$PASSWORD" | "$BIN" user create --email evaluateur@bench.demo --name "Évaluateur import" \
    --membership "DRIHL (banc d'import):evaluator" >/dev/null

log "writing the files..."
python3 bench/import_file.py --households "$HOUSEHOLDS" >"$OUT/caseload.jsonl"
# Other references: a reference is the lead organisation's, whatever the programme.
python3 bench/import_file.py --households "$LARGE" --prefix GRAND >"$OUT/large.jsonl"
head -n "$HTTP_HOUSEHOLDS" "$OUT/caseload.jsonl" >"$OUT/http.jsonl"
MB=$(awk -v b="$(stat -c %s "$OUT/large.jsonl")" 'BEGIN { printf "%.1f", b / 1e6 }')

# `hub import` under /usr/bin/time: wall seconds and peak RSS (KiB) on one line.
import_run() {
    local programme=$1 file=$2 name=$3
    /usr/bin/time -f '%e %M' -o "$OUT/$name.time" "$BIN" import --programme "$programme" \
        --as importe@bench.demo "$file" >"$OUT/$name.txt" 2>&1 || { tail -n 5 "$OUT/$name.txt" >&2; die "$name failed"; }
    tail -n 1 "$OUT/$name.txt" >&2
    cat "$OUT/$name.time"
}

log "importing $HOUSEHOLDS households (hub import)..."
read -r MAIN_S MAIN_KB < <(import_run "$MAIN" "$OUT/caseload.jsonl" main)
log "importing the same file again (nothing may change)..."
read -r AGAIN_S AGAIN_KB < <(import_run "$MAIN" "$OUT/caseload.jsonl" again)
grep -q "0 ménage(s) importé(s), $HOUSEHOLDS déjà importé(s)" "$OUT/again.txt" || die "the second import changed something"
BIG_S=0 BIG_KB=0
if ((LARGE > 0)); then
    log "importing a file of $MB MB ($LARGE households)..."
    read -r BIG_S BIG_KB < <(import_run "$BIG" "$OUT/large.jsonl" large)
fi

# The hub, for the API's side and for the evaluator's report.
"$BIN" indicators refresh >&2
HUB_PORT=$(pg_free_port)
URL=http://127.0.0.1:$HUB_PORT
env HUB_HOST=127.0.0.1 HUB_PORT="$HUB_PORT" HUB_LOG_LEVEL=warning HUB_NOTIFY_DISPATCHER=off \
    HUB_INDICATORS_REFRESH_SECONDS=0 "$BIN" serve >"$OUT/hub.log" 2>&1 &
HUB_PID=$!
for _ in $(seq 1 300); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/health/ready" || true) == 200 ]] && break
    kill -0 "$HUB_PID" 2>/dev/null || { tail -n 20 "$OUT/hub.log" >&2; die "hub exited during start-up"; }
    sleep 0.2
done

log "the same $HTTP_HOUSEHOLDS households through the HTTP API, one request per fact..."
ALFI=$(owner_psql -c "SELECT id FROM organisations WHERE name = 'ALFI (banc d''import)'")
DRIHL=$(owner_psql -c "SELECT id FROM organisations WHERE name = 'DRIHL (banc d''import)'")
read -r HTTP_S HTTP_REQUESTS < <(python3 bench/import_http.py "$URL" "$HTTP" importe@bench.demo "$PASSWORD" "$ALFI" \
    "$OUT/http.jsonl")

log "the evaluator's report against the file's counts..."
CHECK=$(python3 - "$URL" "$MAIN" "$PASSWORD" "$DRIHL" "$OUT/caseload.jsonl" <<'PY'
import json, subprocess, sys, urllib.request
url, programme, password, organisation, path = sys.argv[1:]
def call(method, uri, body=None, token=None):
    request = urllib.request.Request(url + uri, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)
me = call("POST", "/v1/sessions", {"email": "evaluateur@bench.demo", "password": password,
                                   "organisationId": organisation})
token = me["token"]
checked, wrong = 0, []
for year in (2024, 2025):
    expected = json.loads(subprocess.run(["python3", "bench/import_file.py", "--count", path, "--year", str(year)],
                                         check=True, capture_output=True, text=True).stdout)
    report = call("GET", f"/v1/programmes/{programme}/indicators?period={year}", token=token)
    values = {i["code"]: i.get("value") for i in report["indicators"]}
    for code, count in expected.items():
        checked += 1
        if values.get(code) != count:
            wrong.append(f"{year} {code}: hub {values.get(code)}, file {count}")
print(f"{checked} figures equal" if not wrong else "DIFFER " + "; ".join(wrong))
PY
)
[[ $CHECK != DIFFER* ]] || die "indicators: $CHECK"

rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else printf "-" }'; }
per_ms() { awk -v n="$1" -v s="$2" 'BEGIN { if (n > 0) printf "%.1f", 1000 * s / n; else printf "-" }'; }
cat <<EOF

Import of a running caseload (release build, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))

                                     households   seconds   households/s   ms/household   peak RSS
hub import, first time               $(printf '%10s' "$HOUSEHOLDS")   $(printf '%7s' "$MAIN_S")   $(printf '%12s' "$(rate "$HOUSEHOLDS" "$MAIN_S")")   $(printf '%12s' "$(per_ms "$HOUSEHOLDS" "$MAIN_S")")   $((MAIN_KB / 1024)) MiB
hub import, same file again          $(printf '%10s' "$HOUSEHOLDS")   $(printf '%7s' "$AGAIN_S")   $(printf '%12s' "$(rate "$HOUSEHOLDS" "$AGAIN_S")")   $(printf '%12s' "$(per_ms "$HOUSEHOLDS" "$AGAIN_S")")   $((AGAIN_KB / 1024)) MiB
hub import, $MB MB file            $(printf '%10s' "$LARGE")   $(printf '%7s' "$BIG_S")   $(printf '%12s' "$(rate "$LARGE" "$BIG_S")")   $(printf '%12s' "$(per_ms "$LARGE" "$BIG_S")")   $((BIG_KB / 1024)) MiB
the same facts through the HTTP API  $(printf '%10s' "$HTTP_HOUSEHOLDS")   $(printf '%7s' "$HTTP_S")   $(printf '%12s' "$(rate "$HTTP_HOUSEHOLDS" "$HTTP_S")")   $(printf '%12s' "$(per_ms "$HTTP_HOUSEHOLDS" "$HTTP_S")")   ($HTTP_REQUESTS requests)

indicators of the imported programme (2024, 2025) against the file: $CHECK
EOF
