# shellcheck shell=bash
# Private PostgreSQL clusters for the hub, kept inside the project (.hub/, git-ignored)
# so that development and CI never depend on, or disturb, a system-wide cluster.
# Sourced by deploy/run.sh and deploy/test.sh; safe under `set -euo pipefail`.
#
#   pg_ensure_installed          install PostgreSQL if missing, set PG_BIN
#   pg_start DIR PORT            init (once) + start the cluster in DIR, create roles/db, write DIR/env
#   pg_stop DIR                  stop it (silent if not running)
#   pg_free_port                 print a free TCP port on 127.0.0.1
#   pg_psql_super DIR [args...]  psql as the superuser over the unix socket (default db: hub)

PG_SUPERUSER=hub_super

pg_ensure_installed() {
    if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        if [[ $EUID -ne 0 ]]; then
            echo "pg.sh: PostgreSQL is not installed; as root run: apt-get install -y postgresql postgresql-contrib" >&2
            return 1
        fi
        echo "pg.sh: installing PostgreSQL from Debian packages..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql postgresql-contrib >&2
    fi
    # Debian keeps server binaries off PATH, one directory per major version.
    PG_BIN=$(_pg_bin_for "")
}

# Binaries for a cluster: the version that created it if still installed, else the newest.
_pg_bin_for() {
    local data=$1 v
    if [[ -n $data && -f $data/PG_VERSION ]]; then
        v=$(<"$data/PG_VERSION")
        if [[ -x /usr/lib/postgresql/$v/bin/initdb ]]; then
            echo "/usr/lib/postgresql/$v/bin"
            return
        fi
    fi
    v=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null |
        awk -F/ '{print $5}' | sort -V | tail -n 1)
    [[ -n $v ]] || { echo "pg.sh: no PostgreSQL under /usr/lib/postgresql" >&2; return 1; }
    echo "/usr/lib/postgresql/$v/bin"
}

# PostgreSQL refuses to run as root, so root runs the server as an unprivileged user:
# whoever already owns the cluster, else `postgres`, else a system user we create.
_pg_user() {
    local data=$1/data owner
    [[ $EUID -eq 0 ]] || { id -un; return; }
    if [[ -f $data/PG_VERSION ]]; then
        owner=$(stat -c %U "$data")
        [[ $owner != root ]] && { echo "$owner"; return; }
    fi
    if id -u postgres >/dev/null 2>&1; then
        echo postgres
    else
        id -u hubpg >/dev/null 2>&1 ||
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin hubpg
        echo hubpg
    fi
}

# Run a server-side command as the cluster's user; `cd /` because root's cwd may be unreadable to it.
_pg_as() {
    local user=$1; shift
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u "$user" -- "$@")
    else
        "$@"
    fi
}

# Unix socket paths are limited to 107 bytes; deep checkouts fall back to a short /tmp path.
_pg_sockdir() {
    local dir=$1
    if (( ${#dir} + 20 < 107 )); then
        echo "$dir/run"
    else
        echo "/tmp/hub-pg-$(printf '%s' "$dir" | cksum | cut -d' ' -f1)"
    fi
}

# True if DIR's postmaster.pid names a live postgres process (pid files outlive crashes,
# and in containers a dead postmaster's pid is often reused by something else).
_pg_running() {
    local pidfile=$1/data/postmaster.pid pid
    [[ -f $pidfile ]] || return 1
    pid=$(head -n 1 "$pidfile")
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == postgres* ]]
}

# Give the cluster user search permission on every ancestor of DIR (only `x`, no listing):
# checkouts under e.g. /root are otherwise unreachable for it.
_pg_make_reachable() {
    local user=$1 dir=$2 d=""
    [[ $EUID -eq 0 ]] || return 0
    runuser -u "$user" -- test -x "$dir" && return 0
    # Top-down, so only the directories that actually block get changed.
    local parts part
    IFS=/ read -ra parts <<<"${dir#/}"
    for part in "${parts[@]}"; do
        d=$d/$part
        if ! runuser -u "$user" -- test -x "$d" 2>/dev/null; then
            echo "pg.sh: note: chmod o+x $d so that user $user can reach the cluster" >&2
            chmod o+x "$d"
        fi
    done
}

_pg_random() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }

pg_start() {
    local dir=$1 port=$2 user sock data
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # mktemp -d and restrictive umasks give 0700; the cluster user must traverse DIR.
    chmod 755 "$dir"
    data=$dir/data
    sock=$(_pg_sockdir "$dir")
    user=$(_pg_user "$dir")
    PG_BIN=$(_pg_bin_for "$data")
    _pg_make_reachable "$user" "$dir"

    # data/ must belong to the cluster user; run/ is 0700 because local connections are `trust`.
    mkdir -p "$data" "$dir/log" "$sock"
    chmod 700 "$data" "$sock"
    [[ $EUID -eq 0 ]] && chown "$user:" "$data" "$dir/log" "$sock"

    if [[ ! -f $data/PG_VERSION ]]; then
        local locale=C
        # No `grep -q`: an early exit could SIGPIPE `locale` and fail the pipeline.
        if locale -a 2>/dev/null | grep -iE '^c\.utf-?8$' >/dev/null; then locale=C.UTF-8; fi
        _pg_as "$user" "$PG_BIN/initdb" -D "$data" -U "$PG_SUPERUSER" -E UTF8 --locale="$locale" \
            --auth-local=trust --auth-host=scram-sha-256 >"$dir/log/initdb.log" 2>&1 ||
            { cat "$dir/log/initdb.log" >&2; return 1; }
        echo "include_if_exists = 'hub.conf'" >>"$data/postgresql.conf"
    fi

    if _pg_running "$dir"; then
        # Reuse it; whatever port it listens on wins over the requested one.
        port=$(sed -n 4p "$data/postmaster.pid")
        echo "pg.sh: reusing running cluster in $dir (port $port)" >&2
    else
        rm -f "$data/postmaster.pid"
        # Rewritten on every start so a changed port or socket dir takes effect.
        {
            echo "listen_addresses = '127.0.0.1'"
            echo "port = $port"
            echo "unix_socket_directories = '${sock//\'/\'\'}'"
            echo "max_connections = 200"
            # Throwaway test clusters do not need crash safety (HUB_PG_FAST=1).
            if [[ ${HUB_PG_FAST:-0} == 1 ]]; then
                echo "fsync = off"
                echo "synchronous_commit = off"
                echo "full_page_writes = off"
            fi
        } >"$data/hub.conf"
        [[ $EUID -eq 0 ]] && chown "$user:" "$data/hub.conf"
        echo "pg.sh: starting cluster in $dir on 127.0.0.1:$port (as $user)" >&2
        _pg_as "$user" "$PG_BIN/pg_ctl" -D "$data" -l "$dir/log/postgres.log" -w -t 60 -s start ||
            { tail -n 20 "$dir/log/postgres.log" >&2; return 1; }
    fi

    # Passwords are generated once and kept in DIR/env, so restarts keep working credentials.
    local app_pw="" owner_pw=""
    if [[ -f $dir/env ]]; then
        # shellcheck disable=SC1091
        read -r app_pw owner_pw < <(source "$dir/env" &&
            echo "${HUB_DB_PASSWORD:-} ${HUB_DB_OWNER_PASSWORD:-}") || true
    fi
    [[ -n $app_pw ]] || app_pw=$(_pg_random)
    [[ -n $owner_pw ]] || owner_pw=$(_pg_random)
    (
        umask 077
        {
            echo "export HUB_DB_HOST=127.0.0.1"
            echo "export HUB_DB_PORT=$port"
            echo "export HUB_DB_NAME=hub"
            echo "export HUB_DB_USER=hub_app"
            echo "export HUB_DB_PASSWORD=$app_pw"
            echo "export HUB_DB_OWNER_USER=hub_owner"
            echo "export HUB_DB_OWNER_PASSWORD=$owner_pw"
            echo "export PGSUPERUSER_SOCKET_DIR=$(printf '%q' "$sock")"
        } >"$dir/env.tmp"
        mv "$dir/env.tmp" "$dir/env"
    )

    local psql=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U "$PG_SUPERUSER")
    # Roles are cluster-wide; ALTER on every run keeps attributes and passwords in line with DIR/env.
    "${psql[@]}" -d postgres -v app_pw="$app_pw" -v owner_pw="$owner_pw" <<'SQL'
SELECT 'CREATE ROLE hub_owner' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_owner') \gexec
SELECT 'CREATE ROLE hub_app' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') \gexec
ALTER ROLE hub_owner LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_pw';
ALTER ROLE hub_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_pw';
SQL
    # Schema setup goes into template1 first: `hub` and every database tests create later copy it.
    local schema_sql='REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO hub_owner;
GRANT USAGE ON SCHEMA public TO hub_app;'
    "${psql[@]}" -d template1 <<<"$schema_sql"
    "${psql[@]}" -d postgres <<'SQL'
SELECT 'CREATE DATABASE hub OWNER hub_owner' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hub') \gexec
ALTER DATABASE hub OWNER TO hub_owner;
SQL
    # Again for `hub` itself, in case it predates the template1 setup.
    "${psql[@]}" -d hub <<<"$schema_sql"
}

pg_stop() {
    local dir=$1 user
    [[ -d $dir/data ]] || return 0
    dir=$(cd "$dir" && pwd)
    _pg_running "$dir" || return 0
    user=$(_pg_user "$dir")
    PG_BIN=$(_pg_bin_for "$dir/data")
    _pg_as "$user" "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop ||
        _pg_as "$user" "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -s stop
}

pg_free_port() {
    # Binding port 0 lets the kernel pick; fall back to probing if python3 is unusable.
    if python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null; then
        return
    fi
    local p
    for _ in $(seq 1 200); do
        p=$(( 20000 + RANDOM % 30000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    echo "pg.sh: no free port found" >&2
    return 1
}

pg_psql_super() {
    local dir=$1; shift
    dir=$(cd "$dir" && pwd)
    [[ -n ${PG_BIN:-} ]] || PG_BIN=$(_pg_bin_for "$dir/data")
    # Env vars rather than options, so the caller's own -d/-p/positional db name still win.
    PGHOST=$(_pg_sockdir "$dir") PGPORT=$(sed -n 4p "$dir/data/postmaster.pid") \
        PGUSER=$PG_SUPERUSER PGDATABASE=${PGDATABASE:-hub} "$PG_BIN/psql" -X "$@"
}
