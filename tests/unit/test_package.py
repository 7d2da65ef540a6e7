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

"""The installed package holds runtime code only; its imports form no cycle.

Read from the source with ``ast`` (nothing is imported): every module of
``glance_deactivate`` imports only the standard library, the runtime
requirements and the package itself (no test, demo or dev-server code,
no client library), and the package's internal imports form no cycle.
"""

import ast
import os
import re
import sys

import testtools

import glance_deactivate

PACKAGE = os.path.dirname(glance_deactivate.__file__)
REQUIREMENTS = os.path.join(os.path.dirname(PACKAGE), 'requirements.txt')

# Import names of the runtime requirements (requirements.txt).
RUNTIME = {'pbr', 'webob', 'paste', 'routes', 'oslo_config', 'oslo_context',
           'oslo_db', 'oslo_log', 'oslo_messaging', 'oslo_middleware',
           'oslo_policy', 'sqlalchemy', 'alembic', 'cliff', 'yaml',
           'oslo_upgradecheck',
           # The read API parses times as Glance does.
           'oslo_utils'}
FORBIDDEN = {'tests', 'glanceclient', 'gunicorn', 'requests', 'openstack',
             'keystoneauth1', 'glance'}


def modules():
    for root, _dirs, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith('.py'):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, os.path.dirname(PACKAGE))
                module = rel[:-3].replace(os.sep, '.')
                if module.endswith('.__init__'):
                    module = module[:-len('.__init__')]
                yield module, path


def imports_of(path):
    """(top-level names, package modules) a file imports at module level."""
    with open(path) as source:
        tree = ast.parse(source.read())
    tops, internal = set(), set()
    for node in tree.body:
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module + '.' + alias.name for alias in node.names]
        for name in names:
            tops.add(name.split('.')[0])
            if name.startswith('glance_deactivate.'):
                internal.add(name)
    return tops, internal


class TestPackage(testtools.TestCase):

    def test_runtime_requirements_are_the_listed_ones(self):
        with open(REQUIREMENTS) as f:
            listed = {re.split(r'[<>=!~ ]', line.strip())[0].lower()
                      for line in f if line.strip() and
                      not line.startswith('#')}
        self.assertEqual({'pbr', 'webob', 'pastedeploy', 'routes',
                          'oslo.config', 'oslo.context', 'oslo.db',
                          'oslo.log', 'oslo.messaging', 'oslo.middleware',
                          'oslo.policy', 'sqlalchemy', 'alembic', 'cliff',
                          'pyyaml', 'oslo.upgradecheck', 'oslo.utils'},
                         listed)

    def test_no_test_demo_or_client_code_in_the_package(self):
        names = {module for module, _path in modules()}
        for unwanted in ('glance_deactivate.demo',
                         'glance_deactivate.devserver'):
            self.assertNotIn(unwanted, names)
        for module, path in modules():
            tops, _internal = imports_of(path)
            self.assertEqual(set(), tops & FORBIDDEN, module)
            third_party = {t for t in tops if t not in RUNTIME and
                           t != 'glance_deactivate'}
            self.assertTrue(all(_is_stdlib(t) for t in third_party),
                            (module, third_party))

    def test_internal_imports_form_no_cycle(self):
        graph = {}
        known = {module for module, _path in modules()}
        for module, path in modules():
            _tops, internal = imports_of(path)
            graph[module] = {name if name in known else name.rsplit('.', 1)[0]
                             for name in internal} & known
        state = {}

        def visit(module, trail):
            if state.get(module) == 'done':
                return
            self.assertNotEqual('open', state.get(module),
                                'import cycle: %s' % ' -> '.join(
                                    trail + [module]))
            state[module] = 'open'
            for target in sorted(graph[module]):
                visit(target, trail + [module])
            state[module] = 'done'
        for module in sorted(graph):
            visit(module, [])


def _is_stdlib(name):
    return name in sys.stdlib_module_names or name == '__future__'
