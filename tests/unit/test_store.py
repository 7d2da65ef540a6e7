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


"""Unit tests of glance_deactivate.store on a SQLite file."""

import datetime
import logging
import multiprocessing
import os
import random
import threading
from unittest import mock

import fixtures
import hypothesis
from hypothesis import strategies
from oslo_config import cfg
from oslo_db import exception as db_exc
import sqlalchemy as sa
from sqlalchemy import orm
import testtools

from glance_deactivate.db import migration
from glance_deactivate.db import models
from glance_deactivate import opts
from glance_deactivate import store
from tests.unit import schema

UUID = '5b1dfb3e-4a3b-4c2e-9d6f-0a6c1b2d3e4f'
UPPER_UUID = UUID.upper()

CLOSED_PORT_URLS = (
    'postgresql+psycopg2://x:secret@127.0.0.1:1/x',
    'mysql+pymysql://x:secret@127.0.0.1:1/x',
)


def _add_in_child(url, image_id, barrier, results):
    # Every outcome, an exception included, is reported: a child that died
    # silently would only show as a queue timeout in the parent.
    try:
        state_store = store.DeactivationStore.from_url(url, max_retries=0)
        barrier.wait(timeout=120)
        results.put(state_store.add(image_id, user_id=str(os.getpid())))
        state_store.dispose()
    except Exception as e:
        results.put(repr(e))


class StatementCounter(fixtures.Fixture):
    """Counts the SQL statements that touch the image_deactivations table."""

    def _setUp(self):
        self.statements = []
        sa.event.listen(sa.engine.Engine, 'before_cursor_execute',
                        self._record)
        self.addCleanup(sa.event.remove, sa.engine.Engine,
                        'before_cursor_execute', self._record)

    def _record(self, conn, cursor, statement, parameters, context,
                executemany):
        if 'image_deactivations' in statement:
            self.statements.append(statement)


class TestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))


class SQLiteStoreTest(TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.url = 'sqlite:///' + os.path.join(self.tmp, 'state',
                                               'deactivations.sqlite')
        self.store = self.make_store(self.url)

    def make_store(self, url, **overrides):
        overrides.setdefault('max_retries', 0)
        state_store = store.DeactivationStore.from_url(url, **overrides)
        self.addCleanup(state_store.dispose)
        return state_store

    def test_empty(self):
        self.assertIsNone(self.store.get(UUID))
        self.assertEqual(0, self.store.count())
        self.assertEqual([], self.store.list_ids())
        self.assertEqual(set(), self.store.deactivated_among([UUID]))
        self.assertFalse(self.store.remove(UUID))

    def test_auto_create_schema_makes_directory_and_schema(self):
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'state')))
        self.assertEqual(0, self.store.count())
        self.assertTrue(os.path.isfile(
            os.path.join(self.tmp, 'state', 'deactivations.sqlite')))
        self.assertEqual(migration.head(), schema.version_of(self.url))

    def test_ensure_schema_twice(self):
        self.store.ensure_schema()
        self.store.ensure_schema()
        self.assertEqual(migration.head(), schema.version_of(self.url))
        self.assertTrue(self.store.add(UUID))
        self.store.ensure_schema()
        self.assertEqual([UUID], self.store.list_ids())

    def test_add_get_remove(self):
        before = datetime.datetime.now(datetime.timezone.utc).replace(
            microsecond=0)
        self.assertTrue(self.store.add(UUID, user_id='user-1',
                                       project_id='project-1',
                                       by_admin=True))
        after = datetime.datetime.now(datetime.timezone.utc)
        record = self.store.get(UUID)
        self.assertIsInstance(record, store.DeactivationRecord)
        self.assertEqual(UUID, record.image_id)
        self.assertEqual('user-1', record.user_id)
        self.assertEqual('project-1', record.project_id)
        self.assertIs(True, record.by_admin)
        self.assertEqual(datetime.timezone.utc, record.deactivated_at.tzinfo)
        self.assertEqual(0, record.deactivated_at.microsecond)
        self.assertTrue(before <= record.deactivated_at <= after)
        self.assertEqual(1, self.store.count())
        self.assertEqual([UUID], self.store.list_ids())

        self.assertTrue(self.store.remove(UUID))
        self.assertIsNone(self.store.get(UUID))
        self.assertFalse(self.store.remove(UUID))
        self.assertEqual(0, self.store.count())

    def test_defaults_of_optional_fields(self):
        self.assertTrue(self.store.add(UUID))
        record = self.store.get(UUID)
        self.assertIsNone(record.user_id)
        self.assertIsNone(record.project_id)
        self.assertIs(False, record.by_admin)

    def test_add_is_idempotent_and_keeps_the_first_record(self):
        self.assertTrue(self.store.add(UUID, user_id='first'))
        self.assertFalse(self.store.add(UUID, user_id='second'))
        self.assertEqual('first', self.store.get(UUID).user_id)
        self.assertEqual(1, self.store.count())
        # Another spelling is another image (PostgreSQL, SQLite).
        self.assertTrue(self.store.add(UPPER_UUID, user_id='third'))
        self.assertEqual('first', self.store.get(UUID).user_id)
        self.assertEqual('third', self.store.get(UPPER_UUID).user_id)

    def test_add_lost_race_is_not_an_error(self):
        # Another process inserts between our look-up and our insert: the
        # look-up finds nothing, the insert hits the primary key.
        self.assertTrue(self.store.add(UUID, user_id='winner'))
        with mock.patch.object(orm.Session, 'get', autospec=True,
                               return_value=None):
            self.assertFalse(self.store.add(UUID, user_id='loser'))
        self.assertEqual('winner', self.store.get(UUID).user_id)

    def test_lost_race_logs_no_warning(self):
        self.store.add(UUID)
        with mock.patch.object(orm.Session, 'get', autospec=True,
                               return_value=None):
            with mock.patch.object(store, 'LOG', autospec=True) as log:
                self.assertFalse(self.store.add(UUID))
        self.assertFalse(log.warning.called)

    def test_concurrent_adds_from_processes(self):
        self.store.ensure_schema()
        # spawn, not fork: a forked child inherits the parent's locks and
        # pooled connections and can hang under stestr's workers.
        ctx = multiprocessing.get_context('spawn')
        workers = 4
        barrier = ctx.Barrier(workers)
        results = ctx.Queue()
        procs = [ctx.Process(target=_add_in_child,
                             args=(self.url, UPPER_UUID, barrier, results))
                 for _ in range(workers)]
        for proc in procs:
            proc.start()
        outcomes = [results.get(timeout=180) for _ in procs]
        for proc in procs:
            proc.join(timeout=60)
            self.assertEqual(0, proc.exitcode)
        self.assertEqual(1, outcomes.count(True), outcomes)
        self.assertEqual(workers - 1, outcomes.count(False), outcomes)
        self.assertEqual([UPPER_UUID], self.store.list_ids())

    def test_ids_are_exact(self):
        self.assertTrue(self.store.add(UPPER_UUID))
        self.assertEqual(UPPER_UUID, self.store.get(UPPER_UUID).image_id)
        self.assertIsNone(self.store.get(UUID))
        self.assertIsNone(self.store.get(' %s ' % UPPER_UUID))
        self.assertEqual({UPPER_UUID}, self.store.deactivated_among(
            [UPPER_UUID, UUID, 'other']))
        self.assertEqual([UPPER_UUID], self.store.list_ids())
        self.assertFalse(self.store.remove(UUID))
        self.assertFalse(self.store.forget(UUID))
        self.assertTrue(self.store.remove(UPPER_UUID))
        self.assertEqual(0, self.store.count())

    def test_find_over_matches_every_spelling(self):
        self.store.add(UUID)
        self.store.add(UPPER_UUID)
        mixed = UUID[:8].upper() + UUID[8:]
        found = self.store.find(mixed)
        self.assertEqual({UUID, UPPER_UUID},
                         {record.image_id for record in found})
        self.assertFalse(any(record.applies_to(mixed) for record in found))
        self.assertEqual([], self.store.find('x' * 65))

    def test_rows_keep_the_exact_id_and_a_lookup_key(self):
        self.store.add(UPPER_UUID)
        engine = sa.create_engine(self.url)
        self.addCleanup(engine.dispose)
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                'SELECT image_id, lookup_key, case_folded '
                'FROM image_deactivations')).all()
        self.assertEqual([(UPPER_UUID, UUID, False)],
                         [(r[0], r[1], bool(r[2])) for r in rows])

    def _add_folded(self, image_id):
        """A row as the first schema wrote it (lower-cased, folded)."""
        self.store.add(image_id)
        engine = sa.create_engine(self.url)
        self.addCleanup(engine.dispose)
        with engine.begin() as conn:
            conn.execute(sa.text(
                'UPDATE image_deactivations SET case_folded = 1 '
                'WHERE image_id = :id'), {'id': image_id})

    def test_folded_record_applies_to_every_spelling(self):
        self._add_folded(UUID)
        self.assertTrue(self.store.get(UPPER_UUID).case_folded)
        self.assertEqual({UPPER_UUID, UUID}, self.store.deactivated_among(
            [UPPER_UUID, UUID]))
        # Reactivating any spelling the record applies to clears it.
        self.assertTrue(self.store.remove(UPPER_UUID))
        self.assertEqual(0, self.store.count())

    def test_forget_clears_only_the_exact_id(self):
        self._add_folded(UUID)
        self.assertFalse(self.store.forget(UPPER_UUID))
        self.assertIsNotNone(self.store.get(UUID))
        self.assertTrue(self.store.forget(UUID))
        self.assertEqual(0, self.store.count())

    def test_a_created_spelling_pins_folded_records(self):
        self._add_folded(UUID)
        self.store.add('other-image')
        self.assertEqual(1, self.store.pin_spellings(UPPER_UUID))
        self.assertIsNone(self.store.get(UPPER_UUID))
        record = self.store.get(UUID)
        self.assertFalse(record.case_folded)
        self.assertEqual(0, self.store.pin_spellings(UPPER_UUID))

    def test_deactivated_among_chunks_in_queries(self):
        ids = ['%08d-0000-0000-0000-%012d' % (i, i) for i in range(1200)]
        chosen = [ids[0], ids[499], ids[500], ids[1199]]
        for image_id in chosen:
            self.store.add(image_id)
        self.assertEqual(4, self.store.count())
        query = [image_id.upper() for image_id in ids]
        query += ids[:10] + ['x' * 65]

        counter = self.useFixture(StatementCounter())
        found = self.store.deactivated_among(query)

        self.assertEqual(set(chosen), found)
        selects = [s for s in counter.statements if ' IN ' in s.upper()]
        self.assertEqual(3, len(selects), counter.statements)
        self.assertEqual(selects, counter.statements)

    def test_deactivated_among_nothing_asks_nothing(self):
        counter = self.useFixture(StatementCounter())
        self.assertEqual(set(), self.store.deactivated_among([]))
        self.assertEqual(set(), self.store.deactivated_among(iter(())))
        self.assertEqual(set(), self.store.deactivated_among(['y' * 65]))
        self.assertEqual([], counter.statements)

    def test_deactivated_among_rejects_a_single_string(self):
        self.assertRaises(TypeError, self.store.deactivated_among, UUID)

    def test_list_ids_sorted_with_limit(self):
        for image_id in ('c', 'a', 'b', 'd'):
            self.store.add(image_id)
        self.assertEqual(['a', 'b', 'c', 'd'], self.store.list_ids())
        self.assertEqual(['a', 'b'], self.store.list_ids(limit=2))
        self.assertEqual([], self.store.list_ids(limit=0))
        self.assertRaises(ValueError, self.store.list_ids, limit=-1)

    def test_id_length_limit(self):
        longest = 'a' * store.MAX_IMAGE_ID_LENGTH
        too_long = 'a' * (store.MAX_IMAGE_ID_LENGTH + 1)
        self.assertTrue(self.store.add(longest))
        self.assertEqual(longest, self.store.get(longest).image_id)

        self.assertRaises(ValueError, self.store.add, too_long)
        self.assertIsNone(self.store.get(too_long))
        self.assertEqual(set(), self.store.deactivated_among([too_long]))
        self.assertFalse(self.store.remove(too_long))
        self.assertFalse(self.store.forget(too_long))
        self.assertEqual([], self.store.find(too_long))

    def test_empty_id_is_refused(self):
        self.assertRaises(ValueError, self.store.add, '')
        self.assertIsNone(self.store.get(''))
        self.assertEqual([], self.store.find(''))

    def test_owner_ids_too_long_are_refused(self):
        self.assertRaises(ValueError, self.store.add, UUID,
                          user_id='u' * 256)
        self.assertRaises(ValueError, self.store.add, UUID,
                          project_id='p' * 256)
        self.assertIsNone(self.store.get(UUID))

    def test_dispose_keeps_the_store_usable(self):
        self.store.add(UUID)
        self.store.dispose()
        self.assertEqual([UUID], self.store.list_ids())

    @hypothesis.settings(max_examples=40, deadline=None)
    @hypothesis.given(strategies.text(
        alphabet='abcdefABCDEF0123456789-', min_size=1,
        max_size=store.MAX_IMAGE_ID_LENGTH))
    def test_only_the_exact_spelling_is_deactivated(self, image_id):
        other = image_id.swapcase()
        self.store.add(image_id)
        self.assertEqual(image_id, self.store.get(image_id).image_id)
        self.assertEqual({image_id},
                         self.store.deactivated_among([image_id, other]))
        if other != image_id:
            self.assertIsNone(self.store.get(other))
            self.assertFalse(self.store.remove(other))
            self.assertIn(image_id, {r.image_id
                                     for r in self.store.find(other)})
        self.assertTrue(self.store.remove(image_id))


def changed_actions(events):
    """The actions of the ``changed`` events, oldest first."""
    return [e.action for e in reversed(events) if e.outcome == 'changed']


def assert_consistent_history(test, state_store, image_id, calls):
    """The history of ``image_id`` after a storm of ``calls`` actions.

    One event per call (none lost, none doubled), the changed events
    alternate deactivate/reactivate, and the last one agrees with the
    record.
    """
    events = state_store.history(image_id)
    test.assertEqual(calls, len(events))
    test.assertEqual(len(events), len({e.id for e in events}))
    changed = changed_actions(events)
    for earlier, later in zip(changed, changed[1:]):
        test.assertNotEqual(earlier, later, changed)
    deactivated = state_store.get(image_id) is not None
    test.assertEqual(deactivated, bool(changed) and
                     changed[-1] == 'deactivate')
    # A refusal (by the hold) happened while a hold stood: one set by an
    # admin's deactivation, or by an admin's repeat (a no-op that holds).
    held = False
    for event in reversed(events):
        if event.outcome == 'changed':
            held = event.action == 'deactivate' and event.held
        elif event.outcome == 'no-op' and event.action == 'deactivate':
            held = held or event.held
        elif event.outcome == 'refused':
            test.assertTrue(held, event)


ACTOR = store.Actor(user_id='u1', project_id='p1',
                    roles=['member', 'reader'], is_admin=False,
                    request_id='req-3b8f1f4e-0000-4000-8000-000000000001')
ADMIN = store.Actor(user_id='admin', project_id='ops', roles=['admin'],
                    is_admin=True, request_id='req-admin')


class HistoryTest(TestCase):
    """The incident record: events, reasons, holds (SQLite)."""

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.url = 'sqlite:///' + os.path.join(tmp, 'state.sqlite')
        self.store = store.DeactivationStore.from_url(self.url,
                                                      max_retries=0)
        self.addCleanup(self.store.dispose)

    def test_deactivate_writes_record_and_event(self):
        before = datetime.datetime.now(datetime.timezone.utc)
        changed, event = self.store.deactivate(
            UUID, ACTOR, reason='  malware \u2622 found ', owner='p1')
        self.assertIs(True, changed)
        self.assertIsInstance(event, store.Event)
        self.assertEqual(
            (UUID, 'deactivate', 'changed', 'u1', 'p1',
             ['member', 'reader'], False, ACTOR.request_id,
             '  malware \u2622 found ', 'p1', False, None),
            (event.image_id, event.action, event.outcome, event.user_id,
             event.project_id, event.roles, event.is_admin,
             event.request_id, event.reason, event.owner, event.held,
             event.quarantine_id))
        self.assertEqual(datetime.timezone.utc, event.created_at.tzinfo)
        self.assertLessEqual(before, event.created_at)
        record = self.store.get(UUID)
        self.assertEqual((event.id, event.reason, 'p1', False),
                         (record.event_id, record.reason, record.owner,
                          record.held))
        self.assertEqual([event], self.store.history(UUID))

    def test_times_keep_microseconds(self):
        events = [self.store.deactivate('img-%d' % i, ACTOR)[1]
                  for i in range(5)]
        stored = self.store.history()
        self.assertEqual([e.created_at for e in reversed(events)],
                         [e.created_at for e in stored])
        self.assertTrue(any(e.created_at.microsecond for e in stored))

    def test_an_admin_deactivation_is_held(self):
        changed, event = self.store.deactivate(UUID, ADMIN)
        self.assertTrue(event.held)
        self.assertTrue(self.store.get(UUID).held)
        self.assertTrue(self.store.get(UUID).by_admin)

    def test_repeats_are_no_op_events(self):
        _, first = self.store.deactivate(UUID, ADMIN, reason='first')
        changed, again = self.store.deactivate(UUID, ACTOR, reason='again')
        self.assertIs(False, changed)
        self.assertEqual(('no-op', 'again', True, 'u1'),
                         (again.outcome, again.reason, again.held,
                          again.user_id))
        record = self.store.get(UUID)
        self.assertEqual((first.id, 'first', 'admin'),
                         (record.event_id, record.reason, record.user_id))
        changed, gone = self.store.reactivate(UUID, ADMIN, reason='clean')
        self.assertEqual((True, 'changed', False, 'clean'),
                         (changed, gone.outcome, gone.held, gone.reason))
        changed, none = self.store.reactivate(UUID, ACTOR)
        self.assertEqual((False, 'no-op'), (changed, none.outcome))
        self.assertEqual([none.id, gone.id, again.id, first.id],
                         [e.id for e in self.store.history(UUID)])

    def test_folded_record_makes_a_no_op(self):
        # A record written before ids were exact applies to every
        # spelling: deactivating another spelling changes nothing.
        self.store.deactivate(UUID, ADMIN)
        engine = sa.create_engine(self.url)
        self.addCleanup(engine.dispose)
        with engine.begin() as conn:
            conn.execute(sa.text('UPDATE image_deactivations '
                                 'SET case_folded = 1'))
        changed, event = self.store.deactivate(UPPER_UUID, ACTOR)
        self.assertEqual((False, 'no-op', True),
                         (changed, event.outcome, event.held))
        self.assertEqual([UUID], self.store.list_ids())
        changed, event = self.store.reactivate(UPPER_UUID, ADMIN)
        self.assertEqual((True, 'changed'), (changed, event.outcome))
        self.assertEqual([], self.store.list_ids())

    def test_a_hold_is_lifted_only_by_who_may(self):
        self.store.deactivate(UUID, ADMIN)
        changed, refused = self.store.reactivate(UUID, ACTOR,
                                                 lift_hold=False)
        self.assertEqual((False, 'refused', True),
                         (changed, refused.outcome, refused.held))
        self.assertIsNotNone(self.store.get(UUID))
        # A record that does not hold is removed all the same.
        self.store.deactivate('mine', ACTOR)
        changed, event = self.store.reactivate('mine', ACTOR,
                                               lift_hold=False)
        self.assertEqual((True, 'changed'), (changed, event.outcome))
        changed, event = self.store.reactivate('mine', ACTOR,
                                               lift_hold=False)
        self.assertEqual((False, 'no-op', False),
                         (changed, event.outcome, event.held))
        changed, event = self.store.reactivate(UUID, ADMIN)
        self.assertEqual((True, 'changed'), (changed, event.outcome))
        self.assertEqual(['changed', 'refused', 'changed'],
                         [e.outcome for e in self.store.history(UUID)])

    def test_an_admin_repeat_holds_an_owners_deactivation(self):
        self.store.deactivate(UUID, ACTOR)
        self.assertFalse(self.store.get(UUID).held)
        changed, again = self.store.deactivate(UUID, ADMIN, reason='bad')
        self.assertEqual((False, 'no-op', True),
                         (changed, again.outcome, again.held))
        record = self.store.get(UUID)
        self.assertEqual((True, 'u1'), (record.held, record.user_id))
        changed, refused = self.store.reactivate(UUID, ACTOR,
                                                 lift_hold=False)
        self.assertEqual((False, 'refused'), (changed, refused.outcome))
        self.assertIsNotNone(self.store.get(UUID))
        # A member's repeat leaves the hold as it is.
        _changed, member = self.store.deactivate(UUID, ACTOR)
        self.assertEqual(('no-op', True), (member.outcome, member.held))

    def test_append_event(self):
        self.store.deactivate(UUID, ADMIN)
        event = self.store.append_event(UUID, 'reactivate', 'refused',
                                        ACTOR, reason='mine', owner='p1',
                                        held=True)
        self.assertEqual(('reactivate', 'refused', True, 'mine'),
                         (event.action, event.outcome, event.held,
                          event.reason))
        self.assertEqual(event, self.store.history(UUID)[0])
        self.assertIsNotNone(self.store.get(UUID))

    def test_invalid_events_are_refused(self):
        bad = [
            (('x', 'bogus', 'changed', ACTOR), {}),
            (('x', 'deactivate', 'maybe', ACTOR), {}),
            (('x', 'deactivate', 'changed', ACTOR), {'reason': 'r' * 256}),
            (('x', 'deactivate', 'changed', ACTOR), {'reason': 42}),
            (('x', 'deactivate', 'changed', ACTOR), {'owner': 'o' * 256}),
            (('x', 'deactivate', 'changed',
              ACTOR._replace(request_id='r' * 65)), {}),
            (('', 'deactivate', 'changed', ACTOR), {}),
        ]
        for args, kwargs in bad:
            self.assertRaises(ValueError, self.store.append_event, *args,
                              **kwargs)
        self.assertRaises(ValueError, self.store.deactivate, UUID, ACTOR,
                          reason='r' * 256)
        self.assertRaises(ValueError, self.store.reactivate, 'x' * 65, ACTOR)
        self.assertEqual([], self.store.history())
        self.assertIsNone(self.store.get(UUID))
        # 255 characters of any Unicode, astral planes included, fit.
        reason = '\U0001f512' * 255
        self.store.deactivate(UUID, ACTOR, reason=reason)
        self.assertEqual(reason, self.store.get(UUID).reason)
        self.assertEqual(reason, self.store.history(UUID)[0].reason)

    def test_forget_appends_a_deleted_event(self):
        self.store.deactivate(UUID, ADMIN, owner='p1')
        self.assertTrue(self.store.forget(UUID, actor=ACTOR))
        deleted = self.store.history(UUID)[0]
        self.assertEqual(('deleted', 'changed', 'u1', 'p1', False),
                         (deleted.action, deleted.outcome, deleted.user_id,
                          deleted.owner, deleted.held))
        # Nothing to forget: no event.
        self.assertFalse(self.store.forget(UUID, actor=ACTOR))
        self.assertEqual(2, len(self.store.history(UUID)))
        # Without an actor the event says nobody.
        self.store.deactivate('other', ADMIN)
        self.assertTrue(self.store.forget('other'))
        self.assertIsNone(self.store.history('other')[0].user_id)

    def test_events_outlive_the_record(self):
        self.store.deactivate(UUID, ADMIN)
        self.store.reactivate(UUID, ADMIN)
        self.store.deactivate(UUID, ADMIN)
        self.store.forget(UUID)
        self.assertEqual(0, self.store.count())
        self.assertEqual(['deleted', 'deactivate', 'reactivate',
                          'deactivate'],
                         [e.action for e in self.store.history(UUID)])

    def test_history_filters_and_pages(self):
        self.store.deactivate(UUID, ADMIN)
        self.store.deactivate(UPPER_UUID, ADMIN)
        self.store.reactivate(UUID, ADMIN)
        self.store.deactivate(UUID, ACTOR)
        mine = self.store.history(UUID)
        self.assertEqual(3, len(mine))
        self.assertTrue(all(e.image_id == UUID for e in mine))
        self.assertEqual([UPPER_UUID],
                         [e.image_id for e in self.store.history(UPPER_UUID)])
        self.assertEqual(4, len(self.store.history()))
        self.assertEqual(mine[:2], self.store.history(UUID, limit=2))
        self.assertEqual(mine[2:], self.store.history(UUID,
                                                      marker=mine[1].id))
        self.assertEqual([], self.store.history(UUID, marker=mine[2].id))
        self.assertEqual(mine[1:], self.store.history(marker=mine[0].id,
                                                      image_id=UUID))
        self.assertEqual([], self.store.history(UUID, limit=0))
        other = self.store.history(UPPER_UUID)[0].id
        self.assertRaises(ValueError, self.store.history, UUID,
                          marker=other)
        self.assertRaises(ValueError, self.store.history, marker='nope')
        self.assertRaises(ValueError, self.store.history, limit=-1)
        self.assertRaises(ValueError, self.store.history, since='yesterday')
        self.assertEqual([], self.store.history('x' * 65))
        since = mine[1].created_at
        self.assertEqual(mine[:2], self.store.history(UUID, since=since))
        naive = since.replace(tzinfo=None)
        self.assertEqual(mine[:2], self.store.history(UUID, since=naive))
        in_paris = since.astimezone(
            datetime.timezone(datetime.timedelta(hours=1)))
        self.assertEqual(mine[:2], self.store.history(UUID, since=in_paris))

    def _dated(self, image_id, when, actor=ADMIN, owner=None):
        self.store.deactivate(image_id, actor, owner=owner)
        engine = sa.create_engine(self.url)
        self.addCleanup(engine.dispose)
        table = models.ImageDeactivation
        with engine.begin() as conn:
            conn.execute(sa.update(table).where(
                table.image_id == image_id).values(deactivated_at=when))

    def test_list_records_filters_and_pages(self):
        day = datetime.datetime(2026, 12, 1, 12, 0, 0)
        self._dated('a', day, owner='p1')
        self._dated('b', day + datetime.timedelta(days=1), actor=ACTOR,
                    owner='p1')
        self._dated('c', day + datetime.timedelta(days=1), owner='p2')
        self._dated('d', day + datetime.timedelta(days=2), owner='p2')
        ids = lambda records: [r.image_id for r in records]  # noqa: E731
        self.assertEqual(['d', 'b', 'c', 'a'],
                         ids(self.store.list_records()))
        self.assertEqual(['b', 'a'], ids(self.store.list_records(
            owner='p1')))
        self.assertEqual(['b'], ids(self.store.list_records(
            deactivated_by='u1')))
        self.assertEqual(['d', 'c', 'a'], ids(self.store.list_records(
            deactivated_by='ops')))
        self.assertEqual(['b'], ids(self.store.list_records(held=False)))
        self.assertEqual(['d', 'c', 'a'], ids(self.store.list_records(
            held=True)))
        since = (day + datetime.timedelta(days=1)).replace(
            tzinfo=datetime.timezone.utc)
        self.assertEqual(['d', 'b', 'c'], ids(self.store.list_records(
            since=since)))
        self.assertEqual(['b', 'c', 'a'], ids(self.store.list_records(
            until=since)))
        self.assertEqual(['d', 'b'], ids(self.store.list_records(limit=2)))
        self.assertEqual(['c', 'a'], ids(self.store.list_records(
            marker='b')))
        self.assertEqual(['a'], ids(self.store.list_records(
            marker='b', owner='p1')))
        self.assertRaises(ValueError, self.store.list_records, marker='zz')
        self.assertRaises(ValueError, self.store.list_records, limit=-2)
        record = self.store.list_records(owner='p2', limit=1)[0]
        self.assertEqual(('d', 'p2', True),
                         (record.image_id, record.owner, record.held))

    def test_storm_from_threads(self):
        # Several stores (as several API workers) deactivate and reactivate
        # one image at once: one event per call, none lost or doubled, and
        # the last changed event agrees with the state.
        workers, calls = 6, 15
        self.store.ensure_schema()
        stores = [store.DeactivationStore.from_url(
            self.url, max_retries=0, auto_create_schema=False)
            for _ in range(workers)]
        for state_store in stores:
            self.addCleanup(state_store.dispose)
        barrier = threading.Barrier(workers)
        errors = []

        def storm(state_store, seed):
            rand = random.Random(seed)
            try:
                barrier.wait(timeout=30)
                for _ in range(calls):
                    actor = rand.choice([ACTOR, ADMIN])
                    if rand.random() < 0.5:
                        state_store.deactivate(UUID, actor)
                    else:
                        state_store.reactivate(UUID, actor,
                                               lift_hold=actor.is_admin)
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=storm, args=(s, i))
                   for i, s in enumerate(stores)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual([], errors)
        assert_consistent_history(self, self.store, UUID, workers * calls)


class ConfigurationTest(TestCase):

    def make_conf(self, **overrides):
        conf = cfg.ConfigOpts()
        opts.register_opts(conf)
        conf(args=[], default_config_files=[], default_config_dirs=[])
        for name, value in overrides.items():
            conf.set_override(name, value, group=opts.GROUP)
        return conf

    def test_store_from_conf(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        conf = self.make_conf(
            connection='sqlite:///' + os.path.join(tmp, 'x.sqlite'),
            max_retries=0)
        state_store = store.DeactivationStore(conf)
        self.addCleanup(state_store.dispose)
        self.assertTrue(state_store.add(UUID))
        self.assertEqual(1, state_store.count())

    def test_stores_with_different_urls_in_one_process(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        stores = [store.DeactivationStore.from_url(
            'sqlite:///' + os.path.join(tmp, '%d.sqlite' % i))
            for i in range(3)]
        for state_store in stores:
            self.addCleanup(state_store.dispose)
        stores[1].add(UUID)
        self.assertEqual([0, 1, 0], [s.count() for s in stores])

    def test_host_database_group_is_ignored(self):
        # Inside glance-api the global CONF has Glance's own [database];
        # the store must use [image_deactivation] only.
        tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.MonkeyPatch(
            'oslo_config.cfg.CONF', cfg.ConfigOpts()))
        from oslo_db import options as db_options
        cfg.CONF.register_opts(db_options.database_opts, 'database')
        cfg.CONF.set_override('connection', 'mysql+pymysql://glance@x/glance',
                              group='database')
        cfg.CONF.set_override('max_retries', 99, group='database')
        state_store = store.DeactivationStore.from_url(
            'sqlite:///' + os.path.join(tmp, 'x.sqlite'), max_retries=0)
        self.addCleanup(state_store.dispose)
        self.assertTrue(state_store.add(UUID))

    def test_unset_connection(self):
        self.assertRaises(ValueError, store.DeactivationStore,
                          self.make_conf(connection=''))

    def test_malformed_connection(self):
        self.assertRaises(ValueError, store.DeactivationStore.from_url,
                          'not a url')

    def test_unknown_override(self):
        self.assertRaises(cfg.NoSuchOptError,
                          store.DeactivationStore.from_url, 'sqlite://',
                          no_such_option=1)

    def test_repr_hides_password(self):
        state_store = store.DeactivationStore.from_url(
            'mysql+pymysql://user:secret@db.example.org/glance')
        self.assertNotIn('secret', repr(state_store))


class UnavailableTest(TestCase):

    def assertUnavailable(self, state_store, secret=None):
        calls = [
            ('get', (UUID,)),
            ('deactivated_among', ([UUID, 'other'],)),
            ('list_ids', ()),
            ('count', ()),
            ('add', (UUID,)),
            ('remove', (UUID,)),
            ('deactivate', (UUID, None)),
            ('reactivate', (UUID, None)),
            ('append_event', (UUID, 'reactivate', 'refused', None)),
            ('forget', (UUID,)),
            ('history', (UUID,)),
            ('list_records', ()),
            ('ensure_schema', ()),
        ]
        for name, args in calls:
            exc = self.assertRaises(store.StoreUnavailable,
                                    getattr(state_store, name), *args)
            self.assertIsNotNone(exc.__cause__, name)
            self.assertIsInstance(
                exc.__cause__,
                (db_exc.DBError, sa.exc.SQLAlchemyError, OSError), name)
            self.assertNotIsInstance(exc, sa.exc.SQLAlchemyError)
            self.assertEqual(1, len(str(exc).splitlines()), str(exc))
            if secret:
                self.assertNotIn(secret, str(exc))

    def test_closed_port(self):
        for url in CLOSED_PORT_URLS:
            state_store = store.DeactivationStore.from_url(url,
                                                           max_retries=0)
            self.addCleanup(state_store.dispose)
            self.assertUnavailable(state_store, secret='secret')

    def test_closed_port_retries_once_then_fails_fast(self):
        # oslo.db retries the first connection (MySQL's "can't connect" is
        # recognised as retryable); later calls do not wait again.
        sleeps = []
        self.useFixture(fixtures.MonkeyPatch(
            'oslo_db.sqlalchemy.engines.time.sleep', sleeps.append))
        state_store = store.DeactivationStore.from_url(
            CLOSED_PORT_URLS[1], max_retries=3, retry_interval=7)
        self.addCleanup(state_store.dispose)
        self.assertRaises(store.StoreUnavailable, state_store.count)
        self.assertEqual([7, 7, 7], sleeps)
        self.assertRaises(store.StoreUnavailable, state_store.count)
        self.assertRaises(store.StoreUnavailable, state_store.get, UUID)
        self.assertEqual([7, 7, 7], sleeps)

    def test_sqlite_directory_cannot_be_created(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        blocker = os.path.join(tmp, 'not-a-directory')
        with open(blocker, 'w') as f:
            f.write('x')
        url = 'sqlite:///' + os.path.join(blocker, 'sub', 'x.sqlite')
        state_store = store.DeactivationStore.from_url(url, max_retries=0)
        self.addCleanup(state_store.dispose)
        self.assertUnavailable(state_store)

    def test_sqlite_file_cannot_be_opened(self):
        # The database "file" is a directory: SQLite cannot open it.
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, 'x.sqlite')
        os.mkdir(path)
        state_store = store.DeactivationStore.from_url('sqlite:///' + path,
                                                       max_retries=0)
        self.addCleanup(state_store.dispose)
        self.assertUnavailable(state_store)

    def test_sqlite_recovers_when_the_directory_appears(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        blocker = os.path.join(tmp, 'state')
        with open(blocker, 'w') as f:
            f.write('x')
        state_store = store.DeactivationStore.from_url(
            'sqlite:///' + os.path.join(blocker, 'x.sqlite'), max_retries=0)
        self.addCleanup(state_store.dispose)
        self.assertRaises(store.StoreUnavailable, state_store.count)
        os.unlink(blocker)
        self.assertEqual(0, state_store.count())
        self.assertTrue(state_store.add(UUID))

    def test_missing_schema(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        state_store = store.DeactivationStore.from_url(
            'sqlite:///' + os.path.join(tmp, 'x.sqlite'), max_retries=0,
            auto_create_schema=False)
        self.addCleanup(state_store.dispose)
        exc = self.assertRaises(store.StoreUnavailable, state_store.get, UUID)
        self.assertIn('image_deactivations', str(exc))
        state_store.ensure_schema()
        self.assertIsNone(state_store.get(UUID))

    def test_unavailability_is_logged_once(self):
        state_store = store.DeactivationStore.from_url(CLOSED_PORT_URLS[0],
                                                       max_retries=0)
        self.addCleanup(state_store.dispose)
        with mock.patch.object(store, 'LOG', autospec=True) as log:
            for _ in range(3):
                self.assertRaises(store.StoreUnavailable, state_store.count)
        self.assertEqual(1, log.warning.call_count)
