#!/bin/bash
#
# Prepare local PostgreSQL and MariaDB/MySQL for the opportunistic database
# tests (tests/unit/test_db_backends.py), the way OpenStack CI does it.
#
# Run as root on the test machine.  Idempotent: safe to run again.
#
#  * starts PostgreSQL and MariaDB if they are not answering, and waits
#    (bounded: DB_WAIT_SECONDS, default 60) until they do;
#  * creates the conventional test user openstack_citest / openstack_citest:
#      - MariaDB/MySQL: 'openstack_citest'@'localhost' and @'127.0.0.1' with
#        ALL PRIVILEGES ON *.* WITH GRANT OPTION, plus a database
#        openstack_citest;
#      - PostgreSQL: a SUPERUSER LOGIN role plus a database openstack_citest.
#
# oslo.db's test fixtures then connect as
#   mysql+pymysql://openstack_citest:openstack_citest@localhost/
#   postgresql+psycopg2://openstack_citest:openstack_citest@localhost/postgres
# and create (and drop) a randomly named database per test run.
#
# Environment (all optional):
#   PG_HOST (127.0.0.1), PG_ADMIN (postgres)      psql -h PG_HOST -U PG_ADMIN
#   MYSQL_ADMIN_ARGS (-uroot)                     mariadb MYSQL_ADMIN_ARGS
#   SKIP_POSTGRESQL=1 / SKIP_MYSQL=1              leave one of them alone
#   DB_WAIT_SECONDS (60)                          how long to wait for each

set -eu
set -o pipefail

CITEST=openstack_citest
PG_HOST=${PG_HOST:-127.0.0.1}
PG_ADMIN=${PG_ADMIN:-postgres}
read -r -a MYSQL_ADMIN <<< "${MYSQL_ADMIN_ARGS:--uroot}"
DB_WAIT_SECONDS=${DB_WAIT_SECONDS:-60}

log() {
    echo "setup-test-databases: $*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

# wait_for DESCRIPTION COMMAND...: run COMMAND until it succeeds, at most
# DB_WAIT_SECONDS seconds.
wait_for() {
    local what=$1
    shift
    local deadline=$((SECONDS + DB_WAIT_SECONDS))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            return 1
        fi
        sleep 1
    done
    log "$what is up"
}

mysql_client() {
    if command -v mariadb >/dev/null 2>&1; then
        mariadb "$@"
    else
        mysql "$@"
    fi
}

pg_up() {
    pg_isready -q -h "$PG_HOST" >/dev/null 2>&1
}

mysql_up() {
    mysql_client "${MYSQL_ADMIN[@]}" -e 'SELECT 1' >/dev/null 2>&1
}

setup_postgresql() {
    if ! pg_up; then
        local version
        version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
        [ -n "$version" ] || die "PostgreSQL is down and /etc/postgresql is empty"
        log "starting PostgreSQL $version"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        wait_for PostgreSQL pg_up ||
            die "PostgreSQL did not answer within ${DB_WAIT_SECONDS}s"
    fi

    log "creating PostgreSQL role and database $CITEST"
    psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -U "$PG_ADMIN" -d postgres <<EOF
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$CITEST') THEN
        CREATE ROLE $CITEST SUPERUSER LOGIN PASSWORD '$CITEST';
    ELSE
        ALTER ROLE $CITEST SUPERUSER LOGIN PASSWORD '$CITEST';
    END IF;
END
\$\$;
EOF
    if [ "$(psql -X -tA -h "$PG_HOST" -U "$PG_ADMIN" -d postgres -c \
            "SELECT 1 FROM pg_database WHERE datname = '$CITEST'")" != 1 ]; then
        psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -U "$PG_ADMIN" \
            -d postgres -c "CREATE DATABASE $CITEST OWNER $CITEST"
    fi
}

setup_mysql() {
    if ! mysql_up; then
        local daemon
        daemon=$(command -v mariadbd || command -v mysqld ||
                 ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -n 1 ||
                 true)
        [ -n "$daemon" ] || die "MariaDB/MySQL is down and no server binary found"
        log "starting $daemon"
        install -d -o mysql -g mysql /run/mysqld 2>/dev/null || mkdir -p /run/mysqld
        start-stop-daemon --start --oknodo --background --exec "$daemon"
        wait_for MariaDB mysql_up ||
            die "MariaDB/MySQL did not answer within ${DB_WAIT_SECONDS}s"
    fi

    log "creating MariaDB/MySQL users and database $CITEST"
    mysql_client "${MYSQL_ADMIN[@]}" <<EOF
CREATE USER IF NOT EXISTS '$CITEST'@'localhost' IDENTIFIED BY '$CITEST';
CREATE USER IF NOT EXISTS '$CITEST'@'127.0.0.1' IDENTIFIED BY '$CITEST';
ALTER USER '$CITEST'@'localhost' IDENTIFIED BY '$CITEST';
ALTER USER '$CITEST'@'127.0.0.1' IDENTIFIED BY '$CITEST';
GRANT ALL PRIVILEGES ON *.* TO '$CITEST'@'localhost' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$CITEST'@'127.0.0.1' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS $CITEST;
FLUSH PRIVILEGES;
EOF
}

if [ "$(id -u)" != 0 ]; then
    log "warning: not running as root; starting servers may fail"
fi

if [ "${SKIP_POSTGRESQL:-0}" != 1 ]; then
    setup_postgresql
fi
if [ "${SKIP_MYSQL:-0}" != 1 ]; then
    setup_mysql
fi
log "done"
