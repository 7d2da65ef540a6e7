# Copyright 2026 The glance-deactivate Authors
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""The deactivation store's database plumbing: engine, connections, sessions.

``StoreEngine`` is what ``glance_deactivate.store.DeactivationStore``
composes to reach its database.  It reads the ``[image_deactivation]``
group (oslo.db's database options, see ``glance_deactivate.opts``) and
configures its own oslo.db ``enginefacade`` transaction context from it,
once; nothing connects before the first call.  It:

* adds ``charset=utf8mb4`` to a MySQL/MariaDB URL without a charset;
* connects on first use, with oslo.db's ``max_retries`` for that first
  connection only (afterwards calls fail fast and the pool reconnects);
* for a ``sqlite:`` file, creates the parent directory (mode 0750) and,
  with ``auto_create_schema``, runs the migrations before first use;
* hands out reader connections (SQLAlchemy Core) and reader or writer
  sessions, each one transaction; a SQLite file's look-ups use an engine
  of their own that keeps one connection per thread.

Errors are not translated here: ``DeactivationStore`` turns them into
``StoreUnavailable`` and logs outages.  ``one_line()`` is the short text of
a database error it uses; ``sqlite_busy()`` tells its write retries that
SQLite's "database is locked" is worth another attempt.
"""

import contextlib
import os
import threading

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from glance_deactivate.db import migration
from glance_deactivate import opts

LOG = logging.getLogger(__name__)

# Threads whose SQLite look-up connection is kept open.
SQLITE_READER_THREADS = 16

# The options of our group that configure the enginefacade (oslo.db's).
_DB_OPTION_NAMES = tuple(opt.dest for opt in opts.database_opts)


def one_line(exc):
    """A short, single-line description of a database error."""
    inner = getattr(exc, 'inner_exception', None)
    if isinstance(inner, sa_exc.StatementError) and inner.orig is not None:
        inner = inner.orig
    elif isinstance(exc, sa_exc.StatementError) and exc.orig is not None:
        inner = exc.orig
    text = str(inner if inner is not None else exc).strip()
    text = text.splitlines()[0].strip() if text else ''
    text = text or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + '...'


def sqlite_busy(exc):
    """SQLite's "database is locked": another writer, worth a retry."""
    return 'database is locked' in str(exc)


class _Context(object):
    """A throw-away context object for ``enginefacade`` ``using()``."""


class StoreEngine(object):
    """One store's database: its enginefacade context and SQLite reader."""

    def __init__(self, conf):
        """Prepare the context; nothing connects before the first call.

        :param conf: a ``cfg.ConfigOpts`` on which
            ``glance_deactivate.opts.register_opts`` was called.
        :raises ValueError: if ``[image_deactivation] connection`` is unset
            or not a database URL.
        """
        group = getattr(conf, opts.GROUP)
        db_conf = {name: getattr(group, name) for name in _DB_OPTION_NAMES}
        if not db_conf['connection']:
            raise ValueError('[%s] connection is not set' % opts.GROUP)
        try:
            self._url = sa.engine.make_url(db_conf['connection'])
        except sa_exc.ArgumentError as exc:
            raise ValueError('[%s] connection is not a database URL: %s'
                             % (opts.GROUP, exc)) from exc
        if (self._url.get_backend_name() in ('mysql', 'mariadb') and
                'charset' not in self._url.query):
            # oslo.db connects to MySQL with charset=utf8 (3-byte utf8mb3)
            # unless told otherwise; a reason may hold any Unicode.
            self._url = self._url.update_query_dict({'charset': 'utf8mb4'})
            db_conf['connection'] = self._url.render_as_string(
                hide_password=False)
        self._is_sqlite = self._url.get_backend_name() == 'sqlite'
        self._safe_url = self._url.render_as_string(hide_password=True)

        # One enginefacade context per store: a context can be configured
        # only once, and tests build several stores in one process.  Every
        # database option is passed explicitly, so nothing falls back to the
        # host's [database] group.
        self._context = enginefacade.transaction_context()
        # thread_checkin adds a sleep(0) on every connection check-in, for
        # eventlet; API workers here are native threads or processes, and
        # the look-up is on every checked request.
        self._context.configure(thread_checkin=False, **db_conf)

        self._start_lock = threading.Lock()
        self._startup_retried = False
        self.schema_lock = threading.Lock()
        self._schema_ready = not (self._is_sqlite
                                  and group.auto_create_schema)
        self._sqlite_file = self._is_sqlite and self._url.database not in (
            None, '', ':memory:')
        self._reader_engine = None

    @property
    def safe_url(self):
        """The database URL with its password masked, for log lines."""
        return self._safe_url

    @property
    def is_sqlite(self):
        """True for a SQLite database (a local file, or memory)."""
        return self._is_sqlite

    @property
    def backend_name(self):
        """SQLAlchemy's name of the database (``postgresql``, ...)."""
        return self._url.get_backend_name()

    def dispose(self):
        """Close the pooled connections (the store stays usable)."""
        if self._context.is_started:
            self._context.dispose_pool()
        if self._reader_engine is not None:
            self._reader_engine.dispose()

    def upgrade_schema(self, engine):
        """Upgrade to head, accepting a concurrent upgrade by another."""
        try:
            migration.upgrade(engine)
        except (db_exc.DBError, sa_exc.SQLAlchemyError):
            # Another process may have created the schema at the same time
            # (SQLite runs DDL outside transactions): fine if it is done.
            if migration.version(engine) != migration.head():
                raise
            LOG.debug('Schema of %s upgraded concurrently', self._safe_url)
        self._schema_ready = True

    def _prepare_sqlite_directory(self):
        database = self._url.database
        if (not self._is_sqlite or not database or database == ':memory:'
                or self._url.query.get('uri')):
            return
        directory = os.path.dirname(os.path.abspath(database))
        if not os.path.isdir(directory):
            LOG.info('Creating directory %s for the deactivation state '
                     'database', directory)
            os.makedirs(directory, mode=0o750, exist_ok=True)

    def engine(self):
        """The started engine; the first call connects (with retries)."""
        if not self._context.is_started:
            with self._start_lock:
                if not self._context.is_started:
                    self._start()
        return self._context.writer.get_engine()

    def _start(self):
        self._prepare_sqlite_directory()
        try:
            self._context.writer.get_engine()
        except Exception:
            if not self._startup_retried:
                # oslo.db retried max_retries times for this first
                # connection; from now on fail fast and let the pool
                # reconnect when the database is back.
                self._startup_retried = True
                self._context.configure(max_retries=0)
            raise

    def _ready(self):
        engine = self.engine()
        if not self._schema_ready:
            with self.schema_lock:
                if not self._schema_ready:
                    self.upgrade_schema(engine)

    @contextlib.contextmanager
    def connection(self):
        """A reader connection for SQLAlchemy Core look-ups (no ORM).

        For a SQLite file, oslo.db's engine opens a new connection (and
        pings it) for every call (NullPool): look-ups, which run on every
        checked request, use an engine of their own that keeps one
        connection per thread instead.  Each look-up is its own short
        read transaction, so it sees every committed change.
        """
        self._ready()
        if self._sqlite_file:
            with self._sqlite_reader().connect() as connection:
                yield connection
            return
        with self._context.reader.connection.using(_Context()) as connection:
            yield connection

    def _sqlite_reader(self):
        if self._reader_engine is None:
            with self._start_lock:
                if self._reader_engine is None:
                    self._reader_engine = sa.create_engine(
                        self._url, poolclass=sa.pool.SingletonThreadPool,
                        pool_size=SQLITE_READER_THREADS)
        return self._reader_engine

    @contextlib.contextmanager
    def session(self, writer=False):
        """A reader (or writer) session: one transaction."""
        self._ready()
        manager = self._context.writer if writer else self._context.reader
        with manager.using(_Context()) as session:
            yield session
