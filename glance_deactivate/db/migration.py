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


"""Schema migrations of the deactivation state database.

The migrations are alembic scripts shipped inside the package
(``glance_deactivate/db/migrations``); their paths are resolved from this
file, so they are found from an installed package as well as from a source
tree.  The current revision is kept in the table
``glance_deactivate_alembic_version``, never in Glance's ``alembic_version``,
so the state may live in the same database as Glance's own tables.

``upgrade()`` and ``version()`` work on an open SQLAlchemy ``Engine`` or
``Connection`` only, and raise oslo.db / SQLAlchemy errors.  Configured
callers (the manage command, the filter) go through the state store's
``upgrade_schema()`` and ``schema_version()``, which build the engine from
``[image_deactivation]`` exactly as the filter does and turn database
errors into ``StoreUnavailable``.  This module imports nothing of the
package, so there is no import cycle with the store.
"""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script
from oslo_log import log as logging
import sqlalchemy as sa

LOG = logging.getLogger(__name__)

MIGRATIONS_DIR = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'migrations')
ALEMBIC_INI = os.path.join(MIGRATIONS_DIR, 'alembic.ini')

# Our own alembic version table: Glance keeps its own in "alembic_version".
VERSION_TABLE = 'glance_deactivate_alembic_version'


def get_alembic_config(connection=None):
    """An alembic ``Config`` for our migrations.

    :param connection: an optional ``Engine`` or ``Connection`` that env.py
        runs the migrations over.
    """
    config = alembic_config.Config(ALEMBIC_INI)
    config.set_main_option('script_location', MIGRATIONS_DIR)
    if connection is not None:
        config.attributes['connection'] = connection
    return config


def head():
    """The revision the migrations lead to (a string)."""
    script = alembic_script.ScriptDirectory.from_config(get_alembic_config())
    return script.get_current_head()


def upgrade(connectable, revision='head'):
    """Upgrade the schema to ``revision``; a no-op when already there.

    :param connectable: an ``Engine`` or ``Connection``.
    :returns: the revision the database is at afterwards.
    """
    before = version(connectable)
    alembic_command.upgrade(get_alembic_config(connectable), revision)
    after = version(connectable)
    if before != after:
        LOG.info('Upgraded the deactivation state database from %s to %s',
                 before, after)
    return after


def version(connectable):
    """The current revision (a string), or None before any upgrade.

    :param connectable: an ``Engine`` or ``Connection``.
    """
    if isinstance(connectable, sa.engine.Connection):
        return _current_revision(connectable)
    with connectable.connect() as connection:
        return _current_revision(connection)


def _current_revision(connection):
    context = alembic_migration.MigrationContext.configure(
        connection, opts={'version_table': VERSION_TABLE})
    return context.get_current_revision()
