#!/usr/bin/env bash
# Run the hub locally in demo mode: private PostgreSQL in .hub/pg, migrate, seed, serve.
# Re-running reuses the cluster, its passwords and its data.
#   HUB_DB_PORT (54329)  port of the private cluster
#   HUB_PORT (8080)      HTTP port of the hub
#   HUB_BUILD=release    build with -c release
# The cluster keeps running after the hub stops; stop it with
#   bash -c 'source deploy/pg.sh && pg_stop .hub/pg'
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=deploy/pg.sh
source deploy/pg.sh

pg_ensure_installed
pg_start "$ROOT/.hub/pg" "${HUB_DB_PORT:-54329}"
# shellcheck disable=SC1091
source "$ROOT/.hub/pg/env"

build=()
[[ ${HUB_BUILD:-debug} == release ]] && build=(-c release)
swift build "${build[@]}"
BIN="$(swift build "${build[@]}" --show-bin-path)/hub"

"$BIN" migrate
HUB_MODE=demo "$BIN" seed-demo
# The demo signs checkpoints of its access log with a key of its own, kept beside the cluster.
export HUB_AUDIT_SIGNING_KEY_FILE=${HUB_AUDIT_SIGNING_KEY_FILE:-$ROOT/.hub/audit-signing.key}
export HUB_AUDIT_CHECKPOINT_DIR=${HUB_AUDIT_CHECKPOINT_DIR:-$ROOT/.hub/audit-checkpoints}
[[ -f $HUB_AUDIT_SIGNING_KEY_FILE ]] || "$BIN" audit keygen --out "$HUB_AUDIT_SIGNING_KEY_FILE"

cat <<BANNER

==================================================================
 hub (demo mode)
   URL:      http://127.0.0.1:${HUB_PORT:-8080}
   Console:  http://127.0.0.1:${HUB_PORT:-8080}/connexion (in a browser)
   OpenAPI:  http://127.0.0.1:${HUB_PORT:-8080}/openapi.json
   Database: postgres://hub_app@127.0.0.1:${HUB_DB_PORT}/hub (credentials in .hub/pg/env)
   Access-log checkpoints: $HUB_AUDIT_CHECKPOINT_DIR (hourly; now: hub audit checkpoint)
 Demo logins:
BANNER
HUB_MODE=demo "$BIN" seed-demo --print-logins
echo "=================================================================="
echo

exec env HUB_MODE=demo "$BIN" serve
