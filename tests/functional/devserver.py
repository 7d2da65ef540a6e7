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

"""Run a real Glance API, with or without the filter, on 127.0.0.1.

Used by the demo, the functional tests and the benchmarks; operators may use
it to try a configuration before touching a production paste file.  It needs
``glance`` and ``gunicorn`` installed in the running interpreter's
environment (the ``functional``, ``demo`` and ``bench`` tox environments
install them).

Three modes:

``filter``
    Glance's own pipeline with ``deactivate`` placed after ``context`` and
    before ``cache``/``rootapp``.  Glance's native ``deactivate`` and
    ``reactivate`` policy rules are set to ``"!"``, so every successful
    action comes from this package.
``bare``
    The same pipeline without the filter (the benchmark baseline).
``native``
    No filter; Glance's native deactivate enabled (the reference).

The pipeline uses Glance's ``context`` middleware without ``authtoken``, so a
caller's identity comes from ``X-Identity-Status: Confirmed``, ``X-User-Id``,
``X-Tenant-Id`` and ``X-Roles`` headers (see :func:`identity_headers`).  With
``keystone=True`` the real keystonemiddleware ``auth_token`` stands in front
and the caller must present a token instead.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

MODES = ('filter', 'bare', 'native')

GLANCE_API_CONF = """\
[DEFAULT]
enabled_backends = fs:file
worker_self_reference_url = http://127.0.0.1:{port}
show_image_direct_url = {show_direct_url}
show_multiple_locations = {show_multiple_locations}
image_cache_dir = {workdir}/cache
image_cache_driver = centralized_db
debug = {debug}
use_stderr = true
log_file = {workdir}/glance-api.log
enabled_import_methods = [glance-direct,web-download,copy-image]

[database]
connection = {glance_db}

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = {images_dir}

[os_glance_staging_store]
filesystem_store_datadir = {workdir}/staging

[os_glance_tasks_store]
filesystem_store_datadir = {workdir}/tasks

[paste_deploy]
flavor = {flavor}
config_file = {workdir}/glance-api-paste.ini

[oslo_policy]
policy_file = {workdir}/policy.yaml

[wsgi]
task_pool_threads = 4

[image_deactivation]
connection = {state_db}
{extra_state_opts}
"""

IMPORT_CONF = """\
[image_import_opts]
image_import_plugins = []
"""

# Read by gunicorn's master before it forks the workers.  Glance starts its
# thread pools on first use; importing concurrent.futures.thread there makes
# Python refuse ("can't register atexit after shutdown") in a gunicorn
# worker, which turns image sharing into a 500.  Importing it in the master
# first avoids that.
GUNICORN_CONF = """\
import concurrent.futures.thread  # noqa: F401
"""

FILTER_STANZA = """
[filter:deactivate]
use = egg:glance-deactivate#deactivate
{extra}
"""

POLICY_FILTER_MODE = """\
# Glance's own deactivate/reactivate are disabled: every pass comes from
# glance-deactivate's filter.
"deactivate": "!"
"reactivate": "!"
"""


class _PortInUse(Exception):
    """gunicorn could not bind the port: another process took it."""


def identity_headers(project_id, roles=('member', 'reader'),
                     user_id=None):
    """Headers Glance's ``context`` middleware trusts in these pipelines."""
    return {
        'X-Identity-Status': 'Confirmed',
        'X-User-Id': user_id or 'user-of-%s' % project_id,
        'X-Tenant-Id': project_id,
        'X-Project-Id': project_id,
        'X-Roles': ','.join(roles),
    }


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _glance_paste_file():
    """Glance's shipped api-paste.ini from the running environment."""
    candidates = [
        os.path.join(sys.prefix, 'etc', 'glance', 'glance-api-paste.ini'),
        '/usr/local/etc/glance/glance-api-paste.ini',
        '/etc/glance/glance-api-paste.ini',
    ]
    for path in candidates:
        if os.path.exists(path):
            return path
    raise RuntimeError('Glance is not installed here: no '
                       'glance-api-paste.ini under %s' % sys.prefix)


def flavor_of(caching=False, noauth=False):
    """The Glance paste flavor a server uses."""
    if noauth:
        return 'caching' if caching else 'default'
    return 'keystone+caching' if caching else 'keystone'


def build_paste(mode, caching=False, keystone=False, filter_extra='',
                noauth=False):
    """Return Glance's paste file text with the pipeline for ``mode``.

    The pipeline is written under the ``keystone`` flavor (or
    ``keystone+caching``), with ``authtoken`` dropped unless ``keystone``;
    with ``noauth`` under Glance's ``default`` (or ``caching``) flavor, whose
    ``unauthenticated-context`` makes every caller an admin.
    """
    with open(_glance_paste_file()) as src:
        text = src.read()
    head = flavor_of(caching, noauth) + ' = '
    context = 'unauthenticated-context' if noauth else 'context'
    lines = []
    for line in text.splitlines():
        if line.startswith(head):
            names = line[len(head):].split()
            if not keystone and 'authtoken' in names:
                names.remove('authtoken')
            if mode == 'filter':
                names.insert(names.index(context) + 1, 'deactivate')
            line = head + ' '.join(names)
        lines.append(line)
    text = '\n'.join(lines) + '\n'
    if mode == 'filter':
        text += FILTER_STANZA.format(extra=filter_extra)
    return text


class GlanceServer(object):
    """A real ``glance-api`` under gunicorn, listening on 127.0.0.1.

    :param mode: one of :data:`MODES`.
    :param workdir: directory for config, SQLite files and the image store;
        a temporary one (removed on :meth:`stop`) when None.
    :param glance_db: SQLAlchemy URL of Glance's database (SQLite file in
        ``workdir`` by default).  Two servers given the same URL share it.
    :param state_db: SQLAlchemy URL of the deactivation state database
        (SQLite file in ``workdir`` by default).
    :param workers: gunicorn worker processes.
    :param caching: use Glance's ``cache`` filter (after ours).
    :param keystone: keep keystonemiddleware ``auth_token`` in the pipeline;
        ``keystone_conf`` is then appended to glance-api.conf.
    :param policy: extra policy.yaml text appended to the mode's rules.
    :param noauth: Glance's unauthenticated pipeline (everyone is admin).
    :param images_dir: the fs store's directory (``workdir/images`` by
        default); API nodes that share a Glance database must share it too.
    """

    def __init__(self, mode='filter', workdir=None, glance_db=None,
                 state_db=None, workers=1, caching=False, keystone=False,
                 keystone_conf='', policy='', port=None, debug=False,
                 show_direct_url=True, show_multiple_locations=False,
                 extra_state_opts='', filter_extra='', sync_db=True,
                 noauth=False, images_dir=None):
        if mode not in MODES:
            raise ValueError('mode must be one of %s' % (MODES,))
        self.mode = mode
        self._own_workdir = workdir is None
        self._fixed_port = port is not None
        self.workdir = workdir or tempfile.mkdtemp(prefix='glance-%s-' % mode)
        self.port = port or free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.glance_db = glance_db or 'sqlite:///%s/glance.sqlite' % (
            self.workdir)
        self.state_db = state_db or 'sqlite:///%s/deactivate.sqlite' % (
            self.workdir)
        self.workers = workers
        self.caching = caching
        self.keystone = keystone
        self.keystone_conf = keystone_conf
        self.policy = policy
        self.debug = debug
        self.show_direct_url = show_direct_url
        self.show_multiple_locations = show_multiple_locations
        self.extra_state_opts = extra_state_opts
        self.filter_extra = filter_extra
        self.sync_db = sync_db
        self.noauth = noauth
        self.images_dir = images_dir or os.path.join(self.workdir, 'images')
        self.process = None

    # -- configuration -----------------------------------------------------

    def write_config(self):
        for sub in ('images', 'staging', 'tasks', 'cache'):
            os.makedirs(os.path.join(self.workdir, sub), exist_ok=True)
        os.makedirs(self.images_dir, exist_ok=True)
        flavor = flavor_of(self.caching, self.noauth)
        if flavor == 'default':
            flavor = ''  # glance-api itself; its pipeline key is 'default'
        conf = GLANCE_API_CONF.format(
            port=self.port, workdir=self.workdir, glance_db=self.glance_db,
            images_dir=self.images_dir,
            state_db=self.state_db, flavor=flavor,
            debug=str(self.debug).lower(),
            show_direct_url=str(self.show_direct_url).lower(),
            show_multiple_locations=str(
                self.show_multiple_locations).lower(),
            extra_state_opts=self.extra_state_opts)
        if self.keystone:
            conf += '\n' + self.keystone_conf
        self._write('glance-api.conf', conf)
        self._write('glance-image-import.conf', IMPORT_CONF)
        self._write('gunicorn.conf.py', GUNICORN_CONF)
        self._write('glance-api-paste.ini', build_paste(
            self.mode, caching=self.caching, keystone=self.keystone,
            filter_extra=self.filter_extra, noauth=self.noauth))
        policy = POLICY_FILTER_MODE if self.mode == 'filter' else ''
        self._write('policy.yaml', policy + self.policy)

    def write_policy(self, text):
        """Replace the operator policy rules (the mode's rules are kept)."""
        self.policy = text
        policy = POLICY_FILTER_MODE if self.mode == 'filter' else ''
        self._write('policy.yaml', policy + text)

    def _write(self, name, text):
        with open(os.path.join(self.workdir, name), 'w') as out:
            out.write(text)

    @property
    def config_file(self):
        return os.path.join(self.workdir, 'glance-api.conf')

    def _bin(self, name):
        return os.path.join(os.path.dirname(sys.executable), name)

    def _env(self):
        env = dict(os.environ)
        env['OS_GLANCE_CONFIG_DIR'] = self.workdir
        return env

    def db_sync(self):
        """Create Glance's schema (and ours, in filter mode)."""
        subprocess.run(
            [self._bin('glance-manage'), '--config-file', self.config_file,
             'db_sync'],
            check=True, env=self._env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        if self.mode == 'filter':
            subprocess.run(
                [self._bin('glance-deactivate-manage'), '--config-file',
                 self.config_file, 'db', 'sync'],
                check=True, env=self._env(), stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE)

    # -- process -------------------------------------------------------------

    def start(self, timeout=120, attempts=5):
        """Start gunicorn and wait until *this* server answers.

        The port is picked free before gunicorn binds it, so another
        process may take it in between: gunicorn then reports "Connection
        in use" in its log, and unless the port was given explicitly the
        start is retried on another free port.  The server counts as up
        only once its own log says it listens and ``/versions`` answers,
        so that another process's server on that port is never mistaken
        for it.
        """
        for attempt in range(attempts):
            try:
                return self._start_once(timeout)
            except _PortInUse:
                self._stop_process()
                if self._fixed_port or attempt == attempts - 1:
                    raise RuntimeError('port %d is in use' % self.port)
                self.port = free_port()
                self.url = 'http://127.0.0.1:%d' % self.port

    def _start_once(self, timeout):
        self.write_config()
        if self.sync_db:
            self.db_sync()
        log_path = os.path.join(self.workdir, 'gunicorn.log')
        self._log = open(log_path, 'ab')
        log_start = self._log.tell()
        self.process = subprocess.Popen(
            [self._bin('gunicorn'), '--bind', '127.0.0.1:%d' % self.port,
             '--workers', str(self.workers), '--timeout', '300',
             '--graceful-timeout', '5',
             '--config', os.path.join(self.workdir, 'gunicorn.conf.py'),
             'glance.wsgi.api:application'],
            env=self._env(), stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        listening = ('Listening at: http://127.0.0.1:%d' % self.port).encode()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(log_path, 'rb') as log:
                log.seek(log_start)
                written = log.read()
            if b'Connection in use' in written:
                raise _PortInUse()
            if self.process.poll() is not None:
                raise RuntimeError('glance-api exited with %s; see %s' % (
                    self.process.returncode, self.log_tail()))
            if listening in written and self._answers():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError('glance-api did not answer within %ss' % timeout)

    def _answers(self):
        try:
            with urllib.request.urlopen(self.url + '/versions',
                                        timeout=2) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self, lines=40):
        out = []
        for name in ('gunicorn.log', 'glance-api.log'):
            path = os.path.join(self.workdir, name)
            if os.path.exists(path):
                with open(path, errors='replace') as log:
                    out.append('--- %s\n' % name +
                               ''.join(log.readlines()[-lines:]))
        return '\n'.join(out)

    def _stop_process(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        if getattr(self, '_log', None):
            self._log.close()
            self._log = None

    def stop(self, remove=True):
        self._stop_process()
        if remove and self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
