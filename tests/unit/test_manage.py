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


"""Unit tests of the glance-deactivate-manage command."""

import io
import logging
import os
import textwrap

import fixtures
import testtools

from glance_deactivate.cmd import manage
from glance_deactivate.db import migration
from glance_deactivate import store
from tests.unit import schema

UUID = '5b1dfb3e-4a3b-4c2e-9d6f-0a6c1b2d3e4f'


class ManageTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.url = 'sqlite:///' + os.path.join(self.tmp, 'db', 'state.sqlite')
        self.config_file = self.write_config(self.url)

    def write_config(self, url, name='glance-api.conf', max_retries=0,
                     extra=''):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(textwrap.dedent('''\
                [DEFAULT]
                # options of the host service are ignored
                bind_port = 9292

                [database]
                connection = mysql+pymysql://glance:pw@127.0.0.1:1/glance

                [image_deactivation]
                connection = %s
                max_retries = %d
                %s
                ''') % (url, max_retries, extra))
        return path

    def run_manage(self, *args, config_file=None):
        stdout = self.useFixture(fixtures.MonkeyPatch(
            'sys.stdout', io.StringIO())).new_value
        stderr = self.useFixture(fixtures.MonkeyPatch(
            'sys.stderr', io.StringIO())).new_value
        argv = ['--config-file', config_file or self.config_file]
        status = manage.main(argv + list(args))
        return status, stdout.getvalue(), stderr.getvalue()

    def assertOneLineError(self, stderr, *fragments):
        self.assertEqual(1, len(stderr.splitlines()), stderr)
        self.assertTrue(stderr.startswith('ERROR: '), stderr)
        self.assertNotIn('Traceback', stderr)
        for fragment in fragments:
            self.assertIn(fragment, stderr)

    def test_db_version_before_sync(self):
        status, out, err = self.run_manage('db', 'version')
        self.assertEqual(0, status, err)
        self.assertEqual('None\n', out)

    def test_db_sync_twice_then_version(self):
        status, out, err = self.run_manage('db', 'sync')
        self.assertEqual(0, status, err)
        self.assertIn('upgraded from revision None to %s' % migration.head(),
                      out)
        self.assertEqual(migration.head(), schema.version_of(self.url))

        status, out, err = self.run_manage('db', 'sync')
        self.assertEqual(0, status, err)
        self.assertIn('already at revision %s' % migration.head(), out)

        status, out, err = self.run_manage('db', 'version')
        self.assertEqual(0, status, err)
        self.assertEqual(migration.head() + '\n', out)
        self.assertEqual('', err)

    def test_list(self):
        self.run_manage('db', 'sync')
        status, out, err = self.run_manage('list')
        self.assertEqual((0, '', ''), (status, out, err))

        state_store = store.DeactivationStore.from_url(self.url)
        self.addCleanup(state_store.dispose)
        state_store.add(UUID.upper(), user_id='u1', project_id='p1',
                        by_admin=True)
        state_store.add('0-other')
        when = state_store.get(UUID.upper()).deactivated_at.strftime(
            '%Y-%m-%dT%H:%M:%SZ')

        status, out, err = self.run_manage('list')
        self.assertEqual(0, status, err)
        lines = out.splitlines()
        self.assertEqual(2, len(lines), out)
        self.assertTrue(lines[0].startswith('0-other '), out)
        self.assertIn('user=- project=- admin=no', lines[0])
        self.assertEqual('%s %s user=u1 project=p1 admin=yes'
                         % (UUID.upper(), when), lines[1])

    def test_db_unreachable(self):
        config_file = self.write_config(
            'postgresql+psycopg2://x:secret@127.0.0.1:1/x', name='down.conf')
        for command in (['db', 'sync'], ['db', 'version'], ['list']):
            status, out, err = self.run_manage(*command,
                                               config_file=config_file)
            self.assertEqual(1, status, command)
            self.assertEqual('', out)
            self.assertOneLineError(err, '127.0.0.1:1')
            self.assertNotIn('secret', err)

    def test_db_unreachable_mysql_with_retries(self):
        self.useFixture(fixtures.MonkeyPatch(
            'oslo_db.sqlalchemy.engines.time.sleep', lambda seconds: None))
        config_file = self.write_config(
            'mysql+pymysql://x:secret@127.0.0.1:1/x', name='down.conf',
            max_retries=2, extra='retry_interval = 1')
        status, out, err = self.run_manage('list', config_file=config_file)
        self.assertEqual(1, status)
        # oslo.db's retry warnings, then our one error line.
        lines = err.splitlines()
        self.assertEqual(3, len(lines), err)
        self.assertTrue(all(line.startswith('WARNING: SQL connection failed')
                            for line in lines[:2]), err)
        self.assertOneLineError(lines[2] + '\n', "Can't connect")

    def test_missing_config_file(self):
        status, out, err = self.run_manage(
            'db', 'sync', config_file=os.path.join(self.tmp, 'missing.conf'))
        self.assertEqual(1, status)
        self.assertOneLineError(err, 'missing.conf')

    def test_bad_connection_url(self):
        config_file = self.write_config('not a url', name='bad.conf')
        status, out, err = self.run_manage('list', config_file=config_file)
        self.assertEqual(1, status)
        self.assertOneLineError(err, 'connection')

    def test_unexpected_error_has_no_traceback(self):
        self.useFixture(fixtures.MonkeyPatch(
            'glance_deactivate.db.migration.version',
            mock_failure))
        status, out, err = self.run_manage('db', 'version')
        self.assertEqual(1, status)
        self.assertOneLineError(err, 'RuntimeError', 'boom', '--debug')

    def test_usage_errors(self):
        self.assertEqual(2, self.run_manage()[0])
        self.assertEqual(2, self.run_manage('db')[0])
        self.assertEqual(2, self.run_manage('db', 'nonsense')[0])
        self.assertEqual(2, self.run_manage('nonsense')[0])

    def test_help(self):
        status, out, err = self.run_manage('--help')
        self.assertEqual(0, status)
        self.assertIn('db', out)
        self.assertIn('list', out)

    def test_command_table(self):
        # Each entry adds one top-level command; check-pipeline comes later.
        self.assertIn(manage._add_db_parser, manage.COMMANDS)
        self.assertIn(manage._add_list_parser, manage.COMMANDS)

    def test_logging_is_restored(self):
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        self.run_manage('db', 'version')
        self.assertEqual(handlers, root.handlers)
        self.assertEqual(level, root.level)


def mock_failure(conf):
    raise RuntimeError('boom\nsecond line')
