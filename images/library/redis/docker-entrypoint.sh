#!/bin/sh
# Starts redis-server the way the official image does: `docker run redis --appendonly yes` passes
# options to the server; without a config file it listens on every address with protected mode
# off; it runs as the redis user. Any other command (redis-cli, sh) runs as given.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ]; then
  # A config file given as the first argument decides bind and protected mode itself.
  case "$2" in
    *.conf) ;;
    *)
      shift
      set -- redis-server --bind '* -::*' --protected-mode no "$@"
      ;;
  esac
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis:redis '{}' + 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi

exec "$@"
