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

"""Tests for glance_deactivate.pipeline_check and pipeline_fix.

The variants are built by editing Glance's real paste file (the installed
one when glance is importable, else the verbatim copy in ``data/``), so the
tests follow Glance's pipelines rather than a hand-written imitation.
"""

import datetime
import io
import os
import sys

import fixtures
import testtools

from glance_deactivate import pipeline_check
from glance_deactivate import pipeline_fix


DATA_COPY = os.path.join(os.path.dirname(__file__), 'data',
                         'glance-api-paste.ini')
INSTALLED = os.path.join(sys.prefix, 'etc', 'glance', 'glance-api-paste.ini')
COPY_HEADER_LINES = 5
FLAVORS = ['default', 'caching', 'cachemanagement', 'keystone',
           'keystone+caching', 'keystone+cachemanagement']
STANZA_EGG = '\n[filter:deactivate]\nuse = egg:glance-deactivate#deactivate\n'
STANZA_FACTORY = ('\n[filter:image-deactivation]\npaste.filter_factory = '
                  'glance_deactivate.middleware:filter_factory\n')


def _read(path):
    with open(path, encoding='utf-8') as paste_file:
        return paste_file.read()


def glance_paste_text():
    """Glance's shipped paste file: installed copy first, else our copy."""
    if os.path.exists(INSTALLED):
        return _read(INSTALLED)
    return _read(DATA_COPY)


class PipelineCheckTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.real = glance_paste_text()

    def replace(self, text, old, new, count):
        """str.replace that insists on Glance's file having ``count`` hits."""
        self.assertEqual(count, text.count(old),
                         'Glance paste file changed: %r' % old)
        return text.replace(old, new)

    def write(self, text, name='api-paste.ini'):
        path = os.path.join(self.tmp, name)
        with open(path, 'w', encoding='utf-8') as paste_file:
            paste_file.write(text)
        return path

    def run_check(self, text, strict=False, flavor=None):
        out = io.StringIO()
        code = pipeline_check.run(self.write(text), out=out, strict=strict,
                                  flavor=flavor)
        return code, out.getvalue().splitlines()

    def correct(self, stanza=STANZA_EGG, name='deactivate'):
        """Glance's file with the filter right after (auth)context."""
        text = self.replace(self.real, 'context ', 'context %s ' % name, 6)
        return text + stanza

    def by_name(self, text):
        reports = pipeline_check.check_paste_file(self.write(text))
        return {r.name: r for r in reports}


class TestGlanceShippedFile(PipelineCheckTestBase):

    def test_unmodified_file_not_protected(self):
        code, lines = self.run_check(self.real)
        self.assertEqual(1, code)
        # The route Glance takes, the running pipeline, the others, RESULT.
        self.assertEqual(len(FLAVORS) + 2, len(lines))
        self.assertEqual('Glance loads glance-api (no flavor set): '
                         '[composite:glance-api] / -> [composite:api] '
                         'default', lines[0])
        self.assertTrue(lines[1].startswith(
            'running: default: NOT PROTECTED: filter absent'), lines[1])
        for flavor, line in zip(FLAVORS[1:], lines[2:]):
            self.assertTrue(
                line.startswith('%s: NOT PROTECTED: filter absent' % flavor),
                line)
        self.assertEqual('RESULT: FAILED: the running pipeline default is '
                         'NOT PROTECTED', lines[-1])

    def test_flavors_are_the_composite_keys(self):
        reports = self.by_name(self.real)
        self.assertEqual(set(FLAVORS), set(reports))
        for report in reports.values():
            self.assertEqual('composite:api', report.source)
            self.assertEqual('rootapp', report.entries[-1])
            self.assertTrue(report.has_auth)
            self.assertFalse(report.has_filter)

    def test_correct_in_every_flavor(self):
        code, lines = self.run_check(self.correct(), strict=True,
                                     flavor='keystone')
        self.assertEqual(0, code, lines)
        self.assertEqual(
            'running: keystone: OK (cors http_proxy_to_wsgi '
            'versionnegotiation osprofiler authtoken context deactivate '
            'rootapp)', lines[1])
        others = [f for f in FLAVORS if f != 'keystone']
        for flavor, line in zip(others, lines[2:]):
            self.assertTrue(line.startswith('%s: OK (' % flavor), line)
        self.assertEqual('RESULT: OK: the running pipeline keystone is '
                         'protected; 6 of 6 pipelines protected', lines[-1])

    def test_correct_report_fields(self):
        for report in self.by_name(self.correct()).values():
            self.assertEqual(pipeline_check.OK, report.status)
            self.assertTrue(report.has_filter)
            self.assertTrue(report.after_auth)
            self.assertTrue(report.after_versionnegotiation)
            self.assertTrue(report.before_cache)
            self.assertEqual((), report.problems)
            self.assertEqual((), report.warnings)

    def test_factory_form_under_any_name(self):
        text = self.correct(STANZA_FACTORY, name='image-deactivation')
        code, lines = self.run_check(text, strict=True)
        self.assertEqual(0, code, lines)

    def test_underscore_egg_name(self):
        stanza = STANZA_EGG.replace('glance-deactivate', 'glance_deactivate')
        code, lines = self.run_check(self.correct(stanza), strict=True)
        self.assertEqual(0, code, lines)

    def test_before_context_is_misplaced(self):
        text = self.replace(self.real, 'osprofiler ',
                            'osprofiler deactivate ', 6) + STANZA_EGG
        code, lines = self.run_check(text)
        self.assertEqual(1, code)
        self.assertIn('keystone: MISPLACED: deactivate must come after '
                      'authtoken, context (', '\n'.join(lines))
        self.assertIn('default: MISPLACED: deactivate must come after '
                      'unauthenticated-context (', '\n'.join(lines))
        for report in self.by_name(text).values():
            self.assertFalse(report.after_auth)
            self.assertTrue(report.after_versionnegotiation)

    def test_after_cache_is_misplaced(self):
        text = self.replace(self.real, 'context cache ',
                            'context cache deactivate ', 4)
        reports = self.by_name(text + STANZA_EGG)
        code, lines = self.run_check(text + STANZA_EGG)
        self.assertEqual(1, code)
        self.assertIn('caching: MISPLACED: deactivate must come before cache '
                      '(', '\n'.join(lines))
        self.assertFalse(reports['keystone+cachemanagement'].before_cache)
        self.assertFalse(reports['keystone'].has_filter)

    def test_after_cachemanage_names_both_caches(self):
        text = self.replace(self.real, 'cachemanage rootapp',
                            'cachemanage deactivate rootapp', 2)
        report = self.by_name(text + STANZA_EGG)['cachemanagement']
        self.assertEqual(
            ('deactivate must come before cache, cachemanage',),
            report.problems)

    def test_before_versionnegotiation_is_misplaced(self):
        text = self.replace(self.real, 'http_proxy_to_wsgi versionnegotiation',
                            'http_proxy_to_wsgi deactivate versionnegotiation',
                            6) + STANZA_EGG
        code, lines = self.run_check(text)
        self.assertEqual(1, code)
        for report in self.by_name(text).values():
            self.assertEqual(pipeline_check.MISPLACED, report.status)
            self.assertFalse(report.after_versionnegotiation)
            self.assertIn('deactivate must come after versionnegotiation',
                          report.problems)

    def test_one_flavor_protected(self):
        text = self.replace(self.real, 'authtoken context rootapp',
                            'authtoken context deactivate rootapp', 1)
        code, lines = self.run_check(text + STANZA_EGG, flavor='keystone')
        self.assertEqual(0, code)
        self.assertIn('default: NOT PROTECTED: filter absent (',
                      '\n'.join(lines))
        self.assertTrue(lines[-1].startswith(
            'RESULT: OK: the running pipeline keystone is protected; 1 of 6 '
            'pipelines protected; the others run only with another flavor'),
            lines[-1])
        self.assertIn('--strict', lines[-1])

    def test_the_running_pipeline_decides(self):
        # The same file: keystone protected, but glance-api runs another.
        text = self.replace(self.real, 'authtoken context rootapp',
                            'authtoken context deactivate rootapp', 1)
        for flavor in (None, 'caching', 'keystone+caching'):
            code, lines = self.run_check(text + STANZA_EGG, flavor=flavor)
            self.assertEqual(1, code, lines)
            self.assertEqual(
                'RESULT: FAILED: the running pipeline %s is NOT PROTECTED'
                % (flavor or 'default'), lines[-1])
            self.assertTrue(lines[1].startswith(
                'running: %s: NOT PROTECTED' % (flavor or 'default')), lines)

    def test_strict_fails_when_one_flavor_lacks_it(self):
        text = self.replace(self.real, 'authtoken context rootapp',
                            'authtoken context deactivate rootapp', 1)
        code, lines = self.run_check(text + STANZA_EGG, strict=True,
                                     flavor='keystone')
        self.assertEqual(1, code)
        self.assertEqual('RESULT: FAILED: (strict) 5 of 6 pipelines lack '
                         'the filter', lines[-1])

    def test_unknown_flavor(self):
        code, lines = self.run_check(self.correct(), flavor='nokeystone')
        self.assertEqual(1, code, lines)
        self.assertEqual('RESULT: FAILED: no section defines '
                         'glance-api-nokeystone (the application Glance '
                         'loads): glance-api would not start', lines[-1])

    def test_flavor_section_without_the_pipeline_key(self):
        text = self.correct().replace(
            '[composite:glance-api-keystone]',
            '[composite:glance-api-other]\npaste.composite_factory = '
            'glance.api:root_app_factory\n/: api\n\n'
            '[composite:glance-api-keystone]')
        code, lines = self.run_check(text, flavor='other')
        self.assertEqual(1, code, lines)
        self.assertIn('[composite:api] has no "other" pipeline', lines[-1])

    def test_missing_filter_section_is_an_error(self):
        # The pipelines name deactivate; no [filter:deactivate] exists.
        text = self.replace(self.real, 'context ', 'context deactivate ', 6)
        code, lines = self.run_check(text, flavor='keystone')
        self.assertEqual(1, code, lines)
        self.assertIn('running: keystone: ERROR: no [filter:deactivate] '
                      'section: paste cannot load this pipeline (',
                      lines[1])
        self.assertEqual('RESULT: FAILED: the running pipeline keystone is '
                         'ERROR; 5 other pipelines name a missing section',
                         lines[-1])
        for report in self.by_name(text).values():
            self.assertEqual(pipeline_check.ERROR, report.status)
            self.assertEqual((('filter', 'deactivate'),), report.missing)

    def test_summary_never_says_ok_and_failed(self):
        variants = [self.real, self.correct(), self.correct() + '\n',
                    self.replace(self.real, 'context ', 'context deactivate ',
                                 6),
                    self.replace(self.real, 'authtoken context rootapp',
                                 'authtoken context deactivate rootapp', 1)
                    + STANZA_EGG,
                    self.replace(self.real, 'context cache ',
                                 'context cache deactivate ', 4)
                    + STANZA_EGG]
        for text in variants:
            for flavor in [None] + FLAVORS[1:] + ['missing']:
                for strict in (False, True):
                    code, lines = self.run_check(text, strict, flavor)
                    result = lines[-1]
                    self.assertTrue(result.startswith('RESULT: '), result)
                    words = set(result.replace(';', ' ').replace(
                        ':', ' ').split())
                    self.assertEqual(1, len(words & {'OK', 'FAILED'}),
                                     result)
                    self.assertEqual('FAILED' in words, code == 1, result)

    def test_default_section_is_not_a_flavor(self):
        text = '[DEFAULT]\ndebug = true\n\n' + self.correct()
        self.assertEqual(set(FLAVORS), set(self.by_name(text)))

    def test_interpolation_is_not_applied(self):
        text = self.replace(
            self.real, '/etc/glance/healthcheck_disable',
            '%(here)s/healthcheck_disable', 1)
        self.assertEqual(set(FLAVORS), set(self.by_name(text)))

    def test_section_named_deactivate_with_foreign_factory(self):
        text = self.correct('\n[filter:deactivate]\n'
                            'paste.filter_factory = other.mw:factory\n')
        code, lines = self.run_check(text)
        self.assertEqual(1, code)
        self.assertEqual('RESULT: FAILED: the running pipeline default is '
                         'NOT PROTECTED', lines[-1])

    def test_config_reference_falls_back_to_name(self):
        text = self.correct('\n[filter:deactivate]\n'
                            'use = config:/etc/glance/other.ini#deactivate\n')
        code, lines = self.run_check(text, strict=True)
        self.assertEqual(0, code, lines)

    def test_use_chain_inside_the_file(self):
        text = self.correct('\n[filter:deactivate]\nuse = base\n'
                            '\n[filter:base]\n'
                            'use = egg:glance-deactivate#deactivate\n')
        code, lines = self.run_check(text, strict=True)
        self.assertEqual(0, code, lines)


class TestClassicPipelines(PipelineCheckTestBase):

    CLASSIC = (
        '[pipeline:glance-api]\n'
        'pipeline = cors http_proxy_to_wsgi versionnegotiation osprofiler '
        'unauthenticated-context deactivate rootapp\n\n'
        '[pipeline:glance-api-keystone+caching]\n'
        'pipeline = cors http_proxy_to_wsgi versionnegotiation osprofiler '
        'authtoken context deactivate cache rootapp\n')

    def classic(self, pipelines=CLASSIC):
        """Glance's file with its composites turned into pipelines."""
        start = self.real.index('# Use this composite for no auth')
        end = self.real.index('[composite:rootapp]')
        return (self.real[:start] + pipelines + '\n' + self.real[end:]
                + STANZA_EGG)

    def test_classic_pipelines(self):
        code, lines = self.run_check(self.classic(), strict=True)
        self.assertEqual(0, code, lines)
        self.assertEqual('Glance loads glance-api (no flavor set): '
                         '[pipeline:glance-api]', lines[0])
        self.assertTrue(lines[1].startswith('running: glance-api: OK ('),
                        lines)
        self.assertTrue(
            lines[2].startswith('glance-api-keystone+caching: OK ('), lines)
        reports = self.by_name(self.classic())
        self.assertEqual('pipeline:glance-api', reports['glance-api'].source)
        code, lines = self.run_check(self.classic(),
                                     flavor='keystone+caching')
        self.assertEqual(0, code, lines)
        self.assertTrue(lines[1].startswith(
            'running: glance-api-keystone+caching: OK ('), lines)

    def test_not_a_glance_file_is_judged_pipeline_by_pipeline(self):
        text = ('[pipeline:main]\npipeline = authtoken context deactivate '
                'app\n\n[pipeline:other]\npipeline = authtoken app\n\n'
                '[app:app]\npaste.app_factory = x:y\n\n'
                '[filter:authtoken]\npaste.filter_factory = '
                'keystonemiddleware.auth_token:filter_factory\n\n'
                '[filter:context]\npaste.filter_factory = x.context:f\n'
                + STANZA_EGG)
        code, lines = self.run_check(text)
        self.assertEqual(0, code, lines)
        self.assertTrue(lines[0].startswith('main: OK ('), lines)
        self.assertEqual('RESULT: OK: 1 of 2 pipelines protected (no '
                         'glance-api application in the file: no running '
                         'pipeline to judge); the others run only with '
                         'another flavor (--strict requires the filter in '
                         'every pipeline)', lines[-1])
        code, lines = self.run_check(text.replace(' deactivate', ''))
        self.assertEqual(1, code, lines)
        self.assertEqual('RESULT: FAILED: no pipeline contains the '
                         'deactivate filter', lines[-1])

    def test_classic_before_versionnegotiation(self):
        text = self.classic('[pipeline:glance-api]\npipeline = authtoken '
                            'context deactivate versionnegotiation rootapp\n')
        report = self.by_name(text)['glance-api']
        self.assertTrue(report.after_auth)
        self.assertEqual(
            ('deactivate must come after versionnegotiation',),
            report.problems)

    def test_no_auth_context_warns(self):
        text = self.classic('[pipeline:glance-api]\npipeline = '
                            'versionnegotiation deactivate rootapp\n')
        code, lines = self.run_check(text)
        self.assertEqual(0, code)
        self.assertIn('running: glance-api: OK (versionnegotiation '
                      'deactivate rootapp); WARNING: no auth/context filter',
                      lines[1])
        self.assertFalse(self.by_name(text)['glance-api'].has_auth)

    def test_duplicate_filter(self):
        text = self.classic('[pipeline:glance-api]\npipeline = context '
                            'deactivate deactivate rootapp\n')
        report = self.by_name(text)['glance-api']
        self.assertEqual(pipeline_check.MISPLACED, report.status)
        self.assertIn('deactivate appears 2 times; keep exactly one',
                      report.problems)

    def test_filter_as_last_entry(self):
        text = self.classic('[pipeline:glance-api]\npipeline = context '
                            'deactivate\n')
        report = self.by_name(text)['glance-api']
        # No [app:deactivate]: paste could not load it at all.
        self.assertEqual(pipeline_check.ERROR, report.status)
        self.assertEqual((('app', 'deactivate'),), report.missing)
        self.assertIn('application position', report.problems[0])

    def test_duplicate_names_are_qualified(self):
        text = self.classic('[pipeline:keystone]\npipeline = authtoken '
                            'context deactivate rootapp\n')
        text = text.replace('[composite:rootapp]',
                            '[composite:api]\npaste.composite_factory = '
                            'glance.api:pipeline_factory\nkeystone = '
                            'authtoken context rootapp\n\n'
                            '[composite:rootapp]')
        names = set(self.by_name(text))
        self.assertEqual({'pipeline:keystone/keystone',
                          'composite:api/keystone'}, names)

    def test_pipeline_without_setting(self):
        code, lines = self.run_check(self.classic('[pipeline:glance-api]\n'))
        self.assertEqual(2, code)
        self.assertIn('[pipeline:glance-api] has no "pipeline" setting',
                      lines[0])


class TestUnreadable(PipelineCheckTestBase):

    def assert_error(self, path, expected):
        out = io.StringIO()
        self.assertEqual(2, pipeline_check.run(path, out=out))
        lines = out.getvalue().splitlines()
        self.assertEqual(1, len(lines), lines)
        self.assertTrue(lines[0].startswith('ERROR: '), lines[0])
        self.assertIn(expected, lines[0])
        self.assertNotIn('Traceback', lines[0])

    def test_missing_file(self):
        path = os.path.join(self.tmp, 'missing.ini')
        self.assert_error(path, 'cannot read %s' % path)

    def test_directory(self):
        self.assert_error(self.tmp, 'cannot read %s' % self.tmp)

    def test_garbage_text(self):
        path = self.write('this is not\nan ini file at all\n')
        self.assert_error(path, 'is not a valid paste file')

    def test_binary(self):
        path = os.path.join(self.tmp, 'binary.ini')
        with open(path, 'wb') as binary:
            binary.write(b'\x00\xff\xfe[filter:\xc3(]\n')
        self.assert_error(path, 'cannot read %s' % path)

    def test_duplicate_section(self):
        path = self.write(self.real + '\n[filter:cache]\nuse = egg:x#y\n')
        self.assert_error(path, 'is not a valid paste file')

    def test_no_pipeline(self):
        path = self.write('[app:main]\npaste.app_factory = a.b:c\n')
        self.assert_error(path, 'holds no [pipeline:...] section')

    def test_check_paste_file_raises(self):
        self.assertRaises(pipeline_check.PasteFileError,
                          pipeline_check.check_paste_file,
                          os.path.join(self.tmp, 'missing.ini'))


class TestSample(PipelineCheckTestBase):

    SAMPLE = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir,
                          'etc', 'glance-api-paste.ini.sample')

    def test_sample_is_right_for_every_flavor(self):
        text = _read(self.SAMPLE)
        for flavor in [None] + FLAVORS[1:]:
            code, lines = self.run_check(text, strict=True, flavor=flavor)
            self.assertEqual(0, code, lines)
        self.assertEqual([], pipeline_fix.fix_text(text)[1])


class TestFix(PipelineCheckTestBase):

    def fix(self, text):
        new_text, changed = pipeline_fix.fix_text(text)
        return new_text, changed

    def assert_all_ok(self, text):
        for flavor in [None] + FLAVORS[1:]:
            code, lines = self.run_check(text, strict=True, flavor=flavor)
            self.assertEqual(0, code, lines)

    def changed_lines(self, old, new):
        old_lines, new_lines = old.splitlines(), new.splitlines()
        return ([line for line in old_lines if line not in new_lines],
                [line for line in new_lines if line not in old_lines])

    def test_shipped_file(self):
        new_text, changed = self.fix(self.real)
        self.assertEqual(FLAVORS + ['[filter:deactivate]'], changed)
        self.assert_all_ok(new_text)
        removed, added = self.changed_lines(self.real, new_text)
        # Only the six pipeline settings changed, and the stanza came.
        self.assertEqual(6, len(removed), removed)
        self.assertIn('keystone = cors http_proxy_to_wsgi versionnegotiation '
                      'osprofiler authtoken context deactivate rootapp',
                      added)
        self.assertIn('keystone+cachemanagement = cors http_proxy_to_wsgi '
                      'versionnegotiation osprofiler authtoken context '
                      'deactivate cache cachemanage rootapp', added)
        self.assertTrue(new_text.endswith(
            '\n[filter:deactivate]\nuse = egg:glance-deactivate#deactivate\n'))
        # Comments survive.
        self.assertIn('# Use this composite for keystone auth with image '
                      'caching', new_text)

    def test_misplaced_and_duplicated(self):
        text = self.replace(self.real, 'osprofiler ',
                            'osprofiler deactivate ', 6)
        text = self.replace(text, 'cache rootapp', 'cache deactivate rootapp',
                            2) + STANZA_EGG
        new_text, changed = self.fix(text)
        self.assertEqual(FLAVORS, changed)
        self.assert_all_ok(new_text)
        self.assertEqual(1, new_text.count('[filter:deactivate]'))

    def test_missing_section_gets_the_stanza(self):
        text = self.replace(self.real, 'context ', 'context deactivate ', 6)
        new_text, changed = self.fix(text)
        self.assertEqual(['[filter:deactivate]'], changed)
        self.assert_all_ok(new_text)

    def test_our_section_under_another_name(self):
        new_text, changed = self.fix(self.real + STANZA_FACTORY)
        self.assertEqual(FLAVORS, changed)
        self.assertNotIn('[filter:deactivate]', new_text)
        self.assertIn('authtoken context image-deactivation rootapp',
                      new_text)
        self.assert_all_ok(new_text)

    def test_correct_file_is_unchanged(self):
        text = self.correct()
        self.assertEqual((text, []), self.fix(text))

    def test_multi_line_setting(self):
        text = self.replace(
            self.real,
            'keystone = cors http_proxy_to_wsgi versionnegotiation osprofiler '
            'authtoken context rootapp',
            'keystone = cors http_proxy_to_wsgi versionnegotiation\n'
            '    # a comment line inside the value\n'
            '    osprofiler authtoken context rootapp', 1)
        new_text, _changed = self.fix(text)
        # Wrapped at 79 columns, with the setting's own indentation.
        self.assertIn('keystone = cors http_proxy_to_wsgi versionnegotiation '
                      'osprofiler authtoken\n    context deactivate rootapp\n',
                      new_text)
        self.assert_all_ok(new_text)

    def test_classic_pipelines(self):
        text = ('[pipeline:glance-api]\npipeline = versionnegotiation '
                'deactivate context cache rootapp\n\n'
                '[app:rootapp]\npaste.app_factory = x:y\n\n'
                '[filter:versionnegotiation]\npaste.filter_factory = '
                'glance.api.middleware.version_negotiation:F.factory\n\n'
                '[filter:context]\npaste.filter_factory = '
                'glance.api.middleware.context:ContextMiddleware.factory\n\n'
                '[filter:cache]\npaste.filter_factory = '
                'glance.api.middleware.cache:CacheFilter.factory\n'
                + STANZA_EGG)
        new_text, changed = self.fix(text)
        self.assertEqual(['glance-api'], changed)
        self.assertIn('pipeline = versionnegotiation context deactivate '
                      'cache rootapp\n', new_text)

    def test_cache_before_auth_cannot_be_fixed(self):
        text = self.replace(self.real, 'osprofiler authtoken context cache',
                            'osprofiler cache authtoken context', 2)
        error = self.assertRaises(pipeline_fix.FixError, self.fix, text)
        self.assertIn('a cache filter comes before', str(error))

    def test_foreign_section_named_deactivate(self):
        text = self.real + ('\n[filter:deactivate]\n'
                            'paste.filter_factory = other.mw:factory\n')
        error = self.assertRaises(pipeline_fix.FixError, self.fix, text)
        self.assertIn('[filter:deactivate] is another filter', str(error))

    def test_fix_file_keeps_a_backup(self):
        path = self.write(self.real, 'glance-api-paste.ini')
        os.chmod(path, 0o640)
        out = io.StringIO()
        written, backup = pipeline_fix.fix_file(path, out=out)
        self.assertEqual(path, written)
        self.assertTrue(os.path.basename(backup).startswith(
            'glance-api-paste.ini.bak-'), backup)
        self.assertEqual(self.real, _read(backup))
        self.assert_all_ok(_read(path))
        self.assertEqual(0o640, os.stat(path).st_mode & 0o777)
        self.assertIn('The original is saved as %s.' % backup,
                      out.getvalue())
        # A second backup never overwrites the first.
        self.assertNotEqual(backup, pipeline_fix.backup_name(
            path, now=self.backup_time(backup)))
        # Nothing to fix: nothing written, no backup.
        self.assertEqual((path, None), pipeline_fix.fix_file(path, out=out))
        self.assertEqual(1, len([n for n in os.listdir(self.tmp)
                                 if '.bak-' in n]))

    def backup_time(self, backup):
        stamp = backup.rpartition('.bak-')[2]
        return datetime.datetime.strptime(stamp, '%Y%m%dT%H%M%SZ')

    def test_fix_file_to_another_file(self):
        path = self.write(self.real, 'glance-api-paste.ini')
        output = os.path.join(self.tmp, 'fixed.ini')
        written, backup = pipeline_fix.fix_file(path, output,
                                                out=io.StringIO())
        self.assertEqual((output, None), (written, backup))
        self.assertEqual(self.real, _read(path))
        self.assert_all_ok(_read(output))
        # No backup, no temporary file left.
        self.assertEqual([], [n for n in os.listdir(self.tmp)
                              if '.bak-' in n or n.startswith('.paste-')])
