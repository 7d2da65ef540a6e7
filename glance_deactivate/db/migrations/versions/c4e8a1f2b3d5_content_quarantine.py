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

"""Content quarantine: quarantines, their state row and their matches.

Adds ``image_quarantines`` (one row per quarantine, live or lifted),
``image_quarantine_state`` (exactly one row, inserted here: the generation
every API node compares on each request, and the number of live
quarantines) and ``image_quarantine_matches`` (the images found to match
a quarantine).  Nothing that exists changes: the events table already has
its ``quarantine_id`` column.

Revision ID: c4e8a1f2b3d5
Revises: 9d2b7e4c1a60
Create Date: 2026-12-04 18:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = 'c4e8a1f2b3d5'
down_revision = '9d2b7e4c1a60'
branch_labels = None
depends_on = None

QUARANTINES = 'image_quarantines'
STATE = 'image_quarantine_state'
MATCHES = 'image_quarantine_matches'


def _image_id_type():
    return sa.String(length=64).with_variant(
        mysql.VARCHAR(64, charset='utf8mb4', collation='utf8mb4_bin'),
        'mysql', 'mariadb')


def _time_type():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                      'mariadb')


def upgrade():
    op.create_table(
        QUARANTINES,
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('os_hash_algo', sa.String(length=32), nullable=True),
        sa.Column('os_hash_value', sa.String(length=128), nullable=True),
        sa.Column('checksum', sa.String(length=32), nullable=True),
        sa.Column('reason', sa.Unicode(length=255), nullable=False),
        sa.Column('created_at', _time_type(), nullable=False),
        sa.Column('user_id', sa.String(length=255), nullable=True),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('request_id', sa.String(length=64), nullable=True),
        sa.Column('source_image_id', _image_id_type(), nullable=True),
        sa.Column('lifted_at', _time_type(), nullable=True),
        sa.Column('lifted_by_user_id', sa.String(length=255),
                  nullable=True),
        sa.Column('lifted_by_project_id', sa.String(length=255),
                  nullable=True),
        sa.Column('lift_reason', sa.Unicode(length=255), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('ix_image_quarantines_os_hash_value', QUARANTINES,
                    ['os_hash_value'])
    op.create_index('ix_image_quarantines_checksum', QUARANTINES,
                    ['checksum'])
    state = op.create_table(
        STATE,
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('live', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        mysql_engine='InnoDB',
    )
    op.bulk_insert(state, [{'id': 1, 'generation': 0, 'live': 0}])
    op.create_table(
        MATCHES,
        sa.Column('quarantine_id', sa.String(length=36), nullable=False),
        sa.Column('image_id', _image_id_type(), nullable=False),
        sa.Column('found_at', _time_type(), nullable=False),
        sa.Column('owner', sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint('quarantine_id', 'image_id'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
