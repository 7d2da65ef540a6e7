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

This module is the store's public face: ``DeactivationStore``, its
transactions and the mapping of database errors to ``StoreUnavailable``
(with the outage logging).  It composes three helpers: the value types,
event/outcome names and row conversions (``glance_deactivate.store_types``,
re-exported here), the engine, connection and session plumbing
(``glance_deactivate.store_engine``) and the SQL statement builders
(``glance_deactivate.store_queries``).

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

Content quarantines
-------------------
``create_quarantine()``, ``lift_quarantine()``, ``get_quarantine()``,
``list_quarantines()``, ``record_match()`` and ``matched_images()`` keep the
content quarantines (``glance_deactivate.quarantine``); their SQL is in
``glance_deactivate.store_quarantines``.  ``state()`` and ``state_among()``
are what a checked request asks: the records it needs *and* the live
quarantines, read in one statement (the quarantines themselves are cached
per store and read again only when another node changed them), so that a
request costs one database round trip whether or not a quarantine is live.

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
import typing

from oslo_config import cfg
from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from glance_deactivate.db import migration
from glance_deactivate.db import models
from glance_deactivate import images
from glance_deactivate import opts
from glance_deactivate import store_engine
from glance_deactivate import store_quarantines
from glance_deactivate import store_queries
from glance_deactivate import store_types

LOG = logging.getLogger(__name__)

# How many ids deactivated_among() puts in one IN (...) list.
IN_CHUNK_SIZE = 500

# The value types and names, importable from here (see store_types).
Actor = store_types.Actor
Event = store_types.Event
DeactivationRecord = store_types.DeactivationRecord
State = store_types.State
QuarantineExists = store_quarantines.QuarantineExists
QuarantineNotFound = store_quarantines.QuarantineNotFound
QuarantineLifted = store_quarantines.QuarantineLifted
MAX_IMAGE_ID_LENGTH = store_types.MAX_IMAGE_ID_LENGTH
MAX_REASON_LENGTH = store_types.MAX_REASON_LENGTH
DEACTIVATE = store_types.DEACTIVATE
REACTIVATE = store_types.REACTIVATE
DELETED = store_types.DELETED
ACTIONS = store_types.ACTIONS
CHANGED = store_types.CHANGED
NO_OP = store_types.NO_OP
REFUSED = store_types.REFUSED
MIGRATED = store_types.MIGRATED
OUTCOMES = store_types.OUTCOMES

_Model = models.ImageDeactivation
_TABLE = store_queries.TABLE
_EVENTS = store_queries.EVENTS

# How often deactivate() starts over when the record it found a moment
# before is gone (a concurrent reactivation): a bound, never reached in
# practice.
_RACE_ATTEMPTS = 10


class StoreUnavailable(Exception):
    """The state database cannot be reached.

    Connection refused, dropped or timed out, a lock wait timed out, or the
    schema is missing.  The original exception is the ``__cause__``.
    """


class _Recorded(Exception):
    """Inside a write: a folded record already deactivates the image."""


class DeactivationStore(object):
    """Deactivation records in the configured SQL database."""

    def __init__(self, conf):
        """Prepare a store; nothing connects before the first call.

        :param conf: a ``cfg.ConfigOpts`` on which
            ``glance_deactivate.opts.register_opts`` was called.
        :raises ValueError: if ``[image_deactivation] connection`` is unset
            or not a database URL.
        """
        self._db = store_engine.StoreEngine(conf)
        self._safe_url = self._db.safe_url
        self._healthy = True
        self._live = store_quarantines.LiveCache()

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
        return self._db.is_sqlite

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
        if not store_types.storable(key):
            return []
        query = sa.select(_TABLE).where(_TABLE.c.lookup_key == key)
        with self._guard('read'):
            with self._db.connection() as connection:
                return [store_types.record_from_row(row)
                        for row in connection.execute(query)]

    def get(self, image_id: str) -> DeactivationRecord | None:
        """The record that deactivates exactly ``image_id``, or None."""
        for record in self.find(image_id):
            if record.applies_to(str(image_id)):
                return record
        return None

    def state(self, image_id: str) -> State:
        """``find(image_id)`` and the live quarantines, in one statement.

        The records are read with the quarantines' state row; the live
        quarantines themselves come from the per-store cache unless that
        row says they changed (then one more statement reads them).
        """
        key = images.lookup_key(image_id)
        if not store_types.storable(key):
            key = None
        with self._guard('read'):
            with self._db.connection() as connection:
                rows = connection.execute(
                    store_quarantines.state_query(key)).all()
                live = self._live_from(connection, rows)
        records = [store_types.record_from_row(row) for row in rows
                   if row.image_id is not None]
        return State(records, live)

    def state_among(self, image_ids: typing.Iterable[str]
                    ) -> tuple[set, typing.Any]:
        """``deactivated_among(image_ids)`` and the live quarantines.

        One statement per ``IN_CHUNK_SIZE`` lookup keys (one for an empty
        list), each carrying the quarantines' state row; see ``state()``.
        """
        given = self._given_ids(image_ids)
        wanted = store_quarantines.lookup_keys(given)
        chunks = [wanted[start:start + IN_CHUNK_SIZE]
                  for start in range(0, len(wanted), IN_CHUNK_SIZE)] or [[]]
        rows = []
        with self._guard('read'):
            with self._db.connection() as connection:
                for chunk in chunks:
                    rows.extend(connection.execute(
                        store_quarantines.among_query(chunk)))
                live = self._live_from(connection, rows[:1])
        records = [row for row in rows if row.image_id is not None]
        return self._applying(given, records), live

    def live_quarantines(self):
        """The live quarantines (``quarantine.LiveQuarantines``)."""
        with self._guard('read'):
            with self._db.connection() as connection:
                rows = connection.execute(
                    store_quarantines.generation_query()).all()
                return self._live_from(connection, rows)

    def get_quarantine(self, quarantine_id: str):
        """The quarantine ``quarantine_id`` (live or lifted), or None."""
        if not store_quarantines.checked_id(quarantine_id):
            return None
        with self._guard('read'):
            with self._db.connection() as connection:
                row = connection.execute(
                    store_quarantines.get_query(quarantine_id)).first()
        return None if row is None else (
            store_quarantines.quarantine_from_row(row))

    def list_quarantines(self, live: bool | None = None,
                         limit: int | None = None,
                         marker: str | None = None) -> list:
        """Quarantines, newest first (then by id), filtered and paged.

        :param live: True: live ones only; False: lifted ones only.
        :param marker: a quarantine id: the ones after it in this order.
        :raises ValueError: a negative limit or an unknown marker.
        """
        store_types.checked_limit(limit)
        with self._guard('read'):
            with self._db.connection() as connection:
                marker_row = None
                if marker is not None:
                    marker_row = connection.execute(
                        store_quarantines.get_query(str(marker))).first() if (
                            store_quarantines.checked_id(marker)) else None
                    if marker_row is None:
                        raise ValueError('unknown marker %s' % marker)
                rows = connection.execute(store_quarantines.list_query(
                    live, limit, marker_row)).all()
        return [store_quarantines.quarantine_from_row(row) for row in rows]

    def matched_images(self, quarantine_id: str) -> list[str]:
        """The ids of the images recorded as matching a quarantine."""
        if not store_quarantines.checked_id(quarantine_id):
            return []
        with self._guard('read'):
            with self._db.connection() as connection:
                return [row.image_id for row in connection.execute(
                    store_quarantines.matched_query(quarantine_id))]

    def deactivated_among(self, image_ids: typing.Iterable[str]) -> set:
        """Which of ``image_ids`` are deactivated, compared exactly.

        :returns: the subset of the given ids (as given) that a record
            applies to.  One ``IN`` query per ``IN_CHUNK_SIZE`` distinct
            lookup keys, in one transaction; no query at all for an empty
            list.
        """
        given = self._given_ids(image_ids)
        wanted = store_quarantines.lookup_keys(given)
        if not wanted:
            return set()
        records = []
        with self._guard('read'):
            with self._db.connection() as connection:
                for start in range(0, len(wanted), IN_CHUNK_SIZE):
                    chunk = wanted[start:start + IN_CHUNK_SIZE]
                    query = sa.select(
                        _TABLE.c.image_id, _TABLE.c.case_folded).where(
                            _TABLE.c.lookup_key.in_(chunk))
                    records.extend(connection.execute(query))
        return self._applying(given, records)

    @staticmethod
    def _given_ids(image_ids):
        if isinstance(image_ids, (str, bytes)):
            raise TypeError('image_ids must be a collection of ids, '
                            'not a single id')
        return {str(image_id) for image_id in image_ids
                if image_id is not None}

    @staticmethod
    def _applying(given, records):
        """The ids of ``given`` that one of the record rows applies to."""
        return {image_id for image_id in given
                if any(images.same_image(row.image_id, image_id,
                                         row.case_folded)
                       for row in records)}

    def _live_from(self, connection, rows):
        """The live quarantines, from a row carrying the state columns."""
        row = rows[0] if rows else None
        try:
            return self._live.live(
                connection, None if row is None else row.generation,
                0 if row is None else row.live)
        except LookupError as e:
            raise db_exc.DBError(str(e))

    def list_ids(self, limit: int | None = None) -> list[str]:
        """All recorded ids, exact, sorted (at most ``limit``)."""
        if limit is not None and limit < 0:
            raise ValueError('limit must not be negative')
        query = sa.select(_Model.image_id).order_by(_Model.image_id)
        if limit is not None:
            query = query.limit(limit)
        with self._guard('read'):
            with self._db.session() as session:
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
        store_types.checked_limit(limit)
        if not store_types.searchable(marker):
            raise ValueError('unknown marker %r' % marker)
        if not store_types.searchable(owner, deactivated_by):
            return []
        query = store_queries.records_query(owner, deactivated_by, held,
                                            since, until, limit)
        with self._guard('read'):
            with self._db.connection() as connection:
                if marker is not None:
                    query = query.where(store_queries.after_record(
                        connection, marker))
                return [store_types.record_from_row(row)
                        for row in connection.execute(query)]

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
        store_types.checked_limit(limit)
        if since is not None:
            since = store_types.stored_time(since, 'since')
        if not store_types.searchable(marker):
            raise ValueError('unknown marker %r' % marker)
        if image_id is not None:
            image_id = str(image_id)
            if not store_types.storable(image_id):
                if marker is not None:
                    raise ValueError('marker %s is not an event of image %s'
                                     % (marker, image_id))
                return []
        query = store_queries.history_query(image_id, since, limit)
        with self._guard('read'):
            with self._db.connection() as connection:
                if marker is not None:
                    query = query.where(store_queries.before_event(
                        connection, marker, image_id))
                return [store_types.event_from_row(row)
                        for row in connection.execute(query)]

    def count(self) -> int:
        """How many images are deactivated."""
        query = sa.select(sa.func.count()).select_from(_Model)
        with self._guard('read'):
            with self._db.session() as session:
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
        event = store_types.event_row(image_id, DEACTIVATE, CHANGED, actor,
                                      reason, owner, held=actor.is_admin)
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
        return changed, store_types.event_from_row(row)

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
        event = store_types.event_row(image_id, REACTIVATE, CHANGED, actor,
                                      reason, owner, held=False)
        with self._guard('write'):
            row = self._reactivate(event, lift_hold)
        changed = row['outcome'] == CHANGED
        LOG.debug('Deactivation record of image %s %s (event %s)',
                  row['image_id'], 'removed' if changed else 'did not exist',
                  row['id'])
        return changed, store_types.event_from_row(row)

    def append_event(self, image_id: str, action: str, outcome: str,
                     actor: Actor | None, reason: str | None = None,
                     owner: str | None = None, held: bool = False,
                     quarantine_id: str | None = None) -> Event:
        """Append one event that changes no state (a refusal, say).

        :param quarantine_id: the content quarantine behind the event.
        :raises ValueError: for an unknown action or outcome, or a value
            that cannot be stored (see ``deactivate()``).
        """
        row = store_types.event_row(image_id, action, outcome, actor,
                                    reason, owner, held,
                                    quarantine_id=quarantine_id)
        with self._guard('write'):
            self._append(row)
        return store_types.event_from_row(row)

    def create_quarantine(self, content, actor: Actor | None, reason: str,
                          source_image_id: str | None = None):
        """Quarantine ``content`` (a ``quarantine.Content``), now.

        :returns: the new ``quarantine.Quarantine``.
        :raises QuarantineExists: a live quarantine has the same multihash
            or the same checksum (decided in the transaction).
        :raises ValueError: no hash, a bad hash, a missing or too long
            reason, or an id too long to store.
        """
        row = store_quarantines.new_row(content, actor, reason,
                                        source_image_id)
        with self._guard('write'):
            created = self._write(store_quarantines.create, row)
        LOG.info('Content quarantine %s created (%s)', created.id,
                 ', '.join('%s %s' % pair for pair in zip(
                     created.content._fields, created.content) if pair[1]))
        return created

    def lift_quarantine(self, quarantine_id: str, actor: Actor | None,
                        reason: str):
        """Lift a live quarantine, now.

        The lift and one ``reactivate`` event per image recorded as
        matching it are one transaction: ``changed``, or ``no-op`` for an
        image that stays deactivated (its own record, or another live
        quarantine it was found to match).

        :returns: ``(quarantine, [Event])``.
        :raises QuarantineNotFound: no quarantine has this id.
        :raises QuarantineLifted: it was lifted already.
        :raises ValueError: a missing or too long reason.
        """
        if not store_quarantines.checked_id(quarantine_id):
            raise QuarantineNotFound(quarantine_id)
        store_quarantines.checked_reason(reason)
        with self._guard('write'):
            lifted, rows = self._write(store_quarantines.lift,
                                       quarantine_id, actor, reason)
        LOG.info('Content quarantine %s lifted; %d image(s) matched it',
                 quarantine_id, len(rows))
        return lifted, [store_types.event_from_row(row) for row in rows]

    def record_match(self, found, image_id: str, owner: str | None,
                     actor: Actor | None) -> Event | None:
        """Record that ``image_id`` matches the live quarantine ``found``.

        The match and its ``deactivate``/``changed`` event (carrying the
        quarantine's id and reason; ``held``: an owner cannot reactivate
        it) are one transaction.

        :returns: the new event, or None when the match was recorded
            before or the quarantine is no longer live.
        """
        image_id = str(image_id)
        if not store_types.storable(image_id):
            return None
        try:
            with self._guard('write'):
                row = self._write(store_quarantines.record_match, found,
                                  image_id, owner, actor)
        except db_exc.DBDuplicateEntry:
            return None
        return None if row is None else store_types.event_from_row(row)

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
        if not store_types.storable(images.lookup_key(str(image_id))):
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
        if not store_types.storable(image_id):
            return False
        with self._guard('write'):
            owner = self._owner_of(image_id)
            if owner is False:
                return False
            row = store_types.event_row(image_id, DELETED, CHANGED, actor,
                                        None, owner, held=False)
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
        if not store_types.storable(key):
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
            with self._db.schema_lock:
                self._db.upgrade_schema(self._db.engine())

    def upgrade_schema(self, revision: str = 'head') -> str | None:
        """Upgrade the schema to ``revision`` (``db sync``).

        :returns: the revision the database is at afterwards.
        """
        with self._guard('schema upgrade'):
            with self._db.schema_lock:
                return migration.upgrade(self._db.engine(), revision)

    def schema_version(self) -> str | None:
        """The schema's revision, or None before any upgrade."""
        with self._guard('schema version'):
            return migration.version(self._db.engine())

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
        self._db.dispose()

    # Internals

    @contextlib.contextmanager
    def _guard(self, action):
        """Turn database errors into StoreUnavailable."""
        try:
            yield
        except db_exc.DBDuplicateEntry:
            raise
        except (db_exc.DBError, sa_exc.SQLAlchemyError, OSError) as exc:
            message = ('deactivation state database %s unavailable (%s): '
                       '%s' % (self._safe_url, action,
                               store_engine.one_line(exc)))
            self.report_outage(message)
            raise StoreUnavailable(message) from exc
        else:
            if not self._healthy:
                self._healthy = True
                LOG.info('Deactivation state database %s is available again',
                         self._safe_url)

    def _owner_of(self, image_id):
        """The owner in the record of exactly ``image_id``; False: none."""
        query = sa.select(_TABLE.c.owner).where(_TABLE.c.image_id == image_id)
        with self._db.connection() as connection:
            row = connection.execute(query).first()
        return False if row is None else row.owner

    # Every write transaction below begins with a write: on SQLite a
    # transaction that began with a read cannot wait for another writer's
    # lock (SQLITE_BUSY at once, "database is locked"); elsewhere the
    # write takes the record's row lock before the event takes its seq.

    @oslo_db_api.wrap_db_retry(max_retries=10, retry_interval=0.05,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=store_engine.sqlite_busy)
    def _deactivate(self, record, event):
        image_id = record['image_id']
        applies = store_queries.exact_or_folded(image_id)
        for _attempt in range(_RACE_ATTEMPTS):
            try:
                with self._db.session(writer=True) as session:
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
            with self._db.session(writer=True) as session:
                if event['is_admin']:
                    # An admin's deactivation holds the image even when
                    # its owner had deactivated it first (the transaction
                    # begins with this write, which locks the record).
                    session.execute(sa.update(_TABLE).where(
                        applies, _TABLE.c.by_admin == sa.false()).values(
                            by_admin=True))
                if session.execute(store_queries.noop_insert(
                        noop, applies, self._db.backend_name)).rowcount:
                    noop['held'] = bool(session.execute(
                        sa.select(_EVENTS.c.held).where(
                            _EVENTS.c.id == noop['id'])).scalar())
                    return False, noop
        raise db_exc.DBError('image %s changed state %d times while being '
                             'deactivated' % (image_id, _RACE_ATTEMPTS))

    @oslo_db_api.wrap_db_retry(max_retries=10, retry_interval=0.05,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=store_engine.sqlite_busy)
    def _reactivate(self, event, lift_hold):
        applies = store_queries.exact_or_folded(event['image_id'])
        with self._db.session(writer=True) as session:
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
                               exception_checker=store_engine.sqlite_busy)
    def _forget(self, event):
        with self._db.session(writer=True) as session:
            removed = session.execute(sa.delete(_TABLE).where(
                _TABLE.c.image_id == event['image_id'])).rowcount
            if removed:
                session.execute(sa.insert(_EVENTS).values(**event))
        return removed > 0

    @oslo_db_api.wrap_db_retry(max_retries=10, retry_interval=0.05,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=store_engine.sqlite_busy)
    def _append(self, event):
        with self._db.session(writer=True) as session:
            session.execute(sa.insert(_EVENTS).values(**event))

    @oslo_db_api.wrap_db_retry(max_retries=10, retry_interval=0.05,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=store_engine.sqlite_busy)
    def _write(self, write, *args):
        """``write(session, *args)`` in one write transaction."""
        with self._db.session(writer=True) as session:
            return write(session, *args)

    @oslo_db_api.wrap_db_retry(max_retries=5, retry_interval=0.1,
                               max_retry_interval=1, retry_on_deadlock=True,
                               exception_checker=store_engine.sqlite_busy)
    def _update(self, statement):
        with self._db.session(writer=True) as session:
            return session.execute(statement).rowcount
