# shellcheck shell=bash
# wrk_ensure_installed: wrk from Debian's packages when missing, as root (the package lists
# may be missing or stale in a fresh container: updated only if the install fails). Sourced
# by bench/lib.sh and bench/indicators.sh, whose `log` and `die` it uses.
wrk_ensure_installed() {
    command -v wrk >/dev/null && return
    [[ $EUID -eq 0 ]] || die "wrk is not installed; as root run: apt-get install -y wrk"
    log "installing wrk..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2 ||
        { DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2; }
}
