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

import threading
import time

import fixtures
import testtools

from glance_deactivate import bounded_store
from glance_deactivate import store as state_store


class HangingStore(object):
    """Answers once released, like a database that stopped answering."""

    def __init__(self):
        self.release = threading.Event()
        self.outages = []

    def report_outage(self, message):
        self.outages.append(message)

    def get(self, image_id):
        self.release.wait(30)
        return 'late'

    def add(self, image_id, **kwargs):
        self.release.wait(30)
        return True


class TestBoundedStore(testtools.TestCase):

    def test_calls_pass_through(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        real = state_store.DeactivationStore.from_url(
            'sqlite:///%s/s.sqlite' % tmp)
        store = bounded_store.BoundedStore(real, timeout=10)
        self.assertTrue(store.add('ABC', user_id='u', by_admin=True))
        self.assertEqual('ABC', store.get('ABC').image_id)
        self.assertEqual(['ABC'], [r.image_id for r in store.find('abc')])
        self.assertEqual({'ABC'}, store.deactivated_among(
            iter(['ABC', 'abc', 'x'])))
        self.assertEqual(['ABC'], store.list_ids())
        self.assertEqual(1, real.count())
        self.assertEqual(0, store.pin_spellings('abc'))
        self.assertFalse(store.forget('abc'))
        self.assertTrue(store.remove('ABC'))
        self.assertTrue(store.add('abc'))
        self.assertTrue(store.forget('abc'))

    def test_incident_record_calls_pass_through(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        real = state_store.DeactivationStore.from_url(
            'sqlite:///%s/s.sqlite' % tmp)
        store = bounded_store.BoundedStore(real, timeout=10)
        actor = state_store.Actor('u', 'p', ['admin'], True, 'req-1')
        changed, event = store.deactivate('img', actor, reason='why',
                                          owner='o')
        self.assertEqual((True, 'why', 'o'), (changed, event.reason,
                                              event.owner))
        refused = store.append_event('img', 'reactivate', 'refused', actor,
                                     reason='r', owner='o', held=True)
        self.assertEqual(['img'], [r.image_id for r in store.list_records(
            owner='o', held=True)])
        self.assertEqual([refused], store.history('img', limit=1))
        self.assertEqual([event], store.history(image_id='img',
                                                marker=refused.id))
        self.assertTrue(store.forget('img', actor=actor))
        changed, noop = store.reactivate('img', actor, reason='x')
        self.assertEqual((False, 'no-op'), (changed, noop.outcome))
        self.assertEqual(['reactivate', 'deleted', 'reactivate',
                          'deactivate'],
                         [e.action for e in real.history('img')])

    def test_a_hanging_database_is_unavailable_after_the_deadline(self):
        hanging = HangingStore()
        self.addCleanup(hanging.release.set)
        store = bounded_store.BoundedStore(hanging, timeout=0.2,
                                           pool_size=1)
        for call in (lambda: store.get('x'), lambda: store.add('x')):
            started = time.monotonic()
            e = self.assertRaises(state_store.StoreUnavailable, call)
            self.assertLess(time.monotonic() - started, 5)
            self.assertIn('no answer', str(e))
        # Each missed deadline counts in the store's health state.
        self.assertEqual(2, len(hanging.outages))
        hanging.release.set()
        self.assertEqual('late', store.get('x'))

    def test_errors_keep_their_type(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        real = state_store.DeactivationStore.from_url(
            'sqlite:///%s/s.sqlite' % tmp)
        store = bounded_store.BoundedStore(real, timeout=10)
        self.assertRaises(ValueError, store.add, 'x' * 100)
