#!/bin/bash
# Dockyard's MariaDB entrypoint, written for this lab. It follows the documented contract of the
# official image:
#   MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD, or MARIADB_ROOT_PASSWORD_HASH), or
#   MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1, or MARIADB_RANDOM_ROOT_PASSWORD=1   (one is required)
#   MARIADB_ROOT_HOST (default %)                    where root may connect from
#   MARIADB_DATABASE / MYSQL_DATABASE                a database to create
#   MARIADB_USER / MYSQL_USER + MARIADB_PASSWORD / MYSQL_PASSWORD
#                                                    a user with every privilege on that database
#   /docker-entrypoint-initdb.d/*.sql, *.sql.gz, *.sql.xz, *.sql.zst, *.sh
#                                                    run once, in name order, on the first start
# The data lives in /var/lib/mysql (a volume); the server runs as user mysql in the foreground.
set -eo pipefail
shopt -s nullglob

log() { printf '%s [Entrypoint]: %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S')" "$*"; }
die() {
  log "error: $*" >&2
  exit 1
}

# `docker run mariadb --some-option` passes options to the server.
if [ "${1:0:1}" = '-' ]; then
  set -- mariadbd "$@"
fi

if [ "$1" != 'mariadbd' ] && [ "$1" != 'mysqld' ]; then
  exec "$@"
fi

# MYSQL_* names are accepted for every MARIADB_* one; MARIADB_* wins when both are set.
for name in ROOT_PASSWORD ROOT_PASSWORD_HASH ALLOW_EMPTY_ROOT_PASSWORD RANDOM_ROOT_PASSWORD ROOT_HOST \
  DATABASE USER PASSWORD INITDB_SKIP_TZINFO; do
  mariadb_var="MARIADB_$name"
  mysql_var="MYSQL_$name"
  if [ -z "${!mariadb_var}" ] && [ -n "${!mysql_var}" ]; then
    export "$mariadb_var=${!mysql_var}"
  fi
done
: "${MARIADB_ROOT_HOST:=%}"

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

# Started as root: own the data directory, then run this script again as mysql.
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$DATADIR" /run/mysqld
  chown mysql:mysql /run/mysqld
  find "$DATADIR" \! -user mysql -exec chown mysql:mysql '{}' +
  exec setpriv --reuid=mysql --regid=mysql --init-groups "$0" "$@"
fi

is_true() {
  case "$1" in
    1 | y | Y | yes | Yes | YES | true | True | TRUE | on | ON) return 0 ;;
    *) return 1 ;;
  esac
}

# Quotes a value for a SQL string literal.
sql_string() {
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\\\'}"
}

# Runs SQL (from stdin) as root against the temporary server, in MARIADB_DATABASE when asked.
client_config=/run/mysqld/.entrypoint-client.cnf
process_sql() {
  mariadb --defaults-extra-file="$client_config" --protocol=socket --socket="$SOCKET" "$@"
}

run_init_file() {
  local f=$1
  case "$f" in
    *.sh)
      if [ -x "$f" ]; then
        log "running $f"
        "$f"
      else
        log "sourcing $f"
        # shellcheck disable=SC1090
        . "$f"
      fi
      ;;
    *.sql)
      log "running $f"
      process_sql ${MARIADB_DATABASE:+--database="$MARIADB_DATABASE"} <"$f"
      ;;
    *.sql.gz)
      log "running $f"
      gunzip -c "$f" | process_sql ${MARIADB_DATABASE:+--database="$MARIADB_DATABASE"}
      ;;
    *.sql.xz)
      log "running $f"
      xz -dc "$f" | process_sql ${MARIADB_DATABASE:+--database="$MARIADB_DATABASE"}
      ;;
    *.sql.zst)
      log "running $f"
      zstd -dc "$f" | process_sql ${MARIADB_DATABASE:+--database="$MARIADB_DATABASE"}
      ;;
    *) log "ignoring $f" ;;
  esac
}

initialise() {
  if [ -z "$MARIADB_ROOT_PASSWORD" ] && [ -z "$MARIADB_ROOT_PASSWORD_HASH" ] &&
    ! is_true "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" && ! is_true "$MARIADB_RANDOM_ROOT_PASSWORD"; then
    die "the database is not initialised and no root password option was given.
    Set one of these environment variables (docker run -e NAME=value ...):
      MARIADB_ROOT_PASSWORD=<password>          the root password (MYSQL_ROOT_PASSWORD works too)
      MARIADB_RANDOM_ROOT_PASSWORD=1            generate one and print it in the log
      MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1       no root password (not for anything real)"
  fi
  if [ -n "$MARIADB_USER" ] && [ "$MARIADB_USER" = root ]; then
    die "MARIADB_USER=root is not allowed: root is created already; set MARIADB_ROOT_PASSWORD instead."
  fi
  if [ -n "$MARIADB_USER" ] && [ -z "$MARIADB_PASSWORD" ]; then
    die "MARIADB_USER is set but MARIADB_PASSWORD is not: give the user a password."
  fi

  log "initialising the database in $DATADIR"
  mariadb-install-db --datadir="$DATADIR" --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve --cross-bootstrap >/dev/null

  log "starting a temporary server (no network) for the set-up"
  "$@" --skip-networking --default-time-zone=SYSTEM --socket="$SOCKET" \
    --loose-innodb_buffer_pool_load_at_startup=0 --loose-innodb_buffer_pool_dump_at_shutdown=0 &
  local pid=$!
  printf '[client]\nuser=root\npassword=\n' >"$client_config"
  chmod 600 "$client_config"
  local tries=0
  until mariadb-admin --defaults-extra-file="$client_config" --socket="$SOCKET" ping --silent >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "the temporary server exited during the set-up (see the log above)."
    tries=$((tries + 1))
    [ "$tries" -lt 120 ] || die "the temporary server did not answer within 60 seconds."
    sleep 0.5
  done

  local root_auth
  if [ -n "$MARIADB_ROOT_PASSWORD_HASH" ]; then
    root_auth="IDENTIFIED BY PASSWORD $(sql_string "$MARIADB_ROOT_PASSWORD_HASH")"
  elif [ -n "$MARIADB_ROOT_PASSWORD" ]; then
    root_auth="IDENTIFIED BY $(sql_string "$MARIADB_ROOT_PASSWORD")"
  elif is_true "$MARIADB_RANDOM_ROOT_PASSWORD"; then
    MARIADB_ROOT_PASSWORD=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)
    log "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
    root_auth="IDENTIFIED BY $(sql_string "$MARIADB_ROOT_PASSWORD")"
  else
    root_auth="IDENTIFIED BY ''"
  fi

  local sql="SET @@SESSION.SQL_LOG_BIN=0;
DELETE FROM mysql.global_priv WHERE user NOT IN ('root', 'mariadb.sys', 'mysql') OR host NOT IN ('localhost');
ALTER USER 'root'@'localhost' $root_auth;"
  if [ "$MARIADB_ROOT_HOST" != localhost ]; then
    sql+="
CREATE USER 'root'@$(sql_string "$MARIADB_ROOT_HOST") $root_auth;
GRANT ALL ON *.* TO 'root'@$(sql_string "$MARIADB_ROOT_HOST") WITH GRANT OPTION;
GRANT PROXY ON ''@'%' TO 'root'@$(sql_string "$MARIADB_ROOT_HOST") WITH GRANT OPTION;"
  fi
  if [ -n "$MARIADB_DATABASE" ]; then
    log "creating database $MARIADB_DATABASE"
    sql+="
CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE//\`/\`\`}\`;"
  fi
  if [ -n "$MARIADB_USER" ]; then
    log "creating user $MARIADB_USER"
    sql+="
CREATE USER $(sql_string "$MARIADB_USER")@'%' IDENTIFIED BY $(sql_string "$MARIADB_PASSWORD");"
    if [ -n "$MARIADB_DATABASE" ]; then
      log "granting $MARIADB_USER all privileges on $MARIADB_DATABASE"
      sql+="
GRANT ALL ON \`${MARIADB_DATABASE//\`/\`\`}\`.* TO $(sql_string "$MARIADB_USER")@'%';"
    fi
  fi
  sql+="
FLUSH PRIVILEGES;"
  process_sql --database=mysql <<<"$sql"

  # From here on the client logs in with the root password that was just set.
  printf '[client]\nuser=root\npassword=%s\n' "${MARIADB_ROOT_PASSWORD//\\/\\\\}" >"$client_config"

  local f
  for f in /docker-entrypoint-initdb.d/*; do
    run_init_file "$f"
  done

  log "stopping the temporary server"
  kill "$pid"
  wait "$pid" || true
  rm -f "$client_config"
  log "set-up done; MariaDB is starting for real"
}

if [ ! -d "$DATADIR/mysql" ]; then
  initialise "$@"
fi

exec "$@"
