#!/usr/bin/env bash
# The trino service's health check (docker-compose.yml mounts it): healthy once Trino runs a
# query that scans a table, as the native stack's readiness test asks (lakehouse_kit/stack.py).
#
# Not the image's own /usr/lib/trino/bin/health-check: it reads the port from
# config.properties as text ("${ENV:TRINO_PORT}") and never passes. Not /v1/info alone either:
# it says "starting":false seconds before the node has joined ("No nodes available to run
# query"). The query goes through Trino's HTTP protocol with curl, not the trino CLI, which
# would start a JVM at every check. tests/test_docker_natively.py runs it against a native
# Trino; the native stack's etc/ gets a copy too, which Trino ignores.
set -euo pipefail

response="$(curl -fsS --max-time 20 -H "X-Trino-User: health-check" \
  --data "SELECT count(*) FROM tpch.tiny.region" "http://localhost:${TRINO_PORT:?}/v1/statement")"
# Follow nextUri until the query has finished or failed.
while next="$(grep -o '"nextUri":"[^"]*"' <<<"$response" | cut -d'"' -f4)"; do
  response="$(curl -fsS --max-time 20 "$next")"
done
if grep -q '"error":' <<<"$response" || ! grep -q '"state":"FINISHED"' <<<"$response"; then
  echo "Trino does not run queries yet: $(grep -o -m1 '"message":"[^"]*"' <<<"$response" | head -n1)" >&2
  exit 1
fi
