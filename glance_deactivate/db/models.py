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


"""SQLAlchemy models of the deactivation state and its history.

Two tables.  ``image_deactivations`` holds the current state: a row per
deactivated image, keyed by the image id exactly as the image service
reports it; a reactivation deletes the row, so the table holds exactly the
images that are deactivated now.  ``image_deactivation_events`` is the
history: one row per deactivate, reactivate (no-ops and refusals included)
and per deletion of a deactivated image.  Events are only ever inserted:
nothing in the package updates or deletes them, and they outlive the image.

``image_deactivations``:

============== ============ ===============================================
column         type         meaning
============== ============ ===============================================
image_id       String(64)   primary key; the image id, exact (compared
                            case-sensitively on every backend: a binary
                            collation on MySQL/MariaDB)
lookup_key     String(64)   the id folded to lower case, indexed: finds
                            the candidate records of a spelling
case_folded    Boolean      the row was written before ids were exact (its
                            id is lower-cased and applies to every
                            spelling; see ``glance_deactivate.images``)
deactivated_at DateTime     when, in UTC (stored naive, whole seconds)
user_id        String(255)  who deactivated it (may be NULL)
project_id     String(255)  the project of that user (may be NULL)
by_admin       Boolean      whether the deactivation was made as an admin:
                            this is the *hold* (only an admin may lift it
                            under the default policy)
event_id       String(36)   the event that created the record (NULL only
                            for a row an older release wrote during a
                            rolling upgrade)
reason         Unicode(255) the reason given, if any
owner          String(255)  the image's owner when it was deactivated
============== ============ ===============================================

``image_deactivation_events``:

============== ============ ===============================================
column         type         meaning
============== ============ ===============================================
seq            Integer      primary key, autoincrement: the order of the
                            history (``created_at`` comes from the API
                            nodes' clocks, which may disagree)
id             String(36)   the public event id (a UUID), unique
image_id       String(64)   the image id, exact
lookup_key     String(64)   the id folded to lower case, indexed
action         String(16)   ``deactivate``, ``reactivate`` or ``deleted``
outcome        String(16)   ``changed``, ``no-op``, ``refused`` (by the
                            hold) or ``migrated`` (a record that existed
                            before the history did)
created_at     DateTime     when, in UTC, with microseconds
user_id        String(255)  the caller (NULL when unknown)
project_id     String(255)  the caller's project
roles          Text         the caller's roles, a JSON list
is_admin       Boolean      whether the caller acted as an admin
request_id     String(64)   the request id the host logged the call under
reason         Unicode(255) the reason given, if any
owner          String(255)  the image's owner at the time
held           Boolean      whether the image is held after this event
quarantine_id  String(36)   the content quarantine behind the event, if
                            any (an image found to match it, reactivated
                            by its lift, or refused a reactivation)
============== ============ ===============================================

Content quarantine (see ``glance_deactivate.quarantine``) adds three:

``image_quarantines``: one row per quarantine, live or lifted (rows are
never deleted; a lift fills the ``lifted_*`` columns once).

==================== ============ =========================================
column               type         meaning
==================== ============ =========================================
id                   String(36)   primary key, a UUID
os_hash_algo         String(32)   the multihash algorithm, or NULL
os_hash_value        String(128)  the multihash value (lower-case hex),
                                  indexed, or NULL
checksum             String(32)   the MD5 checksum (lower-case hex),
                                  indexed, or NULL
reason               Unicode(255) why (required)
created_at           DateTime     when, in UTC, with microseconds
user_id, project_id  String(255)  who quarantined it
request_id           String(64)   the request it was made by
source_image_id      String(64)   the image it was made from, or NULL
lifted_at            DateTime     when it was lifted; NULL while live
lifted_by_user_id,   String(255)  who lifted it
lifted_by_project_id
lift_reason          Unicode(255) why it was lifted
==================== ============ =========================================

``image_quarantine_state``: exactly one row (``id`` 1): ``generation``,
an integer bumped by every quarantine and every lift in the same
transaction, and ``live``, the number of live quarantines.  Every checked
request reads it in the same statement as the records it asks for, so an
API node knows on its next request that the quarantines changed.

``image_quarantine_matches``: one row per image ever found to match a
quarantine (``quarantine_id``, ``image_id``: the primary key;
``found_at``; ``owner``, the image's owner then).

The schema is created and changed only by the alembic migrations in
``glance_deactivate/db/migrations``; a test checks that the two agree.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy import orm

TABLE_NAME = 'image_deactivations'
EVENTS_TABLE_NAME = 'image_deactivation_events'
QUARANTINES_TABLE_NAME = 'image_quarantines'
QUARANTINE_STATE_TABLE_NAME = 'image_quarantine_state'
MATCHES_TABLE_NAME = 'image_quarantine_matches'

# Longest image id that can be stored (the width of the primary key).
MAX_IMAGE_ID_LENGTH = 64

# Width of the user and project id columns (Keystone ids are 32 or 64).
MAX_OWNER_ID_LENGTH = 255

# Longest reason, in characters (code points).
MAX_REASON_LENGTH = 255

# Width of the request id column (Glance's max_request_id_length default).
MAX_REQUEST_ID_LENGTH = 64

# Width of the event id and action/outcome columns.
EVENT_ID_LENGTH = 36
WORD_LENGTH = 16
HASH_ALGO_LENGTH = 32
HASH_VALUE_LENGTH = 128
CHECKSUM_LENGTH = 32


def image_id_type():
    """The image id column type: compared case-sensitively everywhere."""
    return sa.String(MAX_IMAGE_ID_LENGTH).with_variant(
        mysql.VARCHAR(MAX_IMAGE_ID_LENGTH, charset='utf8mb4',
                      collation='utf8mb4_bin'), 'mysql', 'mariadb')


def reason_type():
    """The reason column type: any Unicode text (utf8mb4 on MySQL)."""
    return sa.Unicode(MAX_REASON_LENGTH)


def event_time_type():
    """A UTC time with microseconds on every backend.

    MySQL/MariaDB keep whole seconds in a plain DATETIME; ``fsp=6`` keeps
    the microseconds (PostgreSQL's timestamp and SQLite's text keep them).
    """
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                      'mariadb')


class Base(orm.DeclarativeBase):
    """Declarative base of the glance-deactivate models."""


class ImageDeactivation(Base):
    """A deactivated image."""

    __tablename__ = TABLE_NAME
    __table_args__ = {
        'mysql_engine': 'InnoDB',
        'mysql_charset': 'utf8mb4',
    }

    image_id = sa.Column(image_id_type(), primary_key=True)
    lookup_key = sa.Column(sa.String(MAX_IMAGE_ID_LENGTH), nullable=False,
                           index=True)
    case_folded = sa.Column(sa.Boolean(), nullable=False, default=False)
    deactivated_at = sa.Column(sa.DateTime(), nullable=False)
    user_id = sa.Column(sa.String(MAX_OWNER_ID_LENGTH), nullable=True)
    project_id = sa.Column(sa.String(MAX_OWNER_ID_LENGTH), nullable=True)
    by_admin = sa.Column(sa.Boolean(), nullable=False, default=False)
    event_id = sa.Column(sa.String(EVENT_ID_LENGTH), nullable=True)
    reason = sa.Column(reason_type(), nullable=True)
    owner = sa.Column(sa.String(MAX_OWNER_ID_LENGTH), nullable=True)


class ImageDeactivationEvent(Base):
    """One event of an image's deactivation history (append-only)."""

    __tablename__ = EVENTS_TABLE_NAME
    __table_args__ = (
        sa.UniqueConstraint('id', name='uq_image_deactivation_events_id'),
        {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'},
    )

    seq = sa.Column(sa.Integer(), primary_key=True, autoincrement=True)
    id = sa.Column(sa.String(EVENT_ID_LENGTH), nullable=False)
    image_id = sa.Column(image_id_type(), nullable=False)
    lookup_key = sa.Column(sa.String(MAX_IMAGE_ID_LENGTH), nullable=False,
                           index=True)
    action = sa.Column(sa.String(WORD_LENGTH), nullable=False)
    outcome = sa.Column(sa.String(WORD_LENGTH), nullable=False)
    created_at = sa.Column(event_time_type(), nullable=False)
    user_id = sa.Column(sa.String(MAX_OWNER_ID_LENGTH), nullable=True)
    project_id = sa.Column(sa.String(MAX_OWNER_ID_LENGTH), nullable=True)
    roles = sa.Column(sa.Text(), nullable=True)
    is_admin = sa.Column(sa.Boolean(), nullable=False, default=False)
    request_id = sa.Column(sa.String(MAX_REQUEST_ID_LENGTH), nullable=True)
    reason = sa.Column(reason_type(), nullable=True)
    owner = sa.Column(sa.String(MAX_OWNER_ID_LENGTH), nullable=True)
    held = sa.Column(sa.Boolean(), nullable=False, default=False)
    quarantine_id = sa.Column(sa.String(EVENT_ID_LENGTH), nullable=True)


class ImageQuarantine(Base):
    """A content quarantine, live or lifted."""

    __tablename__ = QUARANTINES_TABLE_NAME
    __table_args__ = {
        'mysql_engine': 'InnoDB',
        'mysql_charset': 'utf8mb4',
    }

    id = sa.Column(sa.String(EVENT_ID_LENGTH), primary_key=True)
    os_hash_algo = sa.Column(sa.String(HASH_ALGO_LENGTH), nullable=True)
    os_hash_value = sa.Column(sa.String(HASH_VALUE_LENGTH), nullable=True,
                              index=True)
    checksum = sa.Column(sa.String(CHECKSUM_LENGTH), nullable=True,
                         index=True)
    reason = sa.Column(reason_type(), nullable=False)
    created_at = sa.Column(event_time_type(), nullable=False)
    user_id = sa.Column(sa.String(MAX_OWNER_ID_LENGTH), nullable=True)
    project_id = sa.Column(sa.String(MAX_OWNER_ID_LENGTH), nullable=True)
    request_id = sa.Column(sa.String(MAX_REQUEST_ID_LENGTH), nullable=True)
    source_image_id = sa.Column(image_id_type(), nullable=True)
    lifted_at = sa.Column(event_time_type(), nullable=True)
    lifted_by_user_id = sa.Column(sa.String(MAX_OWNER_ID_LENGTH),
                                  nullable=True)
    lifted_by_project_id = sa.Column(sa.String(MAX_OWNER_ID_LENGTH),
                                     nullable=True)
    lift_reason = sa.Column(reason_type(), nullable=True)


class ImageQuarantineState(Base):
    """The one row that says whether, and when, quarantines changed."""

    __tablename__ = QUARANTINE_STATE_TABLE_NAME
    __table_args__ = {'mysql_engine': 'InnoDB'}

    id = sa.Column(sa.Integer(), primary_key=True, autoincrement=False)
    generation = sa.Column(sa.Integer(), nullable=False, default=0)
    live = sa.Column(sa.Integer(), nullable=False, default=0)


class ImageQuarantineMatch(Base):
    """An image found to match a quarantine."""

    __tablename__ = MATCHES_TABLE_NAME
    __table_args__ = {
        'mysql_engine': 'InnoDB',
        'mysql_charset': 'utf8mb4',
    }

    quarantine_id = sa.Column(sa.String(EVENT_ID_LENGTH), primary_key=True)
    image_id = sa.Column(image_id_type(), primary_key=True)
    found_at = sa.Column(event_time_type(), nullable=False)
    owner = sa.Column(sa.String(MAX_OWNER_ID_LENGTH), nullable=True)
