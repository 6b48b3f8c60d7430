#!/usr/bin/env bash
# Start the Hive Metastore of the docker stack through the image's own /entrypoint.sh, after
# checking its settings and asking PostgreSQL whether the schema exists.
#
# apache/hive:4.0.0's entrypoint runs `schematool -initOrUpgradeSchema` unless IS_RESUME=true.
# A restart on an initialised database skips that step: if `schematool -info` succeeds, the
# schema exists and IS_RESUME=true. If PostgreSQL is not reachable yet, the entrypoint's
# initialisation fails, the container exits and compose (restart: unless-stopped) starts it
# again: a start-up race ends in a retry, not in damage. A refused password ends here, with
# the fix. tests/test_docker_natively.py runs this script against the native stack's
# PostgreSQL (HIVE_HOME and HIVE_ENTRYPOINT name stand-ins for the image's programs there).
set -euo pipefail

HIVE_HOME="${HIVE_HOME:-/opt/hive}"
CONF_DIR="${HIVE_CUSTOM_CONF_DIR:-/opt/lakehouse/conf}"
: "${DB_DRIVER:?set DB_DRIVER=postgres (docker-compose.yml)}"

# Without its config files the metastore would quietly use an embedded Derby database.
if ! compgen -G "$CONF_DIR/*.xml" >/dev/null; then
  echo "No metastore-site.xml or core-site.xml in $CONF_DIR (HIVE_CUSTOM_CONF_DIR)." >&2
  exit 1
fi
# metastore-site.xml and core-site.xml read the database, S3 and bucket from the environment
# (${env.X}); one that is not set would reach Hadoop as the literal text "${env.X}".
missing=()
values="$(grep -oh '<value>[^<]*</value>' "$CONF_DIR"/*.xml)"
for name in $(grep -o '\${env\.[A-Za-z0-9_]*}' <<<"$values" | sed 's/^\${env\.//; s/}$//' | sort -u); do
  [[ -v "$name" ]] || missing+=("$name")
done
if (( ${#missing[@]} )); then
  echo "The metastore's settings read these variables, which are not set: ${missing[*]}." >&2
  echo "docker-compose.yml sets them for the hive-metastore service; see docs/docker.md." >&2
  exit 1
fi

# Our core-site.xml / metastore-site.xml go into the Hive conf dir, which is also made the
# Hadoop conf dir (as the image's entrypoint does for HIVE_CUSTOM_CONF_DIR), so the
# metastore's Hadoop FileSystem sees the fs.s3a.* settings.
for f in "$CONF_DIR"/*; do
  ln -sfn "$f" "$HIVE_HOME/conf/"
done
export HADOOP_CONF_DIR="$HIVE_HOME/conf"
# JVM options (SERVICE_OPTS) reach schematool as they reach the entrypoint's metastore.
export HADOOP_CLIENT_OPTS="${HADOOP_CLIENT_OPTS:-} ${SERVICE_OPTS:-}"

if [[ "${IS_RESUME:-}" != "true" ]]; then
  info="$(mktemp)"
  if "$HIVE_HOME/bin/schematool" -dbType "$DB_DRIVER" -info >"$info" 2>&1; then
    echo "Metastore schema already present: skipping schema initialisation."
    export IS_RESUME=true
  elif grep -q "password authentication failed" "$info"; then
    # PostgreSQL keeps the password it was created with (in the postgres-data volume).
    cat >&2 <<EOF
PostgreSQL refused user "${METASTORE_DB_USER:-}" with METASTORE_DB_PASSWORD: the database keeps the
password it was created with, and changing METASTORE_DB_PASSWORD in .env later does not change it.
Keep the catalog: give the database the new password (docs/docker.md, "The metastore restarts"):
  docker compose exec postgres sh -c 'echo "ALTER USER CURRENT_USER PASSWORD :'\''pw'\''" | psql -U "\$POSTGRES_USER" -d metastore -v pw="\$POSTGRES_PASSWORD"'
or put the old password back in .env. (docker compose down -v also ends this, but empties the catalog.)
EOF
    exit 1
  else
    echo "No usable metastore schema yet: the entrypoint will initialise it."
    tail -n 5 "$info" || true
  fi
  rm -f "$info"
fi

exec "${HIVE_ENTRYPOINT:-/entrypoint.sh}"
