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

"""``quarantine create|list|show|lift``: content quarantine from the shell.

A quarantine deactivates every image whose data has a hash, in every
project (see ``doc/source/quarantine.rst``).  These commands read and
write the state database the filter uses, and nothing else: they never
ask the image service.

Usage::

    glance-deactivate-manage quarantine create --reason R
        (--os-hash-algo A --os-hash-value V [--checksum C] | --checksum C)
    glance-deactivate-manage quarantine list [--status {live,lifted}]
        [--limit N] [--marker QUARANTINE_ID]
    glance-deactivate-manage quarantine show QUARANTINE_ID
    glance-deactivate-manage quarantine lift QUARANTINE_ID --reason R

``create``
    Quarantine a content by its hash: Glance's multihash
    (``os_hash_algo`` and ``os_hash_value``, as ``openstack image show``
    prints them), its MD5 ``checksum``, or both.  The hash is checked as
    the API checks it (a known algorithm, hexadecimal of the right
    length).  To quarantine the content of an image by its id, use the API
    (``POST /v2/quarantines`` with ``image_id``): only the image service
    knows an image's hash, and this command does not ask it.  The images
    that match are deactivated from the filter's next request on; each is
    recorded (and announced) when the filter first sees it.
``list``
    The quarantines, newest first (``--status``: live or lifted only).
``show``
    One quarantine, with the images recorded so far as matching it (the
    API's ``GET /v2/quarantines/{id}`` lists those matching now).
``lift``
    Lift a quarantine: the images it held are reactivated, unless
    deactivated on their own or by another live quarantine; prints which.

The reason follows the API's rules (one line, at most 255 characters).
``create`` and ``lift`` record no user or project (``Created By`` and
``Lifted By`` are empty: the state database records that the manage
command acted) and send no notification.  Output through cliff's
formatters: ``-f table`` (default), ``json``, ``yaml``, ``value``; in
``json`` and ``yaml`` the image lists are lists.
"""

from cliff import columns
from cliff import lister
from cliff import show

from glance_deactivate.cmd import base
from glance_deactivate.cmd import records
from glance_deactivate import quarantine
from glance_deactivate import reason as reasons
from glance_deactivate import store

NO_QUARANTINES = 'No quarantines.'
MSG_NO_HASH = ('give --os-hash-algo with --os-hash-value, or --checksum, '
               'or both (by image id: use the API)')
STATUSES = ('live', 'lifted')

FIELDS = ('ID', 'Status', 'OS Hash Algo', 'OS Hash Value', 'Checksum',
          'Reason', 'Created At', 'Created By User', 'Created By Project',
          'Source Image ID', 'Lifted At', 'Lifted By User',
          'Lifted By Project', 'Lift Reason')
LIST_COLUMNS = ('ID', 'Status', 'Created At', 'OS Hash Algo',
                'OS Hash Value', 'Checksum', 'Reason')

# The store has no user for the manage command.
ACTOR = store.Actor(is_admin=True)


class IdsColumn(columns.FormattableColumn):
    """Image ids: one a line in a table, a list in json/yaml."""

    def human_readable(self):
        return '\n'.join(self._value) if self._value else '(none)'

    def machine_readable(self):
        return list(self._value)


def fields(q):
    """{column: value} of a ``quarantine.Quarantine``."""
    return {
        'ID': q.id,
        'Status': 'live' if q.live else 'lifted',
        'OS Hash Algo': q.content.os_hash_algo,
        'OS Hash Value': q.content.os_hash_value,
        'Checksum': q.content.checksum,
        'Reason': q.reason,
        'Created At': records.iso_time(q.created_at),
        'Created By User': q.user_id,
        'Created By Project': q.project_id,
        'Source Image ID': q.source_image_id,
        'Lifted At': records.iso_time(q.lifted_at),
        'Lifted By User': q.lifted_by_user_id,
        'Lifted By Project': q.lifted_by_project_id,
        'Lift Reason': q.lift_reason,
    }


def checked_reason(value):
    try:
        return reasons.check(value)
    except reasons.BadBody as exc:
        raise base.CommandError('--reason: %s' % exc)


class CreateQuarantine(base.Errors, show.ShowOne):
    """Quarantine a content by its hash (by image id: use the API)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--os-hash-algo', metavar='ALGORITHM',
                            help="Glance's os_hash_algo (e.g. sha512)")
        parser.add_argument('--os-hash-value', metavar='HEX',
                            help="Glance's os_hash_value")
        parser.add_argument('--checksum', metavar='MD5',
                            help="Glance's checksum (MD5)")
        parser.add_argument('--reason', required=True,
                            help='why the content is quarantined')
        return parser

    def take_action(self, parsed_args):
        if not (parsed_args.os_hash_algo or parsed_args.os_hash_value or
                parsed_args.checksum):
            raise base.CommandError(MSG_NO_HASH)
        # BadContent is a ValueError: the API's own 400 message.
        content = quarantine.check_content(
            parsed_args.os_hash_algo, parsed_args.os_hash_value,
            parsed_args.checksum)
        reason = checked_reason(parsed_args.reason)

        def create(state_store):
            try:
                return state_store.create_quarantine(content, ACTOR, reason)
            except store.QuarantineExists as exc:
                raise base.CommandError(
                    'This content is already quarantined: quarantine %s.'
                    % exc.quarantine.id)

        q = records.read_store(self.app, create)
        values = fields(q)
        return FIELDS, tuple(values[name] for name in FIELDS)


class ListQuarantines(base.Errors, records._EmptyTableSays, lister.Lister):
    """List the quarantines, newest first."""

    EMPTY = NO_QUARANTINES

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--status', choices=STATUSES,
                            help='only live or only lifted quarantines')
        parser.add_argument('--limit', metavar='N',
                            help='at most N quarantines')
        parser.add_argument('--marker', metavar='QUARANTINE_ID',
                            help='the quarantines after this one (next '
                                 'page)')
        return parser

    def take_action(self, parsed_args):
        live = None
        if parsed_args.status is not None:
            live = parsed_args.status == 'live'
        limit = records.parse_limit(parsed_args.limit)
        marker = parsed_args.marker

        def read(state_store):
            try:
                return state_store.list_quarantines(live=live, limit=limit,
                                                    marker=marker)
            except ValueError:
                raise base.CommandError(
                    'No quarantine found with ID %s' % marker)

        found = records.read_store(self.app, read)
        rows = []
        for q in found:
            values = fields(q)
            rows.append(tuple(values[name] for name in LIST_COLUMNS))
        return LIST_COLUMNS, rows


class ShowQuarantine(base.Errors, show.ShowOne):
    """Show a quarantine and the images recorded as matching it."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('quarantine_id', metavar='QUARANTINE_ID',
                            help='the quarantine id')
        return parser

    def take_action(self, parsed_args):
        quarantine_id = parsed_args.quarantine_id

        def read(state_store):
            q = state_store.get_quarantine(quarantine_id)
            if q is None:
                raise base.CommandError(
                    'No quarantine found with ID %s' % quarantine_id)
            return q, state_store.matched_images(q.id)

        q, matched = records.read_store(self.app, read)
        values = fields(q)
        return (FIELDS + ('Images',),
                tuple(values[name] for name in FIELDS) +
                (IdsColumn(sorted(matched)),))


class LiftQuarantine(base.Errors, show.ShowOne):
    """Lift a quarantine: reactivate the images it held."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('quarantine_id', metavar='QUARANTINE_ID',
                            help='the quarantine id')
        parser.add_argument('--reason', required=True,
                            help='why the quarantine is lifted')
        return parser

    def take_action(self, parsed_args):
        quarantine_id = parsed_args.quarantine_id
        reason = checked_reason(parsed_args.reason)

        def lift(state_store):
            try:
                return state_store.lift_quarantine(quarantine_id, ACTOR,
                                                   reason)
            except store.QuarantineNotFound:
                raise base.CommandError(
                    'No quarantine found with ID %s' % quarantine_id)
            except store.QuarantineLifted:
                raise base.CommandError(
                    'Quarantine %s is already lifted.' % quarantine_id)

        q, events = records.read_store(self.app, lift)
        values = fields(q)
        reactivated = sorted(event.image_id for event in events
                             if event.outcome == store.CHANGED)
        kept = sorted(event.image_id for event in events
                      if event.outcome != store.CHANGED)
        return (FIELDS + ('Reactivated Images', 'Still Deactivated'),
                tuple(values[name] for name in FIELDS) +
                (IdsColumn(reactivated), IdsColumn(kept)))
