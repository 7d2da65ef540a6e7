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

import gc
import io
import logging
import os
import sys
import textwrap
import warnings

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
                     extra='', defaults=''):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(textwrap.dedent('''\
                [DEFAULT]
                # options of the host service are ignored
                bind_port = 9292
                %s

                [database]
                connection = mysql+pymysql://glance:pw@127.0.0.1:1/glance

                [image_deactivation]
                connection = %s
                max_retries = %d
                %s
                ''') % (defaults, url, max_retries, extra))
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

    def test_oslo_log_changes_are_undone(self):
        # oslo.log sets the levels of its default_log_levels loggers and
        # sys.excepthook for the process; main() puts them back.
        sqlalchemy = logging.getLogger('sqlalchemy')
        self.addCleanup(sqlalchemy.setLevel, sqlalchemy.level)
        sqlalchemy.setLevel(logging.DEBUG)
        excepthook = sys.excepthook
        for _ in range(3):
            status, out, err = self.run_manage('db', 'version')
            self.assertEqual((0, 'None\n', ''), (status, out, err))
        self.assertEqual(logging.DEBUG, sqlalchemy.level)
        self.assertIs(excepthook, sys.excepthook)

    def test_debug_is_oslo_logs_option(self):
        # No duplicate of oslo.log's own option (registering both fails).
        self.assertFalse(hasattr(manage, 'cli_opts'))
        status, out, err = self.run_manage('--help')
        self.assertEqual(0, status)
        self.assertIn('--debug', out)
        self.assertIn('--log-file', out)

    def test_debug_shows_the_traceback(self):
        self.useFixture(fixtures.MonkeyPatch(
            'glance_deactivate.db.migration.version', mock_failure))
        for args in (['--debug'], ['-d']):
            status, out, err = self.run_manage(*args, 'db', 'version')
            self.assertEqual(1, status)
            self.assertEqual('', out)
            self.assertIn('Traceback', err)
            self.assertIn('db failed', err)  # our DEBUG line, oslo.log's way
            last = err.splitlines()[-1]
            self.assertEqual('ERROR: RuntimeError: boom second line', last)

    def test_debug_from_the_config_file(self):
        self.useFixture(fixtures.MonkeyPatch(
            'glance_deactivate.db.migration.version', mock_failure))
        config_file = self.write_config(self.url, name='debug.conf',
                                        defaults='debug = true')
        status, out, err = self.run_manage('db', 'version',
                                           config_file=config_file)
        self.assertEqual(1, status)
        self.assertIn('Traceback', err)

    def test_debug_shows_the_store_warning(self):
        config_file = self.write_config(
            'postgresql+psycopg2://x:secret@127.0.0.1:1/x', name='down.conf')
        status, out, err = self.run_manage('--debug', 'list',
                                           config_file=config_file)
        self.assertEqual(1, status)
        self.assertEqual('', out)
        self.assertIn('WARNING glance_deactivate.store', err)
        self.assertTrue(err.splitlines()[-1].startswith('ERROR: '), err)
        self.assertNotIn('secret', err)

    def test_log_file(self):
        self.useFixture(fixtures.MonkeyPatch(
            'oslo_db.sqlalchemy.engines.time.sleep', lambda seconds: None))
        log_file = os.path.join(self.tmp, 'manage.log')
        config_file = self.write_config(
            'mysql+pymysql://x:secret@127.0.0.1:1/x', name='down.conf',
            max_retries=1, extra='retry_interval = 1',
            defaults='log_file = %s' % log_file)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always', ResourceWarning)
            status, out, err = self.run_manage('list',
                                               config_file=config_file)
            gc.collect()
        # Closed on the way out, not left to the garbage collector.
        self.assertEqual([], [str(w.message) for w in caught
                              if issubclass(w.category, ResourceWarning)])
        self.assertEqual([], open_files(log_file))
        self.assertEqual(1, status)
        self.assertEqual('', out)
        # The terminal: oslo.db's warning, then our error line.
        lines = err.splitlines()
        self.assertEqual(2, len(lines), err)
        self.assertTrue(lines[0].startswith('WARNING: SQL connection'), err)
        self.assertOneLineError(lines[1] + '\n', "Can't connect")
        # The file: oslo.log's format, the store's warning included.
        with open(log_file) as f:
            logged = f.read()
        self.assertIn('WARNING oslo_db.sqlalchemy.engines', logged)
        self.assertIn('WARNING glance_deactivate.store', logged)
        self.assertNotIn('secret', logged)
        # The next run's lines are appended.
        self.run_manage('list', config_file=config_file)
        with open(log_file) as f:
            self.assertEqual(2, f.read().count('glance_deactivate.store'))
        self.assertEqual([], open_files(log_file))

    def test_log_file_cannot_be_opened(self):
        log_file = os.path.join(self.tmp, 'missing-dir', 'manage.log')
        status, out, err = self.run_manage('--log-file', log_file,
                                           'db', 'version')
        self.assertEqual(1, status)
        self.assertEqual('', out)
        self.assertOneLineError(err, 'logging', 'missing-dir')

    def test_list_output_is_never_logged_to(self):
        # use_stderr = false and no log file: oslo.log would log to stdout;
        # the command's results stay alone there.
        self.useFixture(fixtures.MonkeyPatch(
            'oslo_db.sqlalchemy.engines.time.sleep', lambda seconds: None))
        config_file = self.write_config(
            'mysql+pymysql://x:secret@127.0.0.1:1/x', name='down.conf',
            max_retries=1, extra='retry_interval = 1',
            defaults='use_stderr = false')
        status, out, err = self.run_manage('list', config_file=config_file)
        self.assertEqual(1, status)
        self.assertEqual('', out)
        self.assertIn('WARNING: SQL connection failed', err)

        config_file = self.write_config(self.url, name='quiet.conf',
                                        defaults='use_stderr = false')
        self.run_manage('db', 'sync', config_file=config_file)
        state_store = store.DeactivationStore.from_url(self.url)
        self.addCleanup(state_store.dispose)
        state_store.add(UUID)
        status, out, err = self.run_manage('--debug', 'list',
                                           config_file=config_file)
        self.assertEqual(0, status, err)
        self.assertEqual(1, len(out.splitlines()), out)
        self.assertTrue(out.startswith(UUID + ' '), out)


def open_files(path):
    """The file descriptors of this process open on ``path`` (Linux)."""
    fd_dir = '/proc/self/fd'
    if not os.path.isdir(fd_dir):
        raise testtools.TestCase.skipException('no /proc/self/fd')
    found = []
    for fd in os.listdir(fd_dir):
        try:
            if os.readlink(os.path.join(fd_dir, fd)) == path:
                found.append(fd)
        except OSError:  # closed meanwhile (the listing's own descriptor)
            pass
    return found


def mock_failure(conf):
    raise RuntimeError('boom\nsecond line')
