#!/usr/bin/env bash
# Run the Spark Connect server in the FOREGROUND (PID 1's child, logs on stdout).
#
# spark-submit --class SparkConnectServer is what sbin/start-connect-server.sh runs, minus
# its daemonising: Spark treats this class as a "special" one that needs no application jar.
# Settings: $SPARK_HOME/conf/spark-defaults.conf (docker/spark/spark-defaults.conf); the
# values that come from the environment are passed here, so no secret is written to disk.
set -euo pipefail

: "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}"
S3_ENDPOINT="${S3_ENDPOINT:-http://minio:9000}"
AWS_REGION="${AWS_REGION:-us-east-1}"
LAKEHOUSE_BUCKET="${LAKEHOUSE_BUCKET:-lakehouse}"

# Delta and S3A (docker/spark/Dockerfile) on the driver's class path, as the native stack puts
# them (lakehouse_kit/stack.py): --jars would copy the 690 MB AWS SDK on every start.
LAKEHOUSE_JARS="${LAKEHOUSE_JARS:-/opt/lakehouse/jars}"

exec "${SPARK_HOME}/bin/spark-submit" \
  --class org.apache.spark.sql.connect.service.SparkConnectServer \
  --name "Lakehouse Kit Spark Connect server" \
  --driver-memory "${SPARK_DRIVER_MEMORY:-2g}" \
  --driver-class-path "${LAKEHOUSE_JARS}/*" \
  --conf "spark.sql.warehouse.dir=s3a://${LAKEHOUSE_BUCKET}/warehouse" \
  --conf "spark.hadoop.fs.s3a.endpoint=${S3_ENDPOINT}" \
  --conf "spark.hadoop.fs.s3a.endpoint.region=${AWS_REGION}" \
  --conf "spark.hadoop.fs.s3a.access.key=${AWS_ACCESS_KEY_ID}" \
  --conf "spark.hadoop.fs.s3a.secret.key=${AWS_SECRET_ACCESS_KEY}" \
  "$@"
