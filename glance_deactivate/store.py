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

"""The deactivation state store: which images are deactivated, in SQL.

The state is one table, ``image_deactivations`` (see
``glance_deactivate.db.models``): a row per deactivated image with the image
id as primary key, when it was deactivated (UTC), by which user and project,
and whether as an admin.  Reactivating deletes the row.  The image service
itself is never changed: the filter overlays this state on its answers.

Image ids are exact
-------------------
A record holds the image id exactly as the image service reported it, and
only a record whose id is that very id applies to an image (see
``glance_deactivate.images``): on PostgreSQL and SQLite, ``ABC...`` and
``abc...`` are two images.  Records are *found* by a case-folded
``lookup_key``, so that a caller can over-match (a spelling that a
case-insensitive Glance database would serve) and then confirm with the
image service.  Rows written before ids were exact are ``case_folded``:
their id is lower-cased and they apply to every spelling, until an image
is created under another spelling of the same id (which proves the two are
distinct images; the row is then pinned to its own spelling).  The key is
64 characters wide: a longer id can never be stored, so look-ups treat it
as not deactivated (without asking the database) and ``add()`` refuses it
with ``ValueError``.

Configuration
-------------
The store reads the ``[image_deactivation]`` group registered by
``glance_deactivate.opts.register_opts`` (a copy of oslo.db's database
options) and configures its own oslo.db ``enginefacade`` transaction context
from it, once, before first use.  Each store owns its context, so several
stores with different databases can live in one process; nothing is read
from Glance's ``[database]`` group.

* Nothing connects until the first call.  For a ``sqlite:`` file URL the
  parent directory is created then (mode 0750) if missing, and, when
  ``auto_create_schema`` is true (the default), the migrations are run
  (``ensure_schema()``).  Other databases need
  ``glance-deactivate-manage db sync``.
* ``max_retries`` and ``retry_interval`` keep oslo.db's meaning and defaults
  (10 attempts, 10 seconds apart) and apply to the *first* connection only:
  the first call made while the database is down can wait up to
  ``max_retries * retry_interval`` seconds (100 s by default) before
  ``StoreUnavailable``.  oslo.db retries only errors it recognises as
  "cannot connect": MySQL's are; a refused PostgreSQL connection, as current
  libpq words it, fails at once.  After that first attempt every call fails
  fast: a dropped database raises ``StoreUnavailable`` as soon as the driver
  reports it, and the pool reconnects by itself when the database is back.
  Set ``max_retries = 0`` for a store that never waits at start-up.
* A database host that drops packets (rather than refusing connections)
  makes each attempt last as long as the driver's connect timeout: PyMySQL
  waits 10 s by default, psycopg2 as long as the OS does (minutes).  Bound it
  with ``connection_parameters = connect_timeout=5`` (both drivers accept
  it).  ``pool_timeout`` (SQLAlchemy's default: 30 s) bounds the wait for a
  free pooled connection.

Errors
------
Every database error raised by the public methods, whether the database is
unreachable, the connection dropped, a lock timed out or the schema is
missing, comes out as ``StoreUnavailable`` with the original exception as
``__cause__``; raw SQLAlchemy and oslo.db exceptions never escape.  The
first failure after a success is logged at WARNING, the recovery at INFO.

``add()`` is idempotent and safe under concurrent adds of the same id from
many processes: the loser of the primary-key race gets oslo.db's
``DBDuplicateEntry``, which is answered as "already deactivated" (False).
Writes are retried on a deadlock, a few times, briefly.
"""

import contextlib
import datetime
import os
import threading
import typing

from oslo_config import cfg
from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from glance_deactivate.db import migration
from glance_deactivate.db import models
from glance_deactivate import images
from glance_deactivate import opts

LOG = logging.getLogger(__name__)

# How many ids deactivated_among() puts in one IN (...) list.
IN_CHUNK_SIZE = 500

# Threads whose SQLite look-up connection is kept open.
SQLITE_READER_THREADS = 16

MAX_IMAGE_ID_LENGTH = models.MAX_IMAGE_ID_LENGTH

# The options of our group that configure the enginefacade (oslo.db's).
_DB_OPTION_NAMES = tuple(opt.dest for opt in opts.database_opts)

_Model = models.ImageDeactivation
_TABLE = _Model.__table__


class StoreUnavailable(Exception):
    """The state database cannot be reached.

    Connection refused, dropped or timed out, a lock wait timed out, or the
    schema is missing.  The original exception is the ``__cause__``.
    """


class DeactivationRecord(typing.NamedTuple):
    """One deactivated image.

    ``deactivated_at`` is a timezone-aware ``datetime`` in UTC, whole
    seconds.  ``image_id`` is exact; ``case_folded`` marks a row written
    before ids were exact (see the module docstring).
    """

    image_id: str
    deactivated_at: datetime.datetime
    user_id: str | None
    project_id: str | None
    by_admin: bool
    case_folded: bool = False

    def applies_to(self, image_id: str) -> bool:
        """True when this record deactivates the image ``image_id``."""
        return images.same_image(self.image_id, image_id, self.case_folded)


def _storable(image_id):
    return 0 < len(image_id) <= MAX_IMAGE_ID_LENGTH


def _owner_id(value, name):
    if value is None:
        return None
    value = str(value)
    if len(value) > models.MAX_OWNER_ID_LENGTH:
        raise ValueError('%s is longer than %d characters'
                         % (name, models.MAX_OWNER_ID_LENGTH))
    return value


def _record(row):
    return DeactivationRecord(
        image_id=row.image_id,
        deactivated_at=row.deactivated_at.replace(
            tzinfo=datetime.timezone.utc),
        user_id=row.user_id,
        project_id=row.project_id,
        by_admin=bool(row.by_admin),
        case_folded=bool(row.case_folded))


def _one_line(exc):
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


def _sqlite_busy(exc):
    """SQLite's "database is locked": another writer, worth a retry."""
    return 'database is locked' in str(exc)


class _Context(object):
    """A throw-away context object for ``enginefacade`` ``using()``."""


class DeactivationStore(object):
    """Deactivation records in the configured SQL database."""

    def __init__(self, conf):
        """Prepare a store; nothing connects before the first call.

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
        self._schema_lock = threading.Lock()
        self._schema_ready = not (self._is_sqlite
                                  and group.auto_create_schema)
        self._healthy = True
        self._sqlite_file = self._is_sqlite and self._url.database not in (
            None, '', ':memory:')
        self._reader_engine = None

    @classmethod
    def from_url(cls, url, **db_overrides):
        """A store for ``url``, with its own private configuration.

        :param db_overrides: values for other ``[image_deactivation]``
            options, e.g. ``max_retries=0`` or ``auto_create_schema=False``.
        """
        conf = cfg.ConfigOpts()
        opts.register_opts(conf)
        conf(args=[], default_config_files=[], default_config_dirs=[])
        conf.set_override('connection', url, group=opts.GROUP)
        for name, value in db_overrides.items():
            conf.set_override(name, value, group=opts.GROUP)
        return cls(conf)

    @property
    def safe_url(self) -> str:
        """The database URL with its password masked, for log lines."""
        return self._safe_url

    @property
    def is_sqlite(self):
        """True for a SQLite database (a local file, or memory)."""
        return self._is_sqlite

    def __repr__(self):
        return '<%s %s>' % (type(self).__name__, self._safe_url)

    # Reads

    def find(self, image_id: str) -> list[DeactivationRecord]:
        """Every record under the lookup key of ``image_id`` (any case).

        This over-matches on purpose: a caller that blocks may act on it
        (a case-insensitive Glance database serves ``ABC...`` as
        ``abc...``), a caller that permits or changes state must confirm
        the exact id with the image service and use
        ``DeactivationRecord.applies_to``.
        """
        key = images.lookup_key(image_id)
        if not _storable(key):
            return []
        query = sa.select(_TABLE).where(_TABLE.c.lookup_key == key)
        with self._guard('read'):
            with self._connection() as connection:
                return [_record(row) for row in connection.execute(query)]

    def get(self, image_id: str) -> DeactivationRecord | None:
        """The record that deactivates exactly ``image_id``, or None."""
        for record in self.find(image_id):
            if record.applies_to(str(image_id)):
                return record
        return None

    def deactivated_among(self, image_ids: typing.Iterable[str]) -> set:
        """Which of ``image_ids`` are deactivated, compared exactly.

        :returns: the subset of the given ids (as given) that a record
            applies to.  One ``IN`` query per ``IN_CHUNK_SIZE`` distinct
            lookup keys, in one transaction; no query at all for an empty
            list.
        """
        if isinstance(image_ids, (str, bytes)):
            raise TypeError('image_ids must be a collection of ids, '
                            'not a single id')
        given = {str(image_id) for image_id in image_ids
                 if image_id is not None}
        wanted = sorted({key for key in map(images.lookup_key, given)
                         if _storable(key)})
        if not wanted:
            return set()
        records = []
        with self._guard('read'):
            with self._connection() as connection:
                for start in range(0, len(wanted), IN_CHUNK_SIZE):
                    chunk = wanted[start:start + IN_CHUNK_SIZE]
                    query = sa.select(
                        _TABLE.c.image_id, _TABLE.c.case_folded).where(
                            _TABLE.c.lookup_key.in_(chunk))
                    records.extend(connection.execute(query))
        return {image_id for image_id in given
                if any(images.same_image(row.image_id, image_id,
                                         row.case_folded)
                       for row in records)}

    def list_ids(self, limit: int | None = None) -> list[str]:
        """All recorded ids, exact, sorted (at most ``limit``)."""
        if limit is not None and limit < 0:
            raise ValueError('limit must not be negative')
        query = sa.select(_Model.image_id).order_by(_Model.image_id)
        if limit is not None:
            query = query.limit(limit)
        with self._guard('read'):
            with self._session() as session:
                ids = list(session.scalars(query))
        return sorted(ids)

    def list_records(self) -> list[DeactivationRecord]:
        """Every record, sorted by image id, in one query."""
        query = sa.select(_TABLE).order_by(_TABLE.c.image_id)
        with self._guard('read'):
            with self._connection() as connection:
                records = [_record(row) for row in connection.execute(query)]
        return sorted(records, key=lambda record: record.image_id)

    def count(self) -> int:
        """How many images are deactivated."""
        query = sa.select(sa.func.count()).select_from(_Model)
        with self._guard('read'):
            with self._session() as session:
                return int(session.scalar(query))

    # Writes

    def add(self, image_id: str, user_id: str | None = None,
            project_id: str | None = None, by_admin: bool = False) -> bool:
        """Record ``image_id`` (exact) as deactivated, now.

        :returns: True if newly recorded, False if it already was (the
            existing record is left as it is).
        :raises ValueError: for an empty id, one longer than
            ``MAX_IMAGE_ID_LENGTH``, or a user/project id too long to store.
        """
        image_id = str(image_id)
        if not _storable(image_id):
            raise ValueError('image id must be 1 to %d characters long'
                             % MAX_IMAGE_ID_LENGTH)
        row = dict(
            image_id=image_id,
            lookup_key=images.lookup_key(image_id),
            case_folded=False,
            deactivated_at=datetime.datetime.now(
                datetime.timezone.utc).replace(microsecond=0, tzinfo=None),
            user_id=_owner_id(user_id, 'user_id'),
            project_id=_owner_id(project_id, 'project_id'),
            by_admin=bool(by_admin))
        with self._guard('write'):
            try:
                added = self._insert(row)
            except db_exc.DBDuplicateEntry:
                # Another process recorded it between our look-up and our
                # insert: the image is deactivated, which is what was asked.
                added = False
        LOG.debug('Deactivation of image %s %s', image_id,
                  'recorded' if added else 'was already recorded')
        return added

    def remove(self, image_id: str) -> bool:
        """Forget every record that deactivates ``image_id`` (reactivation).

        That is the record of exactly this id, and a ``case_folded`` one of
        its lower-case spelling.

        :returns: True if a record was removed, False if there was none.
        """
        image_id = str(image_id)
        key = images.lookup_key(image_id)
        if not _storable(key):
            return False
        condition = sa.or_(
            _Model.image_id == image_id,
            sa.and_(_Model.lookup_key == key, _Model.image_id == key,
                    _Model.case_folded == sa.true()))
        with self._guard('write'):
            removed = self._delete(condition)
        LOG.debug('Deactivation record of image %s %s', image_id,
                  'removed' if removed else 'did not exist')
        return removed

    def forget(self, image_id: str) -> bool:
        """Forget the record of exactly ``image_id`` (the image is gone).

        Records of other spellings of the id are left alone: they may be
        other images.

        :returns: True if a record was removed.
        """
        image_id = str(image_id)
        if not _storable(image_id):
            return False
        with self._guard('write'):
            return self._delete(_Model.image_id == image_id)

    def pin_spellings(self, image_id: str) -> int:
        """An image ``image_id`` was just created: pin folded records.

        A ``case_folded`` record of another spelling of the same id cannot
        be this new image's, so from now on it applies to its own spelling
        only.

        :returns: how many records were pinned.
        """
        image_id = str(image_id)
        key = images.lookup_key(image_id)
        if not _storable(key):
            return 0
        query = sa.update(_Model).where(
            _Model.lookup_key == key, _Model.image_id != image_id,
            _Model.case_folded == sa.true()).values(case_folded=False)
        with self._guard('write'):
            return self._update(query)

    # Schema and life cycle

    def ensure_schema(self) -> None:
        """Bring the schema up to date (alembic upgrade head).

        Run by the store itself before the first use of a SQLite database
        when ``auto_create_schema`` is set; safe to call again, and safe when
        several processes do it at once.
        """
        with self._guard('schema upgrade'):
            with self._schema_lock:
                self._upgrade_schema(self._engine())

    def upgrade_schema(self, revision: str = 'head') -> str | None:
        """Upgrade the schema to ``revision`` (``db sync``).

        :returns: the revision the database is at afterwards.
        """
        with self._guard('schema upgrade'):
            with self._schema_lock:
                return migration.upgrade(self._engine(), revision)

    def schema_version(self) -> str | None:
        """The schema's revision, or None before any upgrade."""
        with self._guard('schema version'):
            return migration.version(self._engine())

    def report_outage(self, message: str) -> None:
        """Count a failed call in the health state (logged once per outage).

        The first failure after a success is a WARNING, later ones DEBUG;
        the next success logs the recovery at INFO.  Also called by
        ``BoundedStore`` when a call misses its deadline.
        """
        if self._healthy:
            self._healthy = False
            LOG.warning('%s', message)
        else:
            LOG.debug('%s', message)

    def dispose(self):
        """Close the pooled connections (the store stays usable)."""
        if self._context.is_started:
            self._context.dispose_pool()
        if self._reader_engine is not None:
            self._reader_engine.dispose()

    # Internals

    def _upgrade_schema(self, engine):
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

    def _engine(self):
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
        engine = self._engine()
        if not self._schema_ready:
            with self._schema_lock:
                if not self._schema_ready:
                    self._upgrade_schema(engine)

    @contextlib.contextmanager
    def _connection(self):
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
    def _session(self, writer=False):
        self._ready()
        manager = self._context.writer if writer else self._context.reader
        with manager.using(_Context()) as session:
            yield session

    @contextlib.contextmanager
    def _guard(self, action):
        """Turn database errors into StoreUnavailable."""
        try:
            yield
        except db_exc.DBDuplicateEntry:
            raise
        except (db_exc.DBError, sa_exc.SQLAlchemyError, OSError) as exc:
            message = ('deactivation state database %s unavailable (%s): '
                       '%s' % (self._safe_url, action, _one_line(exc)))
            self.report_outage(message)
            raise StoreUnavailable(message) from exc
        else:
            if not self._healthy:
                self._healthy = True
                LOG.info('Deactivation state database %s is available again',
                         self._safe_url)

    @oslo_db_api.wrap_db_retry(max_retries=5, retry_interval=0.1,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=_sqlite_busy)
    def _insert(self, row):
        # The look-up runs in a transaction of its own: a SQLite write
        # transaction that began with a read cannot wait for another
        # writer's lock (SQLITE_BUSY at once, "database is locked").
        with self._session() as session:
            if session.get(_Model, row['image_id']) is not None:
                return False
        with self._session(writer=True) as session:
            session.add(_Model(**row))
            session.flush()
        return True

    @oslo_db_api.wrap_db_retry(max_retries=5, retry_interval=0.1,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=_sqlite_busy)
    def _delete(self, condition):
        with self._session(writer=True) as session:
            result = session.execute(sa.delete(_Model).where(condition))
            return result.rowcount > 0

    @oslo_db_api.wrap_db_retry(max_retries=5, retry_interval=0.1,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=_sqlite_busy)
    def _update(self, statement):
        with self._session(writer=True) as session:
            return session.execute(statement).rowcount
