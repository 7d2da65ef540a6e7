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

``upgrade()`` and ``version()`` take any of:

* a ``cfg.ConfigOpts`` on which ``glance_deactivate.opts.register_opts`` was
  called: ``[image_deactivation] connection`` and the other database options
  are used, exactly as the filter uses them;
* a database URL (a string);
* an open SQLAlchemy ``Engine`` or ``Connection`` (tests, and the store's
  own ``ensure_schema()``).

Database errors come out as ``glance_deactivate.store.StoreUnavailable``
when a configuration or URL is given, and as oslo.db / SQLAlchemy errors when
an ``Engine`` or ``Connection`` is given.
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


def _is_connectable(target):
    return isinstance(target, (sa.engine.Engine, sa.engine.Connection))


def _upgrade_connectable(connectable, revision):
    before = _version_of(connectable)
    alembic_command.upgrade(get_alembic_config(connectable), revision)
    after = _version_of(connectable)
    if before != after:
        LOG.info('Upgraded the deactivation state database from %s to %s',
                 before, after)
    return after


def _version_of(connectable):
    if isinstance(connectable, sa.engine.Connection):
        return _current_revision(connectable)
    with connectable.connect() as connection:
        return _current_revision(connection)


def _current_revision(connection):
    context = alembic_migration.MigrationContext.configure(
        connection, opts={'version_table': VERSION_TABLE})
    return context.get_current_revision()


def _store_for(conf_or_url):
    # Imported here: the store imports this module for ensure_schema().
    from glance_deactivate import store

    if isinstance(conf_or_url, str):
        return store.DeactivationStore.from_url(conf_or_url)
    return store.DeactivationStore(conf_or_url)


def upgrade(conf_or_url, revision='head'):
    """Upgrade the schema to ``revision``; a no-op when already there.

    :returns: the revision the database is at afterwards.
    """
    if _is_connectable(conf_or_url):
        return _upgrade_connectable(conf_or_url, revision)
    state_store = _store_for(conf_or_url)
    try:
        return state_store._run_with_engine(
            lambda engine: _upgrade_connectable(engine, revision))
    finally:
        state_store.dispose()


def version(conf_or_url):
    """The current revision of the database, or None before any upgrade."""
    if _is_connectable(conf_or_url):
        return _version_of(conf_or_url)
    state_store = _store_for(conf_or_url)
    try:
        return state_store._run_with_engine(_version_of)
    finally:
        state_store.dispose()
