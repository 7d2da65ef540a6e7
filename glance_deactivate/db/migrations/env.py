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


"""Alembic environment of glance-deactivate.

Run through ``glance_deactivate.db.migration`` (and so through
``glance-deactivate-manage db sync``), which hands over an open SQLAlchemy
``Engine`` or ``Connection`` in ``config.attributes['connection']``.  Run
through the ``alembic`` command line, the URL comes from ``-x url=...``
(or ``sqlalchemy.url`` in alembic.ini).

The version is kept in our own table, ``glance_deactivate_alembic_version``,
so that a database shared with Glance (whose own table is
``alembic_version``) is never confused.  Logging is left as the caller set it
up: this file does not call ``logging.config.fileConfig``, which would
reconfigure the logging of a running API process.
"""

from alembic import context
import sqlalchemy as sa

from glance_deactivate.db import migration
from glance_deactivate.db import models

config = context.config
target_metadata = models.Base.metadata


def _url():
    url = context.get_x_argument(as_dictionary=True).get('url')
    return url or config.get_main_option('sqlalchemy.url')


def _configure(**kwargs):
    context.configure(
        target_metadata=target_metadata,
        version_table=migration.VERSION_TABLE,
        **kwargs)


def run_migrations_offline():
    """Print the SQL for the migrations (``alembic upgrade --sql``)."""
    _configure(url=_url(), literal_binds=True,
               dialect_opts={'paramstyle': 'named'})
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection):
    _configure(connection=connection,
               render_as_batch=connection.dialect.name == 'sqlite')
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Apply the migrations over a connection."""
    connectable = config.attributes.get('connection')
    if isinstance(connectable, sa.engine.Connection):
        _run_on(connectable)
        return
    dispose = False
    if connectable is None:
        url = _url()
        if not url:
            raise RuntimeError(
                'No database URL: pass -x url=... to alembic')
        connectable = sa.create_engine(url, poolclass=sa.pool.NullPool)
        dispose = True
    try:
        with connectable.connect() as connection:
            _run_on(connection)
    finally:
        if dispose:
            connectable.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
