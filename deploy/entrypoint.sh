#!/usr/bin/env bash
# ckanext-amp container entrypoint (installed as /usr/local/bin/amp-entrypoint).
#
#   amp-entrypoint web                  gunicorn on :5000 (the `ckan` service), as `make run`
#   amp-entrypoint scheduler            periodic `ckan harvester run` + maintenance
#   amp-entrypoint healthcheck KIND     KIND = web | redis | heartbeat (no side effects)
#   amp-entrypoint ckan ...             any other command is exec'd as is
#
# Before the command (except `healthcheck`):
#   1. CKAN_*_FILE variables are read into CKAN_* (Docker secrets);
#   2. no CKAN_* value may contain '%' (CKAN's ini loader interpolates them);
#   3. waits for PostgreSQL, Redis and — when the ini says
#      ckanext.amp.search.engine = solr — Solr (CKAN_WAIT_TIMEOUT seconds);
#   4. with CKAN_RUN_MIGRATIONS=1 (the `ckan` service only), runs
#      `ckan db upgrade` then `ckan db upgrade -p <plugin>` for each plugin of
#      CKAN_MIGRATE_PLUGINS, under a PostgreSQL advisory lock so that several
#      web replicas starting together migrate once, one after the other.
set -Eeuo pipefail

CKAN_INI=${CKAN_INI:-/srv/app/ckan.ini}
export CKAN_INI
HEARTBEAT_FILE=${HEARTBEAT_FILE:-/tmp/amp-scheduler.heartbeat}

log() { printf '%s amp-entrypoint[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$$" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --------------------------------------------------------------------------
# Health checks (run by Docker inside a running container)
# --------------------------------------------------------------------------
healthcheck() {
    case "${1:-}" in
        web)
            python - <<'PY'
import json, sys, urllib.request
try:
    with urllib.request.urlopen(
            "http://127.0.0.1:5000/api/3/action/status_show", timeout=10) as r:
        body = json.load(r)
except Exception as error:  # noqa: BLE001 - any failure is "unhealthy"
    print(f"unhealthy: {error}", file=sys.stderr)
    sys.exit(1)
sys.exit(0 if body.get("success") is True else 1)
PY
            ;;
        redis)
            python - <<'PY'
import os, sys
import redis
try:
    redis.Redis.from_url(os.environ["CKAN_REDIS_URL"], socket_timeout=5).ping()
except Exception as error:  # noqa: BLE001
    print(f"unhealthy: {error}", file=sys.stderr)
    sys.exit(1)
PY
            ;;
        heartbeat)
            local max_age=${HEALTH_MAX_AGE:-$(( 2 * ${HARVEST_RUN_INTERVAL:-300} + 600 ))}
            [[ -f $HEARTBEAT_FILE ]] || { echo "no heartbeat yet" >&2; exit 1; }
            local age=$(( $(date +%s) - $(stat -c %Y "$HEARTBEAT_FILE") ))
            (( age <= max_age )) || { echo "heartbeat is ${age}s old" >&2; exit 1; }
            ;;
        *)
            die "healthcheck: unknown kind '${1:-}' (web | redis | heartbeat)"
            ;;
    esac
}

# --------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------
load_file_secrets() {
    local var target file
    for var in $(compgen -e); do
        [[ $var == CKAN_*_FILE ]] || continue
        target=${var%_FILE}
        file=${!var}
        [[ -r $file ]] || die "$var points to '$file', which cannot be read"
        [[ -z ${!target:-} ]] || die "both $target and $var are set; keep one"
        # $(<file) drops the trailing newline(s) that editors add.
        export "$target=$(<"$file")"
        unset "$var"
        log "$target read from $var"   # the name only, never the value
    done
}

check_no_percent() {
    local var
    for var in $(compgen -e); do
        [[ $var == CKAN_* ]] || continue
        if [[ ${!var} == *%* ]]; then
            die "$var contains '%': CKAN's ini loader would try to interpolate it; use a value without '%' (e.g. openssl rand -hex 32)"
        fi
    done
}

require_env() {
    local var
    for var in CKAN_SQLALCHEMY_URL CKAN_REDIS_URL CKAN_SITE_URL CKAN_SECRET_KEY CKAN_JWT_SECRET; do
        [[ -n ${!var:-} ]] || die "$var is not set (see deploy/.env.example)"
        [[ ${!var} != *change-me* ]] || die "$var still holds a 'change-me' placeholder from .env.example"
    done
}

# --------------------------------------------------------------------------
# Waiting for the backing services
# --------------------------------------------------------------------------
wait_for_services() {
    python - "${CKAN_WAIT_TIMEOUT:-180}" <<'PY'
import configparser, json, os, sys, time, urllib.request

timeout = float(sys.argv[1])
deadline = time.monotonic() + timeout

parser = configparser.RawConfigParser()
parser.read(os.environ["CKAN_INI"])
engine = parser.get("app:main", "ckanext.amp.search.engine", fallback="postgres").strip()


def check_db():
    import psycopg2
    url = os.environ["CKAN_SQLALCHEMY_URL"].replace("postgresql+psycopg2://", "postgresql://", 1)
    psycopg2.connect(url, connect_timeout=5).close()


def check_redis():
    import redis
    redis.Redis.from_url(os.environ["CKAN_REDIS_URL"], socket_timeout=5).ping()


def check_solr():
    url = os.environ.get("CKAN_SOLR_URL") or parser.get("app:main", "solr_url", fallback="")
    if not url or "%(" in url:
        raise RuntimeError("engine is solr but CKAN_SOLR_URL is empty")
    with urllib.request.urlopen(url.rstrip("/") + "/admin/ping?wt=json", timeout=5) as r:
        if json.load(r).get("status") != "OK":
            raise RuntimeError("Solr ping status is not OK")


checks = [("PostgreSQL", check_db), ("Redis", check_redis)]
if engine == "solr":
    checks.append(("Solr", check_solr))

for name, check in checks:
    while True:
        try:
            check()
            print(f"amp-entrypoint: {name} is ready", file=sys.stderr)
            break
        except Exception as error:  # noqa: BLE001
            if time.monotonic() > deadline:
                # type name only: the message of a failed connection may echo the URL
                print(f"amp-entrypoint: ERROR: {name} not ready after {timeout:.0f}s "
                      f"({type(error).__name__})", file=sys.stderr)
                sys.exit(1)
            time.sleep(2)
PY
}

# --------------------------------------------------------------------------
# Migrations (the `ckan` service only: CKAN_RUN_MIGRATIONS=1)
# --------------------------------------------------------------------------
run_migrations() {
    log "running database migrations (core, then: ${CKAN_MIGRATE_PLUGINS:-activity harvest amp_search amp_dcat amp_access amp_conventions amp_harvest amp_validation amp_dashboard})"
    python - ${CKAN_MIGRATE_PLUGINS:-activity harvest amp_search amp_dcat amp_access amp_conventions amp_harvest amp_validation amp_dashboard} <<'PY'
import os, subprocess, sys
import psycopg2

LOCK_ID = 0x616D70  # "amp": one advisory lock shared by every replica
ini = os.environ["CKAN_INI"]
url = os.environ["CKAN_SQLALCHEMY_URL"].replace("postgresql+psycopg2://", "postgresql://", 1)
commands = [["ckan", "-c", ini, "db", "upgrade"]]
commands += [["ckan", "-c", ini, "db", "upgrade", "-p", plugin] for plugin in sys.argv[1:]]

conn = psycopg2.connect(url)
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("SELECT pg_advisory_lock(%s)", (LOCK_ID,))
    try:
        for command in commands:
            print("amp-entrypoint: " + " ".join(command[3:]), file=sys.stderr)
            subprocess.run(command, check=True)
    finally:
        cur.execute("SELECT pg_advisory_unlock(%s)", (LOCK_ID,))
conn.close()
PY
}

# --------------------------------------------------------------------------
# Scheduler: one replica only
# --------------------------------------------------------------------------
run_scheduler() {
    local harvest_every=${HARVEST_RUN_INTERVAL:-300}
    local maintenance_every=${AMP_MAINTENANCE_INTERVAL:-86400}
    local conventions_every=${AMP_CONVENTIONS_CHECK_INTERVAL:-86400}
    local next_maintenance=0 next_conventions=0 now job
    local -a args
    trap 'log "scheduler stopping"; exit 0' TERM INT
    log "scheduler: harvester run every ${harvest_every}s, maintenance every ${maintenance_every}s, conventions check every ${conventions_every}s"
    while true; do
        now=$(date +%s)
        ckan -c "$CKAN_INI" harvester run || log "harvester run failed (exit $?)"
        if (( now >= next_maintenance )); then
            ckan -c "$CKAN_INI" harvester clean-harvest-log || log "clean-harvest-log failed (exit $?)"
            # Old harvest jobs and objects (amp_harvest's retention options).
            ckan -c "$CKAN_INI" amp harvest prune || log "amp harvest prune failed (exit $?)"
            # AMP_MAINTENANCE_JOBS: ';'-separated `ckan` sub-commands, e.g.
            #   "amp conventions refresh; amp access expire-grants"
            # Each is run as `ckan -c $CKAN_INI <words>`, never through a shell.
            IFS=';' read -r -a jobs <<< "${AMP_MAINTENANCE_JOBS:-}"
            for job in "${jobs[@]}"; do
                read -r -a args <<< "$job"
                (( ${#args[@]} )) || continue
                log "maintenance: ckan ${args[*]}"
                ckan -c "$CKAN_INI" "${args[@]}" || log "maintenance job '${args[*]}' failed (exit $?)"
            done
            next_maintenance=$(( now + maintenance_every ))
        fi
        # Daily check of the conventions (amp_conventions): tacit renewals,
        # reminders, late deliveries, end of rights. Idempotent.
        if (( now >= next_conventions )); then
            ckan -c "$CKAN_INI" amp conventions check || log "amp conventions check failed (exit $?)"
            next_conventions=$(( now + conventions_every ))
        fi
        touch "$HEARTBEAT_FILE"
        sleep "$harvest_every" &
        wait $! || true
    done
}

# --------------------------------------------------------------------------
main() {
    if [[ ${1:-} == healthcheck ]]; then
        shift
        healthcheck "$@"
        exit 0
    fi

    load_file_secrets
    check_no_percent
    require_env
    [[ -r $CKAN_INI ]] || die "configuration file $CKAN_INI not found"

    if [[ ${CKAN_SKIP_WAIT:-0} != 1 ]]; then
        wait_for_services
    fi

    if [[ ${CKAN_RUN_MIGRATIONS:-0} == 1 ]]; then
        run_migrations
    fi

    case "${1:-web}" in
        web)
            shift || true
            # The same server and settings as `make run`
            # (ckanext.amp.stack.gunicorn_conf: AMP_WEB_WORKERS, AMP_WEB_TIMEOUT,
            # access log without query strings); here it listens on every
            # address of the container and trusts X-Forwarded-* from nginx,
            # the only peer of the `public` network besides the CKAN containers.
            log "starting gunicorn (${AMP_WEB_WORKERS:-4} workers)"
            exec gunicorn \
                -c python:ckanext.amp.stack.gunicorn_conf \
                --bind 0.0.0.0:5000 \
                --forwarded-allow-ips "${AMP_WEB_FORWARDED_ALLOW_IPS:-*}" \
                --chdir /srv/app \
                "$@" \
                ckanext.amp.stack.wsgi:application
            ;;
        scheduler)
            run_scheduler
            ;;
        *)
            exec "$@"
            ;;
    esac
}

main "$@"
