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


"""The state store and its migrations on real MySQL/MariaDB and PostgreSQL.

These are oslo.db "opportunistic" tests: they connect as the conventional
user ``openstack_citest`` (password ``openstack_citest``) to
``mysql+pymysql://...@localhost/`` and
``postgresql+psycopg2://...@localhost/postgres``, create a randomly named
database per test process and drop it afterwards.  Prepare a machine with
``tools/setup-test-databases.sh`` (as root).  A missing server or user
skips the tests, except under CI (``CI=true``), where it fails them.

The store is built from the provisioned database's URL with
``DeactivationStore.from_url``, exactly as in production: each store owns
its enginefacade context, so there is no global one to swap.  The same
models-vs-migrations check also runs on a SQLite file.
"""

import datetime
import logging
import os
import random
import threading
from unittest import mock

import fixtures
from oslo_db.sqlalchemy import test_fixtures
from oslo_db.sqlalchemy import test_migrations
import sqlalchemy as sa
from sqlalchemy import orm
import testtools

from glance_deactivate.db import migration
from glance_deactivate.db import models
from glance_deactivate import store
from tests.unit import schema
from tests.unit import test_store

UUID = '5b1dfb3e-4a3b-4c2e-9d6f-0a6c1b2d3e4f'
UPPER_UUID = UUID.upper()

# Under CI an unavailable database is a failure, not a skip.
SKIP_ON_UNAVAILABLE_DB = os.environ.get('CI') != 'true'

load_tests = test_fixtures.optimize_module_test_loader()


class _BackendTestCase(test_fixtures.OpportunisticDBTestMixin,
                       testtools.TestCase):
    """A test on a freshly provisioned (empty) database."""

    SKIP_ON_UNAVAILABLE_DB = SKIP_ON_UNAVAILABLE_DB

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.engine = self._db_default.engine
        self.url = self.engine.url.render_as_string(hide_password=False)

    def make_store(self, **overrides):
        overrides.setdefault('max_retries', 0)
        state_store = store.DeactivationStore.from_url(self.url, **overrides)
        self.addCleanup(state_store.dispose)
        return state_store


class _StoreBehaviour(object):
    """Store behaviour every backend must show."""

    def setUp(self):
        super().setUp()
        self.store = self.make_store()
        self.store.ensure_schema()

    def test_nul_is_an_unknown_id(self):
        # PostgreSQL refuses NUL in any statement (a database error, which
        # the filter would answer with 503 and log as an outage): a value
        # with one must find nothing, as any other unknown value.
        nul = UUID + '\x00'
        self.assertTrue(self.store.add(UUID))
        self.assertEqual([], self.store.find(nul))
        state = self.store.state(nul)
        self.assertEqual(([], False), (state.records, bool(state.live)))
        self.assertEqual(set(), self.store.deactivated_among([nul]))
        self.assertIsNone(self.store.get_quarantine(nul))
        self.assertRaises(store.QuarantineNotFound,
                          self.store.lift_quarantine, nul, None, 'r')
        self.assertEqual([], self.store.list_records(owner=nul))
        self.assertEqual([], self.store.list_records(deactivated_by=nul))
        self.assertEqual([], self.store.history(image_id=nul))
        for read in (self.store.list_quarantines, self.store.list_records,
                     self.store.history):
            self.assertRaises(ValueError, read, marker=nul)

    def test_spellings_are_distinct_images(self):
        # On this backend too (MySQL/MariaDB compare strings
        # case-insensitively by default): a record is for its exact id.
        self.assertTrue(self.store.add(UPPER_UUID, user_id='u',
                                       project_id='p', by_admin=True))
        self.assertEqual(UPPER_UUID, self.store.get(UPPER_UUID).image_id)
        for variant in (UUID, UUID.title(), ' %s ' % UPPER_UUID):
            self.assertIsNone(self.store.get(variant), variant)
        self.assertEqual({UPPER_UUID}, self.store.deactivated_among(
            [UPPER_UUID, UUID, UUID.title(), 'other']))
        self.assertTrue(self.store.add(UUID))
        self.assertEqual([UPPER_UUID, UUID], self.store.list_ids())
        self.assertEqual({UPPER_UUID, UUID},
                         {r.image_id for r in self.store.find(UUID.title())})
        self.assertFalse(self.store.remove(UUID.title()))
        self.assertTrue(self.store.remove(UUID))
        self.assertIsNotNone(self.store.get(UPPER_UUID))
        self.assertIsNone(self.store.get(UUID))

    def test_rows_keep_the_exact_id(self):
        self.store.add(UPPER_UUID)
        table = models.ImageDeactivation
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table.image_id,
                                          table.lookup_key)).all()
        self.assertEqual([(UPPER_UUID, UUID)], rows)

    def test_record_round_trip(self):
        self.store.add(UUID, user_id='user-1', project_id='project-1',
                       by_admin=True)
        self.store.add('other')
        record = self.store.get(UUID)
        self.assertEqual(('user-1', 'project-1', True),
                         (record.user_id, record.project_id,
                          record.by_admin))
        self.assertIsNotNone(record.deactivated_at.tzinfo)
        self.assertIs(False, self.store.get('other').by_admin)
        self.assertEqual(2, self.store.count())
        self.assertEqual([UUID, 'other'], self.store.list_ids())
        self.assertEqual([UUID], self.store.list_ids(limit=1))

    def test_deactivated_among_in_chunks(self):
        ids = ['%08d-0000-0000-0000-%012d' % (i, i) for i in range(1200)]
        chosen = {ids[0], ids[500], ids[1199]}
        for image_id in chosen:
            self.store.add(image_id.upper())
        self.assertEqual(
            chosen, self.store.deactivated_among(i.upper() for i in ids))

    def test_too_long_id(self):
        too_long = 'a' * (models.MAX_IMAGE_ID_LENGTH + 1)
        self.assertRaises(ValueError, self.store.add, too_long)
        self.assertIsNone(self.store.get(too_long))
        self.assertEqual(set(), self.store.deactivated_among([too_long]))
        self.assertTrue(self.store.add(too_long[:-1].upper()))
        self.assertIsNotNone(self.store.get(too_long[:-1].upper()))
        self.assertIsNone(self.store.get(too_long[:-1]))

    def test_lost_race_is_answered_as_already_deactivated(self):
        # The look-up misses, the insert hits the primary key: oslo.db must
        # recognise this backend's duplicate-key error.
        self.store.add(UUID, user_id='winner')
        with mock.patch.object(orm.Session, 'get', autospec=True,
                               return_value=None):
            self.assertFalse(self.store.add(UUID, user_id='loser'))
        self.assertEqual('winner', self.store.get(UUID).user_id)

    def test_concurrent_adds(self):
        workers = 6
        stores = [self.make_store() for _ in range(workers)]
        barrier = threading.Barrier(workers)
        results = []

        def add(state_store):
            barrier.wait(timeout=30)
            results.append(state_store.add(UPPER_UUID))

        threads = [threading.Thread(target=add, args=(s,)) for s in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual([True] + [False] * (workers - 1),
                         sorted(results, reverse=True))
        self.assertEqual(1, self.store.count())

    def test_migrations_twice(self):
        head = migration.head()
        self.assertEqual(head, migration.upgrade(self.engine))
        self.assertEqual(head, schema.upgrade(self.url))
        self.assertEqual(head, migration.version(self.engine))
        self.assertEqual(head, schema.version_of(self.url))
        tables = set(sa.inspect(self.engine).get_table_names())
        self.assertIn(models.TABLE_NAME, tables)
        self.assertIn(migration.VERSION_TABLE, tables)
        self.assertNotIn('alembic_version', tables)

    def test_store_survives_dropped_connections(self):
        self.store.add(UUID)
        # The server drops the store's pooled connection (as a database
        # restart or a proxy timeout would); the next call reconnects.
        with self.engine.connect() as conn:
            killed = self.kill_other_connections(conn)
        self.assertGreater(killed, 0)
        self.assertEqual([UUID], self.store.list_ids())
        self.assertTrue(self.store.remove(UUID))


class _HistoryBehaviour(object):
    """The incident record on every backend."""

    def setUp(self):
        super().setUp()
        self.store = self.make_store()
        self.store.ensure_schema()

    def test_events_round_trip(self):
        # 255 characters outside the BMP: utf8mb4 on MySQL/MariaDB.
        reason = '\U0001f6a8' * 254 + '\u00e9'
        actor = test_store.ACTOR
        changed, event = self.store.deactivate(UPPER_UUID, actor,
                                               reason=reason, owner='p1')
        self.assertTrue(changed)
        stored = self.store.history(UPPER_UUID)
        self.assertEqual([event], stored)
        self.assertEqual(reason, stored[0].reason)
        self.assertEqual(['member', 'reader'], stored[0].roles)
        self.assertEqual(event.created_at.microsecond,
                         stored[0].created_at.microsecond)
        record = self.store.get(UPPER_UUID)
        self.assertEqual((event.id, reason, 'p1', False),
                         (record.event_id, record.reason, record.owner,
                          record.held))
        self.assertEqual([], self.store.history(UUID))
        changed, again = self.store.deactivate(UPPER_UUID, test_store.ADMIN)
        self.assertEqual((False, 'no-op', True),
                         (changed, again.outcome, again.held))
        self.assertTrue(self.store.forget(UPPER_UUID,
                                          actor=test_store.ADMIN))
        self.assertEqual(['deleted', 'deactivate', 'deactivate'],
                         [e.action for e in self.store.history(UPPER_UUID)])
        self.assertEqual(['changed', 'no-op', 'changed'],
                         [e.outcome for e in self.store.history(UPPER_UUID)])

    def test_paging_on_this_backend(self):
        for image_id in ('b', 'a', 'c'):
            self.store.deactivate(image_id, test_store.ADMIN)
        engine_table = models.ImageDeactivation
        with self.engine.begin() as conn:
            conn.execute(sa.update(engine_table).values(
                deactivated_at=datetime.datetime(2026, 12, 1)))
        self.assertEqual(['a', 'b', 'c'], [
            r.image_id for r in self.store.list_records()])
        self.assertEqual(['c'], [r.image_id for r in self.store.list_records(
            marker='b')])
        events = self.store.history()
        self.assertEqual(['c', 'a', 'b'], [e.image_id for e in events])
        self.assertEqual(['b'], [e.image_id for e in self.store.history(
            marker=events[1].id)])

    def test_storm_keeps_history_and_state_in_agreement(self):
        workers, calls = 6, 12
        stores = [self.make_store() for _ in range(workers)]
        barrier = threading.Barrier(workers)
        errors = []

        def storm(state_store, seed):
            rand = random.Random(seed)
            try:
                barrier.wait(timeout=30)
                for _ in range(calls):
                    actor = rand.choice([test_store.ACTOR, test_store.ADMIN])
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
        test_store.assert_consistent_history(self, self.store, UUID,
                                             workers * calls)


class MySQLHistoryTest(_HistoryBehaviour, _BackendTestCase):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture


class PostgreSQLHistoryTest(_HistoryBehaviour, _BackendTestCase):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture


class MySQLStoreTest(_StoreBehaviour, _BackendTestCase):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture

    def kill_other_connections(self, conn):
        ids = conn.execute(sa.text(
            'SELECT id FROM information_schema.processlist '
            'WHERE db = DATABASE() AND id <> CONNECTION_ID()')).scalars()
        killed = 0
        for connection_id in list(ids):
            conn.execute(sa.text('KILL %d' % connection_id))
            killed += 1
        return killed


class PostgreSQLStoreTest(_StoreBehaviour, _BackendTestCase):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture

    def kill_other_connections(self, conn):
        return len(conn.execute(sa.text(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
            'WHERE datname = current_database() '
            'AND pid <> pg_backend_pid()')).all())


class _MigrationsOnEmptyDatabase(object):

    def test_version_of_an_empty_database(self):
        self.assertIsNone(migration.version(self.engine))
        self.assertIsNone(schema.version_of(self.url))

    def test_upgrade_from_nothing_twice(self):
        self.assertEqual(migration.head(), schema.upgrade(self.url))
        self.assertEqual(migration.head(), schema.upgrade(self.url))
        state_store = self.make_store()
        self.assertTrue(state_store.add(UPPER_UUID))

    def test_rows_of_the_first_schema_stay_deactivated(self):
        # The first schema folded every id to lower case: such a row keeps
        # applying to every spelling after the upgrade.
        self.assertEqual('eb82333ad427',
                         schema.upgrade(self.url, 'eb82333ad427'))
        with self.engine.begin() as conn:
            conn.execute(sa.text(
                'INSERT INTO image_deactivations (image_id, deactivated_at, '
                'user_id, project_id, by_admin) VALUES (:id, :at, '
                ':user, NULL, :admin)'),
                {'id': UUID, 'at': '2026-01-01 00:00:00', 'user': 'u',
                 'admin': True})
        self.assertEqual(migration.head(), schema.upgrade(self.url))
        state_store = self.make_store()
        for spelling in (UUID, UPPER_UUID):
            record = state_store.get(spelling)
            self.assertEqual((UUID, True, 'u', True),
                             (record.image_id, record.case_folded,
                              record.user_id, record.by_admin))
        self.assertEqual({UUID, UPPER_UUID},
                         state_store.deactivated_among([UUID, UPPER_UUID]))
        table = models.ImageDeactivation
        with self.engine.connect() as conn:
            self.assertEqual([(UUID, UUID)], conn.execute(sa.select(
                table.image_id, table.lookup_key)).all())

    def test_existing_rows_start_their_history_migrated(self):
        self.assertEqual('3c1f0e5a9b7d',
                         schema.upgrade(self.url, '3c1f0e5a9b7d'))
        rows = [
            (UUID, UUID, True, '2026-01-01 00:00:00', 'u1', 'p1', True),
            (UPPER_UUID, UUID, False, '2026-02-01 10:20:30', None, None,
             False),
            ('other', 'other', False, '2025-12-31 23:59:59', 'u2', 'p2',
             False),
        ]
        with self.engine.begin() as conn:
            for row in rows:
                conn.execute(sa.text(
                    'INSERT INTO image_deactivations (image_id, lookup_key, '
                    'case_folded, deactivated_at, user_id, project_id, '
                    'by_admin) VALUES (:id, :key, :folded, :at, :user, '
                    ':project, :admin)'), dict(zip(
                        ('id', 'key', 'folded', 'at', 'user', 'project',
                         'admin'), row)))
        self.assertEqual(migration.head(), schema.upgrade(self.url))
        state_store = self.make_store()
        records = {r.image_id: r for r in state_store.list_records()}
        self.assertEqual(3, len(records))
        for image_id, _key, folded, at, user, project, admin in rows:
            record = records[image_id]
            self.assertEqual((image_id, folded, user, project, admin, None,
                              None),
                             (record.image_id, record.case_folded,
                              record.user_id, record.project_id,
                              record.held, record.reason, record.owner))
            events = state_store.history(image_id)
            self.assertEqual(1, len(events), image_id)
            event = events[0]
            self.assertEqual(
                (record.event_id, 'deactivate', 'migrated', user, project,
                 admin, admin, record.deactivated_at, []),
                (event.id, event.action, event.outcome, event.user_id,
                 event.project_id, event.is_admin, event.held,
                 event.created_at, event.roles))
            self.assertEqual(at, event.created_at.strftime(
                '%Y-%m-%d %H:%M:%S'))
        # Oldest first: the migrated events keep the records' order.
        self.assertEqual(['other', UUID, UPPER_UUID],
                         [e.image_id for e in reversed(
                             state_store.history())])
        # The history goes on from there.
        changed, event = state_store.reactivate(UPPER_UUID,
                                                test_store.ADMIN)
        self.assertTrue(changed)
        self.assertEqual(['changed', 'migrated'], [
            e.outcome for e in state_store.history(UPPER_UUID)])
        self.assertEqual(['other'], state_store.list_ids())


class _ModelsMigrationsSync(test_migrations.ModelsMigrationsSync):
    """The models and the migrations describe the same schema."""

    def db_sync(self, engine):
        migration.upgrade(engine)

    def get_engine(self):
        return self.engine

    def get_metadata(self):
        return models.Base.metadata

    def include_object(self, object_, name, type_, reflected, compare_to):
        # Alembic knows only its default version table by name.
        return not (type_ == 'table' and name == migration.VERSION_TABLE)


class MySQLMigrationsTest(_MigrationsOnEmptyDatabase, _ModelsMigrationsSync,
                          _BackendTestCase):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture


class PostgreSQLMigrationsTest(_MigrationsOnEmptyDatabase,
                               _ModelsMigrationsSync, _BackendTestCase):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture


class SQLiteMigrationsTest(_MigrationsOnEmptyDatabase, _ModelsMigrationsSync,
                           testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        tmp = self.useFixture(fixtures.TempDir()).path
        self.engine = sa.create_engine(
            'sqlite:///' + os.path.join(tmp, 'state.sqlite'))
        self.addCleanup(self.engine.dispose)
        self.url = self.engine.url.render_as_string(hide_password=False)

    def make_store(self, **overrides):
        overrides.setdefault('auto_create_schema', False)
        state_store = store.DeactivationStore.from_url(self.url, **overrides)
        self.addCleanup(state_store.dispose)
        return state_store
