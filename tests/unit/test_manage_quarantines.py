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

"""``quarantine create|list|show|lift`` on a real state database.

Quarantines are made and lifted through ``glance-deactivate-manage`` and
through the store's API (as the filter makes them), then read back in
every output format, on a SQLite file and on real PostgreSQL and MariaDB
(oslo.db's opportunistic fixtures; skipped when the server is missing,
failed under CI).
"""

import hashlib
import io
import json
import logging
import os
import textwrap

import fixtures
from oslo_db.sqlalchemy import test_fixtures
import testtools
import yaml

from glance_deactivate.cmd import manage
from glance_deactivate import quarantine
from glance_deactivate import store

SHA = hashlib.sha512(b'bad').hexdigest()
MD5 = hashlib.md5(b'bad').hexdigest()
OTHER_MD5 = hashlib.md5(b'other').hexdigest()
IMAGE = '5b1dfb3e-4a3b-4c2e-9d6f-0a6c1b2d3e4f'
OWN = '0b0e6f3a-9d1c-4b7e-8a2f-5c6d7e8f9a0b'
ADMIN = store.Actor('u-admin', 'p-ops', ['admin'], True, 'req-1')
REASON = 'CVE-2026-0001 \u2014 backdoored sshd'

SKIP_ON_UNAVAILABLE_DB = os.environ.get('CI') != 'true'

load_tests = test_fixtures.optimize_module_test_loader()


class _QuarantineCommands(object):
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

    def test_create_show_list_lift(self):
        made = self.json_of('quarantine', 'create', '--os-hash-algo',
                            'SHA512', '--os-hash-value', SHA.upper(),
                            '--checksum', MD5, '--reason', REASON)
        self.assertEqual(
            {'Status': 'live', 'OS Hash Algo': 'sha512',
             'OS Hash Value': SHA, 'Checksum': MD5, 'Reason': REASON,
             'Created By User': None, 'Created By Project': None,
             'Source Image ID': None, 'Lifted At': None,
             'Lifted By User': None, 'Lifted By Project': None,
             'Lift Reason': None},
            {k: v for k, v in made.items()
             if k not in ('ID', 'Created At')})
        self.assertRegex(made['Created At'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$')
        q = self.store.get_quarantine(made['ID'])
        self.assertEqual(quarantine.Content('sha512', SHA, MD5), q.content)
        # The filter finds two images; one is also deactivated on its own.
        self.assertIsNotNone(self.store.record_match(q, IMAGE, 'p1', ADMIN))
        self.assertIsNotNone(self.store.record_match(q, OWN, 'p2', ADMIN))
        self.store.deactivate(OWN, ADMIN, owner='p2')

        shown = self.json_of('quarantine', 'show', made['ID'])
        self.assertEqual(sorted([IMAGE, OWN]), shown.pop('Images'))
        self.assertEqual(made, shown)
        self.assertEqual(dict(shown, Images=sorted([IMAGE, OWN])),
                         yaml.safe_load(self.run_manage(
                             'quarantine', 'show', made['ID'], '-f',
                             'yaml')[1]))
        status, out, err = self.run_manage('quarantine', 'show', made['ID'])
        self.assertEqual(0, status, err)
        self.assertIn(IMAGE, out)
        self.assertIn(REASON, out)

        lifted = self.json_of('quarantine', 'lift', made['ID'], '--reason',
                              'false positive')
        self.assertEqual(('lifted', 'false positive', [IMAGE], [OWN]),
                         (lifted['Status'], lifted['Lift Reason'],
                          lifted['Reactivated Images'],
                          lifted['Still Deactivated']))
        self.assertIsNotNone(lifted['Lifted At'])
        self.assertFalse(self.store.get_quarantine(made['ID']).live)
        self.assertOneLineError(
            ['quarantine', 'lift', made['ID'], '--reason', 'again'],
            'Quarantine %s is already lifted.' % made['ID'])

    def test_list_filters_and_pages(self):
        first = self.json_of('quarantine', 'create', '--checksum', MD5,
                             '--reason', 'one')['ID']
        second = self.json_of('quarantine', 'create', '--checksum',
                              OTHER_MD5, '--reason', 'two')['ID']
        self.json_of('quarantine', 'lift', first, '--reason', 'done')

        def ids(*args):
            return [row['ID'] for row in self.json_of('quarantine', 'list',
                                                      *args)]
        self.assertEqual([second, first], ids())
        self.assertEqual([second], ids('--status', 'live'))
        self.assertEqual([first], ids('--status', 'lifted'))
        self.assertEqual([second], ids('--limit', '1'))
        self.assertEqual([first], ids('--marker', second))
        rows = self.json_of('quarantine', 'list')
        self.assertEqual(['ID', 'Status', 'Created At', 'OS Hash Algo',
                          'OS Hash Value', 'Checksum', 'Reason'],
                         list(rows[0]))
        status, out, err = self.run_manage('quarantine', 'list')
        self.assertIn('| live ', out)
        self.assertIn('two', out)

    def test_empty_list(self):
        self.assertEqual([], self.json_of('quarantine', 'list'))
        status, out, err = self.run_manage('quarantine', 'list')
        self.assertEqual(0, status, err)
        self.assertTrue(out.endswith('\nNo quarantines.\n'), out)

    def test_same_live_content_is_an_error(self):
        made = self.json_of('quarantine', 'create', '--checksum', MD5,
                            '--reason', 'one')
        self.assertOneLineError(
            ['quarantine', 'create', '--checksum', MD5.upper(), '--reason',
             'two'],
            'This content is already quarantined: quarantine %s.'
            % made['ID'])
        self.assertEqual(1, len(self.store.list_quarantines()))

    def test_bad_arguments_are_one_line_errors(self):
        missing = '3f2b1c0d-0000-4000-8000-000000000000'
        for args, message in (
                (['quarantine', 'create', '--reason', 'r'],
                 'give --os-hash-algo with --os-hash-value, or --checksum, '
                 'or both (by image id: use the API)'),
                (['quarantine', 'create', '--checksum', 'abc', '--reason',
                  'r'],
                 "'checksum' for md5 must be 32 hexadecimal digits long, "
                 "not 3."),
                (['quarantine', 'create', '--os-hash-algo', 'crc32',
                  '--os-hash-value', 'ab', '--reason', 'r'],
                 "Unknown hash algorithm 'crc32'. Valid values are: %s."
                 % ', '.join(sorted(quarantine.ALGORITHMS))),
                (['quarantine', 'create', '--os-hash-value', SHA,
                  '--reason', 'r'],
                 "'os_hash_algo' and 'os_hash_value' must be given "
                 "together."),
                (['quarantine', 'create', '--checksum', MD5, '--reason',
                  ' '],
                 '--reason: The reason must not be empty.'),
                (['quarantine', 'show', missing],
                 'No quarantine found with ID %s' % missing),
                (['quarantine', 'lift', missing, '--reason', 'r'],
                 'No quarantine found with ID %s' % missing),
                (['quarantine', 'list', '--marker', missing],
                 'No quarantine found with ID %s' % missing),
                (['quarantine', 'list', '--limit', 'x'],
                 'limit param must be an integer')):
            self.assertOneLineError(args, message)
        self.assertEqual([], self.store.list_quarantines())
        # Usage errors: exit status 2.
        for args in (['quarantine', 'lift', missing],
                     ['quarantine', 'list', '--status', 'active']):
            self.assertEqual(2, self.run_manage(*args)[0], args)


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


class SQLiteQuarantineCommandsTest(_QuarantineCommands, _SQLiteFile):
    pass


class MySQLQuarantineCommandsTest(_QuarantineCommands, _Provisioned):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture


class PostgreSQLQuarantineCommandsTest(_QuarantineCommands, _Provisioned):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture
