#!/usr/bin/env bash
# Start the Hive Metastore through the image's own /entrypoint.sh, after deciding whether
# the Postgres schema still has to be created.
#
# apache/hive:4.0.0's entrypoint runs `schematool -initOrUpgradeSchema` unless IS_RESUME=true.
# A restart on an initialised database must skip that step, so: if `schematool -info`
# succeeds, the schema exists and we set IS_RESUME=true. If Postgres is not reachable yet,
# -info fails, the entrypoint tries to initialise, fails, the container exits and compose
# (restart: unless-stopped) starts it again: start-up races end in a retry, not a crash loop
# that damages anything.
set -euo pipefail

: "${DB_DRIVER:?set DB_DRIVER=postgres}"
: "${SERVICE_OPTS:?set SERVICE_OPTS with the -Djavax.jdo.option.Connection* values}"

# Our core-site.xml / metastore-site.xml go into the Hive conf dir, which is also made the
# Hadoop conf dir (as the image's entrypoint does for HIVE_CUSTOM_CONF_DIR), so the
# metastore's Hadoop FileSystem sees the fs.s3a.* settings.
for f in "${HIVE_CUSTOM_CONF_DIR:-/opt/lakehouse/conf}"/*; do
  ln -sfn "$f" "${HIVE_HOME:-/opt/hive}/conf/"
done
export HADOOP_CONF_DIR="${HIVE_HOME:-/opt/hive}/conf"

# schematool reads the connection settings from the JVM options, as the entrypoint does.
export HADOOP_CLIENT_OPTS="${HADOOP_CLIENT_OPTS:-} ${SERVICE_OPTS}"

if [[ "${IS_RESUME:-}" != "true" ]]; then
  if /opt/hive/bin/schematool -dbType "${DB_DRIVER}" -info >/tmp/schematool-info.log 2>&1; then
    echo "Metastore schema already present: skipping schema initialisation."
    export IS_RESUME=true
  else
    echo "No usable metastore schema yet: the entrypoint will initialise it."
    tail -n 5 /tmp/schematool-info.log || true
  fi
fi

exec /entrypoint.sh
