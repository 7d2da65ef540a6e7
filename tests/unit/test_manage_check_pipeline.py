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

"""``glance-deactivate-manage check-pipeline PASTE_FILE [--strict]``.

The command is a thin wrapper of ``glance_deactivate.pipeline_check.run``
(tested in depth in ``test_pipeline_check``); these tests prove the
wiring: arguments, output on standard output and the exit codes (0 right
placement, 1 misplaced/absent/strict failure, 2 unreadable file or usage
error), on Glance 33's shipped paste file (the verbatim copy in ``data/``)
and on variants of it.  The command needs no configuration file and no
database.
"""

import io
import os

import fixtures
import testtools

from glance_deactivate.cmd import manage

DATA_COPY = os.path.join(os.path.dirname(__file__), 'data',
                         'glance-api-paste.ini')
STANZA = '\n[filter:deactivate]\nuse = egg:glance-deactivate#deactivate\n'
FLAVORS = 6


class CheckPipelineCommandTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        # No glance-api.conf of this machine may leak into the command.
        self.useFixture(fixtures.MonkeyPatch(
            'glance_deactivate.cmd.manage._default_config_files',
            lambda: []))
        with open(DATA_COPY, encoding='utf-8') as paste_file:
            self.shipped = paste_file.read()

    def write(self, text, name='glance-api-paste.ini'):
        path = os.path.join(self.tmp, name)
        with open(path, 'w', encoding='utf-8') as paste_file:
            paste_file.write(text)
        return path

    def variant(self, old, new, count):
        """Glance's file with ``old`` replaced (it must occur ``count``x)."""
        self.assertEqual(count, self.shipped.count(old), old)
        return self.shipped.replace(old, new) + STANZA

    def run_manage(self, *args):
        stdout = self.useFixture(fixtures.MonkeyPatch(
            'sys.stdout', io.StringIO())).new_value
        stderr = self.useFixture(fixtures.MonkeyPatch(
            'sys.stderr', io.StringIO())).new_value
        status = manage.main(list(args))
        return status, stdout.getvalue().splitlines(), stderr.getvalue()

    def test_shipped_file_has_no_filter(self):
        status, lines, err = self.run_manage('check-pipeline',
                                             DATA_COPY)
        self.assertEqual(1, status, lines)
        self.assertEqual(FLAVORS + 1, len(lines))
        self.assertIn('keystone: NOT PROTECTED: filter absent', lines[3])
        self.assertEqual(
            'RESULT: FAILED: no pipeline contains the deactivate filter',
            lines[-1])
        self.assertEqual('', err)

    def test_correct_everywhere(self):
        path = self.write(self.variant('context ', 'context deactivate ',
                                       FLAVORS))
        for args in ([path], [path, '--strict'], ['--strict', path]):
            status, lines, err = self.run_manage('check-pipeline', *args)
            self.assertEqual(0, status, lines)
            self.assertEqual('RESULT: OK: 6 of 6 pipelines protected',
                             lines[-1])
            self.assertIn(
                'keystone: OK (cors http_proxy_to_wsgi versionnegotiation '
                'osprofiler authtoken context deactivate rootapp)', lines)

    def test_one_flavor_protected_passes_unless_strict(self):
        path = self.write(self.variant(
            'authtoken context rootapp', 'authtoken context deactivate '
            'rootapp', 1))
        status, lines, _err = self.run_manage('check-pipeline', path)
        self.assertEqual(0, status, lines)
        self.assertTrue(lines[-1].startswith(
            'RESULT: OK: 1 of 6 pipelines protected'), lines[-1])
        status, lines, _err = self.run_manage('check-pipeline', path,
                                              '--strict')
        self.assertEqual(1, status, lines)
        self.assertEqual('RESULT: FAILED (strict): 1 of 6 pipelines '
                         'protected', lines[-1])

    def test_after_cache_is_misplaced(self):
        path = self.write(self.variant('context cache ',
                                       'context cache deactivate ', 4))
        status, lines, _err = self.run_manage('check-pipeline', path)
        self.assertEqual(1, status, lines)
        self.assertIn('keystone+caching: MISPLACED: deactivate must come '
                      'before cache (', '\n'.join(lines))
        self.assertTrue(lines[-1].startswith('RESULT: FAILED: 4 misplaced'),
                        lines[-1])

    def test_before_auth_is_misplaced(self):
        path = self.write(self.variant('osprofiler ', 'osprofiler deactivate ',
                                       FLAVORS))
        status, lines, _err = self.run_manage('check-pipeline', path,
                                              '--strict')
        self.assertEqual(1, status, lines)
        self.assertIn('keystone: MISPLACED: deactivate must come after '
                      'authtoken, context (', '\n'.join(lines))

    def test_missing_file_exits_2(self):
        missing = os.path.join(self.tmp, 'nope.ini')
        status, lines, _err = self.run_manage('check-pipeline', missing)
        self.assertEqual(2, status)
        self.assertEqual(1, len(lines), lines)
        self.assertTrue(lines[0].startswith('ERROR: '), lines)
        self.assertIn(missing, lines[0])

    def test_not_a_paste_file_exits_2(self):
        for text in ('this is not an ini file\n',
                     '[DEFAULT]\nbind_port = 9292\n'):
            status, lines, _err = self.run_manage(
                'check-pipeline', self.write(text, 'bad.ini'))
            self.assertEqual(2, status, (text, lines))
            self.assertTrue(lines[-1].startswith('ERROR: '), lines)

    def test_usage_errors_exit_2(self):
        for args in (['check-pipeline'],
                     ['check-pipeline', DATA_COPY, '--bogus']):
            status, _lines, _err = self.run_manage(*args)
            self.assertEqual(2, status, args)

    def test_needs_no_database(self):
        # A configuration whose state database cannot be opened does not
        # matter: check-pipeline reads the paste file only.
        conf = self.write('[image_deactivation]\nconnection = '
                          'mysql+pymysql://u:p@127.0.0.1:1/x\n'
                          'max_retries = 0\n', 'glance-api.conf')
        path = self.write(self.variant('context ', 'context deactivate ',
                                       FLAVORS))
        status, lines, err = self.run_manage('--config-file', conf,
                                             'check-pipeline', path)
        self.assertEqual(0, status, (lines, err))
