#!/usr/bin/env bash
# Make sure RabbitMQ answers on 127.0.0.1:5672: install it from Debian's packages if it is missing,
# start it if it is down, wait until it is up. Used by CI (.ci/run) and `make bench`.
set -euo pipefail

listening() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

if ! listening; then
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    echo "RabbitMQ is not installed: installing it from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server
  fi
  echo "RabbitMQ is not listening: starting it"
  rabbitmq-server -detached || true
fi

for _ in $(seq 1 120); do
  if listening && rabbitmqctl -q await_startup >/dev/null 2>&1; then
    break
  fi
  sleep 1
done
if ! listening; then
  echo "RabbitMQ did not come up on 127.0.0.1:5672" >&2
  exit 1
fi
echo "RabbitMQ is answering on 127.0.0.1:5672"
