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

"""``list``, ``show`` and ``history``: the incident record, read-only.

These commands read the state database the filter writes (see
``glance_deactivate.store``): the current deactivations and the
append-only history of every deactivate, reactivate and delete.  Times are
UTC, ISO 8601 (``2026-12-04T15:01:02Z``; events have microseconds).

Usage::

    glance-deactivate-manage list [--owner PROJECT]
        [--deactivated-by USER_OR_PROJECT] [--held | --not-held]
        [--since T] [--until T] [--limit N] [--marker IMAGE_ID]
    glance-deactivate-manage show IMAGE_ID [--limit N]
    glance-deactivate-manage history [--image IMAGE_ID] [--since T]
        [--limit N] [--marker EVENT_ID] [--long]

``list``
    The images deactivated now, newest first: when, by which user and
    project, whether the deactivation is **held** (made by an admin: only
    an admin may reactivate), the reason given and the image's owner at the
    time.  The table has a header even when empty, followed by ``No
    deactivated images.``; ``-f json``/``-f yaml`` give ``[]``.
``show``
    One image's current state (deactivated or not, since when, by whom,
    held, reason, owner, the event that made the record) and its history,
    newest first (``--limit``: the newest N events).  The id is compared
    exactly, as the filter compares it.  An image without any record or
    event shows ``Deactivated: False`` and an empty history: the command
    cannot ask the image service whether the image exists.
``history``
    Events of every image (or of one), newest first: time, image, action
    (``deactivate``, ``reactivate``, ``deleted``), outcome (``changed``,
    ``no-op``, ``refused``, ``migrated``), the caller's user and project,
    the hold after the event and the reason; ``--long`` adds the event id,
    roles, admin-ness, owner and request id.  ``--marker`` continues after
    an event id (the next page).

``T`` is an ISO 8601 time; one without a zone is UTC.  A bad ``--limit``
gets the image API's own words (``limit param must be an integer``,
``limit param must be positive``).

Each command prints through cliff's formatters: ``-f table`` (default),
``json``, ``yaml``, ``value`` or ``csv``, ``-c COLUMN`` to pick columns.
In ``json``/``yaml`` a missing value is ``null`` and ``show``'s history is
a list of objects.  Read-only: see ``glance_deactivate.cmd.database`` for
a missing database, schema or configuration.
"""

import datetime

from cliff import columns
from cliff import lister
from cliff import show

from glance_deactivate.cmd import base
from glance_deactivate.cmd import database

NO_RECORDS = 'No deactivated images.'
NO_EVENTS = 'No events.'

LIST_COLUMNS = ('Image ID', 'Deactivated At', 'User ID', 'Project ID',
                'Held', 'Reason', 'Owner')
HISTORY_COLUMNS = ('Created At', 'Image ID', 'Action', 'Outcome', 'User ID',
                   'Project ID', 'Held', 'Reason')
HISTORY_LONG_COLUMNS = HISTORY_COLUMNS + ('Event ID', 'Roles', 'Admin',
                                          'Owner', 'Request ID')


def iso_time(when):
    """An aware UTC datetime as ISO 8601 with ``Z`` (microseconds if any)."""
    if when is None:
        return None
    spec = 'microseconds' if when.microsecond else 'seconds'
    return when.astimezone(datetime.timezone.utc).isoformat(
        timespec=spec).replace('+00:00', 'Z')


def parse_time(value, option):
    """``value`` (ISO 8601) as an aware datetime; naive means UTC."""
    if value is None:
        return None
    try:
        when = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise base.CommandError('%s: not an ISO 8601 time: %r'
                                % (option, value))
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when


def parse_limit(value):
    """``--limit`` as the image API reads ``limit`` (its own words)."""
    if value is None:
        return None
    try:
        limit = int(value)
    except ValueError:
        raise base.CommandError('limit param must be an integer')
    if limit < 0:
        raise base.CommandError('limit param must be positive')
    return limit


def read_store(app, read):
    """Run ``read(store)`` on the read-only store, schema checked."""
    conf = app.conf
    state_store = database.open_store(conf, default_files=app.default_files)
    try:
        database.require_schema(state_store, conf.db_timeout)
        return database.call(conf.db_timeout, read, state_store)
    finally:
        state_store.dispose()


def event_fields(event):
    """An Event as a dict with the long column names."""
    return {
        'Created At': iso_time(event.created_at),
        'Image ID': event.image_id,
        'Action': event.action,
        'Outcome': event.outcome,
        'User ID': event.user_id,
        'Project ID': event.project_id,
        'Held': event.held,
        'Reason': event.reason,
        'Event ID': event.id,
        'Roles': list(event.roles),
        'Admin': event.is_admin,
        'Owner': event.owner,
        'Request ID': event.request_id,
    }


class HistoryColumn(columns.FormattableColumn):
    """An image's events: lines in a table, a list of objects in json/yaml."""

    def human_readable(self):
        if not self._value:
            return '(none)'
        return '\n'.join(
            '%s %s %s by %s/%s%s%s%s' % (
                fields['Created At'], fields['Action'], fields['Outcome'],
                fields['User ID'] or '-', fields['Project ID'] or '-',
                ' (admin)' if fields['Admin'] else '',
                ', held' if fields['Held'] else '',
                ': %s' % fields['Reason'] if fields['Reason'] else '')
            for fields in map(event_fields, self._value))

    def machine_readable(self):
        return [{key.lower().replace(' ', '_'): value
                 for key, value in event_fields(event).items()}
                for event in self._value]


class RolesColumn(columns.FormattableColumn):
    """Role names: ``a,b`` in a table, a list in json/yaml."""

    def human_readable(self):
        return ','.join(self._value)

    def machine_readable(self):
        return list(self._value)


class _EmptyTableSays(object):
    """Mix-in for listers: an empty table keeps its header and says so."""

    EMPTY = ''

    def produce_output(self, parsed_args, column_names, data):
        data = list(data)
        if data or parsed_args.formatter != 'table':
            return super().produce_output(parsed_args, column_names, data)
        parsed_args.print_empty = True
        status = super().produce_output(parsed_args, column_names, data)
        self.app.stdout.write(self.EMPTY + '\n')
        return status


class ListDeactivations(base.Errors, _EmptyTableSays, lister.Lister):
    """List the deactivated images (newest first), with reason and hold."""

    EMPTY = NO_RECORDS

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--owner', metavar='PROJECT',
                            help="only images of this owner")
        parser.add_argument('--deactivated-by', metavar='USER_OR_PROJECT',
                            help='only deactivations made by this user or '
                                 'project')
        held = parser.add_mutually_exclusive_group()
        held.add_argument('--held', action='store_const', const=True,
                          dest='held', help='only held deactivations')
        held.add_argument('--not-held', action='store_const', const=False,
                          dest='held', help='only deactivations not held')
        parser.add_argument('--since', metavar='TIME',
                            help='only deactivations made at or after TIME')
        parser.add_argument('--until', metavar='TIME',
                            help='only deactivations made at or before TIME')
        parser.add_argument('--limit', metavar='N',
                            help='at most N images')
        parser.add_argument('--marker', metavar='IMAGE_ID',
                            help='the images after this one (next page)')
        return parser

    def take_action(self, parsed_args):
        query = dict(owner=parsed_args.owner,
                     deactivated_by=parsed_args.deactivated_by,
                     held=parsed_args.held,
                     since=parse_time(parsed_args.since, '--since'),
                     until=parse_time(parsed_args.until, '--until'),
                     limit=parse_limit(parsed_args.limit),
                     marker=parsed_args.marker)
        records = read_store(self.app,
                             lambda store: store.list_records(**query))
        return LIST_COLUMNS, [
            (record.image_id, iso_time(record.deactivated_at),
             record.user_id, record.project_id, record.held, record.reason,
             record.owner)
            for record in records]


class ShowDeactivation(base.Errors, show.ShowOne):
    """Show an image's deactivation state and its history (newest first)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('image_id', metavar='IMAGE_ID',
                            help='the image id, exactly')
        parser.add_argument('--limit', metavar='N',
                            help='the newest N events only')
        return parser

    def take_action(self, parsed_args):
        image_id = parsed_args.image_id
        limit = parse_limit(parsed_args.limit)

        def read(state_store):
            return (state_store.get(image_id),
                    state_store.history(image_id=image_id, limit=limit))

        record, events = read_store(self.app, read)
        names = ('Image ID', 'Deactivated', 'Deactivated At', 'User ID',
                 'Project ID', 'Held', 'Reason', 'Owner', 'Event ID',
                 'History')
        if record is None:
            values = (image_id, False, None, None, None, False, None, None,
                      None)
        else:
            values = (image_id, True, iso_time(record.deactivated_at),
                      record.user_id, record.project_id, record.held,
                      record.reason, record.owner, record.event_id)
        return names, values + (HistoryColumn(events),)


class History(base.Errors, _EmptyTableSays, lister.Lister):
    """List deactivation events of every image or one (newest first)."""

    EMPTY = NO_EVENTS

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--image', metavar='IMAGE_ID',
                            help='only the events of this image (exact id)')
        parser.add_argument('--since', metavar='TIME',
                            help='only events at or after TIME')
        parser.add_argument('--limit', metavar='N',
                            help='at most N events')
        parser.add_argument('--marker', metavar='EVENT_ID',
                            help='the events older than this one (next '
                                 'page)')
        parser.add_argument('--long', action='store_true', default=False,
                            help='add the event id, roles, admin, owner and '
                                 'request id')
        return parser

    def take_action(self, parsed_args):
        query = dict(image_id=parsed_args.image,
                     since=parse_time(parsed_args.since, '--since'),
                     limit=parse_limit(parsed_args.limit),
                     marker=parsed_args.marker)
        events = read_store(self.app, lambda store: store.history(**query))
        names = HISTORY_LONG_COLUMNS if parsed_args.long else HISTORY_COLUMNS
        rows = []
        for event in events:
            fields = event_fields(event)
            fields['Roles'] = RolesColumn(fields['Roles'])
            rows.append(tuple(fields[name] for name in names))
        return names, rows
