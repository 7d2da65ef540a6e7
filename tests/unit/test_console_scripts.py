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

"""The installed console scripts, run as an operator runs them.

``glance-deactivate-manage`` and ``glance-deactivate-status`` are run as
subprocesses (the scripts tox installed beside this Python) on real files:
a glance-api.conf, Glance 33's shipped paste file (the verbatim copy in
``data/``), a policy file and a SQLite state database.  Nothing here is
mocked; a missing script is a failure, not a skip.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap

import fixtures
import testtools

from glance_deactivate.cmd import base
from glance_deactivate.db import migration
from tests.unit import schema

DATA_COPY = os.path.join(os.path.dirname(__file__), 'data',
                         'glance-api-paste.ini')
BIN = os.path.dirname(sys.executable)
MANAGE = os.path.join(BIN, 'glance-deactivate-manage')
STATUS = os.path.join(BIN, 'glance-deactivate-status')
# A command is never allowed this long: a hung one fails the test.
DEADLINE = 120

CHECKS = ('Options', 'State database', 'Schema', 'Paste pipeline',
          "Glance's own deactivate")


class SilentServer(fixtures.Fixture):
    """A TCP port on 127.0.0.1 that accepts connections and never speaks."""

    def _setUp(self):
        self.socket = socket.socket()
        self.addCleanup(self.socket.close)
        self.socket.bind(('127.0.0.1', 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]


class ScriptsTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        for script in (MANAGE, STATUS):
            self.assertTrue(os.access(script, os.X_OK),
                            '%s is not installed: run the tests through tox'
                            % script)
        self.tmp = self.useFixture(fixtures.TempDir()).path
        # HOME without configuration: only the files named here count.
        home = os.path.join(self.tmp, 'home')
        os.mkdir(home)
        self.useFixture(fixtures.EnvironmentVariable('HOME', home))
        self.db_path = os.path.join(self.tmp, 'state', 'state.sqlite')
        self.paste = os.path.join(self.tmp, 'glance-api-paste.ini')
        shutil.copy(DATA_COPY, self.paste)
        self.policy = os.path.join(self.tmp, 'policy.yaml')
        self.write('policy.yaml', '"deactivate": "!"\n"reactivate": "!"\n')
        self.config = self.write_config()

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def write_config(self, connection=None, extra='', flavor='keystone',
                     name='glance-api.conf'):
        return self.write(name, textwrap.dedent('''\
            [DEFAULT]
            bind_port = 9292

            [paste_deploy]
            flavor = %s

            [oslo_policy]
            policy_file = %s

            [image_deactivation]
            connection = %s
            %s
            ''') % (flavor, self.policy,
                    connection or 'sqlite:///' + self.db_path, extra))

    def run_script(self, script, *args, config=None):
        argv = [script]
        if config != '':
            argv += ['--config-file', config or self.config]
        result = subprocess.run(argv + list(args), capture_output=True,
                                text=True, timeout=DEADLINE, cwd=self.tmp,
                                stdin=subprocess.DEVNULL)
        return result.returncode, result.stdout, result.stderr

    def manage(self, *args, **kwargs):
        return self.run_script(MANAGE, *args, **kwargs)

    def status(self, *args, **kwargs):
        return self.run_script(STATUS, *args, **kwargs)

    def checks(self, *args, **kwargs):
        """Run the upgrade check with --json: (exit status, name->result)."""
        code, out, err = self.status(*args, 'upgrade', 'check', '--json',
                                     **kwargs)
        self.assertIn(code, (0, 1, 2), (out, err))
        document = json.loads(out)
        self.assertEqual([c['check'] for c in document['checks']],
                         list(CHECKS))
        return code, {c['check']: (c['result'], c['details'])
                      for c in document['checks']}


class ManageScriptTest(ScriptsTestBase):

    def test_version_everywhere(self):
        version = base.version_string()
        for args in (['--version'], ['list', '--version'],
                     ['db', 'sync', '--version'],
                     ['check-pipeline', '--version']):
            code, out, err = self.manage(*args, config='')
            self.assertEqual(0, code, (args, err))
            self.assertIn(version, out + err, args)
        code, out, err = self.status('--version', config='')
        self.assertEqual((0, version), (code, (out + err).strip()))

    def test_read_only_then_sync(self):
        for args in (['list'], ['db', 'version'], ['show', 'x'],
                     ['history']):
            code, out, err = self.manage(*args)
            self.assertEqual((1, ''), (code, out), args)
            self.assertIn('does not exist', err)
            self.assertEqual(1, len(err.splitlines()), err)
        self.assertFalse(os.path.exists(os.path.dirname(self.db_path)))
        code, out, err = self.manage('db', 'sync')
        self.assertEqual(0, code, err)
        code, out, err = self.manage('list', '-f', 'json')
        self.assertEqual((0, []), (code, json.loads(out)), err)
        code, out, err = self.manage('db', 'version')
        self.assertEqual((0, migration.head() + '\n'), (code, out), err)

    def test_no_configuration_found(self):
        code, out, err = self.manage('list', config='')
        self.assertEqual(1, code)
        self.assertTrue(err.startswith('ERROR: no configuration file found'),
                        err)

    def test_unreachable_mysql_fails_within_the_timeout(self):
        # oslo.db's defaults (10 retries, 10 s apart) would wait 100 s.
        config = self.write_config(
            'mysql+pymysql://u:secret@127.0.0.1:1/x', name='down.conf')
        for args in (['list'], ['db', 'sync'], ['history']):
            code, out, err = self.manage('--db-timeout', '1', *args,
                                         config=config)
            self.assertEqual(1, code, err)
            self.assertIn('ERROR: no answer from the deactivation state '
                          'database mysql+pymysql://u:***@127.0.0.1:1/x',
                          err.splitlines()[-1])
            self.assertTrue(err.endswith(' within 1 s (--db-timeout)\n'),
                            err)
            self.assertNotIn('secret', err)

    def test_silent_server_fails_within_the_timeout(self):
        server = self.useFixture(SilentServer())
        for scheme in ('mysql+pymysql', 'postgresql+psycopg2'):
            config = self.write_config(
                '%s://u:p@127.0.0.1:%d/x' % (scheme, server.port),
                name='silent.conf')
            code, out, err = self.manage('--db-timeout', '0.5', 'list',
                                         config=config)
            self.assertEqual(1, code, err)
            self.assertIn('within 0.5 s (--db-timeout)', err.splitlines()[-1])

    def test_check_pipeline_and_fix(self):
        code, out, err = self.manage('check-pipeline')
        self.assertEqual(1, code, out)
        self.assertIn('running: keystone: NOT PROTECTED', out)
        code, out, err = self.manage('check-pipeline', '--fix')
        self.assertEqual(0, code, out)
        self.assertTrue(out.splitlines()[-1].startswith(
            'RESULT: OK: the running pipeline keystone is protected'), out)
        backups = [n for n in os.listdir(self.tmp)
                   if n.startswith('glance-api-paste.ini.bak-')]
        self.assertEqual(1, len(backups), backups)


class StatusScriptTest(ScriptsTestBase):

    def ready(self):
        self.assertEqual(0, self.manage('db', 'sync')[0])
        self.assertEqual(0, self.manage('check-pipeline', '--fix')[0])

    def test_all_good(self):
        self.ready()
        code, results = self.checks()
        self.assertEqual(0, code, results)
        self.assertEqual({name: 0 for name in CHECKS},
                         {name: r[0] for name, r in results.items()})
        self.assertEqual('at revision %s' % migration.head(),
                         results['Schema'][1])
        # The human table, as oslo.upgradecheck prints it.
        code, out, err = self.status('upgrade', 'check')
        self.assertEqual(0, code, err)
        self.assertEqual(5, out.count('Result: Success'), out)

    def test_fresh_node(self):
        # Nothing done yet: no database (and none created), the pipeline
        # unprotected, Glance's rules on.
        os.unlink(self.policy)
        code, results = self.checks()
        self.assertEqual(2, code, results)
        self.assertEqual(0, results['Options'][0])
        self.assertEqual(2, results['State database'][0])
        self.assertIn('does not exist', results['State database'][1])
        self.assertEqual(2, results['Schema'][0])
        self.assertEqual(2, results['Paste pipeline'][0])
        self.assertIn('the running pipeline keystone is NOT PROTECTED',
                      results['Paste pipeline'][1])
        self.assertEqual(1, results["Glance's own deactivate"][0])
        self.assertFalse(os.path.exists(os.path.dirname(self.db_path)))

    def test_only_glance_rules_on_is_a_warning(self):
        self.ready()
        self.write('policy.yaml', '"deactivate": "!"\n')
        code, results = self.checks()
        self.assertEqual(1, code, results)
        self.assertIn("Glance's own reactivate rule is not \"!\" (%s)"
                      % self.policy, results["Glance's own deactivate"][1])

    def test_old_schema(self):
        self.ready()
        os.unlink(self.db_path)
        code, out, err = self.manage('db', 'version')
        self.assertEqual(1, code)
        schema.upgrade('sqlite:///' + self.db_path, 'eb82333ad427')
        code, results = self.checks()
        self.assertEqual(2, code)
        self.assertEqual((2, "at revision eb82333ad427, this version needs "
                          "%s: run 'glance-deactivate-manage db sync'"
                          % migration.head()), results['Schema'])

    def test_bad_option_value(self):
        self.ready()
        config = self.write_config(extra='query_timeout = -3',
                                   name='bad.conf')
        code, results = self.checks(config=config)
        self.assertEqual(2, code)
        self.assertIn('query_timeout', results['Options'][1])
        self.assertIn('is not valid', results['Options'][1])

    def test_unreachable_database(self):
        self.ready()
        server = self.useFixture(SilentServer())
        config = self.write_config(
            'mysql+pymysql://u:p@127.0.0.1:%d/x' % server.port,
            name='silent.conf', extra='[paste_deploy]\nconfig_file = %s'
            % self.paste)
        code, results = self.checks('--db-timeout', '0.5', config=config)
        self.assertEqual(2, code)
        self.assertIn('within 0.5 s', results['State database'][1])
        self.assertEqual(0, results['Paste pipeline'][0])

    def test_no_paste_file(self):
        self.ready()
        os.unlink(self.paste)
        code, results = self.checks()
        self.assertEqual(2, code)
        self.assertIn('cannot find glance-api-paste.ini',
                      results['Paste pipeline'][1])

    def test_usage(self):
        code, out, err = self.status('upgrade')
        self.assertEqual(2, code)
        code, out, err = self.status('--config-file',
                                     os.path.join(self.tmp, 'missing.conf'),
                                     'upgrade', 'check', config='')
        self.assertEqual(255, code)
        self.assertTrue(err.startswith('ERROR: '), err)
