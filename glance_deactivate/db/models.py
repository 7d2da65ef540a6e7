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


"""SQLAlchemy model of the deactivation state.

One table, ``image_deactivations``: a row per deactivated image, keyed by the
image id exactly as the image service reports it.  A reactivation deletes
the row, so the table holds exactly the images that are deactivated now; it
keeps no history (the INFO log lines and notifications do).

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
by_admin       Boolean      whether the deactivation was made as an admin
============== ============ ===============================================

The schema is created and changed only by the alembic migrations in
``glance_deactivate/db/migrations``; a test checks that the two agree.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy import orm

TABLE_NAME = 'image_deactivations'

# Longest image id that can be stored (the width of the primary key).
MAX_IMAGE_ID_LENGTH = 64

# Width of the user and project id columns (Keystone ids are 32 or 64).
MAX_OWNER_ID_LENGTH = 255


def image_id_type():
    """The image id column type: compared case-sensitively everywhere."""
    return sa.String(MAX_IMAGE_ID_LENGTH).with_variant(
        mysql.VARCHAR(MAX_IMAGE_ID_LENGTH, charset='utf8mb4',
                      collation='utf8mb4_bin'), 'mysql', 'mariadb')


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
