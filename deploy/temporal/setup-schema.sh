#!/bin/sh
# The temporal-schema job (temporalio/admin-tools): creates Temporal's two PostgreSQL databases and
# brings both schemas to the version this admin-tools image ships, before the server starts.
# Safe on every `docker compose up`: `create` ignores a database that exists, `setup-schema -v 0.0`
# leaves a newer version alone, and `update-schema` applies only the versions still missing.
# temporal-sql-tool reads its connection from SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD.
set -eu

: "${SQL_PLUGIN:?}" "${SQL_HOST:?}" "${SQL_PORT:?}" "${SQL_USER:?}" "${SQL_PASSWORD:?}"
: "${TEMPORAL_DB:?}" "${VISIBILITY_DB:?}"
SCHEMA_ROOT="${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}"

# Whether the database port accepts connections: nc where there is one (the admin-tools image),
# else bash's /dev/tcp (`npm run cluster` runs this script on hosts without nc).
port_open() {
  if command -v nc >/dev/null 2>&1; then
    nc -z "$1" "$2"
  else
    bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
  fi
}

# Compose starts this job once PostgreSQL reports healthy; the wait covers a restart in between.
attempt=1
until port_open "$SQL_HOST" "$SQL_PORT"; do
  if [ "$attempt" -ge 30 ]; then
    echo "PostgreSQL at $SQL_HOST:$SQL_PORT did not accept connections" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

setup_database() {
  database=$1
  versioned_dir=$2
  echo "Schema for database '$database' from $versioned_dir"
  temporal-sql-tool --db "$database" create
  temporal-sql-tool --db "$database" setup-schema -v 0.0
  temporal-sql-tool --db "$database" update-schema -d "$versioned_dir"
}

setup_database "$TEMPORAL_DB" "$SCHEMA_ROOT/temporal/versioned"
setup_database "$VISIBILITY_DB" "$SCHEMA_ROOT/visibility/versioned"
echo "Temporal schemas are up to date"
