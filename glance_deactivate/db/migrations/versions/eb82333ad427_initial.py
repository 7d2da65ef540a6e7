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


"""Initial schema: the image_deactivations table.

Revision ID: eb82333ad427
Revises:
Create Date: 2026-01-01 00:00:00
"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'eb82333ad427'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'image_deactivations',
        sa.Column('image_id', sa.String(length=64), nullable=False),
        sa.Column('deactivated_at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.String(length=255), nullable=True),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('by_admin', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('image_id'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
