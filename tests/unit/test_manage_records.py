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

"""``list``, ``show`` and ``history`` on a real incident record.

The record is written through the store's API (as the filter writes it),
then read back through ``glance-deactivate-manage`` in every output
format, on a SQLite file and on real PostgreSQL and MariaDB (oslo.db's
opportunistic fixtures: see ``test_db_backends``; skipped when the server
is missing, failed under CI).
"""

import io
import json
import logging
import os
import textwrap

import fixtures
from oslo_db.sqlalchemy import test_fixtures
import sqlalchemy as sa
import testtools
import yaml

from glance_deactivate.cmd import manage
from glance_deactivate import store

UUID = '5b1dfb3e-4a3b-4c2e-9d6f-0a6c1b2d3e4f'
OTHER = '0b0e6f3a-9d1c-4b7e-8a2f-5c6d7e8f9a0b'
ADMIN = store.Actor('u-admin', 'p-ops', ['admin', 'reader'], True, 'req-1')
MEMBER = store.Actor('u-member', 'p-owner', ['member'], False, 'req-2')
REASON = 'malware found, ticket 42 \u2014 \u00e9'

SKIP_ON_UNAVAILABLE_DB = os.environ.get('CI') != 'true'

load_tests = test_fixtures.optimize_module_test_loader()


class _RecordCommands(object):
    """The commands' behaviour on any backend: ``self.url`` is set."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.useFixture(fixtures.MonkeyPatch(
            'glance_deactivate.cmd.manage.default_config_files',
            lambda *args: []))
        tmp = self.useFixture(fixtures.TempDir()).path
        self.config_file = os.path.join(tmp, 'glance-api.conf')
        with open(self.config_file, 'w') as f:
            f.write(textwrap.dedent('''\
                [image_deactivation]
                connection = %s
                max_retries = 0
                ''') % self.url)
        status, out, err = self.run_manage('db', 'sync')
        self.assertEqual(0, status, err)
        self.store = store.DeactivationStore.from_url(self.url,
                                                      max_retries=0)
        self.addCleanup(self.store.dispose)
        # UUID: deactivated by an admin with a reason (held), a no-op
        # repeat, reactivated by a member (refused, then by the admin),
        # deactivated again by the member (not held).  OTHER: by the admin.
        self.store.deactivate(UUID, ADMIN, reason=REASON, owner='p-owner')
        self.store.deactivate(UUID, ADMIN)
        self.store.append_event(UUID, store.REACTIVATE, store.REFUSED,
                                MEMBER, owner='p-owner', held=True)
        self.store.reactivate(UUID, ADMIN, owner='p-owner')
        self.store.deactivate(UUID, MEMBER, reason='again',
                              owner='p-owner')
        self.store.deactivate(OTHER, ADMIN, owner='p-other')

    def run_manage(self, *args):
        stdout = self.useFixture(fixtures.MonkeyPatch(
            'sys.stdout', io.StringIO())).new_value
        stderr = self.useFixture(fixtures.MonkeyPatch(
            'sys.stderr', io.StringIO())).new_value
        status = manage.main(['--config-file', self.config_file]
                             + list(args))
        return status, stdout.getvalue(), stderr.getvalue()

    def json_of(self, *args):
        status, out, err = self.run_manage(*args, '-f', 'json')
        self.assertEqual(0, status, err)
        return json.loads(out)

    def assertOneLineError(self, args, message):
        status, out, err = self.run_manage(*args)
        self.assertEqual((1, '', 'ERROR: %s\n' % message),
                         (status, out, err), args)

    def test_list_shows_reason_and_hold(self):
        rows = self.json_of('list')
        self.assertEqual([OTHER, UUID], [r['Image ID'] for r in rows])
        self.assertEqual(
            {'User ID': 'u-member', 'Project ID': 'p-owner', 'Held': False,
             'Reason': 'again', 'Owner': 'p-owner'},
            {key: rows[1][key] for key in ('User ID', 'Project ID', 'Held',
                                           'Reason', 'Owner')})
        self.assertEqual((True, None, 'p-other'),
                         (rows[0]['Held'], rows[0]['Reason'],
                          rows[0]['Owner']))
        status, out, err = self.run_manage('list')
        self.assertIn('again', out)
        self.assertIn('| True ', out)

    def test_list_filters_and_pages(self):
        def ids(*args):
            return [r['Image ID'] for r in self.json_of('list', *args)]
        self.assertEqual([OTHER], ids('--held'))
        self.assertEqual([UUID], ids('--not-held'))
        self.assertEqual([UUID], ids('--owner', 'p-owner'))
        self.assertEqual([OTHER], ids('--deactivated-by', 'p-ops'))
        self.assertEqual([UUID], ids('--deactivated-by', 'u-member'))
        self.assertEqual([OTHER], ids('--limit', '1'))
        self.assertEqual([UUID], ids('--marker', OTHER))
        self.assertEqual([], ids('--since', '2999-01-01T00:00:00Z'))
        self.assertEqual([OTHER, UUID], ids('--until', '2999-01-01'))
        status, out, err = self.run_manage('list', '--owner', 'nobody')
        self.assertEqual(0, status, err)
        self.assertTrue(out.endswith('\nNo deactivated images.\n'), out)

    def test_show(self):
        shown = self.json_of('show', UUID)
        history = shown.pop('History')
        self.assertEqual(
            {'Image ID': UUID, 'Deactivated': True, 'User ID': 'u-member',
             'Project ID': 'p-owner', 'Held': False, 'Reason': 'again',
             'Owner': 'p-owner', 'Event ID': history[0]['event_id']},
            {k: v for k, v in shown.items() if k != 'Deactivated At'})
        self.assertEqual(
            [('deactivate', 'changed'), ('reactivate', 'changed'),
             ('reactivate', 'refused'), ('deactivate', 'no-op'),
             ('deactivate', 'changed')],
            [(e['action'], e['outcome']) for e in history])
        first = history[-1]
        self.assertEqual(
            {'image_id': UUID, 'user_id': 'u-admin', 'project_id': 'p-ops',
             'roles': ['admin', 'reader'], 'admin': True, 'held': True,
             'request_id': 'req-1', 'reason': REASON, 'owner': 'p-owner'},
            {k: first[k] for k in ('image_id', 'user_id', 'project_id',
                                   'roles', 'admin', 'held', 'request_id',
                                   'reason', 'owner')})
        self.assertRegex(first['created_at'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$')
        # Newest first, by time too.
        times = [e['created_at'] for e in history]
        self.assertEqual(sorted(times, reverse=True), times)
        # The same in YAML, and in a table, one line per event.
        self.assertEqual(history, yaml.safe_load(
            self.run_manage('show', UUID, '-f', 'yaml')[1])['History'])
        status, out, err = self.run_manage('show', UUID)
        self.assertEqual(0, status, err)
        self.assertIn('deactivate changed by u-admin/p-ops (admin), held: '
                      + REASON, out)
        self.assertIn('reactivate refused by u-member/p-owner, held', out)
        # --limit: the newest events only.
        self.assertEqual(history[:2],
                         self.json_of('show', UUID, '--limit', '2')['History'])

    def test_show_an_image_without_record(self):
        for image_id in ('never-deactivated', UUID.upper()):
            shown = self.json_of('show', image_id)
            self.assertEqual((image_id, False, None, [], None),
                             (shown['Image ID'], shown['Deactivated'],
                              shown['Deactivated At'], shown['History'],
                              shown['Reason']))
        status, out, err = self.run_manage('show', 'never-deactivated')
        self.assertIn('| History        | (none)', out)

    def test_history(self):
        events = self.json_of('history')
        self.assertEqual(6, len(events))
        self.assertEqual([OTHER] + [UUID] * 5,
                         [e['Image ID'] for e in events])
        self.assertNotIn('Roles', events[0])
        long_events = self.json_of('history', '--image', UUID, '--long')
        self.assertEqual(5, len(long_events))
        self.assertEqual((['admin', 'reader'], 'req-1', True),
                         (long_events[-1]['Roles'],
                          long_events[-1]['Request ID'],
                          long_events[-1]['Admin']))
        # Paging with --limit and --marker walks the same list.
        page = self.json_of('history', '--image', UUID, '--limit', '2',
                            '--long')
        rest = self.json_of('history', '--image', UUID, '--long', '--marker',
                            page[-1]['Event ID'])
        self.assertEqual(long_events, page + rest)
        self.assertEqual(
            [], self.json_of('history', '--since', '2999-01-01T00:00:00'))
        status, out, err = self.run_manage('history', '--image', 'none')
        self.assertEqual(0, status, err)
        self.assertTrue(out.endswith('\nNo events.\n'), out)
        status, out, err = self.run_manage('history', '-f', 'yaml')
        self.assertEqual(events, yaml.safe_load(out))

    def test_bad_arguments_are_one_line_errors(self):
        self.assertOneLineError(['history', '--limit', 'x'],
                                'limit param must be an integer')
        self.assertOneLineError(['list', '--limit', '-1'],
                                'limit param must be positive')
        self.assertOneLineError(['show', UUID, '--limit', '1.5'],
                                'limit param must be an integer')
        self.assertOneLineError(['history', '--since', 'yesterday'],
                                "--since: not an ISO 8601 time: 'yesterday'")
        self.assertOneLineError(['history', '--marker', 'nope'],
                                'marker nope is not a known event')
        self.assertOneLineError(
            ['history', '--image', OTHER, '--marker',
             self.json_of('history', '--long')[-1]['Event ID']],
            'marker %s is not a known event of image %s'
            % (self.json_of('history', '--long')[-1]['Event ID'], OTHER))


class _SQLiteFile(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.url = 'sqlite:///' + os.path.join(
            self.useFixture(fixtures.TempDir()).path, 'state.sqlite')


class _Provisioned(test_fixtures.OpportunisticDBTestMixin,
                   testtools.TestCase):
    """A freshly provisioned (empty) database of the FIXTURE's kind."""

    SKIP_ON_UNAVAILABLE_DB = SKIP_ON_UNAVAILABLE_DB

    def setUp(self):
        super().setUp()
        self.url = self._db_default.engine.url.render_as_string(
            hide_password=False)


class SQLiteRecordCommandsTest(_RecordCommands, _SQLiteFile):
    pass


class _EmptyDatabase(object):
    """Read-only commands on a server database without our schema."""

    def run_manage(self, *args, url=None):
        tmp = self.useFixture(fixtures.TempDir()).path
        config_file = os.path.join(tmp, 'glance-api.conf')
        with open(config_file, 'w') as f:
            f.write('[image_deactivation]\nconnection = %s\n'
                    'max_retries = 0\n' % (url or self.url))
        stdout = self.useFixture(fixtures.MonkeyPatch(
            'sys.stdout', io.StringIO())).new_value
        stderr = self.useFixture(fixtures.MonkeyPatch(
            'sys.stderr', io.StringIO())).new_value
        self.useFixture(fixtures.MonkeyPatch(
            'glance_deactivate.cmd.manage.default_config_files',
            lambda *args: []))
        status = manage.main(['--config-file', config_file] + list(args))
        return status, stdout.getvalue(), stderr.getvalue()

    def test_no_schema_is_an_error_and_stays_so(self):
        for args in (['list'], ['show', UUID], ['history'],
                     ['db', 'version']):
            status, out, err = self.run_manage(*args)
            self.assertEqual((1, ''), (status, out), args)
            self.assertIn('has no glance-deactivate schema', err)
            self.assertEqual(1, len(err.splitlines()), err)
        engine = self._db_default.engine
        with engine.connect() as connection:
            self.assertEqual([], sa.inspect(connection).get_table_names())

    def test_missing_database(self):
        url = self.url.rsplit('/', 1)[0] + '/no_such_database_here'
        status, out, err = self.run_manage('list', url=url)
        self.assertEqual((1, ''), (status, out))
        self.assertTrue(err.startswith('ERROR: deactivation state database '),
                        err)
        self.assertIn('no_such_database_here', err)


class MySQLRecordCommandsTest(_RecordCommands, _Provisioned):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture


class PostgreSQLRecordCommandsTest(_RecordCommands, _Provisioned):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture


class MySQLEmptyDatabaseTest(_EmptyDatabase, _Provisioned):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture


class PostgreSQLEmptyDatabaseTest(_EmptyDatabase, _Provisioned):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture
