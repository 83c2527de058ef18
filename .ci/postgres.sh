#!/usr/bin/env bash
# Start a throwaway PostgreSQL on loopback for the test suite and print its URL.
# Installs Debian's server first when it is missing and we are root (CI). Usage:
#   eval "$(bash .ci/postgres.sh start DIR)"   -> exports HEARTH_TEST_DATABASE_URL
#   bash .ci/postgres.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?a scratch folder}
pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
case "$cmd" in
start)
  if [ -z "$(pgbin)" ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    else
      echo "echo 'PostgreSQL is not installed and this is not root: skipping it' >&2"; exit 0
    fi
  fi
  bin=$(pgbin)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chmod a+x "$(dirname "$dir")"; chown postgres "$dir"; fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_owner "'$bin/initdb' -D '$dir/data' -A trust -U hearth -E UTF8 --no-locale" >/dev/null
  as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/log' -w -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start" >&2
  echo "export HEARTH_TEST_DATABASE_URL=postgresql://hearth@127.0.0.1:$port/postgres"
  ;;
stop)
  bin=$(pgbin)
  [ -n "$bin" ] && [ -d "$dir/data" ] && as_owner "'$bin/pg_ctl' -D '$dir/data' -m fast -w stop" >&2 || true
  ;;
esac
