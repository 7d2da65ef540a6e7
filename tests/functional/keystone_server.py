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

"""A real Keystone on 127.0.0.1, and a real Glance that trusts only it.

Used by the Keystone and command-line client functional tests
(``test_keystone``, ``test_cli``) and by ``tox -e demo -- --keystone``.
Keystone (``keystone==30.0.0`` from the package registry, installed beside
``glance==33.0.0`` by ``tools/functional-requirements.txt``; their pins do
not conflict) runs as it does in a cloud, only smaller:

* SQLite database, fernet tokens (``keystone-manage db_sync``,
  ``fernet_setup`` and ``credential_setup``; the last two refuse to run
  without ``--keystone-user``/``--keystone-group``, given the current
  user's);
* served by this module run as a script (``python -m
  tests.functional.keystone_server CONFIG_DIR``): Keystone's WSGI
  application (``keystone.server.wsgi.initialize_public_application``,
  what ``keystone.wsgi.api`` builds) under wsgiref, one request at a time
  (SQLite takes one writer), bound to 127.0.0.1 port 0 by the process
  itself, which prints ``LISTENING <port>``: no port is picked before it
  is bound.  Keystone parses ``sys.argv`` with
  oslo.config when it starts (``keystone.server.configure`` calls
  ``CONF(...)`` with no ``args``), so the launcher empties its own
  argument list first and finds its configuration through
  ``OS_KEYSTONE_CONFIG_DIR``;
* bootstrapped by ``keystone-manage bootstrap`` once the port is known,
  with ``public`` and ``internal`` identity endpoints (keystonemiddleware's
  ``auth_token`` validates tokens against the catalog's ``internal``
  identity endpoint, its ``interface`` option's default).  Bootstrap makes
  the ``admin``, ``manager``, ``member``, ``reader`` and ``service`` roles,
  with ``admin`` implying ``manager`` implying ``member`` implying
  ``reader``, and gives its admin user ``admin`` on the ``admin`` project
  and on the system.

:class:`KeystoneServer` does all that; :func:`populate` then makes, through
Keystone's own API, the projects, users and role assignments of
:data:`USERS` (one user whose only role, ``observer``, is one Glance's
policies do not name) and a ``glance`` service user with the ``service``
role, which Keystone's ``identity:validate_token`` rule asks of a service
validating other users' tokens.  :func:`glance_authtoken_conf` is the
``[keystone_authtoken]`` section a Glance with ``keystone=True`` needs;
:func:`register_image_endpoints` puts Glance APIs in the catalog, one region
each, for the command-line clients.  :class:`Stack` runs all of it with
Glance APIs (under gunicorn, ``devserver.GlanceServer(keystone=True)``)
behind ``auth_token``.  Every token is obtained by keystoneauth password
authentication (:func:`password_auth`, :func:`token`).
"""

import grp
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

PASSWORD = 'secret-%d' % os.getpid()
ADMIN_USER = 'admin'
ADMIN_PROJECT = 'admin'
SERVICE_PROJECT = 'service'
GLANCE_USER = 'glance'
REGION = 'RegionOne'
DOMAIN = 'default'
OBSERVER_ROLE = 'observer'

OWNER_PROJECT = 'owner-project'
OTHER_PROJECT = 'other-project'

# name: (project, roles).  The bootstrap admin is added by Keystone itself.
USERS = {
    'owner-member': (OWNER_PROJECT, ('member',)),
    'owner-reader': (OWNER_PROJECT, ('reader',)),
    'owner-observer': (OWNER_PROJECT, (OBSERVER_ROLE,)),
    'other-member': (OTHER_PROJECT, ('member',)),
    GLANCE_USER: (SERVICE_PROJECT, ('service',)),
}

KEYSTONE_CONF = """\
[DEFAULT]
log_file = {workdir}/keystone.log
debug = false

[database]
connection = sqlite:///{workdir}/keystone.sqlite

[token]
provider = fernet

[fernet_tokens]
key_repository = {workdir}/fernet-keys

[fernet_receipts]
key_repository = {workdir}/fernet-keys

[credential]
key_repository = {workdir}/credential-keys

[identity]
# bcrypt's minimum: every token in the tests starts with a password check.
password_hash_rounds = 4
"""

AUTHTOKEN_CONF = """\
[keystone_authtoken]
www_authenticate_uri = {url}/v3
auth_url = {url}/v3
auth_type = password
username = {user}
password = {password}
user_domain_id = {domain}
project_name = {project}
project_domain_id = {domain}
interface = internal
region_name = {region}
"""


def _bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def _repo_root():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(os.path.dirname(here))


class KeystoneServer(object):
    """A real Keystone on 127.0.0.1; ``start()``, ``stop()``.

    :param workdir: configuration, SQLite file, key repositories and log; a
        temporary directory (removed by ``stop()``) when None.
    """

    def __init__(self, workdir=None):
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix='keystone-')
        self.process = None
        self.port = None
        self.url = None
        self._log = None

    @property
    def config_file(self):
        return os.path.join(self.workdir, 'keystone.conf')

    def _env(self):
        env = dict(os.environ)
        env['OS_KEYSTONE_CONFIG_DIR'] = self.workdir
        env.pop('OS_KEYSTONE_CONFIG_FILES', None)
        return env

    def manage(self, *args):
        """Run ``keystone-manage --config-file ... ARGS``; raise on failure."""
        result = subprocess.run(
            [_bin('keystone-manage'), '--config-file', self.config_file]
            + list(args), env=self._env(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        if result.returncode:
            raise RuntimeError('keystone-manage %s exited %d:\n%s' % (
                args[0], result.returncode,
                result.stdout.decode(errors='replace')[-2000:]))

    def write_config(self):
        with open(self.config_file, 'w') as out:
            out.write(KEYSTONE_CONF.format(workdir=self.workdir))

    def setup(self):
        """Configuration, schema and key repositories (before start)."""
        self.write_config()
        self.manage('db_sync')
        owner = ['--keystone-user', pwd.getpwuid(os.getuid()).pw_name,
                 '--keystone-group', grp.getgrgid(os.getgid()).gr_name]
        self.manage('fernet_setup', *owner)
        self.manage('credential_setup', *owner)

    def bootstrap(self):
        """``keystone-manage bootstrap`` with this server's endpoints."""
        identity = self.url + '/v3'
        self.manage('bootstrap',
                    '--bootstrap-password', PASSWORD,
                    '--bootstrap-username', ADMIN_USER,
                    '--bootstrap-project-name', ADMIN_PROJECT,
                    '--bootstrap-role-name', 'admin',
                    '--bootstrap-service-name', 'keystone',
                    '--bootstrap-region-id', REGION,
                    '--bootstrap-admin-url', identity,
                    '--bootstrap-internal-url', identity,
                    '--bootstrap-public-url', identity)

    def start(self, timeout=120):
        """Set up, serve, bootstrap; returns self once Keystone answers."""
        try:
            self.setup()
            self._serve(timeout)
            self.bootstrap()
        except BaseException:
            self.stop(remove=False)
            raise
        return self

    def _serve(self, timeout):
        self._log = open(os.path.join(self.workdir, 'launcher.log'), 'ab')
        self.process = subprocess.Popen(
            [sys.executable, '-m', 'tests.functional.keystone_server',
             self.workdir],
            cwd=_repo_root(), env=self._env(), stdout=subprocess.PIPE,
            stderr=self._log, start_new_session=True)
        deadline = time.monotonic() + timeout
        line = self.process.stdout.readline().decode(errors='replace')
        if not line.startswith('LISTENING '):
            raise RuntimeError('keystone did not start (%r); see %s' % (
                line, self.log_tail()))
        self.port = int(line.split()[1])
        self.url = 'http://127.0.0.1:%d' % self.port
        session = ks_session.Session()
        while time.monotonic() < deadline:
            try:
                resp = session.get(self.url + '/v3', authenticated=False,
                                   raise_exc=False, timeout=5)
                if resp.status_code == 200:
                    return
            except Exception:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError('keystone did not answer; see %s'
                           % self.log_tail())

    def log_tail(self, lines=40):
        out = []
        for name in ('launcher.log', 'keystone.log'):
            path = os.path.join(self.workdir, name)
            if os.path.exists(path):
                with open(path, errors='replace') as log:
                    out.append('--- keystone %s\n' % name +
                               ''.join(log.readlines()[-lines:]))
        return '\n'.join(out)

    def stop(self, remove=True):
        if self.process is not None:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
            self.process.stdout.close()
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if remove and self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# -- identities ---------------------------------------------------------------

def password_auth(keystone_url, user, project=None, system=False):
    """keystoneauth v3 password authentication as ``user``.

    Project-scoped to ``project``, system-scoped with ``system``, unscoped
    when neither is given.
    """
    kwargs = {}
    if project:
        kwargs.update(project_name=project, project_domain_id=DOMAIN)
    elif system:
        kwargs['system_scope'] = 'all'
    return v3.Password(auth_url=keystone_url + '/v3', username=user,
                       password=PASSWORD, user_domain_id=DOMAIN, **kwargs)


def session(keystone_url, user, project=None, system=False):
    """A keystoneauth Session authenticated as ``user``."""
    return ks_session.Session(auth=password_auth(
        keystone_url, user, project, system))


def token(keystone_url, user, project=None, system=False):
    """A fresh token (string) for ``user``, scoped as asked."""
    return session(keystone_url, user, project, system).get_token()


def admin_session(keystone_url):
    return session(keystone_url, ADMIN_USER, ADMIN_PROJECT)


def _create(admin, path, key, body):
    resp = admin.post(path, json={key: body},
                      endpoint_filter={'service_type': 'identity',
                                       'interface': 'public'})
    return resp.json()[key]['id']


def populate(keystone_url):
    """Projects, the ``observer`` role, users and their role assignments.

    Returns {'projects': {name: id}, 'roles': {...}, 'users': {...}} for
    everything made (and the bootstrap's own).
    """
    admin = admin_session(keystone_url)
    endpoint = {'service_type': 'identity', 'interface': 'public'}
    ids = {}
    for resource in ('projects', 'roles', 'users'):
        ids[resource] = {
            item['name']: item['id'] for item in admin.get(
                '/' + resource, endpoint_filter=endpoint).json()[resource]}
    projects, roles, users = ids['projects'], ids['roles'], ids['users']
    for project in (OWNER_PROJECT, OTHER_PROJECT, SERVICE_PROJECT):
        if project not in projects:
            projects[project] = _create(admin, '/projects', 'project', {
                'name': project, 'domain_id': DOMAIN})
    roles[OBSERVER_ROLE] = _create(admin, '/roles', 'role',
                                   {'name': OBSERVER_ROLE})
    for name, (project, role_names) in sorted(USERS.items()):
        users[name] = _create(admin, '/users', 'user', {
            'name': name, 'domain_id': DOMAIN, 'password': PASSWORD})
        for role in role_names:
            admin.put('/projects/%s/users/%s/roles/%s' % (
                projects[project], users[name], roles[role]),
                endpoint_filter=endpoint)
    return ids


def glance_authtoken_conf(keystone_url):
    """The ``[keystone_authtoken]`` section of a Glance behind Keystone."""
    return AUTHTOKEN_CONF.format(
        url=keystone_url, user=GLANCE_USER, password=PASSWORD, domain=DOMAIN,
        project=SERVICE_PROJECT, region=REGION)


def register_image_endpoints(keystone_url, regions):
    """One ``image`` service; in each region of {region: url}, its endpoints.

    The command-line clients then find Glance in the catalog, as in a
    cloud, and ``--os-region-name`` picks which Glance they talk to.
    """
    admin = admin_session(keystone_url)
    endpoint = {'service_type': 'identity', 'interface': 'public'}
    service = _create(admin, '/services', 'service',
                      {'type': 'image', 'name': 'glance'})
    for region, url in sorted(regions.items()):
        resp = admin.post('/regions', json={'region': {'id': region}},
                          endpoint_filter=endpoint, raise_exc=False)
        if resp.status_code not in (201, 409):  # 409: bootstrap's region
            raise RuntimeError('region %s: %d %s' % (
                region, resp.status_code, resp.text))
        for interface in ('public', 'internal'):
            _create(admin, '/endpoints', 'endpoint', {
                'service_id': service, 'interface': interface,
                'region_id': region, 'url': url})


# -- the stack ----------------------------------------------------------------

class Stack(object):
    """Keystone, populated, and Glance APIs that validate its tokens.

    :param modes: {region: devserver mode} of the Glance APIs to run, each
        behind keystonemiddleware ``auth_token`` and registered in the
        catalog in its own region (``filter`` mode: Glance's own
        deactivate and reactivate are off, the filter answers).
    :param workdir: a directory for everything (a temporary one, removed by
        ``stop()``, when None).

    ``keystone`` is the :class:`KeystoneServer`, ``glances`` {region:
    GlanceServer}, ``ids`` what :func:`populate` made.
    """

    def __init__(self, modes, workdir=None, **glance_kwargs):
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix='gd-keystone-')
        self.modes = modes
        self.glance_kwargs = glance_kwargs
        self.keystone = KeystoneServer(os.path.join(self.workdir, 'keystone'))
        self.glances = {}
        self.ids = None

    def start(self):
        from tests.functional import devserver

        try:
            os.makedirs(self.keystone.workdir, exist_ok=True)
            self.keystone.start()
            self.ids = populate(self.keystone.url)
            for region, mode in sorted(self.modes.items()):
                workdir = os.path.join(self.workdir, 'glance-' + region)
                os.makedirs(workdir)
                self.glances[region] = devserver.GlanceServer(
                    mode=mode, workdir=workdir, keystone=True,
                    keystone_conf=glance_authtoken_conf(self.keystone.url),
                    **self.glance_kwargs)
                self.glances[region].start()
            register_image_endpoints(self.keystone.url, {
                region: glance.url
                for region, glance in self.glances.items()})
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def url(self):
        return self.keystone.url

    def log_tail(self, lines=40):
        return '\n'.join([self.keystone.log_tail(lines)] + [
            '=== glance %s\n%s' % (region, glance.log_tail(lines))
            for region, glance in sorted(self.glances.items())])

    def stop(self):
        for glance in self.glances.values():
            glance.stop(remove=False)
        self.keystone.stop(remove=False)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


# -- the launcher -------------------------------------------------------------

def _serve(config_dir):
    from wsgiref import simple_server

    class Handler(simple_server.WSGIRequestHandler):
        def log_message(self, format, *args):
            sys.stderr.write('%s\n' % (format % args))

    # Keystone reads sys.argv through oslo.config: our own argument must
    # not reach it.  Its files come from OS_KEYSTONE_CONFIG_DIR.
    sys.argv[1:] = []
    os.environ['OS_KEYSTONE_CONFIG_DIR'] = config_dir
    from keystone.server import wsgi
    app = wsgi.initialize_public_application()
    # One request at a time: Keystone's SQLite database refuses concurrent
    # writers ("database is locked"), and token requests write.  Nothing
    # here waits on another request to Keystone, so nothing can deadlock.
    server = simple_server.make_server('127.0.0.1', 0, app,
                                       handler_class=Handler)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print('LISTENING %d' % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == '__main__':
    _serve(sys.argv[1])
