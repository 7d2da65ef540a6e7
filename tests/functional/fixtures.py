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

"""The one support module of the functional tests: servers, databases, images.

Functional tests run the real Glance API (glance==33.0.0) under gunicorn
(``devserver.GlanceServer``).  Everything a test needs to start one, give it
a real database and talk to it is here; no test module imports another.

Servers
    :class:`GlanceServerFixture` (through :func:`use_server`) starts a
    server for one test, stops it at clean-up and attaches its log tail to a
    failing test.  A test class that shares servers starts them in
    ``setUpClass`` with :func:`start_all` (in a private :class:`ServerDir`),
    stops them in ``tearDownClass`` with :func:`stop_all`, and calls
    :func:`attach_logs` in ``setUp``.  :class:`GlanceTestCase` (one server)
    and :class:`PairTestCase` (``ours`` and ``native`` side by side) do so.
    In ``filter`` mode Glance's own ``deactivate`` and ``reactivate`` rules
    are ``"!"``, so every successful action comes from glance-deactivate.

Databases
    :class:`TemporaryDatabase` is a throw-away database on the local
    PostgreSQL or MariaDB server, created as the conventional
    ``openstack_citest`` user (``tools/setup-test-databases.sh``) and
    dropped after.  :func:`require_database` holds the one rule: a real
    database server that is missing skips the test locally and fails it
    under CI (``CI=true``).

The message broker
    :class:`NotificationListener` receives the notifications sent on a
    topic of its own through the local RabbitMQ (guest/guest on
    127.0.0.1:5672, ``tools/setup-test-rabbitmq.sh``);
    :func:`require_rabbitmq` holds the same rule as for databases.

Faults
    :class:`TcpRelay` stands between a client and a real server (a
    database, the message broker) and can cut, restore or freeze the
    connection while the server keeps running.

Images and HTTP
    :class:`Client` (one ``requests`` session per thread) and one set of
    image helpers: :func:`create_image`, :func:`action`, :func:`deactivate`,
    :func:`status_of`, :func:`share`, :func:`download_state`.

A real Keystone
    :class:`KeystoneTestCase` starts, once for the test class, a real
    Keystone and Glance APIs that validate its tokens
    (``keystone_server.Stack``).

Callers are identified with the headers Glance's ``context`` middleware
trusts in these pipelines; the roles follow Glance 33's secure-RBAC
defaults.
"""

import collections
import concurrent.futures
import contextlib
import json
import os
import selectors
import shutil
import socket
import tempfile
import threading
import unittest
import uuid

import fixtures
import requests
import testtools
from testtools import content

from tests.functional import devserver
from tests.functional import keystone_server
from tests.functional import rawhttp

# -- callers, data, messages --------------------------------------------------

ADMIN = devserver.identity_headers('admin-project',
                                   roles=('admin', 'member', 'reader'))
OWNER = devserver.identity_headers('owner-project')
OWNER_READER = devserver.identity_headers('owner-project', roles=('reader',))
OTHER = devserver.identity_headers('other-project')
SHARED = devserver.identity_headers('shared-project')
SERVICE = devserver.identity_headers('service-project', roles=('service',))
MEMBER_PROJECT = SHARED['X-Tenant-Id']

JSON = {'Content-Type': 'application/json'}
OCTETS = {'Content-Type': 'application/octet-stream'}
PATCH = {'Content-Type': 'application/openstack-images-v2.1-json-patch'}
FORM = {'Content-Type': 'application/x-www-form-urlencoded'}

DATA = b''.join(b'%08d' % i for i in range(4096))  # 32 KiB, recognisable
MSG_DOWNLOAD = ('The requested image has been deactivated. '
                'Image data download is forbidden.')

REQUEST_TIMEOUT = 60


# -- real database servers ----------------------------------------------------

SQLITE = 'sqlite'
POSTGRESQL = 'postgresql'
MYSQL = 'mysql'
HOST = '127.0.0.1'
CITEST = 'openstack_citest'
PORTS = {POSTGRESQL: 5432, MYSQL: 3306}
URLS = {
    POSTGRESQL: 'postgresql+psycopg2://{user}:{user}@{host}:{port}/{name}',
    MYSQL: ('mysql+pymysql://{user}:{user}@{host}:{port}/{name}'
            '?charset=utf8mb4'),
}

# The [image_deactivation] options of every node after ``connection``, per
# database; shown verbatim in doc/source/multinode.rst (test_multinode checks
# it).  query_timeout bounds a request's wait on a database that stops
# answering; PyMySQL's read and write timeouts also free the connection
# (libpq has no such option).
_COMMON_STATE_OPTS = """\
fail_open = false
query_timeout = 10
max_retries = 0
max_pool_size = 5
max_overflow = 10
pool_timeout = 10
"""
NODE_STATE_OPTS = {
    POSTGRESQL: _COMMON_STATE_OPTS + """\
connection_parameters = connect_timeout=5
""",
    MYSQL: _COMMON_STATE_OPTS + """\
connection_parameters = connect_timeout=5&read_timeout=10&write_timeout=10
""",
}


def database_url(backend, name, host=HOST, port=None):
    """The SQLAlchemy URL of database ``name``, as openstack_citest."""
    return URLS[backend].format(user=CITEST, host=host,
                                port=port or PORTS[backend], name=name)


def connect_as_citest(backend):
    """A DB-API connection (autocommit) to the server, as openstack_citest.

    :raises Exception: the driver's own error if the server is unreachable
        or the user missing.
    """
    if backend == POSTGRESQL:
        import psycopg2
        conn = psycopg2.connect(host=HOST, port=PORTS[backend], user=CITEST,
                                password=CITEST, dbname='postgres',
                                connect_timeout=5)
        conn.autocommit = True
        return conn
    import pymysql
    return pymysql.connect(host=HOST, port=PORTS[backend], user=CITEST,
                           password=CITEST, connect_timeout=5,
                           autocommit=True)


def database_unavailable(backend):
    """Why ``backend`` cannot be used here, or None if it can."""
    if backend == SQLITE:
        return None
    try:
        connect_as_citest(backend).close()
    except Exception as e:
        detail = str(e).strip().splitlines()[0] if str(e).strip() else ''
        return ('%s is not usable as %s@%s:%d (%s: %s); prepare it with '
                'tools/setup-test-databases.sh' % (
                    backend, CITEST, HOST, PORTS[backend], type(e).__name__,
                    detail))
    return None


def require_database(backend):
    """Raise SkipTest if ``backend`` is unusable here; an error under CI.

    This is the one place of the rule: real databases (and the real message
    broker, :func:`require_rabbitmq`) may skip locally, must run under
    ``CI=true``.
    """
    _skip_or_fail(database_unavailable(backend))


def _skip_or_fail(reason):
    if reason is None:
        return
    if os.environ.get('CI') == 'true':
        raise RuntimeError('CI=true, so this is not skipped: ' + reason)
    raise unittest.SkipTest(reason)


class TemporaryDatabase(fixtures.Fixture):
    """An empty, uniquely named database on a real server; dropped after.

    ``name`` and ``url`` (SQLAlchemy) are set once it is up.  Stop whatever
    uses it first (fixtures and clean-ups run last-in, first-out, so use
    this one first).  oslo.db's provisioning is not used: it creates MySQL
    databases in the server's default character set, and the tests need
    utf8mb4 and a URL they can point through a relay (test_faults).
    """

    def __init__(self, backend, prefix='gd_test'):
        super(TemporaryDatabase, self).__init__()
        self.backend = backend
        self.prefix = prefix

    def _setUp(self):
        require_database(self.backend)
        self.name = '%s_%s' % (self.prefix, uuid.uuid4().hex[:12])
        conn = connect_as_citest(self.backend)
        try:
            with conn.cursor() as cursor:
                if self.backend == POSTGRESQL:
                    cursor.execute('CREATE DATABASE %s' % self.name)
                else:
                    cursor.execute('CREATE DATABASE %s CHARACTER SET utf8mb4'
                                   % self.name)
        finally:
            conn.close()
        self.addCleanup(self._drop)
        self.url = database_url(self.backend, self.name)

    def _drop(self):
        conn = connect_as_citest(self.backend)
        try:
            with conn.cursor() as cursor:
                if self.backend == POSTGRESQL:
                    # Also ends connections a killed worker may have left.
                    cursor.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)'
                                   % self.name)
                else:
                    cursor.execute('DROP DATABASE IF EXISTS %s' % self.name)
        finally:
            conn.close()


# -- the real message broker --------------------------------------------------

RABBIT_PORT = 5672
# Glance's control_exchange (glance/notifier.py, set_defaults): the
# exchange Glance's notifications, and the filter's inside Glance, go to.
GLANCE_EXCHANGE = 'glance'

Notification = collections.namedtuple(
    'Notification', 'event_type publisher_id payload')


def rabbit_url(host=HOST, port=RABBIT_PORT):
    """The transport URL of the local RabbitMQ (guest/guest) or a relay."""
    return 'rabbit://guest:guest@%s:%d/' % (host, port)


def _kombu_url():
    # kombu names the transport amqp; oslo.messaging names it rabbit.
    return 'amqp://guest:guest@%s:%d//' % (HOST, RABBIT_PORT)


def rabbitmq_unavailable():
    """Why the local RabbitMQ cannot be used, or None if it can."""
    import kombu
    try:
        with kombu.Connection(_kombu_url(), connect_timeout=5) as conn:
            conn.connect()
    except Exception as e:
        return ('RabbitMQ is not usable as guest@%s:%d (%s: %s); start it '
                'with tools/setup-test-rabbitmq.sh' % (
                    HOST, RABBIT_PORT, type(e).__name__, e))
    return None


def require_rabbitmq():
    """Raise SkipTest if RabbitMQ is unusable here; an error under CI."""
    _skip_or_fail(rabbitmq_unavailable())


class NotificationListener(fixtures.Fixture):
    """An oslo.messaging notification listener on a topic of its own.

    ``topic`` is unique to the fixture, so that test runs side by side
    never see each other's notifications (call :func:`require_rabbitmq`
    first: a fixture's SkipTest is a failure).  ``received`` lists the
    :class:`Notification` s of priority INFO in their order of arrival.
    The listener stops and its queue (``<topic>.info``) is deleted at
    clean-up.
    """

    def __init__(self, prefix='gd-test-notify'):
        super(NotificationListener, self).__init__()
        self.topic = '%s-%s' % (prefix, uuid.uuid4().hex[:12])

    def _setUp(self):
        require_rabbitmq()
        from oslo_config import cfg
        import oslo_messaging
        self.received = []
        self._arrived = threading.Condition()
        conf = cfg.ConfigOpts()
        conf([])
        transport = oslo_messaging.get_notification_transport(
            conf, url=rabbit_url())
        self.addCleanup(transport.cleanup)
        self.addCleanup(self._delete_queue)
        listener = oslo_messaging.get_notification_listener(
            transport, [oslo_messaging.Target(topic=self.topic,
                                              exchange=GLANCE_EXCHANGE)],
            [_InfoEndpoint(self._add)], executor='threading')
        listener.start()
        self.addCleanup(listener.wait)
        self.addCleanup(listener.stop)

    def _add(self, notification):
        with self._arrived:
            self.received.append(notification)
            self._arrived.notify_all()

    def wait_for(self, predicate, timeout):
        """Wait until ``predicate(received)`` holds; then True, else False."""
        with self._arrived:
            return self._arrived.wait_for(
                lambda: predicate(list(self.received)), timeout)

    def _delete_queue(self):
        import kombu
        with kombu.Connection(_kombu_url(), connect_timeout=5) as conn:
            conn.default_channel.queue_delete(self.topic + '.info')


class _InfoEndpoint(object):
    """The listener's endpoint: INFO notifications go to ``add``."""

    def __init__(self, add):
        self._add = add

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._add(Notification(event_type, publisher_id, payload))


# -- faults -------------------------------------------------------------------

class TcpRelay(object):
    """A TCP relay from ``127.0.0.1:port`` to ``target``, to cut and restore.

    :meth:`stop` closes the listening socket and every relayed connection:
    clients see their connections drop and new ones refused, as when the
    server goes away.  :meth:`start` listens again on the same port.
    :meth:`freeze` keeps every connection open but forwards nothing (a hung
    server, or a network that drops packets, as seen from the client);
    :meth:`thaw` resumes.  At most ``max_connections`` connections are
    relayed at once (one thread each); more are closed at once.
    """

    def __init__(self, target, port=None, max_connections=64):
        self.target = target
        self.port = port  # None: any free port, chosen at the first bind
        self.max_connections = max_connections
        self._lock = threading.Lock()
        self._pairs = {}
        self._stopping = None
        self._acceptor = None
        self._flowing = threading.Event()
        self._flowing.set()

    @property
    def running(self):
        return self._acceptor is not None

    def start(self):
        if self.running:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port or 0))
        self.port = listener.getsockname()[1]
        listener.listen(64)
        listener.settimeout(0.1)
        self._stopping = threading.Event()
        self._acceptor = threading.Thread(
            target=self._accept, args=(listener, self._stopping),
            name='relay-accept-%d' % self.port, daemon=True)
        self._acceptor.start()

    def freeze(self):
        self._flowing.clear()

    def thaw(self):
        self._flowing.set()

    def stop(self):
        self.thaw()
        if not self.running:
            return
        self._stopping.set()
        self._acceptor.join(10)
        self._acceptor = None
        with self._lock:
            pairs = list(self._pairs.items())
        for (client, upstream), _thread in pairs:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        for _pair, thread in pairs:
            thread.join(10)

    def _accept(self, listener, stopping):
        with listener:
            while not stopping.is_set():
                try:
                    client, _address = listener.accept()
                except socket.timeout:
                    continue
                client.settimeout(None)
                with self._lock:
                    full = len(self._pairs) >= self.max_connections
                if full:
                    client.close()
                    continue
                try:
                    upstream = socket.create_connection(self.target,
                                                        timeout=5)
                except OSError:
                    client.close()
                    continue
                upstream.settimeout(None)
                pair = (client, upstream)
                thread = threading.Thread(target=self._pump, args=(pair,),
                                          daemon=True)
                with self._lock:
                    self._pairs[pair] = thread
                thread.start()

    def _pump(self, pair):
        client, upstream = pair
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _events in selector.select(0.1):
                    if not self._flowing.is_set():
                        self._flowing.wait(0.1)
                        break
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            pass
        finally:
            selector.close()
            client.close()
            upstream.close()
            with self._lock:
                self._pairs.pop(pair, None)


# -- servers ------------------------------------------------------------------

class Server(devserver.GlanceServer):
    """A GlanceServer whose glance-api.conf may carry extra sections.

    ``extra_conf`` (text) is appended to the file the devserver writes; set
    it before ``start()``.
    """

    extra_conf = ''

    def write_config(self):
        super(Server, self).write_config()
        if self.extra_conf:
            with open(self.config_file, 'a') as conf:
                conf.write('\n' + self.extra_conf)


class ServerDir(object):
    """A private work directory for GlanceServers, removed on ``remove()``.

    The servers get a directory of our own rather than the devserver's
    default ``/tmp/glance-<mode>-*`` one, so that nothing cleaning those up
    can pull the SQLite files from under a running test class.
    """

    def __init__(self, prefix):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def server(self, mode, name=None, **kwargs):
        workdir = os.path.join(self.path, name or mode)
        os.makedirs(workdir)
        return Server(mode=mode, workdir=workdir, **kwargs)

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


def start_all(servers):
    """Start ``servers`` in parallel; on any failure stop them all."""
    with concurrent.futures.ThreadPoolExecutor(len(servers)) as pool:
        errors = [f.exception() for f in
                  [pool.submit(server.start) for server in servers]]
    failed = [e for e in errors if e is not None]
    if failed:
        stop_all(servers)
        raise failed[0]


def stop_all(servers):
    for server in servers:
        server.stop(remove=False)


def attach_logs(test, servers, lines=60):
    """On a failure of ``test``, attach each server's log tail.

    :param servers: {name: server}; the detail is called ``<name> log``.
    """
    for name, server in sorted(servers.items()):
        test.addOnException(
            lambda exc_info, name=name, server=server: test.addDetail(
                '%s log' % name, content.text_content(
                    server.log_tail(lines))))


class GlanceServerFixture(fixtures.Fixture):
    """Start ``server`` (a GlanceServer); always stop it at clean-up."""

    def __init__(self, server):
        super(GlanceServerFixture, self).__init__()
        self.server = server

    def _setUp(self):
        self.addCleanup(self.server.stop)
        self.server.start()


def use_server(test, server, name='glance', lines=80):
    """Start ``server`` for ``test``: stopped after, log attached on failure.

    Returns the started server.
    """
    attach_logs(test, {name: server}, lines)
    return test.useFixture(GlanceServerFixture(server)).server


# -- HTTP and images ----------------------------------------------------------

class Client(object):
    """requests with one session per thread (a Session is not thread-safe)."""

    def __init__(self):
        self._local = threading.local()
        self._sessions = []
        self._lock = threading.Lock()

    def _session(self):
        session = getattr(self._local, 'session', None)
        if session is None:
            session = self._local.session = requests.Session()
            with self._lock:
                self._sessions.append(session)
        return session

    def request(self, method, url, headers, **kwargs):
        kwargs.setdefault('timeout', REQUEST_TIMEOUT)
        return self._session().request(method, url, headers=headers,
                                       **kwargs)

    def close(self):
        with self._lock:
            for session in self._sessions:
                session.close()


def _request(client, method, url, headers, **kwargs):
    """``client.request(...)``; a fresh connection when ``client`` is None."""
    if client is not None:
        return client.request(method, url, headers, **kwargs)
    kwargs.setdefault('timeout', REQUEST_TIMEOUT)
    return requests.request(method, url, headers=headers, **kwargs)


def _expect(status, resp, what):
    if resp.status_code != status:
        raise AssertionError('%s: expected %d, got %d %s' % (
            what, status, resp.status_code, resp.text))


def create_image(url, headers=OWNER, data=DATA, visibility='private',
                 name=None, client=None, prefix='test', **props):
    """Create an image (``props`` in the body) and upload ``data``; its id.

    ``data`` None leaves the image queued.
    """
    body = {'name': name or '%s-%s' % (prefix, uuid.uuid4().hex[:8]),
            'disk_format': 'raw', 'container_format': 'bare',
            'visibility': visibility}
    body.update(props)
    resp = _request(client, 'POST', url + '/v2/images', headers, json=body)
    _expect(201, resp, 'create')
    image_id = resp.json()['id']
    if data is not None:
        resp = _request(client, 'PUT', url + '/v2/images/%s/file' % image_id,
                        dict(headers, **OCTETS), data=data)
        _expect(204, resp, 'upload')
    return image_id


def action(url, image_id, name='deactivate', headers=OWNER, client=None,
           **kwargs):
    """``POST /v2/images/<id>/actions/<name>``; the response."""
    return _request(client, 'POST', url + '/v2/images/%s/actions/%s' % (
        image_id, name), headers, **kwargs)


def deactivate(url, image_id, headers=ADMIN, client=None):
    _expect(204, action(url, image_id, 'deactivate', headers, client),
            'deactivate')


def status_of(url, image_id, headers=ADMIN, client=None):
    resp = _request(client, 'GET', url + '/v2/images/%s' % image_id, headers)
    _expect(200, resp, 'show')
    return resp.json()['status']


def share(url, image_id, member_project, owner=OWNER, client=None,
          member_url=None):
    """Add ``member_project`` as a member, accepted (through member_url)."""
    resp = _request(client, 'POST', url + '/v2/images/%s/members' % image_id,
                    owner, json={'member': member_project})
    _expect(200, resp, 'add member')
    resp = _request(client, 'PUT', (member_url or url) +
                    '/v2/images/%s/members/%s' % (image_id, member_project),
                    devserver.identity_headers(member_project),
                    json={'status': 'accepted'})
    _expect(200, resp, 'accept membership')


def download_state(resp):
    """'active' or 'deactivated' for a well-formed download of DATA, or None.

    200 must carry exactly the image's bytes; 403 Glance's message and none
    of them.
    """
    if resp.status_code == 200 and resp.content == DATA:
        return 'active'
    if (resp.status_code == 403 and MSG_DOWNLOAD in resp.text
            and DATA[:64] not in resp.content):
        return 'deactivated'
    return None


# -- servers for a test class -------------------------------------------------

class ServersTestCase(testtools.TestCase):
    """Real Glance APIs shared by the test class.

    ``make_servers(directory)`` returns {name: server} (made with
    ``directory.server(...)``, a :class:`ServerDir` removed afterwards);
    they start together in ``setUpClass`` (in parallel, or in order when
    ``START_IN_ORDER``), then ``prepare()`` runs (images and the like).
    Whatever fails there, the servers are stopped; ``tearDownClass`` runs
    ``release()`` and stops them.  Each failing test gets every server's
    log tail (``LOG_LINES`` lines) as a detail ``<name> log``.
    """

    PREFIX = 'gd-func-'
    START_IN_ORDER = False
    LOG_LINES = 60

    @classmethod
    def make_servers(cls, directory):
        raise NotImplementedError

    @classmethod
    def prepare(cls):
        """Hook: set the scene once the servers answer."""

    @classmethod
    def release(cls):
        """Hook: let go of what ``prepare`` took, before the servers stop."""

    @classmethod
    def setUpClass(cls):
        super(ServersTestCase, cls).setUpClass()
        cls.dir = ServerDir(cls.PREFIX)
        cls.servers = {}
        try:
            cls.servers = cls.make_servers(cls.dir)
            if cls.START_IN_ORDER:
                for server in cls.servers.values():
                    server.start()
            else:
                start_all(list(cls.servers.values()))
            cls.prepare()
        except BaseException:
            cls._stop_servers()
            raise

    @classmethod
    def _stop_servers(cls):
        stop_all(list(cls.servers.values()))
        cls.dir.remove()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.release()
        finally:
            cls._stop_servers()
        super(ServersTestCase, cls).tearDownClass()

    def setUp(self):
        super(ServersTestCase, self).setUp()
        attach_logs(self, self.servers, self.LOG_LINES)


class GlanceTestCase(ServersTestCase):
    """One real Glance API (``SERVER_KWARGS``) for the whole class.

    ``server`` and ``url`` are that server's; ``http`` is a requests
    Session the helper methods use.
    """

    PREFIX = 'gd-glance-'
    SERVER_KWARGS = {'mode': 'filter'}

    @classmethod
    def make_servers(cls, directory):
        return {'glance': directory.server(
            name='glance', **dict({'mode': 'filter'}, **cls.SERVER_KWARGS))}

    @classmethod
    def setUpClass(cls):
        cls.http = requests.Session()
        try:
            super(GlanceTestCase, cls).setUpClass()
        except BaseException:
            cls.http.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super(GlanceTestCase, cls).tearDownClass()
        finally:
            cls.http.close()

    @classmethod
    def prepare(cls):
        cls.server = cls.servers['glance']
        cls.url = cls.server.url

    @classmethod
    def _client(cls):
        return _SessionClient(cls.http)

    def request(self, method, path, headers, url=None, **kwargs):
        return self.http.request(method, (url or self.url) + path,
                                 headers=headers, timeout=60, **kwargs)

    def get(self, path, headers=OWNER, **kwargs):
        return self.request('GET', path, headers, **kwargs)

    def create_image(self, headers=OWNER, visibility='private', data=DATA,
                     url=None, **props):
        return create_image(url or self.url, headers, data, visibility,
                            client=self._client(), **props)

    def action(self, image_id, action='deactivate', headers=OWNER, url=None,
               **kwargs):
        return self.request(
            'POST', '/v2/images/%s/actions/%s' % (image_id, action),
            headers, url=url, **kwargs)

    def deactivate(self, image_id, headers=ADMIN, url=None):
        deactivate(url or self.url, image_id, headers, self._client())

    def status_of(self, image_id, headers=ADMIN, url=None):
        return status_of(url or self.url, image_id, headers, self._client())

    def share(self, image_id, member_project, owner=OWNER):
        share(self.url, image_id, member_project, owner, self._client())


class _SessionClient(object):
    """A :class:`Client`-like face on one requests Session."""

    def __init__(self, session):
        self._session = session

    def request(self, method, url, headers, **kwargs):
        kwargs.setdefault('timeout', REQUEST_TIMEOUT)
        return self._session.request(method, url, headers=headers, **kwargs)


# -- two stacks side by side --------------------------------------------------
#
# A Pair is two real glance-api processes started together: ``ours`` (the
# filter after ``context``, Glance's own deactivate/reactivate rules "!")
# and ``native`` (no filter, Glance's own deactivation), each with its own
# Glance database: a SQLite file, or a TemporaryDatabase on the PostgreSQL
# or MariaDB server (``backend``).  On a server database the filter's state
# database goes on the same server too, as an operator would put it.
#
# Images are made on both stacks with the same client-chosen id (``POST
# /v2/images`` with ``"id"``), the same data, visibility and members, and
# are deactivated through each stack's own deactivate action as admin, so
# that any request can be sent verbatim to both and the answers compared.

OURS = 'ours'
NATIVE = 'native'
STACKS = (OURS, NATIVE)


def start_or_skip(pair):
    """Start ``pair`` (in setUpClass); the reason to skip, or None.

    The tests of the class call ``self.skipTest(reason)`` in ``setUp``;
    under CI a missing database server raises instead.
    """
    try:
        pair.start()
    except unittest.SkipTest as e:
        return str(e)
    return None


class Pair(object):
    """``ours`` and ``native`` real Glance 33 APIs; start() and stop().

    :param backend: ``sqlite``, ``postgresql`` or ``mysql``: Glance's own
        database (and, on a server, the filter's state database).
    """

    def __init__(self, prefix, backend=SQLITE, **server_kwargs):
        self.backend = backend
        self.prefix = prefix
        self.server_kwargs = server_kwargs
        self.servers = {}
        self._databases = []
        self._dir = None
        self.http = requests.Session()

    def start(self):
        require_database(self.backend)
        self._dir = ServerDir(self.prefix)
        try:
            for stack, mode in ((OURS, 'filter'), (NATIVE, 'native')):
                kwargs = dict(self.server_kwargs)
                if self.backend != SQLITE:
                    kwargs['glance_db'] = self._database()
                    if mode == 'filter':
                        kwargs['state_db'] = self._database()
                self.servers[stack] = self._dir.server(mode, **kwargs)
            start_all(list(self.servers.values()))
        except BaseException:
            self.stop()
            raise
        return self

    def _database(self):
        database = TemporaryDatabase(self.backend, 'gd_side')
        database.setUp()
        self._databases.append(database)
        return database.url

    def stop(self):
        self.http.close()
        stop_all(list(self.servers.values()))
        while self._databases:
            self._databases.pop().cleanUp()
        if self._dir is not None:
            self._dir.remove()
            self._dir = None

    def url(self, stack):
        return self.servers[stack].url

    def normalise(self, stack, body):
        """``body`` with the stack's own directories replaced by <DIR>."""
        server = self.servers[stack]
        for path in (server.images_dir, server.workdir):
            body = body.replace(path.encode(), b'<DIR>')
        return body

    # -- admin calls on one stack (requests; raise on a surprise) ---------

    def call(self, stack, method, path, headers=ADMIN, expect=None,
             **kwargs):
        resp = self.http.request(method, self.url(stack) + path,
                                 headers=headers, timeout=60, **kwargs)
        if expect is not None and resp.status_code not in expect:
            raise AssertionError('%s: %s %s -> %s %s' % (
                stack, method, path, resp.status_code, resp.text[:300]))
        return resp

    def create(self, stack, image_id, creator=OWNER, data=None,
               visibility='private', members=(), deactivated=False,
               name=None):
        """One image with a chosen id on ``stack``, set up as asked."""
        url = self.url(stack)
        client = _SessionClient(self.http)
        create_image(url, creator, data, visibility,
                     name=name or 'side-%s' % image_id[:8], client=client,
                     id=image_id)
        for member in members:
            share(url, image_id, member, creator, client)
        if deactivated:
            self.action(stack, image_id, 'deactivate')

    def create_both(self, image_id=None, **kwargs):
        image_id = image_id or str(uuid.uuid4())
        for stack in STACKS:
            self.create(stack, image_id, **kwargs)
        return image_id

    def action(self, stack, image_id, action, headers=ADMIN):
        self.call(stack, 'POST', '/v2/images/%s/actions/%s' % (
            image_id, action), headers, expect=(204,))

    def delete(self, stack, image_id):
        """Delete ``image_id`` as admin if it exists (unprotecting it)."""
        resp = self.call(stack, 'GET', '/v2/images/%s' % image_id)
        if resp.status_code == 404:
            return
        if resp.ok and resp.json().get('protected'):
            self.call(stack, 'PATCH', '/v2/images/%s' % image_id,
                      dict(ADMIN, **PATCH), expect=(200,), data=json.dumps(
                          [{'op': 'replace', 'path': '/protected',
                            'value': False}]))
        self.call(stack, 'DELETE', '/v2/images/%s' % image_id,
                  expect=(204, 404))

    def show(self, stack, image_id, headers=ADMIN):
        """The image document as ``headers`` sees it, or None (404)."""
        resp = self.call(stack, 'GET', '/v2/images/%s' % image_id, headers,
                         expect=(200, 404))
        return resp.json() if resp.status_code == 200 else None

    def status(self, stack, image_id):
        image = self.show(stack, image_id)
        return None if image is None else image['status']

    def listing(self, stack):
        """Every image the admin listing shows: {id: document}."""
        resp = self.call(stack, 'GET', '/v2/images?limit=1000',
                         expect=(200,))
        doc = resp.json()
        if doc.get('next'):
            raise AssertionError('%s: more than one page of images' % stack)
        return {image['id']: image for image in doc['images']}

    def download(self, stack, image_id, headers):
        return rawhttp.send_framed(
            self.url(stack), 'GET', '/v2/images/%s/file' % image_id, headers)


class PairTestCase(testtools.TestCase):
    """A :class:`Pair` for the test class (``BACKEND``, ``PAIR_KWARGS``).

    Started in ``setUpClass`` and stopped in ``tearDownClass``; a missing
    database server skips the tests (``setUp``), or fails them under CI.
    Both servers' log tails are attached to a failing test.
    """

    BACKEND = SQLITE
    PAIR_KWARGS = {}
    PREFIX = 'gd-pair-'

    @classmethod
    def setUpClass(cls):
        super(PairTestCase, cls).setUpClass()
        cls.pair = Pair(cls.PREFIX, backend=cls.BACKEND, **cls.PAIR_KWARGS)
        cls.skip_reason = start_or_skip(cls.pair)

    @classmethod
    def tearDownClass(cls):
        cls.pair.stop()
        super(PairTestCase, cls).tearDownClass()

    def setUp(self):
        super(PairTestCase, self).setUp()
        if self.skip_reason:
            self.skipTest(self.skip_reason)
        attach_logs(self, self.pair.servers)


# -- a real Keystone ----------------------------------------------------------

class KeystoneTestCase(testtools.TestCase):
    """A real Keystone and Glance APIs behind it, for the test class.

    ``MODES`` is {region: devserver mode} (:class:`keystone_server.Stack`).

    Started once in ``setUpClass`` (Keystone's start and bootstrap take
    seconds), stopped in ``tearDownClass``; the Keystone and Glance log
    tails are attached to a failing test.  Nothing here skips: Keystone and
    Glance come from the functional environment's own requirements.
    """

    MODES = {'filter': 'filter', 'native': 'native'}

    @classmethod
    def setUpClass(cls):
        super(KeystoneTestCase, cls).setUpClass()
        cls.stack = keystone_server.Stack(cls.MODES).start()
        cls.keystone_url = cls.stack.url

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()
        super(KeystoneTestCase, cls).tearDownClass()

    def setUp(self):
        super(KeystoneTestCase, self).setUp()
        self.addOnException(lambda exc_info: self.addDetail(
            'logs', content.text_content(self.stack.log_tail(40))))

    def glance_url(self, region):
        return self.stack.glances[region].url
