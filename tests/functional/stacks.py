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

"""Fixtures of the side-by-side tests: two real Glance 33 stacks, one scene.

A :class:`Pair` is two real ``glance-api`` processes started together:
``ours`` (the filter after ``context``, Glance's own deactivate/reactivate
rules ``"!"``) and ``native`` (no filter, Glance's own deactivation), each
with its own Glance database: a SQLite file, or a fresh database on the
PostgreSQL or MariaDB server (``backend``), created as ``openstack_citest``
(``tools/setup-test-databases.sh``) and dropped when the pair stops.  On a
server database the filter's state database goes on the same server too,
as an operator would put it.

Images are made on both stacks with the same client-chosen id (``POST
/v2/images`` with ``"id"``), the same data, visibility and members, and are
deactivated through each stack's own deactivate action as admin, so that
any request can be sent verbatim to both and the answers compared.

:func:`send` is :func:`rawhttp.send` with control over the body's framing:
``Content-Length`` (exact, zero, zero-padded), none at all, or
``Transfer-Encoding: chunked`` in any spelling with a correctly chunked
body on the wire.

Without the database server a test skips, except under CI (``CI=true``),
where it fails.
"""

import http.client
import json
import os
import socket
import time
import unittest
import urllib.parse
import uuid

import fixtures
import requests
import testtools
from testtools import content

from tests.functional import base
from tests.functional import devserver
from tests.functional import rawhttp

OURS = 'ours'
NATIVE = 'native'
STACKS = (OURS, NATIVE)

ADMIN = base.ADMIN
OWNER = base.OWNER
OWNER_READER = base.OWNER_READER
OTHER = base.OTHER
SHARED = base.SHARED
SERVICE = devserver.identity_headers('service-project', roles=('service',))
MEMBER_PROJECT = SHARED['X-Tenant-Id']

JSON = {'Content-Type': 'application/json'}
OCTETS = {'Content-Type': 'application/octet-stream'}
PATCH = {'Content-Type': 'application/openstack-images-v2.1-json-patch'}
FORM = {'Content-Type': 'application/x-www-form-urlencoded'}

REQUEST_TIMEOUT = 30
# A ``status`` of a Response that never came (timeout, connection dropped).
NO_ANSWER = 0

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


# -- real database servers ----------------------------------------------------

def connect_as_citest(backend):
    """A DB-API connection (autocommit) to the server, as openstack_citest."""
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


def require_database(backend):
    """Raise SkipTest if ``backend`` is unusable here; an error under CI."""
    if backend == SQLITE:
        return
    try:
        connect_as_citest(backend).close()
    except Exception as e:
        detail = str(e).strip().splitlines()[0] if str(e).strip() else ''
        reason = ('%s is not usable as %s@%s:%d (%s: %s); prepare it with '
                  'tools/setup-test-databases.sh' % (
                      backend, CITEST, HOST, PORTS[backend],
                      type(e).__name__, detail))
        if os.environ.get('CI') == 'true':
            raise RuntimeError('CI=true, so this is not skipped: ' + reason)
        raise unittest.SkipTest(reason)


class TemporaryDatabase(fixtures.Fixture):
    """An empty, uniquely named database on a real server; dropped after."""

    def __init__(self, backend, prefix='gd_side'):
        super(TemporaryDatabase, self).__init__()
        self.backend = backend
        self.prefix = prefix

    def _setUp(self):
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
        self.url = URLS[self.backend].format(
            user=CITEST, host=HOST, port=PORTS[self.backend], name=self.name)

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


# -- the wire -----------------------------------------------------------------

def chunked(body, pieces=2):
    """``body`` in (at most) ``pieces`` chunks plus the last-chunk."""
    out = []
    if body:
        size = max(1, -(-len(body) // pieces))
        for start in range(0, len(body), size):
            part = body[start:start + size]
            out.append(b'%x\r\n%s\r\n' % (len(part), part))
    out.append(b'0\r\n\r\n')
    return b''.join(out)


def send(url, method, target, headers=None, body=None, framing='length',
         timeout=REQUEST_TIMEOUT):
    """Send one request, ``target`` verbatim; a :class:`rawhttp.Response`.

    ``framing`` says how the body goes on the wire: ``length`` (an exact
    ``Content-Length``, none without a body), ``padded`` (the length with
    leading zeros), ``zero`` (``Content-Length: 0`` and no body), ``none``
    (no framing header and no body), or any other value, which is sent as
    the ``Transfer-Encoding`` header with the body chunked.  An answer that
    never comes is a Response with status :data:`NO_ANSWER`.
    """
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port,
                                      timeout=timeout)
    started = time.monotonic()
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        payload = None
        if framing == 'length':
            if body is not None:
                conn.putheader('Content-Length', str(len(body)))
                payload = body
        elif framing == 'padded':
            conn.putheader('Content-Length', '00%d' % len(body or b''))
            payload = body or None
        elif framing == 'zero':
            conn.putheader('Content-Length', '0')
        elif framing != 'none':
            conn.putheader('Transfer-Encoding', framing)
            payload = chunked(body or b'')
        try:
            conn.endheaders(payload)
        except (BrokenPipeError, ConnectionResetError):
            # Answered (and closed) before the whole body was read.
            pass
        resp = conn.getresponse()
        data = resp.read()
        return rawhttp.Response(resp.status, dict(resp.getheaders()), data,
                                time.monotonic() - started)
    except (socket.timeout, http.client.HTTPException, ConnectionError):
        return rawhttp.Response(NO_ANSWER, {}, b'',
                                time.monotonic() - started)
    finally:
        conn.close()


class Prints(object):
    """Recognise 8 consecutive bytes of any of several images' data."""

    def __init__(self):
        self._windows = {}

    def add(self, name, data):
        for i in range(len(data) - rawhttp.WINDOW + 1):
            self._windows[data[i:i + rawhttp.WINDOW]] = name

    def found_in(self, body):
        """The names whose data ``body`` holds (a set)."""
        found = set()
        windows = self._windows
        for i in range(len(body) - rawhttp.WINDOW + 1):
            name = windows.get(body[i:i + rawhttp.WINDOW])
            if name is not None:
                found.add(name)
        return found


def image_docs(body):
    """The image documents in a JSON answer, and the kind of answer.

    Returns ({id: document}, True for a listing / False for one image /
    None when the answer is neither).
    """
    try:
        doc = json.loads(body)
    except ValueError:
        return {}, None
    if not isinstance(doc, dict):
        return {}, None
    if isinstance(doc.get('images'), list):
        return ({image['id']: image for image in doc['images']
                 if isinstance(image, dict) and
                 isinstance(image.get('id'), str)}, True)
    if isinstance(doc.get('id'), str) and 'status' in doc:
        return {doc['id']: doc}, False
    return {}, None


def mixed_case(image_id):
    return ''.join(c.upper() if i % 2 else c for i, c in enumerate(image_id))


# -- the stacks ---------------------------------------------------------------

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
        self._dir = rawhttp.ServerDir(self.prefix)
        try:
            for stack, mode in ((OURS, 'filter'), (NATIVE, 'native')):
                kwargs = dict(self.server_kwargs)
                if self.backend != SQLITE:
                    kwargs['glance_db'] = self._database()
                    if mode == 'filter':
                        kwargs['state_db'] = self._database()
                self.servers[stack] = self._dir.server(mode, **kwargs)
            rawhttp.start_all(list(self.servers.values()))
        except BaseException:
            self.stop()
            raise
        return self

    def _database(self):
        database = TemporaryDatabase(self.backend)
        database.setUp()
        self._databases.append(database)
        return database.url

    def stop(self):
        self.http.close()
        rawhttp.stop_all(list(self.servers.values()))
        while self._databases:
            self._databases.pop().cleanUp()
        if self._dir is not None:
            self._dir.remove()
            self._dir = None

    def url(self, stack):
        return self.servers[stack].url

    def log_tails(self, lines=40):
        return {stack: server.log_tail(lines)
                for stack, server in self.servers.items()}

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
        self.call(stack, 'POST', '/v2/images', creator, expect=(201,), json={
            'id': image_id, 'name': name or 'side-%s' % image_id[:8],
            'disk_format': 'raw', 'container_format': 'bare',
            'visibility': visibility})
        if data is not None:
            self.call(stack, 'PUT', '/v2/images/%s/file' % image_id,
                      dict(creator, **OCTETS), expect=(204,), data=data)
        for member in members:
            self.call(stack, 'POST', '/v2/images/%s/members' % image_id,
                      creator, expect=(200,), json={'member': member})
            self.call(stack, 'PUT', '/v2/images/%s/members/%s' % (
                image_id, member), devserver.identity_headers(member),
                expect=(200,), json={'status': 'accepted'})
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
        return send(self.url(stack), 'GET', '/v2/images/%s/file' % image_id,
                    headers)


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
        self.addOnException(self._attach_logs)

    def _attach_logs(self, exc_info):
        for stack, tail in self.pair.log_tails(60).items():
            self.addDetail('%s-log' % stack, content.text_content(tail))
