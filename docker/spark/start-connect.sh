#!/usr/bin/env bash
# Run the Spark Connect server in the FOREGROUND (PID 1's child, logs on stdout).
#
# spark-submit --class SparkConnectServer is what sbin/start-connect-server.sh runs, minus
# its daemonising: Spark treats this class as a "special" one that needs no application jar.
# Settings: $SPARK_HOME/conf/spark-defaults.conf (docker/spark/spark-defaults.conf) and the
# values below, from the environment; extra arguments (--conf ...) win over both.
set -euo pipefail

: "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}"
S3_ENDPOINT="${S3_ENDPOINT:-http://minio:9000}"
AWS_REGION="${AWS_REGION:-us-east-1}"
LAKEHOUSE_BUCKET="${LAKEHOUSE_BUCKET:-lakehouse}"

# Delta and S3A (docker/spark/Dockerfile) on the driver's class path, as the native stack puts
# them (lakehouse_kit/stack.py): --jars would copy the 690 MB AWS SDK on every start.
LAKEHOUSE_JARS="${LAKEHOUSE_JARS:-/opt/lakehouse/jars}"


# The server reads one properties file: the shared spark-defaults.conf, then the lakehouse
# configuration lesson 1 teaches, with the course's values (lakehouse_kit/engine.py
# COURSE_CONF; tests/test_docker_stack.py keeps the two equal). In a file only this user
# reads, in memory where there is /dev/shm: the secret is never on a command line (`ps`).
umask 077
PROPERTIES="$(mktemp /dev/shm/spark-XXXXXX.properties 2>/dev/null || mktemp)"
cat "${SPARK_CONF_DIR:-${SPARK_HOME}/conf}/spark-defaults.conf" - > "${PROPERTIES}" <<PROPERTIES_END

# --- start-connect.sh: this start's values ---
spark.sql.warehouse.dir s3a://${LAKEHOUSE_BUCKET}/warehouse
spark.hadoop.fs.s3a.endpoint.region ${AWS_REGION}
spark.hadoop.fs.s3a.endpoint ${S3_ENDPOINT}
spark.hadoop.fs.s3a.path.style.access true
spark.hadoop.fs.s3a.aws.credentials.provider org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider
spark.hadoop.fs.s3a.access.key ${AWS_ACCESS_KEY_ID}
spark.hadoop.fs.s3a.secret.key ${AWS_SECRET_ACCESS_KEY}
spark.sql.extensions io.delta.sql.DeltaSparkSessionExtension
spark.sql.catalog.spark_catalog org.apache.spark.sql.delta.catalog.DeltaCatalog
spark.sql.catalogImplementation hive
spark.hadoop.hive.metastore.uris ${HIVE_METASTORE_URI:-thrift://hive-metastore:9083}
PROPERTIES_END

exec "${SPARK_HOME}/bin/spark-submit" \
  --class org.apache.spark.sql.connect.service.SparkConnectServer \
  --name "Lakehouse Kit Spark Connect server" \
  --properties-file "${PROPERTIES}" \
  --driver-memory "${SPARK_DRIVER_MEMORY:-2g}" \
  --driver-class-path "${LAKEHOUSE_JARS}/*" \
  "$@"
