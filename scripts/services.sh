#!/usr/bin/env bash
# Installs (idempotently, from Debian's packages) and starts the services the full test suite needs:
# PostgreSQL, Redis and Chromium. Used by CI (.ci/run) and by developers who want the whole suite:
#   sudo bash scripts/services.sh && eval "$(bash scripts/services.sh --env)"
set -euo pipefail

PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}

if [ "${1:-}" = "--env" ]; then
  echo "export TEST_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:${PG_PORT}/postgres"
  echo "export TEST_REDIS_URL=redis://127.0.0.1:${REDIS_PORT}"
  echo "export CHROMIUM_PATH=/usr/bin/chromium"
  exit 0
fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "services: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Redis: a throwaway instance without persistence.
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --port "$REDIS_PORT" --daemonize yes --save '' --appendonly no --bind 127.0.0.1 >/dev/null
fi
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "services: redis $(redis-cli -p "$REDIS_PORT" ping)"

# PostgreSQL: the Debian cluster (15 here), started if down, with a known password for the tests.
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
  pg_createcluster "$version" main --port "$PG_PORT" >/dev/null
fi
cluster=$(pg_lsclusters -h | head -1 | awk '{print $1" "$2}')
if ! pg_lsclusters -h | head -1 | grep -q online; then
  pg_ctlcluster $cluster start
fi
for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.2; done
su postgres -c "psql -q -p $PG_PORT -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
echo "services: postgresql $(pg_lsclusters -h | head -1 | awk '{print $1"/"$2" "$4}')"
echo "services: chromium $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
