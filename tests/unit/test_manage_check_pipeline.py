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

"""``glance-deactivate-manage check-pipeline``: the command's wiring.

``glance_deactivate.pipeline_check`` is tested in depth in
``test_pipeline_check``; these tests prove what the command adds: the
paste file and the flavor found as glance-api finds them (``[paste_deploy]
flavor`` and ``config_file`` of the configuration files, or the paste file
beside ``glance-api.conf``), ``--flavor``, ``--fix`` and ``--output``, the
output on standard output and the exit codes (0 right, 1 wrong, 2
unreadable, not fixable or usage error), on Glance 33's shipped paste file
(the verbatim copy in ``data/``) and on variants of it.  The command needs
no database.
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
            'glance_deactivate.cmd.manage.default_config_files',
            lambda *args: []))
        with open(DATA_COPY, encoding='utf-8') as paste_file:
            self.shipped = paste_file.read()

    def write(self, text, name='glance-api-paste.ini'):
        path = os.path.join(self.tmp, name)
        with open(path, 'w', encoding='utf-8') as paste_file:
            paste_file.write(text)
        return path

    def read(self, name='glance-api-paste.ini'):
        with open(os.path.join(self.tmp, name), encoding='utf-8') as f:
            return f.read()

    def conf(self, flavor=None, config_file=None, name='glance-api.conf'):
        """A glance-api.conf in the temporary directory."""
        text = '[DEFAULT]\nbind_port = 9292\n\n[paste_deploy]\n'
        if flavor is not None:
            text += 'flavor = %s\n' % flavor
        if config_file is not None:
            text += 'config_file = %s\n' % config_file
        return self.write(text, name)

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
        status, lines, err = self.run_manage('check-pipeline', DATA_COPY)
        self.assertEqual(1, status, lines)
        self.assertEqual(FLAVORS + 2, len(lines))
        self.assertIn('running: default: NOT PROTECTED: filter absent',
                      lines[1])
        self.assertEqual('RESULT: FAILED: the running pipeline default is '
                         'NOT PROTECTED', lines[-1])
        self.assertEqual('', err)

    def test_flavor_from_glance_api_conf(self):
        # keystone protected only: right for flavor keystone alone.
        self.write(self.variant('authtoken context rootapp',
                                'authtoken context deactivate rootapp', 1))
        for flavor, expected in (('keystone', 0), ('keystone+caching', 1),
                                 (None, 1), ('', 1)):
            config = self.conf(flavor)
            status, lines, err = self.run_manage(
                '--config-file', config, 'check-pipeline')
            self.assertEqual(expected, status, (flavor, lines, err))
            running = flavor or 'default'
            self.assertTrue(lines[1].startswith('running: %s: ' % running),
                            lines)
            if flavor:
                self.assertEqual(
                    'Glance loads glance-api-%(f)s (flavor %(f)s, '
                    '[paste_deploy] flavor in %(c)s): '
                    '[composite:glance-api-%(f)s] / -> [composite:api] %(f)s'
                    % {'f': flavor, 'c': config}, lines[0])
        # --flavor wins over the file.
        status, lines, _err = self.run_manage(
            '--config-file', self.conf('caching'), 'check-pipeline',
            '--flavor', 'keystone')
        self.assertEqual(0, status, lines)
        self.assertIn('(flavor keystone, --flavor)', lines[0])

    def test_paste_file_from_config_file_setting(self):
        path = self.write(self.variant('context ', 'context deactivate ',
                                       FLAVORS), 'elsewhere.ini')
        config = self.conf('keystone', config_file=path)
        status, lines, _err = self.run_manage('--config-file', config,
                                              'check-pipeline', '--strict')
        self.assertEqual(0, status, lines)
        self.assertEqual('RESULT: OK: the running pipeline keystone is '
                         'protected; 6 of 6 pipelines protected', lines[-1])
        config = self.conf('keystone', config_file=path + '.missing')
        status, lines, _err = self.run_manage('--config-file', config,
                                              'check-pipeline')
        self.assertEqual(2, status, lines)
        self.assertEqual(['ERROR: the paste file %s.missing named by '
                          '[paste_deploy] config_file does not exist' % path],
                         lines)

    def test_no_paste_file_found(self):
        status, lines, _err = self.run_manage(
            '--config-file', self.conf('keystone'), 'check-pipeline')
        self.assertEqual(2, status, lines)
        self.assertEqual(1, len(lines), lines)
        self.assertIn('ERROR: cannot find glance-api-paste.ini', lines[0])

    def test_after_cache_is_misplaced(self):
        path = self.write(self.variant('context cache ',
                                       'context cache deactivate ', 4))
        status, lines, _err = self.run_manage('check-pipeline', path,
                                              '--flavor', 'keystone+caching')
        self.assertEqual(1, status, lines)
        self.assertIn('running: keystone+caching: MISPLACED: deactivate must '
                      'come before cache (', lines[1])
        self.assertEqual('RESULT: FAILED: the running pipeline '
                         'keystone+caching is MISPLACED; 3 other pipelines '
                         'misplace the filter', lines[-1])

    def test_missing_filter_section(self):
        path = self.write(self.shipped.replace('context ',
                                               'context deactivate '))
        status, lines, _err = self.run_manage('check-pipeline', path,
                                              '--flavor', 'keystone')
        self.assertEqual(1, status, lines)
        self.assertIn('running: keystone: ERROR: no [filter:deactivate] '
                      'section', lines[1])

    def test_fix_in_place_with_a_backup(self):
        path = self.write(self.shipped)
        config = self.conf('keystone')
        status, lines, err = self.run_manage('--config-file', config,
                                             'check-pipeline', '--fix')
        self.assertEqual(0, status, (lines, err))
        self.assertTrue(lines[0].startswith(
            'Fixed default, caching, cachemanagement, keystone, '
            'keystone+caching, keystone+cachemanagement, '
            '[filter:deactivate]: wrote %s.' % path), lines)
        backups = [n for n in os.listdir(self.tmp) if '.bak-' in n]
        self.assertEqual(1, len(backups))
        self.assertEqual(self.shipped, self.read(backups[0]))
        self.assertEqual('RESULT: OK: the running pipeline keystone is '
                         'protected; 6 of 6 pipelines protected', lines[-1])
        # A second run has nothing to do and keeps no other backup.
        status, lines, err = self.run_manage('--config-file', config,
                                             'check-pipeline', '--fix',
                                             '--strict')
        self.assertEqual(0, status, (lines, err))
        self.assertEqual('Nothing to fix in %s.' % path, lines[0])
        self.assertEqual(1, len([n for n in os.listdir(self.tmp)
                                 if '.bak-' in n]))

    def test_fix_to_another_file(self):
        path = self.write(self.shipped)
        output = os.path.join(self.tmp, 'fixed.ini')
        status, lines, _err = self.run_manage(
            'check-pipeline', path, '--fix', '--output', output)
        self.assertEqual(0, status, lines)
        self.assertEqual(self.shipped, self.read())
        self.assertIn('deactivate rootapp', self.read('fixed.ini'))
        self.assertEqual([], [n for n in os.listdir(self.tmp)
                              if '.bak-' in n])

    def test_fix_refused(self):
        text = self.shipped.replace('osprofiler authtoken context cache',
                                    'osprofiler cache authtoken context')
        path = self.write(text)
        status, lines, _err = self.run_manage('check-pipeline', path, '--fix')
        self.assertEqual(2, status, lines)
        self.assertEqual(1, len(lines), lines)
        self.assertIn('ERROR: in (', lines[0])
        self.assertEqual(text, self.read())
        self.assertEqual(['glance-api-paste.ini'], os.listdir(self.tmp))

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
        for args in (['check-pipeline', DATA_COPY, '--bogus'],
                     ['check-pipeline', DATA_COPY, 'extra']):
            status, _lines, _err = self.run_manage(*args)
            self.assertEqual(2, status, args)
        status, lines, err = self.run_manage('check-pipeline', DATA_COPY,
                                             '--output', 'x')
        self.assertEqual(1, status)
        self.assertEqual('ERROR: --output goes with --fix\n', err)

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
