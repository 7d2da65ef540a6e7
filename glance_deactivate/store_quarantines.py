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

"""The SQL of content quarantines, for ``DeactivationStore``.

Three tables (``glance_deactivate.db.models``): the quarantines, the one
state row and the matches.  What a checked request costs is decided here:

* :func:`state_query` and :func:`among_query` read the records a request
  needs *and* the state row (``generation``, ``live``) in one statement,
  an outer join from the one-row table; with no live quarantine that is
  all a request asks of the database, as before quarantines existed.
* :class:`LiveCache` keeps the live quarantines of a process, labelled
  with the generation they were read at.  A request that reads the same
  generation uses them as they are; a new generation (a quarantine or a
  lift on any API node) costs one more statement, once.

The writes (:func:`create`, :func:`lift`, :func:`record_match`) run inside
the store's write transactions; each begins with a write, which takes the
lock that orders them (the state row for a quarantine or a lift, the
quarantine's row for a match), so that a match recorded while its
quarantine is being lifted is either seen by the lift or not recorded.
"""

import threading
import uuid

import sqlalchemy as sa

from glance_deactivate.db import models
from glance_deactivate import images
from glance_deactivate import quarantine
from glance_deactivate import store_queries
from glance_deactivate import store_types

QUARANTINES = models.ImageQuarantine.__table__
STATE = models.ImageQuarantineState.__table__
MATCHES = models.ImageQuarantineMatch.__table__
RECORDS = store_queries.TABLE
EVENTS = store_queries.EVENTS

STATE_ID = 1


class QuarantineExists(Exception):
    """A live quarantine already holds this content (``.quarantine``)."""

    def __init__(self, existing):
        super(QuarantineExists, self).__init__(existing.id)
        self.quarantine = existing


class QuarantineNotFound(Exception):
    """No quarantine has this id."""


class QuarantineLifted(Exception):
    """The quarantine was lifted already (``.quarantine``)."""

    def __init__(self, lifted):
        super(QuarantineLifted, self).__init__(lifted.id)
        self.quarantine = lifted


def quarantine_from_row(row):
    def aware(value):
        return store_types.utc(value) if value is not None else None
    return quarantine.Quarantine(
        id=row.id,
        content=quarantine.Content(row.os_hash_algo, row.os_hash_value,
                                   row.checksum),
        reason=row.reason,
        created_at=aware(row.created_at),
        user_id=row.user_id,
        project_id=row.project_id,
        request_id=row.request_id,
        source_image_id=row.source_image_id,
        lifted_at=aware(row.lifted_at),
        lifted_by_user_id=row.lifted_by_user_id,
        lifted_by_project_id=row.lifted_by_project_id,
        lift_reason=row.lift_reason)


def _joined(condition, *columns):
    """The state row, outer-joined to the records that meet condition."""
    return sa.select(STATE.c.generation, STATE.c.live, *columns).select_from(
        STATE.outerjoin(RECORDS, condition)).where(STATE.c.id == STATE_ID)


def state_query(lookup_key):
    """One statement: the state row and every record under a lookup key."""
    return _joined(RECORDS.c.lookup_key == lookup_key,
                   *[column for column in RECORDS.c])


def among_query(lookup_keys):
    """One statement: the state row and the records of these lookup keys."""
    return _joined(RECORDS.c.lookup_key.in_(lookup_keys),
                   RECORDS.c.image_id, RECORDS.c.case_folded)


def generation_query():
    return sa.select(STATE.c.generation, STATE.c.live).where(
        STATE.c.id == STATE_ID)


def live_rows_query():
    return sa.select(QUARANTINES).where(QUARANTINES.c.lifted_at.is_(None))


class LiveCache(object):
    """The live quarantines of one store, by generation."""

    def __init__(self):
        self._cached = quarantine.NONE_LIVE
        self._lock = threading.Lock()

    def live(self, connection, generation, count):
        """The live quarantines at ``generation`` (``count`` of them).

        Reads them with ``connection`` only when the cached ones are of
        another generation.
        """
        if generation is None:
            # No state row: a schema without the quarantine tables' row.
            raise LookupError('the image_quarantine_state row is missing; '
                              'run glance-deactivate-manage db sync')
        if not count:
            return quarantine.NONE_LIVE
        cached = self._cached
        if cached.generation == generation:
            return cached
        fresh = quarantine.LiveQuarantines(
            [quarantine_from_row(row)
             for row in connection.execute(live_rows_query())],
            generation=generation)
        with self._lock:
            self._cached = fresh
        return fresh


def checked_reason(reason):
    """A quarantine's or a lift's reason: required, at most 255 chars."""
    reason = store_types.checked_reason(reason)
    if reason is None or not reason.strip():
        raise ValueError('a reason is required')
    return reason


def checked_id(quarantine_id):
    """True for a string that can be a quarantine id."""
    return (isinstance(quarantine_id, str) and
            0 < len(quarantine_id) <= models.EVENT_ID_LENGTH and
            store_types.searchable(quarantine_id))


def _bump(session, live_delta):
    session.execute(sa.update(STATE).where(STATE.c.id == STATE_ID).values(
        generation=STATE.c.generation + 1,
        live=STATE.c.live + live_delta))


def _same_content(content):
    alike = []
    if content.os_hash_value:
        alike.append(sa.and_(
            QUARANTINES.c.os_hash_algo == content.os_hash_algo,
            QUARANTINES.c.os_hash_value == content.os_hash_value))
    if content.checksum:
        alike.append(QUARANTINES.c.checksum == content.checksum)
    return sa.and_(QUARANTINES.c.lifted_at.is_(None), sa.or_(*alike))


def new_row(content, actor, reason, source_image_id):
    """A validated row for ``image_quarantines``; ValueError if not."""
    if not isinstance(content, quarantine.Content) or not content:
        raise ValueError('a content (a hash) is required')
    content = quarantine.check_content(
        content.os_hash_algo, content.os_hash_value, content.checksum)
    actor = actor if actor is not None else store_types.Actor()
    if source_image_id is not None:
        source_image_id = str(source_image_id)
        if not store_types.storable(source_image_id):
            raise ValueError('image id must be 1 to %d characters long'
                             % models.MAX_IMAGE_ID_LENGTH)
    return dict(
        id=str(uuid.uuid4()), os_hash_algo=content.os_hash_algo,
        os_hash_value=content.os_hash_value, checksum=content.checksum,
        reason=checked_reason(reason), created_at=store_types.now(),
        user_id=store_types.owner_id(actor.user_id, 'user_id'),
        project_id=store_types.owner_id(actor.project_id, 'project_id'),
        request_id=store_types.checked_request_id(actor.request_id),
        source_image_id=source_image_id)


def create(session, row):
    """Insert the quarantine ``row`` unless its content is held already.

    :raises QuarantineExists: a live quarantine has the same multihash or
        the same checksum (read after the state row's lock).
    """
    _bump(session, 1)
    content = quarantine.Content(row['os_hash_algo'], row['os_hash_value'],
                                 row['checksum'])
    existing = session.execute(sa.select(QUARANTINES).where(
        _same_content(content)).order_by(QUARANTINES.c.created_at)).first()
    if existing is not None:
        raise QuarantineExists(quarantine_from_row(existing))
    session.execute(sa.insert(QUARANTINES).values(**row))
    return quarantine_from_row(_Row(row, lifted_at=None,
                                    lifted_by_user_id=None,
                                    lifted_by_project_id=None,
                                    lift_reason=None))


def lift(session, quarantine_id, actor, reason):
    """Lift a live quarantine; the reactivate events of its images.

    :returns: ``(Quarantine, [event rows])``: one ``reactivate`` event per
        image recorded as matching it: ``changed``, or ``no-op`` when the
        image stays deactivated by its own record or by another live
        quarantine it was found to match.
    :raises QuarantineNotFound: no such quarantine.
    :raises QuarantineLifted: it was lifted already.
    """
    actor = actor if actor is not None else store_types.Actor()
    reason = checked_reason(reason)
    lifted_at = store_types.now()
    changes = dict(
        lifted_at=lifted_at,
        lifted_by_user_id=store_types.owner_id(actor.user_id, 'user_id'),
        lifted_by_project_id=store_types.owner_id(actor.project_id,
                                                  'project_id'),
        lift_reason=reason)
    updated = session.execute(sa.update(QUARANTINES).where(
        QUARANTINES.c.id == quarantine_id,
        QUARANTINES.c.lifted_at.is_(None)).values(**changes)).rowcount
    row = session.execute(sa.select(QUARANTINES).where(
        QUARANTINES.c.id == quarantine_id)).first()
    if row is None:
        raise QuarantineNotFound(quarantine_id)
    if not updated:
        raise QuarantineLifted(quarantine_from_row(row))
    _bump(session, -1)
    events = []
    matched = session.execute(sa.select(
        MATCHES.c.image_id, MATCHES.c.owner).where(
            MATCHES.c.quarantine_id == quarantine_id).order_by(
                MATCHES.c.found_at, MATCHES.c.image_id)).all()
    for image_id, owner in matched:
        record = session.execute(sa.select(RECORDS.c.by_admin).where(
            store_queries.exact_or_folded(image_id))).first()
        other = session.execute(sa.select(MATCHES.c.quarantine_id).join(
            QUARANTINES, QUARANTINES.c.id == MATCHES.c.quarantine_id).where(
                MATCHES.c.image_id == image_id,
                MATCHES.c.quarantine_id != quarantine_id,
                QUARANTINES.c.lifted_at.is_(None))).first()
        still = record is not None or other is not None
        event = store_types.event_row(
            image_id, store_types.REACTIVATE,
            store_types.NO_OP if still else store_types.CHANGED, actor,
            reason, owner,
            held=bool(record is not None and record.by_admin) or (
                other is not None),
            created_at=lifted_at, quarantine_id=quarantine_id)
        session.execute(sa.insert(EVENTS).values(**event))
        events.append(event)
    return quarantine_from_row(row), events


def record_match(session, found, image_id, owner, actor, request_id=None):
    """Record that ``image_id`` matches the quarantine ``found``.

    :returns: the event row, or None when the quarantine is no longer
        live.  A match recorded before raises oslo.db's
        ``DBDuplicateEntry`` (the caller answers None).
    """
    # Lock the quarantine's row first: a concurrent lift either sees this
    # match or makes it a no-op here.
    live = session.execute(sa.update(QUARANTINES).where(
        QUARANTINES.c.id == found.id,
        QUARANTINES.c.lifted_at.is_(None)).values(
            id=QUARANTINES.c.id)).rowcount
    if not live:
        return None
    found_at = store_types.now()
    session.execute(sa.insert(MATCHES).values(
        quarantine_id=found.id, image_id=image_id, found_at=found_at,
        owner=store_types.owner_id(owner, 'owner')))
    event = store_types.event_row(
        image_id, store_types.DEACTIVATE, store_types.CHANGED, actor,
        found.reason, owner, held=True, created_at=found_at,
        quarantine_id=found.id)
    session.execute(sa.insert(EVENTS).values(**event))
    return event


def list_query(live, limit, marker_row):
    query = sa.select(QUARANTINES)
    if live is True:
        query = query.where(QUARANTINES.c.lifted_at.is_(None))
    elif live is False:
        query = query.where(QUARANTINES.c.lifted_at.is_not(None))
    if marker_row is not None:
        query = query.where(sa.or_(
            QUARANTINES.c.created_at < marker_row.created_at,
            sa.and_(QUARANTINES.c.created_at == marker_row.created_at,
                    QUARANTINES.c.id > marker_row.id)))
    query = query.order_by(QUARANTINES.c.created_at.desc(),
                           QUARANTINES.c.id.asc())
    if limit is not None:
        query = query.limit(limit)
    return query


def get_query(quarantine_id):
    return sa.select(QUARANTINES).where(QUARANTINES.c.id == quarantine_id)


def matched_query(quarantine_id):
    return sa.select(MATCHES.c.image_id).where(
        MATCHES.c.quarantine_id == quarantine_id).order_by(
            MATCHES.c.found_at, MATCHES.c.image_id)


def lookup_keys(image_ids):
    """The storable lookup keys of ``image_ids``, sorted, distinct."""
    return sorted({key for key in map(images.lookup_key, image_ids)
                   if store_types.storable(key)})


class _Row(object):
    """Attribute access to a dict, as a result row gives it."""

    def __init__(self, values, **more):
        self.__dict__.update(values)
        self.__dict__.update(more)
