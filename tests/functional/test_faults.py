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

"""Faults of the state database and of the API process, on real Glance.

``PostgreSQLStateDatabaseFaultsTest`` and ``MariaDBStateDatabaseFaultsTest``
each run three filter-mode nodes on one Glance database and one image
store, on that database server:

* ``closed`` (two workers): the state database is reached through
  ``fixtures.TcpRelay``, a relay in the test process that the tests stop (every
  relayed connection is cut and the port refuses new ones, as when the
  database server goes down) and start again on the same port, or freeze
  (connections stay open, nothing answers), while Glance keeps running;
* ``wrong``: the state database URL names a port nothing listens on;
* ``open``: the same wrong address with ``fail_open = true``.

The nodes use the documented multi-node options
(``fixtures.NODE_STATE_OPTS``: ``query_timeout``,
``max_retries = 0``, connect and, for PyMySQL, read/write timeouts).
``ProcessRestartTest`` stops a node and starts a new process on the same
files and databases.

Without the database servers the tests skip, except under CI
(``CI=true``), where they fail.
"""

import collections
import contextlib
import logging
import random
import threading
import time

import requests
import testtools

from glance_deactivate import middleware
from glance_deactivate import store as state_store
from tests.functional import devserver
from tests.functional import fixtures

PG = 'postgresql'
REQUEST_TIMEOUT = 60
LOG = logging.getLogger(__name__)
# query_timeout (10 s) and some slack.
SILENT_DB_BOUND = 20

Entry = collections.namedtuple('Entry', 'start end op image status meaning')


def assert_unavailable(test, resp, what):
    """A clear 503 that carries no image data."""
    test.assertEqual(503, resp.status_code, '%s: %s' % (what, resp.text))
    test.assertIn(middleware.MSG_UNAVAILABLE, resp.text, what)
    test.assertNotIn(fixtures.DATA[:64], resp.content, what)


class _FaultsTestCase(testtools.TestCase):

    def call(self, method, node, path, headers=fixtures.OWNER, **kwargs):
        return self.client.request(method, node.url + path, headers,
                                   **kwargs)

    def download(self, node, image_id, headers=fixtures.OWNER):
        return self.call('GET', node, '/v2/images/%s/file' % image_id,
                         headers)

    def action(self, node, image_id, name, headers=fixtures.OWNER):
        return self.call('POST', node,
                         '/v2/images/%s/actions/%s' % (image_id, name),
                         headers)

    def show(self, node, image_id):
        resp = self.call('GET', node, '/v2/images/%s' % image_id)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()['status']

    def assert_download(self, node, image_id, expected, repeat=4):
        """``expected`` ('active'/'deactivated') from every worker, likely."""
        for _ in range(repeat):
            resp = self.download(node, image_id)
            self.assertEqual(expected, fixtures.download_state(resp),
                             '%d %s' % (resp.status_code, resp.text[:200]))


class _StateDatabaseFaults(object):
    """The state database goes away; Glance keeps running."""

    BACKEND = None

    @classmethod
    def setUpClass(cls):
        super(_StateDatabaseFaults, cls).setUpClass()
        fixtures.require_database(cls.BACKEND)
        cls._stack = contextlib.ExitStack()
        try:
            cls._start_nodes(cls._stack)
        except BaseException:
            cls._stack.close()
            raise

    @classmethod
    def _start_nodes(cls, stack):
        backend = cls.BACKEND
        glance_db = fixtures.TemporaryDatabase(backend, 'glance_ft')
        glance_db.setUp()
        stack.callback(glance_db.cleanUp)
        state_db = fixtures.TemporaryDatabase(backend, 'gd_state_ft')
        state_db.setUp()
        stack.callback(state_db.cleanUp)
        cls.state_db = state_db.url
        cls.relay = fixtures.TcpRelay((fixtures.HOST, fixtures.PORTS[backend]))
        cls.relay.start()
        stack.callback(cls.relay.stop)
        relayed = fixtures.database_url(backend, state_db.name,
                                        port=cls.relay.port)
        # Nothing listens on port 1.
        wrong = fixtures.database_url(backend, 'x', port=1)
        options = fixtures.NODE_STATE_OPTS[backend]

        def node(**kwargs):
            server = devserver.GlanceServer(
                mode='filter', glance_db=glance_db.url, **kwargs)
            stack.callback(server.stop)
            return server.start()

        # Syncs Glance's schema and ours (through the relay).
        cls.closed = node(state_db=relayed, workers=2,
                          extra_state_opts=options)
        # These two cannot sync ours: their database is unreachable, and
        # they must start all the same.
        shared = dict(images_dir=cls.closed.images_dir, sync_db=False,
                      state_db=wrong)
        cls.wrong = node(extra_state_opts=options, **shared)
        cls.open = node(extra_state_opts=options + 'fail_open = true\n',
                        **shared)
        cls.client = fixtures.Client()
        stack.callback(cls.client.close)
        cls.store = state_store.DeactivationStore.from_url(
            cls.state_db, max_retries=0)
        stack.callback(cls.store.dispose)

    @classmethod
    def tearDownClass(cls):
        cls._stack.close()
        super(_StateDatabaseFaults, cls).tearDownClass()

    def setUp(self):
        super(_StateDatabaseFaults, self).setUp()
        fixtures.attach_logs(self, {'%s node' % name: getattr(self, name)
                                    for name in ('closed', 'wrong', 'open')})
        # Whatever a test does, the database is back for the next one.
        self.addCleanup(self.relay.start)
        self.active = self.create_image()
        self.deactivated = self.create_image()
        resp = self.action(self.closed, self.deactivated, 'deactivate')
        self.assertEqual(204, resp.status_code, resp.text)

    def create_image(self):
        return fixtures.create_image(self.closed.url, visibility='shared',
                                     client=self.client, prefix='mn')

    def checked_requests(self):
        """Requests that need the state database, each with a name."""
        return [
            ('download deactivated', 'GET',
             '/v2/images/%s/file' % self.deactivated),
            ('download active', 'GET', '/v2/images/%s/file' % self.active),
            ('ranged download', 'GET',
             '/v2/images/%s/file' % self.active, {'Range': 'bytes=0-7'}),
            ('deactivate', 'POST',
             '/v2/images/%s/actions/deactivate' % self.active),
            ('reactivate', 'POST',
             '/v2/images/%s/actions/reactivate' % self.deactivated),
            ('show', 'GET', '/v2/images/%s' % self.deactivated),
            ('list', 'GET', '/v2/images'),
            ('list deactivated', 'GET', '/v2/images?status=deactivated'),
        ]

    def assert_fails_closed(self, node, repeat=2):
        for _ in range(repeat):
            for check in self.checked_requests():
                name, method, path = check[:3]
                extra = check[3] if len(check) > 3 else {}
                headers = dict(fixtures.OWNER, **extra)
                started = time.monotonic()
                resp = self.call(method, node, path, headers)
                assert_unavailable(self, resp, name)
                # max_retries = 0: no waiting for the database.
                self.assertLess(time.monotonic() - started, 10, name)

    def assert_unchecked_requests_pass(self, node):
        resp = self.call('GET', node, '/versions')
        self.assertEqual(200, resp.status_code, resp.text)
        resp = self.call('GET', node, '/v2/schemas/image')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertIn('deactivated',
                      resp.json()['properties']['status']['enum'])
        resp = self.call('GET', node, '/v2/images/%s/members' % self.active)
        self.assertEqual(200, resp.status_code, resp.text)
        resp = self.call('POST', node, '/v2/images/%s/members' % self.active,
                         json={'member': 'shared-project'})
        self.assertEqual(200, resp.status_code, resp.text)

    # -- (a) unreachable: wrong address, fail open, outage and recovery -------

    def test_wrong_address_starts_and_fails_closed(self):
        self.assert_fails_closed(self.wrong)
        self.assert_unchecked_requests_pass(self.wrong)
        # Nothing was changed by the refused actions.
        self.assertEqual('active', self.show(self.closed, self.active))
        self.assertEqual('deactivated',
                         self.show(self.closed, self.deactivated))

    def test_fail_open_lets_data_through(self):
        # The documented risk: with the database unreachable, a
        # deactivated image's data is served and it shows as active.
        self.assert_download(self.open, self.deactivated, 'active')
        self.assert_download(self.open, self.active, 'active')
        self.assertEqual('active', self.show(self.open, self.deactivated))
        resp = self.call('GET', self.open, '/v2/images')
        self.assertEqual(200, resp.status_code, resp.text)
        # Changing the state never fails open.
        for image_id, action in ((self.active, 'deactivate'),
                                 (self.deactivated, 'reactivate')):
            assert_unavailable(self, self.action(self.open, image_id, action),
                               action)
        self.assertEqual('deactivated',
                         self.show(self.closed, self.deactivated))

    def test_outage_and_recovery_without_restart(self):
        process = self.closed.process
        self.assert_download(self.closed, self.deactivated, 'deactivated')
        self.relay.stop()
        self.assert_fails_closed(self.closed, repeat=3)
        self.assert_unchecked_requests_pass(self.closed)

        self.relay.start()
        # The very first requests after the database returns are answered
        # correctly, by every worker, without a restart.
        self.assert_download(self.closed, self.deactivated, 'deactivated')
        self.assert_download(self.closed, self.active, 'active')
        self.assertEqual('deactivated',
                         self.show(self.closed, self.deactivated))
        listed = {image['id']: image['status'] for image in self.call(
            'GET', self.closed, '/v2/images?limit=100').json()['images']}
        self.assertEqual('deactivated', listed[self.deactivated])
        self.assertEqual('active', listed[self.active])
        resp = self.action(self.closed, self.deactivated, 'reactivate')
        self.assertEqual(204, resp.status_code, resp.text)
        self.assert_download(self.closed, self.deactivated, 'active')
        self.assertIsNone(self.store.get(self.deactivated))
        self.assertIs(process, self.closed.process)
        self.assertIsNone(process.poll())

    def test_silent_database_gets_503_in_bounded_time(self):
        # The database host stops answering without closing anything (a
        # hung server, a network dropping packets): a checked request must
        # still get its 503 in bounded time rather than hold the worker.
        self.assert_download(self.closed, self.deactivated, 'deactivated')
        self.addCleanup(self.relay.thaw)
        self.relay.freeze()
        started = time.monotonic()
        try:
            resp = self.client.request(
                'GET', '%s/v2/images/%s/file' % (self.closed.url,
                                                 self.deactivated),
                fixtures.OWNER, timeout=SILENT_DB_BOUND)
        except requests.exceptions.Timeout:
            self.fail('no answer within %d s while the state database is '
                      'silent: the request hangs' % SILENT_DB_BOUND)
        assert_unavailable(self, resp, 'download')
        self.assertLess(time.monotonic() - started, SILENT_DB_BOUND)
        self.relay.thaw()
        self.assert_download(self.closed, self.deactivated, 'deactivated')

    # -- (b) the database restarts in the middle of load ----------------------

    def test_outage_under_load(self):
        # Deactivated only (so every acknowledged deactivation must stay),
        # and deactivated/reactivated one action at a time.
        only_deactivated = [self.create_image() for _ in range(4)]
        toggled = [self.create_image() for _ in range(3)]
        log = _LoadLog(toggled)
        stop = threading.Event()
        threads = [threading.Thread(target=self._load, args=(
            seed, only_deactivated, toggled, log, stop)) for seed in range(6)]
        for thread in threads:
            thread.start()
        try:
            # Driven by what the load has seen, not by the clock: answers
            # before the cut, 503s during it, answers after it.
            log.wait_for(lambda entries: len(entries) >= 30, 'load')
            cut = time.monotonic()
            self.relay.stop()
            log.wait_for(lambda entries: sum(
                1 for e in entries if e.start > cut and e.status == 503) >= 12,
                'the outage noticed')
            self.relay.start()
            back = time.monotonic()
            log.wait_for(lambda entries: sum(
                1 for e in entries if e.start > back and e.status < 500 and
                e.op == 'download') >= 12, 'recovery')
        finally:
            stop.set()
            for thread in threads:
                thread.join(REQUEST_TIMEOUT + 10)

        self.addDetail('load', testtools.content.text_content(
            _summary(log.entries, cut, back)))
        failures = []
        for entry in log.entries:
            if entry.status >= 500 and not (
                    entry.status == 503 and entry.start < back
                    and entry.end > cut):
                failures.append(entry)
            elif entry.meaning is None:
                failures.append(entry)
        self.assertEqual([], failures[:20])
        unavailable = [e for e in log.entries if e.status == 503]
        self.assertNotEqual([], unavailable, 'the outage was not noticed')
        self.assertNotEqual([], [e for e in log.entries if e.start > back
                                 and e.op == 'download'])

        # Every acknowledged deactivation is in the database and enforced,
        # and was enforced on every download that started after it.
        for image_id in only_deactivated:
            acked = [e.end for e in log.entries if e.image == image_id
                     and e.op == 'deactivate' and e.status == 204]
            if not acked:
                continue
            self.assertIsNotNone(self.store.get(image_id), image_id)
            self.assert_download(self.closed, image_id, 'deactivated')
            self.assertEqual('deactivated', self.show(self.closed, image_id))
            served = [e for e in log.entries if e.image == image_id
                      and e.op == 'download' and e.start > min(acked)
                      and e.status == 200]
            self.assertEqual([], served)
        self.assertTrue(any(e.status == 204 and e.op == 'deactivate'
                            for e in log.entries))
        # The image toggled one action at a time ends as its last action
        # left it, when that action was acknowledged.
        for image_id in toggled:
            actions = log.actions[image_id]
            if not actions or actions[-1].status != 204:
                continue
            expected = ('deactivated' if actions[-1].op == 'deactivate'
                        else 'active')
            self.assert_download(self.closed, image_id, expected)
            self.assertEqual(expected == 'deactivated',
                             self.store.get(image_id) is not None)

    def _load(self, seed, only_deactivated, toggled, log, stop):
        """Requests one after another until ``stop``; each one logged."""
        rng = random.Random(seed)
        with requests.Session() as http:
            while not stop.is_set():
                kind = rng.random()
                if kind < 0.25:
                    op, image_id = 'deactivate', rng.choice(only_deactivated)
                    lock = None
                elif kind < 0.5:
                    op = rng.choice(('deactivate', 'reactivate'))
                    image_id = rng.choice(toggled)
                    lock = log.locks[image_id]
                else:
                    op = 'download'
                    image_id = rng.choice(only_deactivated + toggled)
                    lock = None
                if op == 'download':
                    method, path = 'GET', '/v2/images/%s/file' % image_id
                else:
                    method, path = 'POST', '/v2/images/%s/actions/%s' % (
                        image_id, op)
                with lock or contextlib.nullcontext():
                    start = time.monotonic()
                    try:
                        resp = http.request(method, self.closed.url + path,
                                            headers=fixtures.OWNER,
                                            timeout=REQUEST_TIMEOUT)
                    except requests.RequestException as e:
                        # No answer at all: logged as status 0, a failure.
                        status, meaning = 0, None
                        LOG.error('%s %s: %s', method, path, e)
                    else:
                        status = resp.status_code
                        meaning = _meaning(resp, op)
                    log.add(Entry(start, time.monotonic(), op, image_id,
                                  status, meaning),
                            toggled=lock is not None)


def _meaning(resp, op):
    """What an answer in the load says, or None if it is malformed.

    A download's 'active'/'deactivated' (see ``download_state``), 'done' for
    a 204 action, 'unavailable' for a clear 503 without image data.
    """
    if resp.status_code == 503:
        clear = (middleware.MSG_UNAVAILABLE in resp.text
                 and fixtures.DATA[:64] not in resp.content)
        return 'unavailable' if clear else None
    if op == 'download':
        return fixtures.download_state(resp)
    return 'done' if resp.status_code == 204 else None


def _summary(entries, cut, back):
    """Answers counted by phase (before/during/after the cut), op, code."""
    counts = collections.Counter()
    for e in entries:
        phase = ('before' if e.end <= cut else
                 'after' if e.start >= back else 'during')
        counts[(phase, e.op, e.status)] += 1
    return '\n'.join('%-6s %-10s %d: %d' % (key + (n,))
                     for key, n in sorted(counts.items()))


# How long a phase of the load test may take to reach its count: a bound
# against a hung test, not a timing assertion.
LOAD_WAIT_LIMIT = 120


class _LoadLog(object):
    """Every answer, and the serialised actions of the toggled images."""

    def __init__(self, toggled):
        self._lock = threading.Lock()
        self.entries = []
        self.locks = {image_id: threading.Lock() for image_id in toggled}
        self.actions = {image_id: [] for image_id in toggled}

    def add(self, entry, toggled=False):
        with self._lock:
            self.entries.append(entry)
            if toggled:
                self.actions[entry.image].append(entry)

    def wait_for(self, condition, what, limit=LOAD_WAIT_LIMIT):
        """Wait until ``condition(entries)`` holds (``limit`` s at most)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with self._lock:
                entries = list(self.entries)
            if condition(entries):
                return
            time.sleep(0.05)
        raise AssertionError('the load never reached: %s (%d answers)'
                             % (what, len(entries)))


class PostgreSQLStateDatabaseFaultsTest(_StateDatabaseFaults,
                                        _FaultsTestCase):
    BACKEND = 'postgresql'


class MariaDBStateDatabaseFaultsTest(_StateDatabaseFaults, _FaultsTestCase):
    BACKEND = 'mysql'


class ProcessRestartTest(_FaultsTestCase):
    """(c) The state is in the database, never only in a process."""

    def setUp(self):
        super(ProcessRestartTest, self).setUp()
        self.client = fixtures.Client()
        self.addCleanup(self.client.close)

    def _restart_keeps_the_state(self, state_db=None):
        first = fixtures.use_server(self, devserver.GlanceServer(
            mode='filter', workers=2, state_db=state_db), 'first')
        # (Its clean-up runs last: it removes the workdir.)
        image_id = fixtures.create_image(first.url, visibility='shared',
                                         client=self.client, prefix='mn')
        resp = self.action(first, image_id, 'deactivate')
        self.assertEqual(204, resp.status_code, resp.text)
        first.stop(remove=False)

        # db sync again: a no-op.
        second = fixtures.use_server(self, devserver.GlanceServer(
            mode='filter', workers=2, workdir=first.workdir,
            state_db=first.state_db, port=first.port), 'second')
        self.assert_download(second, image_id, 'deactivated')
        self.assertEqual('deactivated', self.show(second, image_id))
        resp = self.download(second, image_id, fixtures.ADMIN)
        self.assertEqual(200, resp.status_code)
        self.assertEqual(fixtures.DATA, resp.content)
        resp = self.action(second, image_id, 'reactivate')
        self.assertEqual(204, resp.status_code, resp.text)
        self.assert_download(second, image_id, 'active')

    def test_restart_keeps_the_state_in_postgresql(self):
        fixtures.require_database(PG)
        state_db = self.useFixture(
            fixtures.TemporaryDatabase(PG, 'gd_state_rs'))
        self._restart_keeps_the_state(state_db.url)

    def test_restart_keeps_the_state_in_sqlite(self):
        self._restart_keeps_the_state()
