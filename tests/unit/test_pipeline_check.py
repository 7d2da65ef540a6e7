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

"""Tests for glance_deactivate.pipeline_check.

The variants are built by editing Glance's real paste file (the installed
one when glance is importable, else the verbatim copy in ``data/``), so the
tests follow Glance's pipelines rather than a hand-written imitation.
"""

import io
import os
import sys

import fixtures
import testtools

from glance_deactivate import pipeline_check


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

    def run_check(self, text, strict=False):
        out = io.StringIO()
        code = pipeline_check.run(self.write(text), out=out, strict=strict)
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
        self.assertEqual(len(FLAVORS) + 1, len(lines))
        for flavor, line in zip(FLAVORS, lines):
            self.assertTrue(
                line.startswith('%s: NOT PROTECTED: filter absent' % flavor),
                line)
        self.assertIn('no pipeline contains', lines[-1])

    def test_flavors_are_the_composite_keys(self):
        reports = self.by_name(self.real)
        self.assertEqual(set(FLAVORS), set(reports))
        for report in reports.values():
            self.assertEqual('composite:api', report.source)
            self.assertEqual('rootapp', report.entries[-1])
            self.assertTrue(report.has_auth)
            self.assertFalse(report.has_filter)

    def test_correct_in_every_flavor(self):
        code, lines = self.run_check(self.correct(), strict=True)
        self.assertEqual(0, code, lines)
        self.assertIn(
            'keystone: OK (cors http_proxy_to_wsgi versionnegotiation '
            'osprofiler authtoken context deactivate rootapp)', lines)
        for flavor, line in zip(FLAVORS, lines):
            self.assertTrue(line.startswith('%s: OK (' % flavor), line)
        self.assertEqual('RESULT: OK: 6 of 6 pipelines protected', lines[-1])

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
        code, lines = self.run_check(text + STANZA_EGG)
        self.assertEqual(0, code)
        self.assertIn('default: NOT PROTECTED: filter absent (',
                      '\n'.join(lines))
        self.assertTrue(lines[-1].startswith(
            'RESULT: OK: 1 of 6 pipelines protected'), lines[-1])
        self.assertIn('--strict', lines[-1])

    def test_strict_fails_when_one_flavor_lacks_it(self):
        text = self.replace(self.real, 'authtoken context rootapp',
                            'authtoken context deactivate rootapp', 1)
        code, lines = self.run_check(text + STANZA_EGG, strict=True)
        self.assertEqual(1, code)
        self.assertEqual('RESULT: FAILED (strict): 1 of 6 pipelines '
                         'protected', lines[-1])

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
        self.assertIn('no pipeline contains', lines[-1])

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
        """Glance's file with its [composite:api] turned into pipelines."""
        start = self.real.index('[composite:api]')
        end = self.real.index('[composite:rootapp]')
        return (self.real[:start] + pipelines + '\n' + self.real[end:]
                + STANZA_EGG)

    def test_classic_pipelines(self):
        code, lines = self.run_check(self.classic(), strict=True)
        self.assertEqual(0, code, lines)
        self.assertTrue(lines[0].startswith('glance-api: OK ('), lines)
        self.assertTrue(
            lines[1].startswith('glance-api-keystone+caching: OK ('), lines)
        reports = self.by_name(self.classic())
        self.assertEqual('pipeline:glance-api', reports['glance-api'].source)

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
        self.assertIn('glance-api: OK (versionnegotiation deactivate '
                      'rootapp); WARNING: no auth/context filter', lines[0])
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
        self.assertEqual(pipeline_check.MISPLACED, report.status)
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
