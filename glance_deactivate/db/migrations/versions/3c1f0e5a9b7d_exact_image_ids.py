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


"""Exact image ids: a case-folded lookup key, legacy rows marked folded.

Until this revision every id was stored folded to lower case, so a record
could not tell ``ABC...`` from ``abc...``, which are two images on
PostgreSQL or SQLite.  From here on ``image_id`` is the id exactly as the
image service reports it (a binary collation on MySQL/MariaDB), candidate
records are found by ``lookup_key`` (the id in lower case), and rows
written before are marked ``case_folded``: their true case is unknown, so
they keep applying to every spelling of the id (nothing that was
deactivated becomes active by the upgrade).

Revision ID: 3c1f0e5a9b7d
Revises: eb82333ad427
Create Date: 2026-12-01 00:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '3c1f0e5a9b7d'
down_revision = 'eb82333ad427'
branch_labels = None
depends_on = None

TABLE = 'image_deactivations'


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column('lookup_key', sa.String(length=64),
                                   nullable=True))
        batch.add_column(sa.Column('case_folded', sa.Boolean(),
                                   nullable=False,
                                   server_default=sa.false()))
    table = sa.table(TABLE, sa.column('image_id', sa.String),
                     sa.column('lookup_key', sa.String),
                     sa.column('case_folded', sa.Boolean))
    op.execute(table.update().values(
        lookup_key=sa.func.lower(table.c.image_id), case_folded=True))
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column('lookup_key', existing_type=sa.String(length=64),
                           nullable=False)
        batch.alter_column('case_folded', existing_type=sa.Boolean(),
                           server_default=None)
        batch.create_index('ix_image_deactivations_lookup_key',
                           ['lookup_key'])
    if bind.dialect.name in ('mysql', 'mariadb'):
        op.alter_column(TABLE, 'image_id',
                        existing_type=sa.String(length=64),
                        type_=mysql.VARCHAR(64, charset='utf8mb4',
                                            collation='utf8mb4_bin'),
                        existing_nullable=False)
