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

"""Unit tests of the glance-deactivate-manage command (in process).

The command runs through ``manage.main(argv)`` on real SQLite files; the
same behaviour through the installed console script, in a subprocess, is
in ``test_manage_scripts``.
"""

import gc
import io
import json
import logging
import os
import shutil
import sys
import textwrap
import warnings

import fixtures
from oslo_config import cfg
import testtools
import yaml

from glance_deactivate.cmd import manage
from glance_deactivate.db import migration
from glance_deactivate import middleware
from glance_deactivate import store
from tests.unit import schema

UUID = '5b1dfb3e-4a3b-4c2e-9d6f-0a6c1b2d3e4f'
FIRST_REVISION = 'eb82333ad427'
HEADER = ('| Image ID | Deactivated At | User ID | Project ID | Held | Reason '
          '| Owner |')


class ManageTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.db_path = os.path.join(self.tmp, 'db', 'state.sqlite')
        self.url = 'sqlite:///' + self.db_path
        self.config_file = self.write_config(self.url)
        # No configuration file of this machine may leak into a test.
        self.useFixture(fixtures.MonkeyPatch(
            'glance_deactivate.cmd.manage.default_config_files',
            lambda *args: []))

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
        argv = [] if config_file == '' else [
            '--config-file', config_file or self.config_file]
        status = manage.main(argv + list(args))
        return status, stdout.getvalue(), stderr.getvalue()

    def sync(self):
        status, out, err = self.run_manage('db', 'sync')
        self.assertEqual(0, status, err)

    def make_store(self):
        state_store = store.DeactivationStore.from_url(self.url)
        self.addCleanup(state_store.dispose)
        return state_store

    def assertOneLineError(self, stderr, *fragments):
        self.assertEqual(1, len(stderr.splitlines()), stderr)
        self.assertTrue(stderr.startswith('ERROR: '), stderr)
        self.assertNotIn('Traceback', stderr)
        for fragment in fragments:
            self.assertIn(fragment, stderr)


class DbCommandsTest(ManageTestBase):

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

    def test_db_sync_upgrades_an_old_schema(self):
        os.makedirs(os.path.dirname(self.db_path))
        schema.upgrade(self.url, FIRST_REVISION)
        status, out, err = self.run_manage('db', 'version')
        self.assertEqual((0, FIRST_REVISION + '\n'), (status, out), err)
        status, out, err = self.run_manage('db', 'sync')
        self.assertEqual(0, status, err)
        self.assertIn('upgraded from revision %s to %s'
                      % (FIRST_REVISION, migration.head()), out)


class ReadOnlyTest(ManageTestBase):
    """Read-only commands never create state (issue 13, point 5)."""

    READ_ONLY = (['db', 'version'], ['list'], ['list', '-f', 'json'],
                 ['show', UUID], ['history'], ['history', '--image', UUID])

    def test_missing_sqlite_file(self):
        # auto_create_schema (true by default) does not apply to reads.
        for command in self.READ_ONLY:
            status, out, err = self.run_manage(*command)
            self.assertEqual(1, status, command)
            self.assertEqual('', out)
            self.assertOneLineError(
                err, 'the deactivation state database %s does not exist '
                '(%s)' % (self.url, self.db_path), 'db sync')
        # Neither the file nor its directory was created.
        self.assertFalse(os.path.exists(os.path.dirname(self.db_path)))

    def test_default_connection_is_named_as_such(self):
        config_file = os.path.join(self.tmp, 'bare.conf')
        with open(config_file, 'w') as f:
            f.write('[DEFAULT]\nbind_port = 9292\n')
        status, out, err = self.run_manage('list', config_file=config_file)
        self.assertEqual(1, status)
        self.assertOneLineError(
            err, 'glance-deactivate.sqlite does not exist',
            '(the built-in default: [image_deactivation] connection is set '
            'in none of %s)' % config_file)
        # A configured one is not called a default.
        status, out, err = self.run_manage('list')
        self.assertNotIn('built-in default', err)

    def test_empty_database_file(self):
        os.makedirs(os.path.dirname(self.db_path))
        open(self.db_path, 'w').close()
        for command in self.READ_ONLY:
            status, out, err = self.run_manage(*command)
            self.assertEqual(1, status, command)
            self.assertOneLineError(
                err, 'has no glance-deactivate schema', 'db sync')
        self.assertIsNone(schema.version_of(self.url))
        self.assertEqual(0, os.path.getsize(self.db_path))

    def test_old_schema(self):
        os.makedirs(os.path.dirname(self.db_path))
        schema.upgrade(self.url, FIRST_REVISION)
        status, out, err = self.run_manage('list')
        self.assertEqual(1, status)
        self.assertOneLineError(
            err, 'is at schema revision %s' % FIRST_REVISION,
            'needs %s' % migration.head(), 'db sync')
        self.assertEqual(FIRST_REVISION, schema.version_of(self.url))

    def test_no_configuration_found(self):
        for command in self.READ_ONLY:
            status, out, err = self.run_manage(*command, config_file='')
            self.assertEqual(1, status, command)
            self.assertOneLineError(
                err, 'no configuration file found (looked for '
                'glance-api.conf and glance-deactivate-manage.conf in',
                '--config-file')

    def test_a_config_dir_is_configuration(self):
        config_dir = os.path.join(self.tmp, 'conf.d')
        os.mkdir(config_dir)
        os.rename(self.config_file, os.path.join(config_dir, 'api.conf'))
        self.sync_in(config_dir)
        status, out, err = self.run_manage('--config-dir', config_dir,
                                           'list', config_file='')
        self.assertEqual(0, status, err)
        self.assertIn(HEADER, out)

    def sync_in(self, config_dir):
        status, out, err = self.run_manage('--config-dir', config_dir,
                                           'db', 'sync', config_file='')
        self.assertEqual(0, status, err)

    def test_missing_config_file(self):
        status, out, err = self.run_manage(
            'db', 'sync', config_file=os.path.join(self.tmp, 'missing.conf'))
        self.assertEqual(1, status)
        self.assertOneLineError(err, 'missing.conf')


class OptionsTest(ManageTestBase):
    """A bad option value fails as it fails the API (issue 13, point 5)."""

    def api_error(self, config_file):
        error = self.assertRaises(
            (ValueError, cfg.Error), middleware.filter_factory, {},
            oslo_config_project='glance', oslo_config_file=config_file)
        return str(error)

    def test_bad_values_fail_with_the_apis_message(self):
        for extra in ('query_timeout = -1', 'fail_open = maybe',
                      'max_pool_size = many', 'max_rewrite_bytes = 10'):
            config_file = self.write_config(self.url, name='bad.conf',
                                            extra=extra)
            for command in (['list'], ['db', 'sync'], ['db', 'version']):
                status, out, err = self.run_manage(*command,
                                                   config_file=config_file)
                self.assertEqual(1, status, (extra, command))
                self.assertOneLineError(err, 'is not valid')
            # The command failed before it touched the database.
            self.assertFalse(os.path.exists(self.db_path))
            if extra != 'max_rewrite_bytes = 10':
                # (the API reads that one at its first large answer)
                self.assertEqual(
                    'ERROR: %s\n' % ' '.join(
                        self.api_error(config_file).split()), err)
                # (the API created its SQLite database)
                shutil.rmtree(os.path.dirname(self.db_path),
                              ignore_errors=True)

    def test_bad_connection_url(self):
        config_file = self.write_config('not a url', name='bad.conf')
        status, out, err = self.run_manage('list', config_file=config_file)
        self.assertEqual(1, status)
        self.assertOneLineError(
            err, '[image_deactivation] connection is not a database URL')
        self.assertEqual('ERROR: %s\n' % self.api_error(config_file), err)

    def test_bad_db_timeout(self):
        status, out, err = self.run_manage('--db-timeout', '-1', 'list')
        self.assertEqual(2, status)
        self.assertOneLineError(err, '--db-timeout must be 0')


class ListTest(ManageTestBase):

    def setUp(self):
        super().setUp()
        self.sync()

    def test_empty_table_has_a_header_and_says_so(self):
        status, out, err = self.run_manage('list')
        self.assertEqual(0, status, err)
        lines = out.splitlines()
        self.assertEqual(HEADER, lines[1])
        self.assertEqual('No deactivated images.', lines[-1])
        self.assertEqual(5, len(lines), out)

    def test_empty_machine_formats(self):
        for fmt, expected in (('json', []), ('yaml', [])):
            status, out, err = self.run_manage('list', '-f', fmt)
            self.assertEqual(0, status, err)
            self.assertEqual(expected, (json.loads if fmt == 'json'
                                        else yaml.safe_load)(out))
            self.assertNotIn('No deactivated', out)
        status, out, err = self.run_manage('list', '-f', 'value')
        self.assertEqual((0, ''), (status, out))
        status, out, err = self.run_manage('list', '-f', 'csv')
        self.assertEqual(
            (0, '"Image ID","Deactivated At","User ID","Project ID","Held",'
                '"Reason","Owner"'), (status, out.strip()))

    def add_records(self):
        state_store = self.make_store()
        state_store.add(UUID.upper(), user_id='u1', project_id='p1',
                        by_admin=True)
        state_store.add('0-other')
        return state_store

    def test_records(self):
        state_store = self.add_records()
        when = state_store.get(UUID.upper()).deactivated_at.strftime(
            '%Y-%m-%dT%H:%M:%SZ')
        status, out, err = self.run_manage('list', '-f', 'json')
        self.assertEqual(0, status, err)
        rows = {row['Image ID']: row for row in json.loads(out)}
        self.assertEqual({'Image ID': UUID.upper(), 'Deactivated At': when,
                          'User ID': 'u1', 'Project ID': 'p1', 'Held': True,
                          'Reason': None, 'Owner': None},
                         rows[UUID.upper()])
        self.assertEqual((None, None, False),
                         (rows['0-other']['User ID'],
                          rows['0-other']['Project ID'],
                          rows['0-other']['Held']))
        status, out, err = self.run_manage('list', '-f', 'yaml')
        self.assertEqual(2, len(yaml.safe_load(out)))
        status, out, err = self.run_manage('list')
        self.assertEqual(['Image ID', 'Deactivated At', 'User ID',
                          'Project ID', 'Held', 'Reason', 'Owner'],
                         [cell.strip() for cell in
                          out.splitlines()[1].strip('|').split('|')])
        self.assertNotIn('No deactivated images', out)
        rows = [[cell.strip() for cell in line.strip('|').split('|')]
                for line in out.splitlines() if line.startswith('| ')]
        self.assertIn([UUID.upper(), when, 'u1', 'p1', 'True', 'None',
                       'None'], rows)

    def test_columns_and_value(self):
        self.add_records()
        status, out, err = self.run_manage(
            'list', '-f', 'value', '-c', 'Image ID', '--sort-column',
            'Image ID')
        self.assertEqual((0, '0-other\n%s\n' % UUID.upper()), (status, out))

    def test_usage_errors(self):
        for args in (['list', '-f', 'xml'], ['list', 'extra'],
                     ['list', '--bogus']):
            status, out, err = self.run_manage(*args)
            self.assertEqual(2, status, args)
            self.assertEqual('', out)


class CommandLineTest(ManageTestBase):

    def test_usage_errors(self):
        self.assertEqual(2, self.run_manage()[0])
        self.assertEqual(2, self.run_manage('db')[0])
        self.assertEqual(2, self.run_manage('db', 'nonsense')[0])
        self.assertEqual(2, self.run_manage('nonsense')[0])
        # Global options go before the command.
        self.assertEqual(2, self.run_manage('list', '--debug')[0])

    def test_help(self):
        status, out, err = self.run_manage('--help')
        self.assertEqual(0, status)
        for words, command in manage.COMMANDS:
            self.assertIn(words.split()[0], out)
        self.assertIn('{sync,version}', out)
        self.assertIn('--db-timeout SECONDS', out)
        status, out, err = self.run_manage('list', '--help')
        self.assertEqual(0, status)
        self.assertIn('-f {csv,json,table,value,yaml}', out)
        self.assertIn('usage: glance-deactivate-manage list', out)

    def test_version_everywhere(self):
        version = manage.base.version_string()
        self.assertNotEqual('unknown', version)
        status, out, err = self.run_manage('--version')
        self.assertEqual((0, version), (status, (out or err).strip()))
        for words, command in manage.COMMANDS:
            status, out, err = self.run_manage(*words.split(), '--version')
            self.assertEqual(
                (0, 'glance-deactivate-manage %s' % version),
                (status, (out or err).strip()), words)

    def test_command_table(self):
        self.assertEqual(['db sync', 'db version', 'list', 'show', 'history',
                          'check-pipeline', 'quarantine create',
                          'quarantine list', 'quarantine show',
                          'quarantine lift'],
                         [words for words, _command in manage.COMMANDS])

    def test_unexpected_error_has_no_traceback(self):
        self.sync()
        self.useFixture(fixtures.MonkeyPatch(
            'glance_deactivate.db.migration.version', mock_failure))
        status, out, err = self.run_manage('db', 'version')
        self.assertEqual(1, status)
        self.assertOneLineError(err, 'RuntimeError: boom second line',
                                '--debug')

    def test_debug_shows_the_traceback(self):
        self.sync()
        self.useFixture(fixtures.MonkeyPatch(
            'glance_deactivate.db.migration.version', mock_failure))
        for args in (['--debug'], ['-d']):
            status, out, err = self.run_manage(*args, 'db', 'version')
            self.assertEqual(1, status)
            self.assertEqual('', out)
            self.assertIn('Traceback', err)
            self.assertIn('RuntimeError: boom', err)
            self.assertNotIn('run with --debug', err)

    def test_debug_from_the_config_file(self):
        self.sync()
        self.useFixture(fixtures.MonkeyPatch(
            'glance_deactivate.db.migration.version', mock_failure))
        config_file = self.write_config(self.url, name='debug.conf',
                                        defaults='debug = true')
        status, out, err = self.run_manage('db', 'version',
                                           config_file=config_file)
        self.assertEqual(1, status)
        self.assertIn('Traceback', err)


class LoggingTest(ManageTestBase):

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
        status, out, err = self.run_manage('--db-timeout', '0', 'list',
                                           config_file=config_file)
        self.assertEqual(1, status)
        # oslo.db's retry warnings, then our one error line.
        lines = err.splitlines()
        self.assertEqual(3, len(lines), err)
        self.assertTrue(all(line.startswith('WARNING: SQL connection failed')
                            for line in lines[:2]), err)
        self.assertOneLineError(lines[2] + '\n', "Can't connect")

    def test_logging_is_restored(self):
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        self.run_manage('db', 'version')
        self.assertEqual(handlers, root.handlers)
        self.assertEqual(level, root.level)

    def test_oslo_log_changes_are_undone(self):
        # oslo.log sets the levels of its default_log_levels loggers and
        # sys.excepthook for the process; main() puts them back.
        self.sync()
        sqlalchemy = logging.getLogger('sqlalchemy')
        self.addCleanup(sqlalchemy.setLevel, sqlalchemy.level)
        sqlalchemy.setLevel(logging.DEBUG)
        excepthook = sys.excepthook
        for _ in range(3):
            status, out, err = self.run_manage('db', 'version')
            self.assertEqual((0, migration.head() + '\n', ''),
                             (status, out, err))
        self.assertEqual(logging.DEBUG, sqlalchemy.level)
        self.assertIs(excepthook, sys.excepthook)

    def test_debug_is_oslo_logs_option(self):
        # No duplicate of oslo.log's own option (registering both fails).
        status, out, err = self.run_manage('--help')
        self.assertEqual(0, status)
        self.assertIn('--debug', out)
        self.assertIn('--log-file', out)

    def test_debug_shows_the_store_warning(self):
        config_file = self.write_config(
            'postgresql+psycopg2://x:secret@127.0.0.1:1/x', name='down.conf')
        status, out, err = self.run_manage('--debug', 'list',
                                           config_file=config_file)
        self.assertEqual(1, status)
        self.assertEqual('', out)
        self.assertIn('WARNING glance_deactivate.store', err)
        self.assertRegex(err, 'ERROR glance_deactivate.cmd.manage .*'
                              'deactivation state database .* unavailable')
        self.assertIn('Traceback', err)
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
            status, out, err = self.run_manage('--db-timeout', '0', 'list',
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
        self.run_manage('--db-timeout', '0', 'list', config_file=config_file)
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
        status, out, err = self.run_manage('--db-timeout', '0', 'list',
                                           config_file=config_file)
        self.assertEqual(1, status)
        self.assertEqual('', out)
        self.assertIn('WARNING: SQL connection failed', err)

        config_file = self.write_config(self.url, name='quiet.conf',
                                        defaults='use_stderr = false')
        self.run_manage('db', 'sync', config_file=config_file)
        self.make_store().add(UUID)
        status, out, err = self.run_manage('--debug', 'list', '-f', 'value',
                                           '-c', 'Image ID',
                                           config_file=config_file)
        self.assertEqual(0, status, err)
        self.assertEqual(UUID + '\n', out)


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
