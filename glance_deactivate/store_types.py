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

"""The deactivation store's value types and row conversions.

``Actor`` (who acts), ``Event`` (one event of an image's history) and
``DeactivationRecord`` (one deactivated image) are the plain typed tuples
that ``glance_deactivate.store.DeactivationStore`` returns; the action and
outcome names of events are defined here.  The functions below check the
values a caller passes (ids, reason, times, limits), build the validated
row of an event, and turn database rows back into these tuples.  No
database is asked here: this module sees only values.

Import these names from ``glance_deactivate.store``, which re-exports them.
"""

import datetime
import json
import typing
import uuid

from glance_deactivate.db import models
from glance_deactivate import images

MAX_IMAGE_ID_LENGTH = models.MAX_IMAGE_ID_LENGTH

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
    ``quarantine_id`` is the content quarantine behind it, if any.
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


class State(typing.NamedTuple):
    """What a checked request needs to know of one image id.

    ``records`` are the records under the id's lookup key (see
    ``DeactivationStore.find``); ``live`` the live content quarantines (a
    ``quarantine.LiveQuarantines``, false when there are none).
    """

    records: list
    live: typing.Any


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


def storable(image_id):
    """True for an id a row can hold (no NUL: PostgreSQL refuses it)."""
    return (0 < len(image_id) <= MAX_IMAGE_ID_LENGTH and
            searchable(image_id))


def searchable(*values):
    """True when no string among ``values`` holds a NUL character.

    No stored value holds one (PostgreSQL refuses it in any statement,
    as a database error): a value with one matches nothing.
    """
    return not any(isinstance(value, str) and '\x00' in value
                   for value in values)


def _bounded(value, name, length):
    """``value`` as a string of at most ``length`` characters (None stays).

    :raises ValueError: naming ``name``, for a longer value.
    """
    if value is None:
        return None
    value = str(value)
    if len(value) > length:
        raise ValueError('%s is longer than %d characters' % (name, length))
    return value


def owner_id(value, name):
    return _bounded(value, name, models.MAX_OWNER_ID_LENGTH)


def checked_reason(value):
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError('reason must be a string')
    if len(value) > MAX_REASON_LENGTH:
        raise ValueError('reason is longer than %d characters'
                         % MAX_REASON_LENGTH)
    return value


def checked_request_id(value):
    return _bounded(value, 'request_id', models.MAX_REQUEST_ID_LENGTH)


def checked_quarantine_id(value):
    return _bounded(value, 'quarantine_id', models.EVENT_ID_LENGTH)


def now():
    """Now, in UTC, naive (as stored), with microseconds."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def stored_time(value, name):
    """An aware or naive (UTC) datetime as stored: naive UTC."""
    if not isinstance(value, datetime.datetime):
        raise ValueError('%s must be a datetime' % name)
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def checked_limit(limit):
    if limit is not None and (isinstance(limit, bool) or limit < 0):
        raise ValueError('limit must not be negative')
    return limit


def utc(value):
    return value.replace(tzinfo=datetime.timezone.utc)


def record_from_row(row):
    return DeactivationRecord(
        image_id=row.image_id,
        deactivated_at=utc(row.deactivated_at),
        user_id=row.user_id,
        project_id=row.project_id,
        by_admin=bool(row.by_admin),
        case_folded=bool(row.case_folded),
        event_id=row.event_id,
        reason=row.reason,
        owner=row.owner)


def event_from_row(row):
    """An Event from a row of the events table (or a dict of one)."""
    get = row.get if isinstance(row, dict) else row._mapping.get
    roles = get('roles')
    return Event(
        id=get('id'), image_id=get('image_id'), action=get('action'),
        outcome=get('outcome'), created_at=utc(get('created_at')),
        user_id=get('user_id'), project_id=get('project_id'),
        roles=json.loads(roles) if roles else [],
        is_admin=bool(get('is_admin')), request_id=get('request_id'),
        reason=get('reason'), owner=get('owner'), held=bool(get('held')),
        quarantine_id=get('quarantine_id'))


def event_row(image_id, action, outcome, actor, reason, owner, held,
              created_at=None, quarantine_id=None):
    """A validated row for the events table; ValueError if it cannot be."""
    if action not in ACTIONS:
        raise ValueError('unknown action %r' % (action,))
    if outcome not in OUTCOMES:
        raise ValueError('unknown outcome %r' % (outcome,))
    image_id = str(image_id)
    if not storable(image_id):
        raise ValueError('image id must be 1 to %d characters long'
                         % MAX_IMAGE_ID_LENGTH)
    actor = actor if actor is not None else Actor()
    return dict(
        id=str(uuid.uuid4()), image_id=image_id,
        lookup_key=images.lookup_key(image_id), action=action,
        outcome=outcome, created_at=created_at or now(),
        user_id=owner_id(actor.user_id, 'user_id'),
        project_id=owner_id(actor.project_id, 'project_id'),
        roles=json.dumps([str(role) for role in actor.roles or ()]),
        is_admin=bool(actor.is_admin),
        request_id=checked_request_id(actor.request_id),
        reason=checked_reason(reason),
        owner=owner_id(owner, 'owner'), held=bool(held),
        quarantine_id=checked_quarantine_id(quarantine_id))
