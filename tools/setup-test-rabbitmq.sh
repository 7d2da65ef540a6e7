#!/bin/bash
#
# Prepare the local RabbitMQ for the notification tests
# (tests/functional/test_notifications.py), as tools/setup-test-databases.sh
# prepares the databases.
#
# Run as root on the test machine.  Idempotent: safe to run again.
#
#  * starts RabbitMQ (rabbitmq-server -detached) if nothing answers on
#    RABBIT_HOST:RABBIT_PORT, and waits (bounded: RABBIT_WAIT_SECONDS,
#    default 60) until the broker accepts connections;
#  * the tests connect as guest/guest, RabbitMQ's default user, which it
#    lets in from localhost only.
#
# Environment (all optional):
#   RABBIT_HOST (127.0.0.1), RABBIT_PORT (5672)
#   RABBIT_WAIT_SECONDS (60)          how long to wait for it
#   SKIP_RABBITMQ=1                   leave it alone

set -eu
set -o pipefail

RABBIT_HOST=${RABBIT_HOST:-127.0.0.1}
RABBIT_PORT=${RABBIT_PORT:-5672}
RABBIT_WAIT_SECONDS=${RABBIT_WAIT_SECONDS:-60}

log() {
    echo "setup-test-rabbitmq: $*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

rabbit_up() {
    (exec 3<>"/dev/tcp/$RABBIT_HOST/$RABBIT_PORT") 2>/dev/null
}

if [ "${SKIP_RABBITMQ:-0}" = 1 ]; then
    log "skipped"
    exit 0
fi

if rabbit_up; then
    log "RabbitMQ is up on $RABBIT_HOST:$RABBIT_PORT"
    exit 0
fi

command -v rabbitmq-server >/dev/null 2>&1 ||
    die "RabbitMQ is down and rabbitmq-server is not installed"
if [ "$(id -u)" != 0 ]; then
    log "warning: not running as root; starting RabbitMQ may fail"
fi
log "starting RabbitMQ"
rabbitmq-server -detached
deadline=$((SECONDS + RABBIT_WAIT_SECONDS))
if command -v rabbitmqctl >/dev/null 2>&1; then
    rabbitmqctl await_startup --timeout "$RABBIT_WAIT_SECONDS" >/dev/null ||
        die "RabbitMQ did not start within ${RABBIT_WAIT_SECONDS}s"
fi
until rabbit_up; do
    if ((SECONDS >= deadline)); then
        die "RabbitMQ did not answer on $RABBIT_HOST:$RABBIT_PORT within ${RABBIT_WAIT_SECONDS}s"
    fi
    sleep 1
done
log "RabbitMQ is up on $RABBIT_HOST:$RABBIT_PORT"
