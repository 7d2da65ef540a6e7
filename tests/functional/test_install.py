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

"""The install guide, followed step by step on a real Glance 33.

doc/source/install.rst shows the files under doc/source/install/ with
``literalinclude``; this test applies those very files:

1. *Install*: the functional tox environment installs this package the way
   the guide says, with its database extras (``extras = postgresql, mysql``
   in tox.ini, i.e. ``pip install -e '.[postgresql,mysql]'``); the drivers
   the guide's URLs select are imported from there.
2. *Paste file*: Glance 33's shipped ``glance-api-paste.ini`` (from the
   installed package's data) gets the documented ``[composite:api]``
   section and ``[filter:deactivate]`` section.  Checked: the documented
   section is the shipped one with ``deactivate`` added to every shipped
   pipeline, in the place the guide explains, and ``glance-deactivate-manage
   check-pipeline --strict`` accepts the result.
3. *Database*: ``[image_deactivation]`` is the documented section, its URL
   pointed at a throw-away database on the real server (driver part kept:
   ``postgresql://`` is psycopg 3, ``mysql+pymysql://`` PyMySQL).  The rest
   of ``glance-api.conf`` is the functional tests' usual one (devserver).
4. *Policy*: ``policy.yaml`` is the documented file, verbatim.  With it
   Glance 33's own ``deactivate``/``reactivate`` rules (its registered
   defaults, through oslo.policy) refuse even an admin, and the filter's
   ``image_deactivation:*`` rules are untouched.
5. *Schema*: the documented ``db sync`` command, run by bash through the
   real console script (without ``sudo -u glance``: the tests run as one
   user); then ``db version`` is the head and a second run changes nothing.
6. *Start*: Glance 33 with that configuration, under the ``keystone``
   flavor (the one Glance's docs deploy), with the real keystonemiddleware
   ``auth_token`` in front; tokens are validated by keystonemiddleware's
   ``AuthTokenFixture`` (``keystone_glance.py``), not by a Keystone server.
   The start-up line the guide shows is in the log.
7. *Verify*: the documented request sequence, run by bash with real curl,
   prints what its comments say; the member's refused download is the
   API reference's sample.

Every pipeline of the edited file is checked by ``check-pipeline``; the
PostgreSQL run serves the ``keystone`` flavor, the MariaDB run
``keystone+caching`` (``CACHING``), with Glance's image cache after the
filter.
"""

import configparser
import json
import os
import re
import subprocess
import sys
import time
import uuid

import fixtures as fixtures_lib
from glance import policies as glance_policies
from oslo_config import cfg
from oslo_policy import policy as oslo_policy
import requests
from sqlalchemy.engine import url as sa_url
import testtools
from testtools import content

from glance_deactivate.db import migration
from glance_deactivate import policies
from tests.functional import fixtures

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
GUIDE = os.path.join(ROOT, 'doc', 'source', 'install')
SAMPLES = os.path.join(ROOT, 'doc', 'source', 'api', 'samples')
SHIPPED_PASTE = os.path.join(sys.prefix, 'etc', 'glance',
                             'glance-api-paste.ini')
BIN = os.path.dirname(sys.executable)
LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'keystone_glance.py')
KEYSTONE_CONF = """\
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:5000/v3
auth_type = password
auth_url = http://127.0.0.1:5000/v3
delay_auth_decision = true
"""
CONTEXT_FILTERS = ('context', 'unauthenticated-context')
SERVICE_CONF = '/etc/glance/glance-api.conf'


def _read(*path):
    with open(os.path.join(*path), encoding='utf-8') as source:
        return source.read()


def _parse_ini(text):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.read_string(text)
    return parser


def documented_paste(shipped):
    """``shipped`` (paste file text) with the guide's edit of step 2.

    The ``[composite:api]`` section is replaced by the documented one and
    the documented ``[filter:deactivate]`` section is appended.
    """
    section = _read(GUIDE, 'api-paste-pipelines.ini')
    header = section.splitlines()[0]
    lines = shipped.splitlines(keepends=True)
    start = lines.index(header + '\n')
    end = start + 1
    while end < len(lines) and not lines[end].startswith('['):
        end += 1
    while lines[end - 1].strip() == '':
        end -= 1
    edited = ''.join(lines[:start]) + section + ''.join(lines[end:])
    return edited.rstrip('\n') + '\n\n' + _read(GUIDE,
                                                'api-paste-filter.ini')


def documented_url(backend, database):
    """The guide's URL for ``backend`` pointed at ``database``."""
    name = {fixtures.POSTGRESQL: 'glance-api-postgresql.conf',
            fixtures.MYSQL: 'glance-api-mysql.conf'}[backend]
    section = _parse_ini(_read(GUIDE, name))
    if (section.sections() != ['image_deactivation'] or
            list(section['image_deactivation']) != ['connection']):
        raise AssertionError('%s: expected [image_deactivation] with '
                             'connection only' % name)
    url = sa_url.make_url(section['image_deactivation']['connection'])
    return url.set(username=fixtures.CITEST, password=fixtures.CITEST,
                   host=fixtures.HOST, port=fixtures.PORTS[backend],
                   database=database)


def documented_db_sync(config_file):
    """The guide's step 5 as this test runs it (see the module doc)."""
    command = _read(GUIDE, 'db-sync.sh')
    prefix = 'sudo -u glance '
    if not command.startswith(prefix) or SERVICE_CONF not in command:
        raise AssertionError('db-sync.sh changed shape: %r' % command)
    return command[len(prefix):].replace(SERVICE_CONF, config_file)


def expected_verify_output():
    """What each command of verify.sh prints, from its comment."""
    expected = []
    for line in _read(GUIDE, 'verify.sh').splitlines():
        if line.startswith(('code ', 'status ')):
            expected.append(line.split('#', 1)[1].strip())
    return expected


def sample_body(name):
    """The body of an API reference sample (after its headers)."""
    return _read(SAMPLES, name).split('\n\n', 1)[1]


class InstalledServer(fixtures.Server):
    """A Glance server configured by the guide's files (steps 2 and 4)."""

    def write_config(self):
        super(InstalledServer, self).write_config()
        self._write('glance-api-paste.ini', documented_paste(
            _read(SHIPPED_PASTE)))
        self._write('policy.yaml', _read(GUIDE, 'policy.yaml'))


class InstallGuideMixin(object):
    """Steps 2 to 7 for ``BACKEND`` under ``CACHING`` (see the module doc)."""

    BACKEND = None
    CACHING = False
    DRIVER = None

    def setUp(self):
        super(InstallGuideMixin, self).setUp()
        fixtures.require_database(self.BACKEND)
        self.directory = fixtures.ServerDir('gd-install-')
        self.addCleanup(self.directory.remove)
        self.commands = []
        self.addOnException(lambda exc_info: self.addDetail(
            'commands', content.text_content('\n'.join(self.commands))))

    def run_command(self, argv, env=None):
        """Run ``argv`` with this environment's scripts first on PATH."""
        full_env = dict(os.environ,
                        PATH=BIN + os.pathsep + os.environ['PATH'])
        full_env.update(env or {})
        done = subprocess.run(argv, env=full_env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              timeout=300)
        self.commands.append('$ %s\n-> %d\n%s%s' % (
            ' '.join(argv), done.returncode, done.stdout, done.stderr))
        return done

    def start_launcher(self, server, tokens):
        tokens_file = os.path.join(self.directory.path, 'tokens.json')
        with open(tokens_file, 'w') as out:
            json.dump(tokens, out)
        log = open(os.path.join(self.directory.path, 'launcher.log'), 'wb')
        self.addCleanup(log.close)
        process = subprocess.Popen(
            [sys.executable, LAUNCHER, server.workdir, str(server.port),
             tokens_file], stdout=subprocess.PIPE, stderr=log,
            start_new_session=True)
        self.addCleanup(self._stop, process)
        self.addOnException(lambda exc_info: self.addDetail(
            'launcher log', content.text_content(
                _read(log.name) if os.path.exists(log.name) else '')))
        if process.stdout.readline().strip() != b'READY':
            raise RuntimeError('launcher failed; see its log')
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(server.url + '/versions',
                                timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError('launcher did not answer')

    @staticmethod
    def _stop(process):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stdout.close()

    def test_the_install_guide_works(self):
        # Step 1: the driver the guide's URL names is importable here.
        database = self.useFixture(fixtures.TemporaryDatabase(
            self.BACKEND, 'gd_install'))
        url = documented_url(self.BACKEND, database.name)
        self.assertEqual(self.DRIVER, url.get_dialect().driver)

        # Steps 2 to 4: the configuration, written by the guide's files.
        workdir = os.path.join(self.directory.path, 'glance')
        os.makedirs(workdir)
        server = InstalledServer(
            mode='filter', workdir=workdir, caching=self.CACHING,
            keystone=True, keystone_conf=KEYSTONE_CONF, sync_db=False,
            state_db=url.render_as_string(hide_password=False))
        server.write_config()
        fixtures.attach_logs(self, {'glance': server})
        paste = os.path.join(server.workdir, 'glance-api-paste.ini')
        self.assertEqual(documented_paste(_read(SHIPPED_PASTE)),
                         _read(paste))
        done = self.run_command([os.path.join(BIN, 'glance-deactivate-manage'),
                                 'check-pipeline', '--strict', paste])
        self.assertEqual(0, done.returncode, done.stdout + done.stderr)
        self.assertEqual(_read(GUIDE, 'policy.yaml'),
                         _read(server.workdir, 'policy.yaml'))

        # Step 5: Glance's own schema (a prerequisite), then ours as shown.
        done = self.run_command([os.path.join(BIN, 'glance-manage'),
                                 '--config-file', server.config_file,
                                 'db_sync'],
                                env={'OS_GLANCE_CONFIG_DIR': server.workdir})
        self.assertEqual(0, done.returncode, done.stderr)
        sync = documented_db_sync(server.config_file)
        done = self.run_command(['bash', '-euc', sync])
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertIn('to %s.' % migration.head(), done.stdout)
        done = self.run_command(['bash', '-euc', sync])
        self.assertIn('nothing to do', done.stdout)
        done = self.run_command(['bash', '-euc', sync.replace(
            'db sync', 'db version')])
        self.assertEqual(migration.head(), done.stdout.strip())

        # Step 6: start, with the start-up line the guide shows.
        admin, member = ('gd-install-%s-%s' % (who, uuid.uuid4().hex)
                         for who in ('admin', 'member'))
        self.start_launcher(server, [
            {'token_id': admin, 'user_id': 'admin-user',
             'project_id': 'admin-project',
             'roles': ['admin', 'member', 'reader']},
            {'token_id': member, 'user_id': 'member-user',
             'project_id': 'owner-project', 'roles': ['member', 'reader']},
        ])
        started = re.search(
            r'INFO glance_deactivate\.middleware \[[^]]*\] glance-deactivate '
            r'\S+: state database (\S+), fail_open False, policy file (\S+),'
            r' notifications off',
            _read(server.workdir, 'glance-api.log'))
        self.assertIsNotNone(started, 'no start-up line')
        self.assertEqual(
            (url.render_as_string(hide_password=True),
             os.path.join(server.workdir, 'policy.yaml')),
            started.groups())
        self.assertNotIn(':%s@' % fixtures.CITEST, started.group(1))

        # Step 7: the documented requests, with a member's image.
        image_id = fixtures.create_image(server.url,
                                         {'X-Auth-Token': member})
        done = self.run_command(
            ['bash', os.path.join(GUIDE, 'verify.sh')],
            env={'GLANCE': server.url, 'IMAGE': image_id,
                 'ADMIN_TOKEN': admin, 'MEMBER_TOKEN': member})
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertEqual(expected_verify_output(), done.stdout.splitlines())

        # The API reference's samples of the refused download.
        fixtures.deactivate(server.url, image_id, {'X-Auth-Token': admin})
        resp = requests.get(server.url + '/v2/images/%s/file' % image_id,
                            headers={'X-Auth-Token': member,
                                     'Accept': 'text/plain'}, timeout=60)
        self.assertEqual(403, resp.status_code)
        self.assertEqual(
            sample_body('image-download-deactivated-response.txt'),
            resp.text.rstrip() + '\n')
        self.assertEqual('text/plain; charset=UTF-8',
                         resp.headers['Content-Type'])


class TestInstallGuidePostgreSQL(InstallGuideMixin, testtools.TestCase):
    BACKEND = fixtures.POSTGRESQL
    DRIVER = 'psycopg'


class TestInstallGuideMariaDB(InstallGuideMixin, testtools.TestCase):
    BACKEND = fixtures.MYSQL
    DRIVER = 'pymysql'
    CACHING = True


class TestDocumentedFiles(testtools.TestCase):
    """Step 2's section and step 4's rules do what the guide says."""

    def test_every_shipped_pipeline_gets_the_filter_after_context(self):
        shipped = _parse_ini(_read(SHIPPED_PASTE))['composite:api']
        documented = _parse_ini(_read(GUIDE, 'api-paste-pipelines.ini'))
        self.assertEqual(['composite:api'], documented.sections())
        documented = documented['composite:api']
        self.assertEqual(list(shipped), list(documented))
        pipelines = 0
        for key, value in shipped.items():
            names = value.split()
            if key == 'paste.composite_factory':
                self.assertEqual(names, documented[key].split())
                continue
            pipelines += 1
            context = [n for n in names if n in CONTEXT_FILTERS]
            self.assertEqual(1, len(context), key)
            where = names.index(context[0]) + 1
            self.assertEqual(names[:where] + ['deactivate'] + names[where:],
                             documented[key].split(), key)
        self.assertEqual(6, pipelines)

    def test_the_edit_changes_nothing_else(self):
        shipped = _parse_ini(_read(SHIPPED_PASTE))
        edited = _parse_ini(documented_paste(_read(SHIPPED_PASTE)))
        self.assertEqual(shipped.sections() + ['filter:deactivate'],
                         edited.sections())
        for name in shipped.sections():
            if name != 'composite:api':
                self.assertEqual(dict(shipped[name]), dict(edited[name]),
                                 name)
        self.assertEqual({'use': 'egg:glance-deactivate#deactivate'},
                         dict(edited['filter:deactivate']))

    def _enforcer(self, policy_file, rules):
        conf = cfg.ConfigOpts()
        conf([], project='glance-deactivate-test', default_config_files=[])
        enforcer = oslo_policy.Enforcer(conf, policy_file=policy_file)
        enforcer.register_defaults(rules)
        return enforcer

    def test_the_policy_lines_turn_glances_own_actions_off(self):
        directory = self.useFixture(fixtures_lib.TempDir()).path
        documented = os.path.join(directory, 'policy.yaml')
        with open(documented, 'w') as out:
            out.write(_read(GUIDE, 'policy.yaml'))
        empty = os.path.join(directory, 'empty.yaml')
        with open(empty, 'w') as out:
            out.write('{}\n')
        admin = {'roles': ['admin', 'member', 'reader'],
                 'project_id': 'p', 'user_id': 'u', 'is_admin': True}
        target = {'project_id': 'p', 'owner': 'p'}
        for path, allowed in ((empty, True), (documented, False)):
            glance = self._enforcer(path, glance_policies.list_rules())
            ours = self._enforcer(path, policies.list_rules())
            for rule in ('deactivate', 'reactivate'):
                # Glance 33's own rule: on by default, off with the lines.
                self.assertEqual(allowed,
                                 glance.enforce(rule, target, admin), rule)
            for rule in (policies.DEACTIVATE, policies.REACTIVATE):
                # The filter's rules are untouched by them.
                self.assertTrue(ours.enforce(rule, target, admin), rule)
