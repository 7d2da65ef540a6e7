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

"""The deactivation store's SQL statements (SQLAlchemy Core).

Builders of the statements and conditions that
``glance_deactivate.store.DeactivationStore`` runs: which records apply to
an image id (its own, or a ``case_folded`` one), the filtered listing of
current records and the history's query, the paging conditions after a
marker, and the single-statement ``no-op`` event insert.  Nothing here
opens a connection or a transaction: the store decides those; the marker
look-ups run on the connection they are given.
"""

import sqlalchemy as sa

from glance_deactivate.db import models
from glance_deactivate import images
from glance_deactivate import store_types

TABLE = models.ImageDeactivation.__table__
EVENTS = models.ImageDeactivationEvent.__table__


def exact_or_folded(image_id):
    """The records that deactivate ``image_id``: its own, a folded one."""
    key = images.lookup_key(image_id)
    return sa.or_(
        TABLE.c.image_id == image_id,
        sa.and_(TABLE.c.lookup_key == key, TABLE.c.image_id == key,
                TABLE.c.case_folded == sa.true()))


def records_query(owner, deactivated_by, held, since, until, limit):
    """The current records, filtered, newest first (see list_records)."""
    query = sa.select(TABLE)
    if owner is not None:
        query = query.where(TABLE.c.owner == owner)
    if deactivated_by is not None:
        query = query.where(sa.or_(TABLE.c.user_id == deactivated_by,
                                   TABLE.c.project_id == deactivated_by))
    if held is not None:
        query = query.where(TABLE.c.by_admin == bool(held))
    if since is not None:
        query = query.where(
            TABLE.c.deactivated_at >= store_types.stored_time(since,
                                                              'since'))
    if until is not None:
        query = query.where(
            TABLE.c.deactivated_at <= store_types.stored_time(until,
                                                              'until'))
    query = query.order_by(TABLE.c.deactivated_at.desc(),
                           TABLE.c.image_id.asc())
    if limit is not None:
        query = query.limit(limit)
    return query


def after_record(connection, image_id):
    """The condition "after the record of ``image_id``" for paging."""
    marker = connection.execute(
        sa.select(TABLE.c.deactivated_at, TABLE.c.image_id).where(
            TABLE.c.image_id == str(image_id))).first()
    if marker is None:
        raise ValueError('marker %s is not a deactivated image'
                         % image_id)
    return sa.or_(
        TABLE.c.deactivated_at < marker.deactivated_at,
        sa.and_(TABLE.c.deactivated_at == marker.deactivated_at,
                TABLE.c.image_id > marker.image_id))


def history_query(image_id, since, limit):
    """Events (of exactly ``image_id``, if not None), newest first."""
    query = sa.select(EVENTS)
    if image_id is not None:
        query = query.where(
            EVENTS.c.lookup_key == images.lookup_key(image_id),
            EVENTS.c.image_id == image_id)
    if since is not None:
        query = query.where(EVENTS.c.created_at >= since)
    query = query.order_by(EVENTS.c.seq.desc())
    if limit is not None:
        query = query.limit(limit)
    return query


def before_event(connection, marker, image_id):
    """The condition "older than event ``marker``" for paging."""
    seq = connection.execute(
        sa.select(EVENTS.c.seq, EVENTS.c.image_id).where(
            EVENTS.c.id == str(marker))).first()
    if seq is None or (image_id is not None and
                       seq.image_id != image_id):
        raise ValueError('marker %s is not a known event%s'
                         % (marker, '' if image_id is None
                            else ' of image %s' % image_id))
    return EVENTS.c.seq < seq.seq


def noop_insert(event, applies, backend_name):
    """INSERT a ``no-op`` event with the record's hold, if it exists.

    One statement: SQLite takes its write lock first; PostgreSQL locks
    the record (FOR UPDATE), MySQL/MariaDB's INSERT ... SELECT locks
    it by itself, so no reactivation can slip in between.
    """
    values = [sa.literal(event[column.name], type_=column.type)
              for column in EVENTS.columns
              if column.name not in ('seq', 'held')]
    names = [column.name for column in EVENTS.columns
             if column.name not in ('seq', 'held')]
    source = sa.select(*values, TABLE.c.by_admin).where(applies).limit(1)
    if backend_name == 'postgresql':
        source = source.with_for_update()
    return sa.insert(EVENTS).from_select(names + ['held'], source)
