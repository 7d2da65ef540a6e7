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
whether as an admin (the *hold*), the reason given and the image's owner.
Reactivating deletes the row.  The image service itself is never changed:
the filter overlays this state on its answers.

The history
-----------
Beside it, ``image_deactivation_events`` is the incident record: every
``deactivate()`` and ``reactivate()`` appends an event, also when nothing
changed (outcome ``no-op``); ``reactivate(lift_hold=False)``, for a caller
who may not lift a hold, leaves a held record in place and appends
``refused``; ``forget()`` appends ``deleted`` when a deactivated image is
deleted; ``append_event()`` appends any other event.  Events are never
updated or deleted, and outlive the image.  Each carries the caller
(``Actor``: user, project, roles, admin or not, request id), the reason,
the image's owner at the time and the hold in force after it.

A change of state and its ``changed`` event are written in one transaction,
and whether a call changes anything is decided inside that transaction:
``deactivate()`` inserts the record (a duplicate key means "already
deactivated": a ``no-op`` event instead), ``reactivate()`` deletes it (no
row deleted: a ``no-op`` event).  The record's row lock (or SQLite's single
writer) orders two actions on one image, and each takes its event's
sequence number after that lock, so the history, ordered by ``seq``, agrees
with the state: the last ``changed`` event of an image says whether it is
deactivated now, on every API node.  ``created_at`` is the writing node's
clock (microseconds, UTC) and may disagree between nodes; ``seq`` is the
order.  A ``no-op`` reflects the state its own transaction saw.

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
* A MySQL/MariaDB URL without a ``charset`` gets ``charset=utf8mb4``
  (oslo.db would otherwise connect with the 3-byte ``utf8``, and a reason
  may hold any Unicode character).
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

``deactivate()`` (and ``add()``, its short form for tools and tests) is
idempotent and safe under concurrent calls for the same id from many
processes: the loser of the primary-key race gets oslo.db's
``DBDuplicateEntry``, which is answered as "already deactivated" (a
``no-op``).  Writes are retried on a deadlock, a few times, briefly.
Invalid arguments (an id longer than ``MAX_IMAGE_ID_LENGTH``, a reason
longer than 255 characters, an unknown paging marker) raise ``ValueError``
before the database is asked.
"""

import contextlib
import datetime
import json
import os
import threading
import typing
import uuid

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
_EVENTS = models.ImageDeactivationEvent.__table__

# Actions and outcomes of events.
DEACTIVATE = 'deactivate'
REACTIVATE = 'reactivate'
DELETED = 'deleted'
ACTIONS = (DEACTIVATE, REACTIVATE, DELETED)
CHANGED = 'changed'
NO_OP = 'no-op'
REFUSED = 'refused'
MIGRATED = 'migrated'
OUTCOMES = (CHANGED, NO_OP, REFUSED, MIGRATED)

MAX_REASON_LENGTH = models.MAX_REASON_LENGTH

# How often deactivate() starts over when the record it found a moment
# before is gone (a concurrent reactivation): a bound, never reached in
# practice.
_RACE_ATTEMPTS = 10


class StoreUnavailable(Exception):
    """The state database cannot be reached.

    Connection refused, dropped or timed out, a lock wait timed out, or the
    schema is missing.  The original exception is the ``__cause__``.
    """


class Actor(typing.NamedTuple):
    """Who acts: what an event records of the caller.

    ``is_admin`` is whether the caller acted as an administrator (the
    action controller asks the ``image_deactivation:admin`` rule); a
    deactivation by an admin is *held*.  ``roles`` is a list of names.
    ``request_id`` is the id the host logged the request under (see
    ``glance_deactivate.context.request_id``).
    """

    user_id: str | None = None
    project_id: str | None = None
    roles: list | tuple = ()
    is_admin: bool = False
    request_id: str | None = None


class Event(typing.NamedTuple):
    """One event of an image's history.

    ``created_at`` is a timezone-aware ``datetime`` in UTC with
    microseconds; ``held`` is the hold in force after the event;
    ``quarantine_id`` is reserved (None).
    """

    id: str
    image_id: str
    action: str
    outcome: str
    created_at: datetime.datetime
    user_id: str | None
    project_id: str | None
    roles: list
    is_admin: bool
    request_id: str | None
    reason: str | None
    owner: str | None
    held: bool
    quarantine_id: str | None = None


class DeactivationRecord(typing.NamedTuple):
    """One deactivated image.

    ``deactivated_at`` is a timezone-aware ``datetime`` in UTC, whole
    seconds.  ``image_id`` is exact; ``case_folded`` marks a row written
    before ids were exact (see the module docstring).  ``event_id`` is the
    event that created the record (a ``changed`` or, for a record older
    than the history, a ``migrated`` one).  ``by_admin`` is the hold, also
    readable as ``held``.
    """

    image_id: str
    deactivated_at: datetime.datetime
    user_id: str | None
    project_id: str | None
    by_admin: bool
    case_folded: bool = False
    event_id: str | None = None
    reason: str | None = None
    owner: str | None = None

    @property
    def held(self) -> bool:
        """True when only an admin may lift it (it was made by one)."""
        return self.by_admin

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


def _reason(value):
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError('reason must be a string')
    if len(value) > MAX_REASON_LENGTH:
        raise ValueError('reason is longer than %d characters'
                         % MAX_REASON_LENGTH)
    return value


def _request_id(value):
    if value is None:
        return None
    value = str(value)
    if len(value) > models.MAX_REQUEST_ID_LENGTH:
        raise ValueError('request_id is longer than %d characters'
                         % models.MAX_REQUEST_ID_LENGTH)
    return value


def _now():
    """Now, in UTC, naive (as stored), with microseconds."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _stored_time(value, name):
    """An aware or naive (UTC) datetime as stored: naive UTC."""
    if not isinstance(value, datetime.datetime):
        raise ValueError('%s must be a datetime' % name)
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def _limit(limit):
    if limit is not None and (isinstance(limit, bool) or limit < 0):
        raise ValueError('limit must not be negative')
    return limit


def _utc(value):
    return value.replace(tzinfo=datetime.timezone.utc)


def _record(row):
    return DeactivationRecord(
        image_id=row.image_id,
        deactivated_at=_utc(row.deactivated_at),
        user_id=row.user_id,
        project_id=row.project_id,
        by_admin=bool(row.by_admin),
        case_folded=bool(row.case_folded),
        event_id=row.event_id,
        reason=row.reason,
        owner=row.owner)


def _event(row):
    """An Event from a row of the events table (or a dict of one)."""
    get = row.get if isinstance(row, dict) else row._mapping.get
    roles = get('roles')
    return Event(
        id=get('id'), image_id=get('image_id'), action=get('action'),
        outcome=get('outcome'), created_at=_utc(get('created_at')),
        user_id=get('user_id'), project_id=get('project_id'),
        roles=json.loads(roles) if roles else [],
        is_admin=bool(get('is_admin')), request_id=get('request_id'),
        reason=get('reason'), owner=get('owner'), held=bool(get('held')),
        quarantine_id=get('quarantine_id'))


def _event_row(image_id, action, outcome, actor, reason, owner, held,
               created_at=None):
    """A validated row for the events table; ValueError if it cannot be."""
    if action not in ACTIONS:
        raise ValueError('unknown action %r' % (action,))
    if outcome not in OUTCOMES:
        raise ValueError('unknown outcome %r' % (outcome,))
    image_id = str(image_id)
    if not _storable(image_id):
        raise ValueError('image id must be 1 to %d characters long'
                         % MAX_IMAGE_ID_LENGTH)
    actor = actor if actor is not None else Actor()
    return dict(
        id=str(uuid.uuid4()), image_id=image_id,
        lookup_key=images.lookup_key(image_id), action=action,
        outcome=outcome, created_at=created_at or _now(),
        user_id=_owner_id(actor.user_id, 'user_id'),
        project_id=_owner_id(actor.project_id, 'project_id'),
        roles=json.dumps([str(role) for role in actor.roles or ()]),
        is_admin=bool(actor.is_admin),
        request_id=_request_id(actor.request_id), reason=_reason(reason),
        owner=_owner_id(owner, 'owner'), held=bool(held),
        quarantine_id=None)


def _exact_or_folded(image_id):
    """The records that deactivate ``image_id``: its own, a folded one."""
    key = images.lookup_key(image_id)
    return sa.or_(
        _TABLE.c.image_id == image_id,
        sa.and_(_TABLE.c.lookup_key == key, _TABLE.c.image_id == key,
                _TABLE.c.case_folded == sa.true()))


class _Recorded(Exception):
    """Inside a write: a folded record already deactivates the image."""


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

    def list_records(self, owner: str | None = None,
                     deactivated_by: str | None = None,
                     held: bool | None = None,
                     since: datetime.datetime | None = None,
                     until: datetime.datetime | None = None,
                     limit: int | None = None,
                     marker: str | None = None) -> list[DeactivationRecord]:
        """The current records, newest first, filtered and paged.

        :param owner: only images of this owner (exact).
        :param deactivated_by: only records made by this user *or* project.
        :param held: only held (True) or only not held (False) records.
        :param since: only records with ``deactivated_at >= since``.
        :param until: only records with ``deactivated_at <= until``
            (``since``/``until``: aware datetimes, or naive ones in UTC).
        :param limit: at most this many records.
        :param marker: an image id: the records after that image's record
            in this order.
        :returns: records sorted by ``deactivated_at`` descending, then
            image id ascending (the database's comparison), in one query.
        :raises ValueError: for a negative limit, a time that is not a
            datetime, or a marker that is not a current record.
        """
        _limit(limit)
        query = sa.select(_TABLE)
        if owner is not None:
            query = query.where(_TABLE.c.owner == owner)
        if deactivated_by is not None:
            query = query.where(sa.or_(_TABLE.c.user_id == deactivated_by,
                                       _TABLE.c.project_id == deactivated_by))
        if held is not None:
            query = query.where(_TABLE.c.by_admin == bool(held))
        if since is not None:
            query = query.where(
                _TABLE.c.deactivated_at >= _stored_time(since, 'since'))
        if until is not None:
            query = query.where(
                _TABLE.c.deactivated_at <= _stored_time(until, 'until'))
        query = query.order_by(_TABLE.c.deactivated_at.desc(),
                               _TABLE.c.image_id.asc())
        if limit is not None:
            query = query.limit(limit)
        with self._guard('read'):
            with self._connection() as connection:
                if marker is not None:
                    query = query.where(self._after_record(connection,
                                                           marker))
                return [_record(row) for row in connection.execute(query)]

    def history(self, image_id: str | None = None,
                since: datetime.datetime | None = None,
                limit: int | None = None,
                marker: str | None = None) -> list[Event]:
        """Events, newest first (by ``seq``), in one query.

        :param image_id: only the events of exactly this image id (None:
            of every image).
        :param since: only events with ``created_at >= since`` (an aware
            datetime, or a naive one in UTC).
        :param limit: at most this many events.
        :param marker: an event id: the events older than that one.  It
            must be an event of ``image_id`` when one is given.
        :raises ValueError: for a negative limit, a ``since`` that is not a
            datetime, or an unknown marker.
        """
        _limit(limit)
        if since is not None:
            since = _stored_time(since, 'since')
        query = sa.select(_EVENTS)
        if image_id is not None:
            image_id = str(image_id)
            if not _storable(image_id):
                if marker is not None:
                    raise ValueError('marker %s is not an event of image %s'
                                     % (marker, image_id))
                return []
            query = query.where(
                _EVENTS.c.lookup_key == images.lookup_key(image_id),
                _EVENTS.c.image_id == image_id)
        if since is not None:
            query = query.where(_EVENTS.c.created_at >= since)
        query = query.order_by(_EVENTS.c.seq.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._guard('read'):
            with self._connection() as connection:
                if marker is not None:
                    seq = connection.execute(
                        sa.select(_EVENTS.c.seq, _EVENTS.c.image_id).where(
                            _EVENTS.c.id == str(marker))).first()
                    if seq is None or (image_id is not None and
                                       seq.image_id != image_id):
                        raise ValueError('marker %s is not a known event%s'
                                         % (marker, '' if image_id is None
                                            else ' of image %s' % image_id))
                    query = query.where(_EVENTS.c.seq < seq.seq)
                return [_event(row) for row in connection.execute(query)]

    def count(self) -> int:
        """How many images are deactivated."""
        query = sa.select(sa.func.count()).select_from(_Model)
        with self._guard('read'):
            with self._session() as session:
                return int(session.scalar(query))

    # Writes

    def deactivate(self, image_id: str, actor: Actor | None,
                   reason: str | None = None,
                   owner: str | None = None) -> tuple[bool, Event]:
        """Record ``image_id`` (exact) as deactivated by ``actor``, now.

        The record and a ``changed`` event are written in one transaction;
        if the image is already deactivated (its record exists, or a
        folded record applies to it) the record is left as it is and a
        ``no-op`` event is appended instead.  The record holds the image
        when ``actor.is_admin``; an admin's no-op sets the hold on a record
        that lacked it (an image its owner deactivated first), in the same
        transaction as its event, which then says ``held``.

        :returns: ``(changed, event)``.
        :raises ValueError: for an empty id, one longer than
            ``MAX_IMAGE_ID_LENGTH``, a reason longer than 255 characters or
            an id (user, project, owner, request) too long to store.
        """
        actor = actor if actor is not None else Actor()
        event = _event_row(image_id, DEACTIVATE, CHANGED, actor, reason,
                           owner, held=actor.is_admin)
        record = dict(
            image_id=event['image_id'], lookup_key=event['lookup_key'],
            case_folded=False,
            deactivated_at=event['created_at'].replace(microsecond=0),
            user_id=event['user_id'], project_id=event['project_id'],
            by_admin=event['is_admin'], event_id=event['id'],
            reason=event['reason'], owner=event['owner'])
        with self._guard('write'):
            changed, row = self._deactivate(record, event)
        LOG.debug('Deactivation of image %s %s (event %s)', row['image_id'],
                  'recorded' if changed else 'was already recorded',
                  row['id'])
        return changed, _event(row)

    def reactivate(self, image_id: str, actor: Actor | None,
                   reason: str | None = None, owner: str | None = None,
                   lift_hold: bool = True) -> tuple[bool, Event]:
        """Forget every record that deactivates ``image_id`` (reactivation).

        That is the record of exactly this id, and a ``case_folded`` one of
        its lower-case spelling.  The removal and a ``changed`` event are
        one transaction; with no record to remove, a ``no-op`` event is
        appended.

        :param lift_hold: False for a caller who may not lift the hold: a
            held record is then left in place and a ``refused`` event
            (``held`` true) is appended instead, decided in the same
            transaction, so that a hold set a moment after the caller's
            policy check still stands.
        :returns: ``(changed, event)``.
        :raises ValueError: as ``deactivate()``.
        """
        event = _event_row(image_id, REACTIVATE, CHANGED, actor, reason,
                           owner, held=False)
        with self._guard('write'):
            row = self._reactivate(event, lift_hold)
        changed = row['outcome'] == CHANGED
        LOG.debug('Deactivation record of image %s %s (event %s)',
                  row['image_id'], 'removed' if changed else 'did not exist',
                  row['id'])
        return changed, _event(row)

    def append_event(self, image_id: str, action: str, outcome: str,
                     actor: Actor | None, reason: str | None = None,
                     owner: str | None = None, held: bool = False) -> Event:
        """Append one event that changes no state (a refusal, say).

        :raises ValueError: for an unknown action or outcome, or a value
            that cannot be stored (see ``deactivate()``).
        """
        row = _event_row(image_id, action, outcome, actor, reason, owner,
                         held)
        with self._guard('write'):
            self._append(row)
        return _event(row)

    def add(self, image_id: str, user_id: str | None = None,
            project_id: str | None = None, by_admin: bool = False) -> bool:
        """``deactivate()`` for a caller known by these fields only.

        :returns: True if newly recorded, False if it already was.
        """
        changed, _event = self.deactivate(
            image_id, Actor(user_id, project_id, (), by_admin, None))
        return changed

    def remove(self, image_id: str) -> bool:
        """``reactivate()`` by an unknown caller (tools and tests).

        :returns: True if a record was removed, False if there was none
            (nothing is written for an id too long to be recorded).
        """
        if not _storable(images.lookup_key(str(image_id))):
            return False
        changed, _event = self.reactivate(image_id, None)
        return changed

    def forget(self, image_id: str, actor: Actor | None = None) -> bool:
        """Forget the record of exactly ``image_id`` (the image is gone).

        Records of other spellings of the id are left alone: they may be
        other images.  When a record is removed, a ``deleted`` event
        (carrying the record's owner, and ``actor``: the caller whose
        DELETE removed the image, or None when it is not known) is
        appended in the same transaction.

        :returns: True if a record was removed.
        """
        image_id = str(image_id)
        if not _storable(image_id):
            return False
        with self._guard('write'):
            owner = self._owner_of(image_id)
            if owner is False:
                return False
            row = _event_row(image_id, DELETED, CHANGED, actor, None, owner,
                             held=False)
            return self._forget(row)

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

    def _after_record(self, connection, image_id):
        """The condition "after the record of ``image_id``" for paging."""
        marker = connection.execute(
            sa.select(_TABLE.c.deactivated_at, _TABLE.c.image_id).where(
                _TABLE.c.image_id == str(image_id))).first()
        if marker is None:
            raise ValueError('marker %s is not a deactivated image'
                             % image_id)
        return sa.or_(
            _TABLE.c.deactivated_at < marker.deactivated_at,
            sa.and_(_TABLE.c.deactivated_at == marker.deactivated_at,
                    _TABLE.c.image_id > marker.image_id))

    def _owner_of(self, image_id):
        """The owner in the record of exactly ``image_id``; False: none."""
        query = sa.select(_TABLE.c.owner).where(_TABLE.c.image_id == image_id)
        with self._connection() as connection:
            row = connection.execute(query).first()
        return False if row is None else row.owner

    # Every write transaction below begins with a write: on SQLite a
    # transaction that began with a read cannot wait for another writer's
    # lock (SQLITE_BUSY at once, "database is locked"); elsewhere the
    # write takes the record's row lock before the event takes its seq.

    @oslo_db_api.wrap_db_retry(max_retries=10, retry_interval=0.05,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=_sqlite_busy)
    def _deactivate(self, record, event):
        image_id = record['image_id']
        applies = _exact_or_folded(image_id)
        for _attempt in range(_RACE_ATTEMPTS):
            try:
                with self._session(writer=True) as session:
                    session.execute(sa.insert(_TABLE).values(**record))
                    if image_id != record['lookup_key'] and session.execute(
                            sa.select(sa.func.count()).select_from(
                                _TABLE).where(applies, _TABLE.c.image_id !=
                                              image_id)).scalar():
                        # A folded record already deactivates this id.
                        raise _Recorded()
                    session.execute(sa.insert(_EVENTS).values(**event))
                return True, event
            except (db_exc.DBDuplicateEntry, _Recorded):
                pass
            # Already deactivated: a no-op event that takes the hold from
            # the record in the same statement (none if it is gone again).
            noop = dict(event, outcome=NO_OP)
            with self._session(writer=True) as session:
                if event['is_admin']:
                    # An admin's deactivation holds the image even when
                    # its owner had deactivated it first (the transaction
                    # begins with this write, which locks the record).
                    session.execute(sa.update(_TABLE).where(
                        applies, _TABLE.c.by_admin == sa.false()).values(
                            by_admin=True))
                if session.execute(self._noop_insert(noop, applies)).rowcount:
                    noop['held'] = bool(session.execute(
                        sa.select(_EVENTS.c.held).where(
                            _EVENTS.c.id == noop['id'])).scalar())
                    return False, noop
        raise db_exc.DBError('image %s changed state %d times while being '
                             'deactivated' % (image_id, _RACE_ATTEMPTS))

    def _noop_insert(self, event, applies):
        """INSERT a ``no-op`` event with the record's hold, if it exists.

        One statement: SQLite takes its write lock first; PostgreSQL locks
        the record (FOR UPDATE), MySQL/MariaDB's INSERT ... SELECT locks
        it by itself, so no reactivation can slip in between.
        """
        values = [sa.literal(event[column.name], type_=column.type)
                  for column in _EVENTS.columns
                  if column.name not in ('seq', 'held')]
        names = [column.name for column in _EVENTS.columns
                 if column.name not in ('seq', 'held')]
        source = sa.select(*values, _TABLE.c.by_admin).where(applies).limit(1)
        if self._url.get_backend_name() == 'postgresql':
            source = source.with_for_update()
        return sa.insert(_EVENTS).from_select(names + ['held'], source)

    @oslo_db_api.wrap_db_retry(max_retries=10, retry_interval=0.05,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=_sqlite_busy)
    def _reactivate(self, event, lift_hold):
        applies = _exact_or_folded(event['image_id'])
        with self._session(writer=True) as session:
            delete = sa.delete(_TABLE).where(applies)
            if not lift_hold:
                delete = delete.where(_TABLE.c.by_admin == sa.false())
            row = dict(event, outcome=CHANGED)
            if not session.execute(delete).rowcount:
                # Locked: a concurrent lift of the hold waits for this
                # transaction, or this one sees the record gone.
                held = not lift_hold and session.execute(
                    sa.select(_TABLE.c.image_id).where(
                        applies, _TABLE.c.by_admin == sa.true())
                    .with_for_update()).first() is not None
                row = dict(event, outcome=REFUSED if held else NO_OP,
                           held=held)
            session.execute(sa.insert(_EVENTS).values(**row))
        return row

    @oslo_db_api.wrap_db_retry(max_retries=10, retry_interval=0.05,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=_sqlite_busy)
    def _forget(self, event):
        with self._session(writer=True) as session:
            removed = session.execute(sa.delete(_TABLE).where(
                _TABLE.c.image_id == event['image_id'])).rowcount
            if removed:
                session.execute(sa.insert(_EVENTS).values(**event))
        return removed > 0

    @oslo_db_api.wrap_db_retry(max_retries=10, retry_interval=0.05,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=_sqlite_busy)
    def _append(self, event):
        with self._session(writer=True) as session:
            session.execute(sa.insert(_EVENTS).values(**event))

    @oslo_db_api.wrap_db_retry(max_retries=5, retry_interval=0.1,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=_sqlite_busy)
    def _update(self, statement):
        with self._session(writer=True) as session:
            return session.execute(statement).rowcount
