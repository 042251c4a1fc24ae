#!/usr/bin/env bash
# Run the test suite against a throwaway PostgreSQL cluster (deleted on exit, Ctrl-C included).
# Extra arguments go to `swift test`, e.g. `bash deploy/test.sh --filter TenancyTests`.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=deploy/pg.sh
source deploy/pg.sh

pg_ensure_installed
mkdir -p "$ROOT/.hub"
PGDIR=$(mktemp -d "$ROOT/.hub/test-XXXXXX")

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    # Never let a failing stop keep the directory (or change the exit status).
    pg_stop "$PGDIR" || true
    rm -rf "$PGDIR"
}
trap cleanup EXIT
# Turn signals into a normal exit so the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' TERM HUP

PORT=$(pg_free_port)
# No crash safety needed for a cluster that is deleted afterwards; much faster on small disks.
HUB_PG_FAST=1 pg_start "$PGDIR" "$PORT"
# shellcheck disable=SC1091
source "$PGDIR/env"
echo "test.sh: throwaway cluster $PGDIR on 127.0.0.1:$HUB_DB_PORT"

swift build --build-tests
BIN="$(swift build --show-bin-path)/hub"
"$BIN" migrate

export HUB_TEST=1
status=0
swift test "$@" || status=$?
echo "test.sh: swift test exited with $status (cluster $PGDIR, port $HUB_DB_PORT)"
exit "$status"
