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

"""Two real Glance API nodes sharing one Glance and one state database.

Each test starts two ``glance-api`` processes (gunicorn, two workers each)
with the filter, on one Glance database, one deactivation state database
and one image file store, on real PostgreSQL and on real MariaDB/MySQL, as
several API nodes of a cloud behind a load balancer would be.  The
databases are created for the test as the conventional ``openstack_citest``
user (``tools/setup-test-databases.sh``) and dropped afterwards.

* A deactivation made through one node is enforced by the other on the very
  next request, in every worker process (no process caches the state).
* Several hundred concurrent mixed requests spread across both nodes give
  no 5xx, every read whose whole duration falls between two acknowledged
  actions on an image agrees with the earlier one, and at the end both
  nodes and the state database agree with the last acknowledged action on
  each image.  An owner's reactivation of an image an admin deactivated is
  refused by the hold (403), changes nothing, and is not an acknowledged
  action.
* The incident record holds across nodes: an admin's hold set through one
  node refuses the owner on the other, and a storm of concurrent,
  unserialised deactivations and reactivations by owners and admins
  through both nodes leaves, for each image, exactly one event per
  answered call (matched by the ``x-openstack-request-id`` of the answer:
  none lost, none doubled), ``changed`` events that alternate, and a last
  ``changed`` event that agrees with the state every node shows.
* Content quarantine holds across nodes: a quarantine made through one
  node deactivates every copy on the other node's very next request (show
  and download, by the owner and by a member), and so does its lift, and
  a second quarantine after it (each node's cached set of live
  quarantines is checked against the shared database on every request).

Without the database servers the tests skip, except under CI
(``CI=true``), where they fail.  ``fixtures.NODE_STATE_OPTS`` holds the
``[image_deactivation]`` configuration shown in ``doc/source/multinode.rst``
for each database; a test keeps the two identical.
"""

import collections
import concurrent.futures
import hashlib
import os
import random
import threading
import time

import testtools
from testtools import content

from glance_deactivate import actions as deactivate_actions
from glance_deactivate import store as state_store
from tests.functional import devserver
from tests.functional import fixtures

DOC = os.path.join(os.path.dirname(__file__), '..', '..', 'doc', 'source',
                   'multinode.rst')

MEMBER = fixtures.SHARED


# -- the tests ----------------------------------------------------------------

Action = collections.namedtuple('Action',
                                'start end name node status held')
Read = collections.namedtuple('Read', 'start end op node image status states')


class _MultiNodeTest(object):
    """Two nodes on one Glance database and one state database."""

    BACKEND = None
    IMAGES = 6
    REQUESTS = 300
    THREADS = 12
    STORM_IMAGES = 3
    STORM_ACTIONS = 150

    def setUp(self):
        super(_MultiNodeTest, self).setUp()
        fixtures.require_database(self.BACKEND)
        glance_db = self.useFixture(
            fixtures.TemporaryDatabase(self.BACKEND, 'glance_mn')).url
        self.state_db = self.useFixture(
            fixtures.TemporaryDatabase(self.BACKEND, 'gd_state_mn')).url
        options = dict(mode='filter', workers=2, glance_db=glance_db,
                       state_db=self.state_db,
                       extra_state_opts=fixtures.NODE_STATE_OPTS[
                           self.BACKEND])
        # Node A syncs both schemas (glance-manage db_sync and
        # glance-deactivate-manage db sync); node B shares everything.
        self.node_a = fixtures.use_server(
            self, devserver.GlanceServer(**options), 'node A')
        self.node_b = fixtures.use_server(self, devserver.GlanceServer(
            images_dir=self.node_a.images_dir, sync_db=False, **options),
            'node B')
        self.nodes = {'A': self.node_a, 'B': self.node_b}
        self.store = state_store.DeactivationStore.from_url(
            self.state_db, max_retries=0)
        self.addCleanup(self.store.dispose)
        self.client = fixtures.Client()
        self.addCleanup(self.client.close)

    def call(self, method, node, path, headers=fixtures.OWNER, **kwargs):
        return self.client.request(method, node.url + path, headers,
                                   **kwargs)

    def action(self, node, image_id, name, headers=fixtures.OWNER):
        return self.call('POST', node,
                         '/v2/images/%s/actions/%s' % (image_id, name),
                         headers)

    def download(self, node, image_id, headers=fixtures.OWNER):
        return self.call('GET', node, '/v2/images/%s/file' % image_id,
                         headers)

    def assert_state_everywhere(self, image_id, expected, repeat=3):
        """Both nodes (each worker, likely) and the state DB say so."""
        for name, node in sorted(self.nodes.items()):
            for _ in range(repeat):
                for headers in (fixtures.OWNER, MEMBER):
                    resp = self.download(node, image_id, headers)
                    self.assertEqual(
                        expected, fixtures.download_state(resp),
                        'download of %s through node %s: %d %s' % (
                            image_id, name, resp.status_code,
                            resp.text[:200]))
                resp = self.call('GET', node, '/v2/images/%s' % image_id)
                self.assertEqual(200, resp.status_code, resp.text)
                self.assertEqual(expected, resp.json()['status'],
                                 'show through node %s' % name)
        record = self.store.get(image_id)
        self.assertEqual(expected,
                         'active' if record is None else 'deactivated',
                         'state database, image %s' % image_id)

    def create_image(self):
        return fixtures.create_image(self.node_a.url, visibility='shared',
                                     client=self.client, prefix='mn')

    def share(self, image_id):
        fixtures.share(self.node_a.url, image_id, fixtures.MEMBER_PROJECT,
                       client=self.client, member_url=self.node_b.url)

    # -- the very next request ------------------------------------------------

    def test_next_request_on_the_other_node_sees_the_change(self):
        image_id = self.create_image()
        self.share(image_id)
        # Every worker of both nodes has served the image as active: a
        # per-process cache of the state would now be stale.
        self.assert_state_everywhere(image_id, 'active')
        upper = image_id.upper()
        for _round in range(2):
            resp = self.action(self.node_a, image_id, 'deactivate')
            self.assertEqual(204, resp.status_code, resp.text)
            # The very next request, on the other node.
            resp = self.download(self.node_b, image_id, MEMBER)
            self.assertEqual(403, resp.status_code, resp.text)
            self.assertEqual('deactivated', fixtures.download_state(resp))
            self.assert_state_everywhere(image_id, 'deactivated')
            self.assert_upper_case_id(upper, 'deactivated')

            resp = self.action(self.node_b, image_id, 'reactivate')
            self.assertEqual(204, resp.status_code, resp.text)
            resp = self.download(self.node_a, image_id, MEMBER)
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertEqual('active', fixtures.download_state(resp))
            self.assert_state_everywhere(image_id, 'active')
            self.assert_upper_case_id(upper, 'active')

    def assert_upper_case_id(self, upper, expected):
        """An upper-cased id in the URL never slips past the check.

        Glance finds the image under it on MariaDB (case-insensitive
        collation) and serves its data when it is active; on PostgreSQL it
        answers 404 either way.
        """
        for node in (self.node_a, self.node_b):
            resp = self.download(node, upper)
            if self.UPPER_CASE_IDS_FOUND:
                self.assertEqual(expected, fixtures.download_state(resp),
                                 resp.text)
                resp = self.call('GET', node, '/v2/images/%s' % upper)
                self.assertEqual(expected, resp.json()['status'])
            else:
                self.assertEqual(404, resp.status_code, resp.text)

    # -- concurrent mixed requests --------------------------------------------

    def test_concurrent_mixed_requests_agree_with_the_last_action(self):
        images = [self.create_image()
                  for _ in range(self.IMAGES)]
        for image_id in images:
            self.share(image_id)
        seed = random.randrange(2 ** 32)
        self.addDetail('seed', content.text_content(str(seed)))
        actions, reads = self._run_load(images, seed)
        failures = []
        for image_id in images:
            for action in actions[image_id]:
                if action.status != 204 and not action.held:
                    failures.append('%s of %s through node %s: %d' % (
                        action.name, image_id, action.node, action.status))
        for read in reads:
            if read.status >= 500 or read.states is None:
                failures.append('%s %s through node %s: %d' % (
                    read.op, read.image or '', read.node, read.status))
                continue
            for image_id, observed in read.states.items():
                expected = self._state_during(actions[image_id], read.start,
                                              read.end)
                if expected is not None and observed != expected:
                    failures.append(
                        '%s through node %s saw %s %s between '
                        'acknowledged actions that left it %s' % (
                            read.op, read.node, image_id, observed,
                            expected))
        self.assertEqual([], failures[:20], '%d failures' % len(failures))
        self.assertEqual(self.REQUESTS, len(reads) + sum(
            len(log) for log in actions.values()))

        expected_deactivated = set()
        for image_id in images:
            done = [a for a in actions[image_id] if a.status == 204]
            last = done[-1].name if done else 'reactivate'
            expected = 'deactivated' if last == 'deactivate' else 'active'
            if expected == 'deactivated':
                expected_deactivated.add(image_id)
            self.assert_state_everywhere(image_id, expected, repeat=2)
        self.assertEqual(expected_deactivated,
                         set(self.store.deactivated_among(images)))

    def _run_load(self, images, seed):
        """REQUESTS mixed requests from THREADS threads, across both nodes.

        Actions on one image are serialised by a lock per image and logged
        in completion order, so that "the last acknowledged action" is well
        defined; reads run freely beside them.
        """
        rng = random.Random(seed)
        ops = ['deactivate'] * 15 + ['reactivate'] * 15 + ['show'] * 25 + [
            'list'] * 10 + ['download'] * 35
        plan = [(rng.choice(ops), rng.choice('AB'), rng.choice(images),
                 rng.choice((fixtures.OWNER, fixtures.ADMIN)))
                for _ in range(self.REQUESTS)]
        locks = {image_id: threading.Lock() for image_id in images}
        actions = {image_id: [] for image_id in images}
        reads = []
        reads_lock = threading.Lock()
        wanted = set(images)

        def one(op, node_name, image_id, actor):
            node = self.nodes[node_name]
            if op in ('deactivate', 'reactivate'):
                with locks[image_id]:
                    start = time.monotonic()
                    resp = self.action(node, image_id, op, actor)
                    actions[image_id].append(Action(
                        start, time.monotonic(), op, node_name,
                        resp.status_code, _held(resp)))
                return
            start = time.monotonic()
            image = image_id
            if op == 'download':
                resp = self.download(node, image_id)
                states = fixtures.download_state(resp)
                states = None if states is None else {image_id: states}
            elif op == 'show':
                resp = self.call('GET', node, '/v2/images/%s' % image_id)
                states = ({image_id: resp.json()['status']}
                          if resp.status_code == 200 else None)
            else:
                image = None
                resp = self.call('GET', node, '/v2/images?limit=100')
                states = None
                if resp.status_code == 200:
                    states = {i['id']: i['status']
                              for i in resp.json()['images']
                              if i['id'] in wanted}
                    if set(states) != wanted:
                        states = None
            end = time.monotonic()
            with reads_lock:
                reads.append(Read(start, end, op, node_name, image,
                                  resp.status_code, states))

        with concurrent.futures.ThreadPoolExecutor(self.THREADS) as pool:
            futures = [pool.submit(one, *task) for task in plan]
            for future in futures:
                future.result()
        return actions, reads

    @staticmethod
    def _state_during(log, start, end):
        """The state every node must show throughout [start, end], or None.

        ``log`` holds one image's actions in the order they ran (they never
        overlap).  None when an action ran during the interval.  A
        reactivation the hold refused changes nothing.
        """
        state = 'active'
        for action in log:
            if end <= action.start:
                return state
            if action.held:
                continue
            if start < action.end or action.status != 204:
                return None
            state = ('deactivated' if action.name == 'deactivate'
                     else 'active')
        return state

    # -- the incident record across nodes -----------------------------------

    def test_the_hold_set_on_one_node_refuses_on_the_other(self):
        image_id = self.create_image()
        self.share(image_id)
        resp = self.action(self.node_a, image_id, 'deactivate',
                           fixtures.ADMIN)
        self.assertEqual(204, resp.status_code, resp.text)
        resp = self.action(self.node_b, image_id, 'reactivate')
        self.assertEqual(403, resp.status_code, resp.text)
        self.assertTrue(_held(resp), resp.text)
        self.assert_state_everywhere(image_id, 'deactivated', repeat=1)
        resp = self.action(self.node_b, image_id, 'reactivate',
                           fixtures.ADMIN)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assert_state_everywhere(image_id, 'active', repeat=1)
        self.assertEqual(
            [('reactivate', 'changed'), ('reactivate', 'refused'),
             ('deactivate', 'changed')],
            [(e.action, e.outcome) for e in self.store.history(image_id)])

    def test_action_storm_leaves_history_and_state_in_agreement(self):
        images = [self.create_image() for _ in range(self.STORM_IMAGES)]
        for image_id in images:
            self.share(image_id)
        seed = random.randrange(2 ** 32)
        self.addDetail('seed', content.text_content(str(seed)))
        rng = random.Random(seed)
        plan = [(rng.choice(images), rng.choice(('deactivate', 'reactivate')),
                 rng.choice('AB'), rng.choice((fixtures.OWNER,
                                               fixtures.ADMIN)))
                for _ in range(self.STORM_ACTIONS)]

        def one(image_id, name, node_name, actor):
            resp = self.action(self.nodes[node_name], image_id, name, actor)
            return (image_id, name, resp.status_code, _held(resp),
                    resp.headers.get('x-openstack-request-id'),
                    resp.text[:200])

        # No lock: actions on one image race each other through both nodes.
        with concurrent.futures.ThreadPoolExecutor(self.THREADS) as pool:
            answers = list(pool.map(lambda task: one(*task), plan))
        failures = ['%s of %s: %d %s' % (name, image_id, status, text)
                    for image_id, name, status, held, _rid, text in answers
                    if status != 204 and not (status == 403 and held and
                                              name == 'reactivate')]
        self.assertEqual([], failures[:20], '%d failures' % len(failures))
        outcomes = collections.Counter(
            (e.action, e.outcome) for image_id in images
            for e in self.store.history(image_id))
        self.addDetail('storm outcomes', content.text_content(
            repr(sorted(outcomes.items()))))
        self.assertEqual(self.STORM_ACTIONS, sum(outcomes.values()))
        for image_id in images:
            answered = {rid: (name, status)
                        for i, name, status, _held, rid, _text in answers
                        if i == image_id}
            self.assertNotIn(None, answered)
            events = self.store.history(image_id)
            # One event per answered call: none lost, none doubled.
            self.assertEqual(len(answered), len(events), image_id)
            self.assertEqual(set(answered), {e.request_id for e in events})
            for event in events:
                name, status = answered[event.request_id]
                self.assertEqual(name, event.action)
                self.assertIn(event.outcome, ('refused',) if status == 403
                              else ('changed', 'no-op'))
            changed = [e for e in reversed(events) if e.outcome == 'changed']
            for earlier, later in zip(changed, changed[1:]):
                self.assertNotEqual(earlier.action, later.action,
                                    [e.action for e in changed])
            # A refusal happened while a hold stood: set by an admin's
            # deactivation, or by an admin's repeat (a no-op that holds).
            held = False
            for event in reversed(events):
                if event.outcome == 'changed':
                    held = event.action == 'deactivate' and event.held
                elif (event.outcome == 'no-op' and
                        event.action == 'deactivate'):
                    held = held or event.held
                elif event.outcome == 'refused':
                    self.assertTrue(held, event)
            expected = ('deactivated' if changed and
                        changed[-1].action == 'deactivate' else 'active')
            self.assert_state_everywhere(image_id, expected, repeat=1)
            record = self.store.get(image_id)
            if record is not None:
                self.assertEqual(changed[-1].id, record.event_id)
                # The hold in force after the last event (an admin's
                # repeat may have set it after the last change).
                self.assertEqual(held, record.held)

    # -- content quarantine across nodes ------------------------------------

    def quarantine_state(self, node, image_id, headers):
        """'active'/'deactivated' as show and download agree, or a message."""
        resp = self.call('GET', node, '/v2/images/%s' % image_id, headers)
        if resp.status_code != 200:
            return 'show %d %s' % (resp.status_code, resp.text[:200])
        shown = resp.json()['status']
        resp = self.download(node, image_id, headers)
        served = fixtures.download_state(resp)
        if served != shown:
            return 'show says %s, download %d %s' % (
                shown, resp.status_code, resp.text[:200])
        return shown

    def assert_quarantine_state(self, image_ids, expected, repeat=3):
        """Every node (each worker, likely) shows ``expected``.

        An admin still gets the bytes either way.
        """
        for name, node in sorted(self.nodes.items()):
            for _ in range(repeat):
                for image_id in image_ids:
                    for headers in (fixtures.OWNER, MEMBER):
                        self.assertEqual(
                            expected,
                            self.quarantine_state(node, image_id, headers),
                            'image %s through node %s' % (image_id, name))
                    self.assertEqual('active', fixtures.download_state(
                        self.download(node, image_id, fixtures.ADMIN)))

    def quarantine(self, node, **body):
        body['reason'] = 'CVE-2026-0042: multi-node'
        resp = self.call('POST', node, '/v2/quarantines', dict(
            fixtures.ADMIN, **fixtures.JSON), json=body)
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()['id']

    def lift(self, node, qid):
        resp = self.call('POST', node,
                         '/v2/quarantines/%s/actions/lift' % qid,
                         dict(fixtures.ADMIN, **fixtures.JSON),
                         json={'reason': 'fixed'})
        self.assertEqual(200, resp.status_code, resp.text)

    def test_a_quarantine_on_one_node_holds_on_the_other(self):
        # Two copies of the same bytes (fixtures.DATA), on both nodes'
        # catalogue (one Glance database).
        images = [self.create_image() for _ in range(2)]
        for image_id in images:
            self.share(image_id)
        # Every worker has served them with no live quarantine.
        self.assert_quarantine_state(images, 'active')
        qid = self.quarantine(self.node_a, image_id=images[0])
        # The very next request, on the other node.
        resp = self.download(self.node_b, images[1], MEMBER)
        self.assertEqual('deactivated', fixtures.download_state(resp),
                         '%d %s' % (resp.status_code, resp.text[:200]))
        self.assert_quarantine_state(images, 'deactivated')

        self.lift(self.node_b, qid)
        resp = self.download(self.node_a, images[0], MEMBER)
        self.assertEqual('active', fixtures.download_state(resp),
                         '%d %s' % (resp.status_code, resp.text[:200]))
        self.assert_quarantine_state(images, 'active')

        # A second quarantine (by hash this time) after the lift.
        self.quarantine(self.node_b, os_hash_algo='sha512',
                        os_hash_value=hashlib.sha512(
                            fixtures.DATA).hexdigest())
        resp = self.download(self.node_a, images[0], fixtures.OWNER)
        self.assertEqual('deactivated', fixtures.download_state(resp),
                         '%d %s' % (resp.status_code, resp.text[:200]))
        self.assert_quarantine_state(images, 'deactivated', repeat=2)


def _held(resp):
    """True for the hold's 403 (an owner's reactivation refused)."""
    return (resp.status_code == 403 and
            deactivate_actions.MSG_HELD in resp.text)


class PostgreSQLMultiNodeTest(_MultiNodeTest, testtools.TestCase):
    BACKEND = 'postgresql'
    UPPER_CASE_IDS_FOUND = False


class MariaDBMultiNodeTest(_MultiNodeTest, testtools.TestCase):
    BACKEND = 'mysql'
    UPPER_CASE_IDS_FOUND = True


class DocumentationTest(testtools.TestCase):

    def test_documented_configuration_is_the_tested_one(self):
        with open(DOC) as doc:
            text = doc.read()
        for backend, options in sorted(fixtures.NODE_STATE_OPTS.items()):
            indented = ''.join('    ' + line + '\n'
                               for line in options.splitlines())
            if indented not in text:
                self.fail('%s does not show the %s options verbatim:\n%s'
                          % (DOC, backend, indented))
