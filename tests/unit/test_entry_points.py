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

"""The entry points setup.cfg declares, loaded as their consumers load them.

Each one is found through ``importlib.metadata`` (what the installed
distribution advertises, not an import of our module by name) and then
used: the paste filter wraps an app, ``list_opts`` feeds
oslo-config-generator, ``list_rules`` and ``get_enforcer`` feed the
oslopolicy tools (found through stevedore, as those tools find them), and
the console script answers ``--help``.
"""

import configparser
from importlib import metadata
import inspect
import io
import os
import re
import subprocess
import sys

import fixtures
from oslo_config import cfg
from oslo_config import generator as config_generator
from oslo_policy import generator as policy_generator
from oslo_policy import policy
import stevedore
import testtools
import webob

from glance_deactivate.cmd import manage
from glance_deactivate.cmd import status
from glance_deactivate import middleware
from glance_deactivate import opts
from glance_deactivate import policies
from tests.unit import fakes

DIST = 'glance-deactivate'
NAMESPACE = 'glance_deactivate'
SETUP_CFG = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir,
                         'setup.cfg')

# The groups the conventions require (oslo.config.opts.defaults is
# optional).
REQUIRED_GROUPS = {'paste.filter_factory', 'oslo.config.opts',
                   'oslo.policy.policies', 'oslo.policy.enforcer',
                   'console_scripts'}

RULES = {'image_deactivation:admin', 'image_deactivation:deactivate',
         'image_deactivation:reactivate',
         'image_deactivation:download_deactivated',
         'image_deactivation:get_deactivated_locations',
         'image_deactivation:get_deactivation',
         'image_deactivation:list_deactivations',
         'image_deactivation:quarantine',
         'image_deactivation:lift_quarantine',
         'image_deactivation:get_quarantine',
         'image_deactivation:list_quarantines'}

OPTIONS = {'fail_open', 'policy_file', 'auto_create_schema', 'query_timeout',
           'max_rewrite_bytes', 'connection', 'max_retries',
           'retry_interval'}


def _normalised(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def declared():
    """{(group, name): 'module:attr'} from setup.cfg's [entry_points]."""
    parser = configparser.ConfigParser()
    with open(SETUP_CFG) as f:
        parser.read_file(f)
    found = {}
    for group, text in parser['entry_points'].items():
        for line in text.strip().splitlines():
            name, _sep, value = line.partition('=')
            found[(group, name.strip())] = value.strip()
    return found


def installed():
    """{(group, name): 'module:attr'} the installed distribution declares."""
    return {(ep.group, ep.name): ep.value
            for ep in metadata.distribution(DIST).entry_points}


def entry_point(group, name):
    """Our entry point ``name`` of ``group``, found as consumers find it."""
    ours = [ep for ep in metadata.entry_points(group=group, name=name)
            if ep.dist is None or _normalised(ep.dist.name) == DIST]
    if len(ours) != 1:
        raise AssertionError('%d entry points %s in %s'
                             % (len(ours), name, group))
    return ours[0]


def name_in(group):
    """The name setup.cfg gives our entry point of ``group``."""
    names = [name for (g, name) in declared() if g == group]
    if len(names) != 1:
        raise AssertionError('setup.cfg declares %r in %s' % (names, group))
    return names[0]


class TestDeclaredEntryPoints(testtools.TestCase):

    def test_required_groups_are_declared(self):
        groups = {group for (group, _name) in declared()}
        self.assertEqual(set(), REQUIRED_GROUPS - groups)

    def test_installed_metadata_matches_setup_cfg(self):
        # A stale install (or a typo in setup.cfg) shows up here.
        self.assertEqual(declared(), installed())

    def test_every_declared_entry_point_loads(self):
        for (group, name), value in sorted(declared().items()):
            ep = entry_point(group, name)
            self.assertEqual(value, ep.value)
            target = ep.load()
            self.assertTrue(callable(target), '%s %s' % (group, name))
            module, _sep, attr = value.partition(':')
            self.assertEqual(module, target.__module__)
            self.assertEqual(attr, target.__qualname__)


class TestPasteFilterFactory(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger())
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.url = 'sqlite:///%s/state.sqlite' % self.tmp
        self.policy_file = os.path.join(self.tmp, 'policy.yaml')
        with open(self.policy_file, 'w') as f:
            f.write('"image_deactivation:deactivate": "!"\n')
        # An empty file keeps the filter away from any real configuration.
        self.conf_file = os.path.join(self.tmp, 'empty.conf')
        open(self.conf_file, 'w').close()
        ep = entry_point('paste.filter_factory',
                         name_in('paste.filter_factory'))
        self.factory = ep.load()

    def make_filter(self, app, policy_file=None):
        make = self.factory({'here': self.tmp},
                            oslo_config_project='glance_deactivate_ep_tests',
                            oslo_config_file=self.conf_file,
                            connection=self.url,
                            policy_file=policy_file or self.policy_file)
        self.assertTrue(callable(make))
        return make(app)

    def test_wraps_an_app_and_passes_requests_through(self):
        seen = []
        body = fakes.RecordingIter([b'hello ', b'world'])

        def tiny_app(environ, start_response):
            seen.append((environ['REQUEST_METHOD'], environ['PATH_INFO']))
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return body

        app = self.make_filter(tiny_app)
        self.assertIsInstance(app, middleware.DeactivateFilter)
        self.assertIs(tiny_app, app.application)
        self.assertEqual(self.url, app.options.connection)
        self.assertEqual(self.policy_file, app.options.policy_file)

        resp = webob.Request.blank('/healthcheck').get_response(app)
        self.assertEqual(200, resp.status_int)
        self.assertEqual([('GET', '/healthcheck')], seen)
        self.assertIs(body, resp.app_iter)  # streamed, not buffered
        self.assertEqual(b'hello world', resp.body)

    def deactivate(self, policy_file=None):
        image_app = fakes.FakeImageApp()
        app = self.make_filter(image_app, policy_file)
        self.addCleanup(app.store.dispose)
        image_id = image_app.add(fakes.new_id())
        resp = fakes.request('/v2/images/%s/actions/deactivate' % image_id,
                             method='POST').get_response(app)
        return resp, app.store.get(image_id)

    def test_uses_the_configured_policy_file(self):
        # The defaults let the owner's member deactivate...
        resp, record = self.deactivate(os.path.join(self.tmp, 'none.yaml'))
        self.assertEqual(204, resp.status_int, resp.text)
        self.assertIsNotNone(record)
        self.assertTrue(os.path.exists(os.path.join(self.tmp,
                                                    'state.sqlite')))
        # ... the stanza's policy file says no one may.
        resp, record = self.deactivate()
        self.assertEqual(403, resp.status_int, resp.text)
        self.assertIsNone(record)


class TestConfigOpts(testtools.TestCase):

    def list_opts(self):
        return entry_point('oslo.config.opts', name_in('oslo.config.opts'))

    def test_list_opts(self):
        self.assertEqual(NAMESPACE, name_in('oslo.config.opts'))
        result = self.list_opts().load()()
        self.assertEqual([opts.GROUP], [group for group, _ in result])
        options = result[0][1]
        names = {opt.dest for opt in options}
        self.assertEqual(set(), OPTIONS - names)
        self.assertEqual({opt.dest for opt in opts.ALL_OPTS}, names)
        by_name = {opt.dest: opt for opt in options}
        self.assertTrue(by_name['connection'].secret)
        self.assertEqual(opts.DEFAULT_CONNECTION,
                         by_name['connection'].default)

    def test_list_opts_returns_deep_copies(self):
        list_opts = self.list_opts().load()
        first = list_opts()[0][1]
        second = list_opts()[0][1]
        module_opts = {id(opt) for opt in opts.ALL_OPTS}
        for a, b in zip(first, second):
            self.assertIsNot(a, b)
            self.assertNotIn(id(a), module_opts)
            self.assertEqual(a, b)
        # Changing what one caller got changes nothing for the next.
        first[0].default = 'changed'
        first[0].help = 'changed'
        self.assertNotEqual('changed', list_opts()[0][1][0].default)
        self.assertNotEqual('changed', opts.ALL_OPTS[0].help)

    def test_options_register_on_a_fresh_conf(self):
        conf = cfg.ConfigOpts()
        for group, options in self.list_opts().load()():
            conf.register_opts(options, group=group)
        conf([])
        self.assertFalse(conf[opts.GROUP].fail_open)

    def test_config_generator_finds_the_namespace(self):
        conf = cfg.ConfigOpts()
        config_generator.register_cli_opts(conf)
        conf(['--namespace', NAMESPACE, '--wrap-width', '79'])
        out = io.StringIO()
        config_generator.generate(conf, output_file=out)
        sample = out.getvalue()
        self.assertIn('[%s]' % opts.GROUP, sample)
        self.assertIn('#fail_open = false', sample)
        self.assertIn('#connection = %s' % opts.DEFAULT_CONNECTION, sample)

    def test_opts_defaults(self):
        # Optional.  When declared it carries the oslo.config.opts name and
        # is a callable taking no argument (oslo-config-generator calls it
        # before it reads the defaults; not called here, since it changes
        # defaults for the whole process).
        group = 'oslo.config.opts.defaults'
        names = [name for (g, name) in declared() if g == group]
        if not names:
            self.assertNotIn(group, {g for (g, _n) in installed()})
            return
        self.assertEqual([name_in('oslo.config.opts')], names)
        set_defaults = entry_point(group, names[0]).load()
        inspect.signature(set_defaults).bind()  # TypeError if it needs any


class TestPolicyEntryPoints(testtools.TestCase):

    def test_list_rules(self):
        ep = entry_point('oslo.policy.policies',
                         name_in('oslo.policy.policies'))
        rules = list(ep.load()())
        self.assertEqual(RULES, {rule.name for rule in rules})
        for rule in rules:
            self.assertIsInstance(rule, policy.RuleDefault)
            self.assertTrue(rule.description, rule.name)
            if isinstance(rule, policy.DocumentedRuleDefault):
                self.assertTrue(rule.operations, rule.name)

    def test_policy_tools_find_the_rules(self):
        # oslopolicy-sample-generator's own look-up (through stevedore).
        found = policy_generator.get_policies_dict([NAMESPACE])
        self.assertEqual([NAMESPACE], list(found))
        self.assertEqual(RULES, {rule.name for rule in found[NAMESPACE]})

    def test_get_enforcer(self):
        ep = entry_point('oslo.policy.enforcer',
                         name_in('oslo.policy.enforcer'))
        enforcer = ep.load()()
        self.assertIsInstance(enforcer, policy.Enforcer)
        self.assertEqual(set(), RULES - set(enforcer.registered_rules))
        self.assert_ready(enforcer)

    def test_policy_tools_find_the_enforcer(self):
        # oslopolicy-policy-generator, -validator, -list-redundant's look-up.
        mgr = stevedore.named.NamedExtensionManager(
            'oslo.policy.enforcer', names=[NAMESPACE], invoke_on_load=True,
            on_load_failure_callback=policy_generator.on_load_failure_callback)
        self.assertIn(NAMESPACE, mgr)
        self.assert_ready(mgr[NAMESPACE].obj)

    def assert_ready(self, enforcer):
        enforcer.load_rules()
        self.assertEqual(set(), RULES - set(enforcer.rules))
        target = policies.image_target({'id': fakes.new_id(), 'owner': 'p1'})
        member = {'roles': ['member'], 'project_id': 'p1', 'user_id': 'u'}
        other = dict(member, project_id='p2')
        self.assertTrue(enforcer.authorize(policies.DEACTIVATE, target,
                                           member))
        self.assertFalse(enforcer.authorize(policies.DEACTIVATE, target,
                                            other))
        self.assertFalse(enforcer.authorize(policies.DOWNLOAD_DEACTIVATED,
                                            target, member))


class TestConsoleScripts(testtools.TestCase):
    """glance-deactivate-manage and glance-deactivate-status.

    Their behaviour is tested in test_manage*, test_console_scripts.
    """

    SCRIPTS = {'glance-deactivate-manage': manage.main,
               'glance-deactivate-status': status.main}

    def test_declared_scripts(self):
        names = sorted(name for (group, name) in declared()
                       if group == 'console_scripts')
        self.assertEqual(sorted(self.SCRIPTS), names)
        for name, main in self.SCRIPTS.items():
            self.assertIs(main, entry_point('console_scripts', name).load())

    def test_help_exits_0(self):
        for name in self.SCRIPTS:
            stdout = self.useFixture(fixtures.MonkeyPatch(
                'sys.stdout', io.StringIO())).new_value
            self.useFixture(fixtures.MonkeyPatch('sys.stderr',
                                                 io.StringIO()))
            main = entry_point('console_scripts', name).load()
            self.assertEqual(0, main(['--help']))
            self.assertIn('usage: %s' % name, stdout.getvalue())

    def test_installed_script_help_exits_0(self):
        for name in self.SCRIPTS:
            script = os.path.join(os.path.dirname(sys.executable), name)
            if not os.path.exists(script):
                self.skipTest('%s is not installed beside %s'
                              % (name, sys.executable))
            result = subprocess.run([script, '--help'], capture_output=True,
                                    text=True, timeout=60)
            self.assertEqual(0, result.returncode, result.stderr)
            self.assertIn('usage: %s' % name, result.stdout)

    def test_usage_error_exits_2(self):
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', io.StringIO()))
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', io.StringIO()))
        for name in self.SCRIPTS:
            main = entry_point('console_scripts', name).load()
            self.assertEqual(2, main(['no-such-command']), name)
