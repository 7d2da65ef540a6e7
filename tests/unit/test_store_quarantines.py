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

"""Content quarantines in the state store, on SQLite, PostgreSQL, MariaDB.

The same behaviour runs on a SQLite file and on the opportunistic
PostgreSQL and MySQL/MariaDB databases of ``test_db_backends`` (skipped
locally without them, failed under ``CI=true``).
"""

import hashlib
import logging
import os

import fixtures
from oslo_db.sqlalchemy import test_fixtures
import sqlalchemy as sa
import testtools

from glance_deactivate import bounded_store
from glance_deactivate import quarantine
from glance_deactivate import store
from tests.unit import test_db_backends

load_tests = test_fixtures.optimize_module_test_loader()

ADMIN = store.Actor('admin-user', 'admin-project', ['admin'], True, 'req-1')
OWNER = store.Actor('owner-user', 'p1', ['member'], False, 'req-2')


def content(data, multihash=True, checksum=True):
    return quarantine.check_content(
        'sha512' if multihash else None,
        hashlib.sha512(data).hexdigest() if multihash else None,
        hashlib.md5(data).hexdigest() if checksum else None)


class StatementCounter(fixtures.Fixture):
    """Counts the SQL statements every engine of the process runs."""

    def _setUp(self):
        self.statements = []
        sa.event.listen(sa.engine.Engine, 'before_cursor_execute',
                        self._count)
        self.addCleanup(sa.event.remove, sa.engine.Engine,
                        'before_cursor_execute', self._count)

    def _count(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def during(self, call, *args):
        start = len(self.statements)
        result = call(*args)
        return result, len(self.statements) - start


class _QuarantineBehaviour(object):

    def setUp(self):
        super().setUp()
        self.store = self.make_store()
        self.store.ensure_schema()

    def test_none_live_at_first(self):
        state = self.store.state('image-1')
        self.assertEqual([], state.records)
        self.assertFalse(state.live)
        self.assertEqual((set(), quarantine.NONE_LIVE),
                         self.store.state_among(['image-1']))
        self.assertFalse(self.store.live_quarantines())
        self.assertEqual([], self.store.list_quarantines())

    def test_create_then_every_request_sees_it(self):
        made = self.store.create_quarantine(content(b'bad'), ADMIN,
                                            'malware', 'source-image')
        self.assertTrue(made.live)
        self.assertEqual(('admin-user', 'admin-project', 'req-1',
                          'source-image', 'malware'),
                         (made.user_id, made.project_id, made.request_id,
                          made.source_image_id, made.reason))
        live = self.store.state('image-1').live
        self.assertEqual([made.id], [q.id for q in live])
        self.assertEqual(made, self.store.get_quarantine(made.id))
        image = {'id': 'x', 'os_hash_algo': 'sha512',
                 'os_hash_value': hashlib.sha512(b'bad').hexdigest()}
        self.assertEqual(made.id, live.match(image).id)

    def test_same_content_twice_is_refused(self):
        made = self.store.create_quarantine(content(b'bad'), ADMIN, 'one')
        for again in (content(b'bad'), content(b'bad', checksum=False),
                      content(b'bad', multihash=False)):
            error = self.assertRaises(store.QuarantineExists,
                                      self.store.create_quarantine, again,
                                      ADMIN, 'two')
            self.assertEqual(made.id, error.quarantine.id)
        self.assertEqual(1, len(self.store.list_quarantines()))
        # Another content is another quarantine, and a lifted one does not
        # hold its content any more.
        self.store.create_quarantine(content(b'other'), ADMIN, 'three')
        self.store.lift_quarantine(made.id, ADMIN, 'cleared')
        again = self.store.create_quarantine(content(b'bad'), ADMIN, 'four')
        self.assertNotEqual(made.id, again.id)

    def test_a_reason_is_required(self):
        for reason in (None, '', '   ', 'x' * 256, 5):
            self.assertRaises(ValueError, self.store.create_quarantine,
                              content(b'bad'), ADMIN, reason)
        self.assertRaises(ValueError, self.store.create_quarantine,
                          quarantine.Content(), ADMIN, 'no hash')
        made = self.store.create_quarantine(content(b'bad'), ADMIN, 'why')
        self.assertRaises(ValueError, self.store.lift_quarantine, made.id,
                          ADMIN, ' ')
        self.assertTrue(self.store.get_quarantine(made.id).live)

    def test_another_store_sees_create_and_lift_on_its_next_call(self):
        other = self.make_store()
        self.assertFalse(other.state('image-1').live)
        made = self.store.create_quarantine(content(b'bad'), ADMIN, 'why')
        self.assertEqual([made.id], [q.id for q in other.state('i').live])
        self.assertEqual([made.id],
                         [q.id for q in other.state_among(['i'])[1]])
        self.store.lift_quarantine(made.id, ADMIN, 'done')
        self.assertFalse(other.state('image-1').live)
        self.assertFalse(other.state_among([])[1])

    def test_records_come_with_the_quarantines(self):
        self.store.deactivate('image-1', OWNER, 'mine', 'p1')
        made = self.store.create_quarantine(content(b'bad'), ADMIN, 'why')
        state = self.store.state('IMAGE-1')
        self.assertEqual(['image-1'], [r.image_id for r in state.records])
        self.assertEqual('mine', state.records[0].reason)
        self.assertEqual([made.id], [q.id for q in state.live])
        deactivated, live = self.store.state_among(
            ['image-1', 'IMAGE-1', 'image-2'])
        self.assertEqual({'image-1'}, deactivated)
        self.assertEqual([made.id], [q.id for q in live])
        many = ['image-%d' % n for n in range(1200)]
        deactivated, _live = self.store.state_among(many)
        self.assertEqual({'image-1'}, deactivated)

    def test_a_match_is_recorded_once_with_its_event(self):
        made = self.store.create_quarantine(content(b'bad'), ADMIN, 'why')
        event = self.store.record_match(made, 'image-1', 'p1', OWNER)
        self.assertEqual(('deactivate', 'changed', made.id, 'why', True,
                          'p1', 'owner-user'),
                         (event.action, event.outcome, event.quarantine_id,
                          event.reason, event.held, event.owner,
                          event.user_id))
        self.assertIsNone(self.store.record_match(made, 'image-1', 'p1',
                                                  ADMIN))
        self.assertEqual([event.id],
                         [e.id for e in self.store.history('image-1')])
        self.assertEqual(['image-1'], self.store.matched_images(made.id))
        # Never recorded against a lifted quarantine.
        self.store.lift_quarantine(made.id, ADMIN, 'done')
        self.assertIsNone(self.store.record_match(made, 'image-2', 'p1',
                                                  OWNER))
        self.assertEqual(['image-1'], self.store.matched_images(made.id))

    def test_lift_reactivates_what_nothing_else_holds(self):
        by_hash = self.store.create_quarantine(
            content(b'bad', checksum=False), ADMIN, 'by hash')
        by_md5 = self.store.create_quarantine(
            content(b'bad', multihash=False), ADMIN, 'by md5')
        for image_id in ('plain', 'own-record', 'also-md5'):
            self.store.record_match(by_hash, image_id, 'p1', OWNER)
        self.store.record_match(by_md5, 'also-md5', 'p1', OWNER)
        self.store.deactivate('own-record', ADMIN, 'its own', 'p1')
        lifted, events = self.store.lift_quarantine(by_hash.id, OWNER,
                                                    'false alarm')
        self.assertFalse(lifted.live)
        self.assertEqual(('owner-user', 'p1', 'false alarm'),
                         (lifted.lifted_by_user_id,
                          lifted.lifted_by_project_id, lifted.lift_reason))
        outcomes = {e.image_id: (e.action, e.outcome, e.held, e.reason)
                    for e in events}
        self.assertEqual({
            'plain': ('reactivate', 'changed', False, 'false alarm'),
            'own-record': ('reactivate', 'no-op', True, 'false alarm'),
            'also-md5': ('reactivate', 'no-op', True, 'false alarm'),
        }, outcomes)
        self.assertEqual({by_hash.id}, {e.quarantine_id for e in events})
        self.assertEqual([by_md5.id],
                         [q.id for q in self.store.state('x').live])
        self.assertEqual('reactivate',
                         self.store.history('plain')[0].action)

    def test_lift_twice_or_unknown(self):
        made = self.store.create_quarantine(content(b'bad'), ADMIN, 'why')
        self.store.lift_quarantine(made.id, ADMIN, 'done')
        error = self.assertRaises(store.QuarantineLifted,
                                  self.store.lift_quarantine, made.id,
                                  ADMIN, 'again')
        self.assertEqual('done', error.quarantine.lift_reason)
        for unknown in ('no-such-id', 'x' * 37, ''):
            self.assertRaises(store.QuarantineNotFound,
                              self.store.lift_quarantine, unknown, ADMIN,
                              'why')
            self.assertIsNone(self.store.get_quarantine(unknown))

    def test_list_newest_first_paged_and_filtered(self):
        made = [self.store.create_quarantine(content(b'%d' % n), ADMIN,
                                             'n%d' % n) for n in range(3)]
        self.store.lift_quarantine(made[1].id, ADMIN, 'done')
        listed = self.store.list_quarantines()
        self.assertEqual([q.id for q in reversed(made)],
                         [q.id for q in listed])
        page = self.store.list_quarantines(limit=2)
        rest = self.store.list_quarantines(marker=page[-1].id)
        self.assertEqual(listed, page + rest)
        self.assertEqual([made[2].id, made[0].id],
                         [q.id for q in self.store.list_quarantines(True)])
        self.assertEqual([made[1].id],
                         [q.id for q in self.store.list_quarantines(False)])
        self.assertRaises(ValueError, self.store.list_quarantines,
                          marker='unknown')
        self.assertRaises(ValueError, self.store.list_quarantines,
                          limit=-1)

    def test_a_refusal_event_names_its_quarantine(self):
        event = self.store.append_event('image-1', store.REACTIVATE,
                                        store.REFUSED, OWNER,
                                        quarantine_id='q-1')
        self.assertEqual('q-1', self.store.history('image-1')[0]
                         .quarantine_id)
        self.assertEqual('q-1', event.quarantine_id)

    def test_the_bounded_store_passes_every_call_on(self):
        bounded = bounded_store.BoundedStore(self.store, 30)
        made = bounded.create_quarantine(content(b'bad'), ADMIN, 'why')
        self.assertEqual([made.id], [q.id for q in bounded.state('i').live])
        self.assertEqual([made.id],
                         [q.id for q in bounded.state_among(['i'])[1]])
        self.assertEqual([made.id], [q.id for q in
                                     bounded.live_quarantines()])
        self.assertIsNotNone(bounded.record_match(made, 'i', 'p1', OWNER))
        self.assertEqual(['i'], bounded.matched_images(made.id))
        self.assertEqual(made.id, bounded.get_quarantine(made.id).id)
        self.assertEqual([made.id],
                         [q.id for q in bounded.list_quarantines(live=True)])
        _lifted, events = bounded.lift_quarantine(made.id, ADMIN, 'done')
        self.assertEqual(['i'], [e.image_id for e in events])


class SQLiteQuarantineTest(_QuarantineBehaviour, testtools.TestCase):

    def setUp(self):
        self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.url = 'sqlite:///' + os.path.join(
            self.useFixture(fixtures.TempDir()).path, 'state.sqlite')
        super().setUp()

    def make_store(self, **overrides):
        overrides.setdefault('max_retries', 0)
        state_store = store.DeactivationStore.from_url(self.url, **overrides)
        self.addCleanup(state_store.dispose)
        return state_store

    def test_one_statement_per_request_while_nothing_changes(self):
        self.store.state('warm-up')
        self.store.state_among(['warm-up'])
        counter = self.useFixture(StatementCounter())
        self.assertEqual(1, counter.during(self.store.state, 'image-1')[1])
        self.assertEqual(1, counter.during(self.store.state_among,
                                           ['a', 'b'])[1])
        self.store.create_quarantine(content(b'bad'), ADMIN, 'why')
        # The first request after a change reads the quarantines once...
        self.assertEqual(2, counter.during(self.store.state, 'image-1')[1])
        # ... and later ones use them as read.
        self.assertEqual(1, counter.during(self.store.state, 'image-1')[1])
        self.assertEqual(1, counter.during(self.store.state_among,
                                           ['a', 'b'])[1])
        self.assertEqual(1, counter.during(self.store.state_among, [])[1])
        self.assertEqual(1, counter.during(self.store.live_quarantines)[1])


class MySQLQuarantineTest(_QuarantineBehaviour,
                          test_db_backends._BackendTestCase):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture


class PostgreSQLQuarantineTest(_QuarantineBehaviour,
                               test_db_backends._BackendTestCase):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture
