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

"""``db sync`` and ``db version``: the schema of the state database.

``db sync``
    Create the database (a SQLite file and its directory) if needed and run
    the schema migrations up to the latest revision (alembic upgrade head).
    Running it again is a no-op.  Needed once for MySQL/MariaDB and
    PostgreSQL, and after each upgrade of glance-deactivate that brings a
    migration.  Run it as the service user (``glance``), so that a SQLite
    file belongs to the user the API runs as.  With no configuration file
    found it warns and creates the built-in default,
    ``sqlite:////var/lib/glance/glance-deactivate.sqlite``.
``db version``
    Print the current schema revision.  Read-only: a database that does not
    exist or has no schema is an error (exit status 1), never created.
"""

from cliff import command
from oslo_log import log as logging

from glance_deactivate.cmd import base
from glance_deactivate.cmd import database

LOG = logging.getLogger(__name__)


class DbSync(base.Errors, command.Command):
    """Create or upgrade the schema of the state database (to head)."""

    def take_action(self, parsed_args):
        conf = self.app.conf
        state_store = database.open_store(conf, create=True)
        if not database.config_files(conf):
            LOG.warning('No configuration file found: creating the default '
                        'state database %s', state_store.safe_url)
        try:
            # The first contact is bounded; the migrations are not.
            before = database.call(conf.db_timeout,
                                   state_store.schema_version)
            after = state_store.upgrade_schema()
        finally:
            state_store.dispose()
        if before == after:
            self.app.stdout.write(
                'Database already at revision %s (head); nothing to do.\n'
                % after)
        else:
            self.app.stdout.write('Database upgraded from revision %s to '
                                  '%s.\n' % (before, after))


class DbVersion(base.Errors, command.Command):
    """Print the schema revision of the state database."""

    def take_action(self, parsed_args):
        conf = self.app.conf
        state_store = database.open_store(
            conf, default_files=self.app.default_files)
        try:
            current = database.call(conf.db_timeout,
                                    state_store.schema_version)
        finally:
            state_store.dispose()
        if current is None:
            raise base.CommandError(
                'the deactivation state database %s has no glance-deactivate '
                'schema; %s' % (state_store.safe_url, database.SYNC_HINT))
        self.app.stdout.write(current + '\n')
