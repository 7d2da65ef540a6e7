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


"""The incident record: an append-only history, reasons and owners.

Adds the table ``image_deactivation_events`` (one row per deactivate,
reactivate and deletion of a deactivated image; never updated or deleted)
and three columns to ``image_deactivations``: ``event_id`` (the event that
created the record), ``reason`` and ``owner``.

Every record that exists before this revision gets one event, action
``deactivate``, outcome ``migrated``, dated ``deactivated_at`` and carrying
the record's user, project and admin flag (its hold); the record's
``event_id`` points at it.  So every current record has a history that
starts with the event that created it, or with the mark of the migration.

Revision ID: 9d2b7e4c1a60
Revises: 3c1f0e5a9b7d
Create Date: 2026-12-04 00:00:00
"""

import uuid

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '9d2b7e4c1a60'
down_revision = '3c1f0e5a9b7d'
branch_labels = None
depends_on = None

RECORDS = 'image_deactivations'
EVENTS = 'image_deactivation_events'


def _image_id_type():
    return sa.String(length=64).with_variant(
        mysql.VARCHAR(64, charset='utf8mb4', collation='utf8mb4_bin'),
        'mysql', 'mariadb')


def upgrade():
    op.create_table(
        EVENTS,
        sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('image_id', _image_id_type(), nullable=False),
        sa.Column('lookup_key', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime().with_variant(
            mysql.DATETIME(fsp=6), 'mysql', 'mariadb'), nullable=False),
        sa.Column('user_id', sa.String(length=255), nullable=True),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('roles', sa.Text(), nullable=True),
        sa.Column('is_admin', sa.Boolean(), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=True),
        sa.Column('reason', sa.Unicode(length=255), nullable=True),
        sa.Column('owner', sa.String(length=255), nullable=True),
        sa.Column('held', sa.Boolean(), nullable=False),
        sa.Column('quarantine_id', sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint('seq'),
        sa.UniqueConstraint('id', name='uq_image_deactivation_events_id'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('ix_image_deactivation_events_lookup_key', EVENTS,
                    ['lookup_key'])
    with op.batch_alter_table(RECORDS) as batch:
        batch.add_column(sa.Column('event_id', sa.String(length=36),
                                   nullable=True))
        batch.add_column(sa.Column('reason', sa.Unicode(length=255),
                                   nullable=True))
        batch.add_column(sa.Column('owner', sa.String(length=255),
                                   nullable=True))
    _migrate_records()


def _migrate_records():
    """One ``migrated`` event per existing record, oldest first."""
    records = sa.table(
        RECORDS, sa.column('image_id', sa.String),
        sa.column('lookup_key', sa.String),
        sa.column('deactivated_at', sa.DateTime),
        sa.column('user_id', sa.String), sa.column('project_id', sa.String),
        sa.column('by_admin', sa.Boolean),
        sa.column('event_id', sa.String))
    events = sa.table(
        EVENTS, sa.column('id', sa.String), sa.column('image_id', sa.String),
        sa.column('lookup_key', sa.String), sa.column('action', sa.String),
        sa.column('outcome', sa.String),
        sa.column('created_at', sa.DateTime),
        sa.column('user_id', sa.String), sa.column('project_id', sa.String),
        sa.column('is_admin', sa.Boolean), sa.column('held', sa.Boolean))
    bind = op.get_bind()
    rows = bind.execute(sa.select(
        records.c.image_id, records.c.lookup_key, records.c.deactivated_at,
        records.c.user_id, records.c.project_id, records.c.by_admin).order_by(
            records.c.deactivated_at, records.c.image_id)).all()
    for row in rows:
        event_id = str(uuid.uuid4())
        bind.execute(events.insert().values(
            id=event_id, image_id=row.image_id, lookup_key=row.lookup_key,
            action='deactivate', outcome='migrated',
            created_at=row.deactivated_at, user_id=row.user_id,
            project_id=row.project_id, is_admin=bool(row.by_admin),
            held=bool(row.by_admin)))
        bind.execute(records.update().where(
            records.c.image_id == row.image_id).values(event_id=event_id))
