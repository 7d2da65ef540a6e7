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

"""What the documentation shows holds, and fits on the page.

No clipped code blocks: a literal block line wider than the page's code
column scrolls sideways in the HTML (Sphinx's ``pre { overflow: auto }``),
which hides its end.  doc/source/conf.py sets alabaster's ``page_width``
to 1140px: minus the 220px sidebar, the body's 2 x 30px padding and the
``pre`` block's 2 x 30px padding, that leaves 800px for the code, and a
monospace character at alabaster's 0.9 x 17px is at most about 9.3px wide
(DejaVu Sans Mono, the widest of its fonts), so 86 characters fit; the
limit here is 79.  Every literal block of every page is checked: ``::``
blocks and ``code-block`` directives in doc/source (``.rst`` and ``.inc``),
the README (which the index and the install guide include), the module
docstrings that ``automodule`` renders, and every ``literalinclude``'d
file.  ``wrap.css`` wraps, rather than clips, the few lines that may not
be shortened (:func:`may_wrap`) and any line on a narrower screen.

The install guide's claims about drivers and extras are checked here too:
the extras are declared in the package metadata pbr writes from
setup.cfg, and SQLAlchemy selects the driver the guide names for each URL.
"""

import ast
import importlib.metadata
import json
import os
import re

import jsonschema
from sqlalchemy.engine import url as sa_url
import testtools

from glance_deactivate import actions
from glance_deactivate import guards
from glance_deactivate import middleware
from glance_deactivate import quarantine
from glance_deactivate import quarantines_api
from glance_deactivate import quarantines_schema
from glance_deactivate import reason
from glance_deactivate import records_api
from glance_deactivate import records_schema

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
DOC = os.path.join(ROOT, 'doc', 'source')
LIMIT = 79

_DIRECTIVE = re.compile(r'^(\s*)\.\. ([\w:-]+)::(.*)$')
_LITERAL_DIRECTIVES = ('code-block', 'code', 'sourcecode', 'parsed-literal')


def _read(path):
    with open(path, encoding='utf-8') as source:
        return source.read()


def _indent(line):
    return len(line) - len(line.lstrip(' '))


def _indented_block(lines, start, parent_indent):
    """The lines of the block indented deeper than ``parent_indent``."""
    block = []
    index = start
    while index < len(lines):
        line = lines[index]
        if line.strip() and _indent(line) <= parent_indent:
            break
        block.append(line)
        index += 1
    while block and not block[-1].strip():
        block.pop()
    return block, index


def literal_blocks(text, where, folder=None):
    """Yield (where, lines) for each literal block of reST ``text``.

    ``where`` names the source; ``folder`` is its directory (for
    ``literalinclude``), None when it cannot include files (a docstring).
    """
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = _DIRECTIVE.match(line)
        if directive and directive.group(2) == 'literalinclude':
            path = os.path.join(folder, directive.group(3).strip())
            yield path, _read(path).splitlines()
        elif (directive and directive.group(2) in _LITERAL_DIRECTIVES) or (
                not directive and line.rstrip().endswith('::')):
            block, end = _indented_block(lines, index + 1, _indent(line))
            body = [b for b in block if b.strip()]
            if directive:  # the directive's options come first
                while body and body[0].lstrip().startswith(':'):
                    body.pop(0)
            if body:
                margin = min(_indent(b) for b in body)
                yield where, [b[margin:] for b in body]
            index = end
            continue
        index += 1


def may_wrap(where, line):
    """Whether ``line`` may pass the limit, to be wrapped by wrap.css.

    The README's two Quick start commands stay exactly as they are,
    benchmarks.rst quotes the benchmark tool's report verbatim, and a
    policy rule is shown as the one line an operator pastes into
    ``policy.yaml``.
    """
    if 'rule:image_deactivation:admin or (' in line or (
            line.startswith('rule:image_deactivation:admin or ')):
        return True
    if where.endswith('README.rst'):
        return line.startswith('python3 -m venv .venv && ')
    if where.endswith('benchmarks.rst'):
        return re.match(r'(- MET |- NOT MET |Machine: |Run: )', line)
    return False


def rendered_sources():
    """(text, name, directory) of everything Sphinx renders from reST."""
    sources = []
    for folder, _dirs, files in os.walk(DOC):
        for name in sorted(files):
            if name.endswith(('.rst', '.inc')):
                path = os.path.join(folder, name)
                sources.append((_read(path), path, folder))
    readme = os.path.join(ROOT, 'README.rst')
    sources.append((_read(readme), readme, ROOT))
    modules = set()
    for text, _name, _folder in list(sources):
        modules.update(re.findall(r'^\.\. automodule:: (\S+)', text, re.M))
    for module in sorted(modules):
        path = os.path.join(ROOT, *module.split('.')) + '.py'
        if not os.path.exists(path):
            path = path[:-3] + os.sep + '__init__.py'
        docstring = ast.get_docstring(ast.parse(_read(path)))
        sources.append((docstring or '', path, None))
    return sources


class TestLiteralBlocksFit(testtools.TestCase):

    def test_the_scanner_finds_blocks(self):
        text = ('Text::\n\n    short\n    %s\n\nafter\n\n'
                '.. code-block:: sh\n   :caption: x\n\n   ok\n' % ('x' * 90))
        blocks = list(literal_blocks(text, 'text'))
        self.assertEqual([['short', 'x' * 90], ['ok']],
                         [lines for _where, lines in blocks])

    def test_no_literal_line_is_wider_than_the_page(self):
        wide = []
        blocks = 0
        for text, name, folder in rendered_sources():
            for where, lines in literal_blocks(text, name, folder):
                blocks += 1
                wide.extend('%s: %d: %s' % (where, len(line), line)
                            for line in lines if len(line) > LIMIT and
                            not may_wrap(where, line))
        self.assertGreater(blocks, 30)
        self.assertEqual([], wide)

    def test_the_page_is_as_wide_as_the_limit_assumes(self):
        conf = _read(os.path.join(DOC, 'conf.py'))
        self.assertIn("'page_width': '1140px'", conf)
        self.assertIn("'sidebar_width': '220px'", conf)
        self.assertIn("white-space: pre-wrap",
                      _read(os.path.join(DOC, '_static', 'wrap.css')))


class TestInstallGuideClaims(testtools.TestCase):

    def test_extras_are_declared(self):
        meta = importlib.metadata.metadata('glance-deactivate')
        self.assertLessEqual({'postgresql', 'mysql'},
                             set(meta.get_all('Provides-Extra')))
        requires = meta.get_all('Requires-Dist')
        self.assertTrue(any(r.startswith('psycopg[binary]') and
                            'extra == "postgresql"' in r for r in requires),
                        requires)
        self.assertTrue(any(r.startswith('PyMySQL') and
                            'extra == "mysql"' in r for r in requires),
                        requires)

    def test_urls_select_the_drivers_the_guide_names(self):
        for conf, driver in (('glance-api-postgresql.conf', 'psycopg'),
                             ('glance-api-mysql.conf', 'pymysql')):
            url = re.search(r'^connection = (\S+)$',
                            _read(os.path.join(DOC, 'install', conf)),
                            re.M).group(1)
            self.assertEqual(driver,
                             sa_url.make_url(url).get_dialect().driver)
        # The guide's warning: a bare mysql:// is not PyMySQL.
        self.assertEqual('mysqldb',
                         sa_url.make_url('mysql://').get_dialect().driver)

    def test_api_samples_carry_the_filters_messages(self):
        messages = {value for module in (actions, guards, middleware,
                                         reason, records_api, quarantine,
                                         quarantines_api)
                    for name, value in vars(module).items()
                    if name.startswith('MSG_')}
        samples = os.path.join(DOC, 'api', 'samples')
        checked = 0
        for name in sorted(os.listdir(samples)):
            text = _read(os.path.join(samples, name))
            status = re.match(r'HTTP/1\.1 ([45]\d\d) ', text)
            if not status:
                continue
            message = text.rstrip('\n').rsplit('\n', 1)[-1]
            checked += 1
            if status.group(1) == '405':
                self.assertEqual('The method GET is not allowed for this '
                                 'resource.', message)
                continue
            self.assertTrue(
                message in messages or any(
                    '%' in m and re.fullmatch(
                        re.escape(m).replace('%s', '.*').replace(
                            '%d', r'\d+'), message)
                    for m in messages), '%s: %s' % (name, message))
        self.assertGreater(checked, 5)

    def test_read_api_samples_are_the_schemas_documents(self):
        # The API reference's read-API answers validate against the
        # schemas the filter serves, and its schema samples are the
        # served schemas less their left-out properties.
        def sample(name):
            return json.loads(_read(os.path.join(DOC, 'api', 'samples',
                                                 name)))
        for name, schema in (
                ('deactivation-show-response.json', 'deactivation'),
                ('deactivations-list-response.json', 'deactivations')):
            document = sample(name)
            jsonschema.validate(document, records_schema.get(schema))
            self.assertIn('next', document)
        shown = sample('schema-deactivation-response.json')
        served = records_schema.get('deactivation')
        for key in ('name', 'links', 'required', 'additionalProperties'):
            self.assertEqual(served[key], shown[key])
        self.assertEqual({'...': '...'}, shown['properties'])
        shown = sample('schema-deactivations-response.json')
        served = records_schema.get('deactivations')
        self.assertEqual(served['name'], shown['name'])
        self.assertEqual(served['links'], shown['links'])
        items = served['properties'].pop('deactivations')['items']
        shown_items = shown['properties'].pop('deactivations')['items']
        self.assertEqual(served['properties'], shown['properties'])
        self.assertEqual(items['name'], shown_items['name'])
        self.assertEqual(set(served), set(shown))

    def test_quarantine_samples_are_the_schemas_documents(self):
        def sample(name):
            return json.loads(_read(os.path.join(DOC, 'api', 'samples',
                                                 name)))
        for name, schema in (
                ('quarantine-create-response.json', 'quarantine'),
                ('quarantine-show-response.json', 'quarantine'),
                ('quarantine-lift-response.json', 'quarantine'),
                ('quarantines-list-response.json', 'quarantines')):
            jsonschema.validate(sample(name), quarantines_schema.get(schema))
        self.assertIn('next', sample('quarantines-list-response.json'))
        shown = sample('schema-quarantine-response.json')
        served = quarantines_schema.get('quarantine')
        for key in ('name', 'links', 'required', 'additionalProperties'):
            self.assertEqual(served[key], shown[key])
        self.assertEqual({'...': '...'}, shown['properties'])
