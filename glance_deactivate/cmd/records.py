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

"""``list``: the deactivated images, from the state database.

``list [-f table|json|yaml|value|csv] [-c COLUMN ...]``
    The images deactivated now, newest first, with when, by whom (user and
    project) and whether the deactivation is held (made by an admin: only
    an admin may reactivate).  Times are UTC, ISO 8601.  The table has a
    header even when empty, followed by ``No deactivated images.``; the
    machine formats give ``[]`` (json, yaml) or nothing (value).

Read-only: see ``glance_deactivate.cmd.database`` for what happens on a
missing database or configuration.  Output goes through cliff's formatters
(``-f``, ``-c``, ``--sort-column``, ``--max-width``, ... as in
openstackclient).
"""

from cliff import lister

from glance_deactivate.cmd import base
from glance_deactivate.cmd import database

NO_RECORDS = 'No deactivated images.'

LIST_COLUMNS = ('Image ID', 'Deactivated At', 'User ID', 'Project ID',
                'Held')


def iso_time(when):
    """An aware UTC datetime as ISO 8601 with ``Z`` (microseconds if any)."""
    spec = 'microseconds' if when.microsecond else 'seconds'
    return when.isoformat(timespec=spec).replace('+00:00', 'Z')


def _list_row(record):
    return (record.image_id, iso_time(record.deactivated_at),
            record.user_id, record.project_id, bool(record.by_admin))


def read_store(app, read):
    """Run ``read(store)`` on the read-only store, schema checked."""
    conf = app.conf
    state_store = database.open_store(conf, default_files=app.default_files)
    try:
        database.require_schema(state_store, conf.db_timeout)
        return database.call(conf.db_timeout, read, state_store)
    finally:
        state_store.dispose()


class ListDeactivations(base.Errors, lister.Lister):
    """List the deactivated images (newest first)."""

    def take_action(self, parsed_args):
        records = read_store(self.app, lambda store: store.list_records())
        records = sorted(records, key=lambda r: (r.deactivated_at,
                                                 r.image_id), reverse=True)
        return LIST_COLUMNS, [_list_row(record) for record in records]

    def produce_output(self, parsed_args, column_names, data):
        data = list(data)
        if data or parsed_args.formatter != 'table':
            return super().produce_output(parsed_args, column_names, data)
        parsed_args.print_empty = True
        status = super().produce_output(parsed_args, column_names, data)
        self.app.stdout.write(NO_RECORDS + '\n')
        return status
