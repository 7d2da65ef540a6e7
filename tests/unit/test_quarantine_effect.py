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

"""A live content quarantine deactivates every image of that content.

The filter around the fake image app (which shows and filters hashes as
Glance 33 does) with a real SQLite state store.
"""

import testtools

from glance_deactivate import actions
from glance_deactivate import deactivation_view
from glance_deactivate import guards
from glance_deactivate import matching
from glance_deactivate import quarantine
from glance_deactivate import store as state_store
from tests.unit import fakes

ADMIN = fakes.ADMIN
OTHER = fakes.OTHER
new_id = fakes.new_id

BAD = b'bad bytes, quarantined'
GOOD = b'good bytes'
OPERATOR = state_store.Actor('op', 'ops', ['admin'], True)


def add(app, data, image_id=None, **fields):
    """An image of ``data`` in ``app``, with its hashes."""
    fields.update(fakes.hashes(data))
    return app.add(image_id or new_id(), data=data, **fields)


class Recorder(object):
    """A notifier that keeps what it is told."""

    def __init__(self):
        self.sent = []

    def emit(self, event_type, payload):
        self.sent.append((event_type, payload))


class QuarantineTestCase(fakes.FilterTestCase):

    def setUp(self):
        super(QuarantineTestCase, self).setUp()
        self.notifier = Recorder()
        self.filter.sightings.notifier = self.notifier
        self.store = self.filter.store

    def quarantine(self, data=BAD, reason='CVE-2026-0002: backdoor',
                   **parts):
        """A live quarantine of ``data``'s content (or of ``parts``)."""
        content = (quarantine.check_content(**parts) if parts else
                   quarantine.content_of_image(fakes.hashes(data)))
        return self.store.create_quarantine(content, OPERATOR, reason)

    def lift(self, found):
        return self.store.lift_quarantine(found.id, OPERATOR, 'cleared')

    def show(self, image_id, **kwargs):
        return self.call('/v2/images/%s' % image_id, **kwargs)

    def status(self, image_id, **kwargs):
        return self.show(image_id, **kwargs).json['status']

    def list_all(self, query, **kwargs):
        images, url = [], '/v2/images?' + query
        for _ in range(30):
            resp = self.call(url, **kwargs)
            self.assertEqual(200, resp.status_int, resp.text)
            images.extend(resp.json['images'])
            url = resp.json.get('next')
            if not url:
                return images
        self.fail('paging never ended')

    def events(self, image_id):
        return self.store.history(image_id=image_id)


class TestShow(QuarantineTestCase):

    def setUp(self):
        super(TestShow, self).setUp()
        self.mine = add(self.app, BAD, owner='p1')
        self.theirs = add(self.app, BAD, owner='p2')
        self.clean = add(self.app, GOOD, owner='p1')

    def test_every_copy_is_deactivated_in_every_project(self):
        found = self.quarantine()
        self.assertEqual('deactivated', self.status(self.mine))
        self.assertEqual('deactivated', self.status(self.theirs, **OTHER))
        self.assertEqual('active', self.status(self.clean))
        resp = self.show(self.mine, method='PATCH')
        self.assertEqual('deactivated', resp.json['status'])
        self.assertEqual(len(resp.body), resp.content_length)
        self.lift(found)
        self.assertEqual('active', self.status(self.mine))
        self.assertEqual('active', self.status(self.theirs, **OTHER))

    def test_locations_are_hidden_but_from_admins(self):
        self.quarantine()
        doc = self.show(self.mine).json
        self.assertEqual([], doc['locations'])
        self.assertNotIn('direct_url', doc)
        doc = self.show(self.mine, **ADMIN).json
        self.assertEqual('deactivated', doc['status'])
        self.assertEqual(1, len(doc['locations']))
        self.assertIn('direct_url', doc)
        doc = self.show(self.clean).json
        self.assertIn('direct_url', doc)

    def test_a_checksum_quarantine_catches_an_image_without_multihash(self):
        self.app.images[self.mine].update(os_hash_algo=None,
                                          os_hash_value=None)
        self.quarantine(checksum=fakes.hashes(BAD)['checksum'])
        self.assertEqual('deactivated', self.status(self.mine))
        self.assertEqual('active', self.status(self.clean))

    def test_another_algorithm_with_the_same_value_does_not_match(self):
        self.app.images[self.mine]['os_hash_algo'] = 'sha3_512'
        self.app.images[self.mine]['checksum'] = None
        self.quarantine(os_hash_algo='sha512',
                        os_hash_value=fakes.hashes(BAD)['os_hash_value'])
        self.assertEqual('active', self.status(self.mine))
        self.assertEqual('deactivated', self.status(self.theirs, **OTHER))

    def test_only_an_active_image_is_shown_deactivated(self):
        self.quarantine()
        self.app.images[self.mine]['status'] = 'pending_delete'
        self.assertEqual('pending_delete', self.status(self.mine))

    def test_data_that_arrives_later_is_caught_at_once(self):
        self.quarantine()
        later = self.app.add(new_id(), owner='p3', status='queued')
        self.assertEqual('queued', self.status(later, project='p3'))
        # The upload completes: Glance records the hashes and activates.
        self.app.images[later].update(status='active', _data=BAD,
                                      **fakes.hashes(BAD))
        self.assertEqual('deactivated', self.status(later, project='p3'))
        resp = self.call('/v2/images/%s/file' % later, project='p3')
        self.assertEqual(403, resp.status_int)

    def test_an_invisible_image_is_the_services_404(self):
        self.quarantine()
        resp = self.show(self.mine, **OTHER)
        self.assertEqual(404, resp.status_int)
        self.assertIn('No image found with ID %s' % self.mine, resp.text)


class TestSightings(QuarantineTestCase):

    def test_a_match_is_recorded_and_notified_once(self):
        image_id = add(self.app, BAD, owner='p1')
        found = self.quarantine()
        counting = fakes.CountingStore(self.store)
        self.filter.store = counting
        for _ in range(3):
            self.assertEqual('deactivated', self.status(image_id))
        self.assertEqual(1, counting.calls.count('record_match'))
        self.assertEqual([image_id], self.store.matched_images(found.id))
        events = self.events(image_id)
        self.assertEqual([('deactivate', 'changed', found.id,
                           'CVE-2026-0002: backdoor', 'p1', 'u-p1')],
                         [(e.action, e.outcome, e.quarantine_id, e.reason,
                           e.owner, e.user_id) for e in events])
        self.assertEqual(['image.deactivate'],
                         [t for t, _p in self.notifier.sent])
        payload = self.notifier.sent[0][1]
        self.assertEqual((image_id, found.id, events[0].id),
                         (payload['image_id'], payload['quarantine_id'],
                          payload['event_id']))

    def test_lifting_one_of_two_quarantines_reactivates_nothing(self):
        by_checksum = self.quarantine(
            checksum=fakes.hashes(BAD)['checksum'])
        by_hash = self.quarantine(
            os_hash_algo='sha512',
            os_hash_value=fakes.hashes(BAD)['os_hash_value'])
        image_id = add(self.app, BAD, owner='p1')
        self.assertEqual('deactivated', self.status(image_id))
        for found in (by_checksum, by_hash):
            self.assertEqual([image_id],
                             self.store.matched_images(found.id))
        _lifted, events = self.lift(by_hash)
        self.assertEqual([(image_id, 'reactivate', 'no-op')],
                         [(e.image_id, e.action, e.outcome)
                          for e in events])
        self.assertEqual('deactivated', self.status(image_id))
        _lifted, events = self.lift(by_checksum)
        self.assertEqual(['changed'], [e.outcome for e in events])
        self.assertEqual('active', self.status(image_id))

    def test_a_listing_and_a_guard_record_what_they_see(self):
        listed = add(self.app, BAD, owner='p1')
        found = self.quarantine()
        self.list_all('limit=10')
        self.assertEqual([listed], self.store.matched_images(found.id))
        guarded = add(self.app, BAD, owner='p1')
        self.call('/v2/images/%s/file' % guarded)
        self.assertEqual(sorted([listed, guarded]),
                         sorted(self.store.matched_images(found.id)))

    def test_a_failing_record_is_logged_and_blocks_nothing(self):
        image_id = add(self.app, BAD, owner='p1')
        self.quarantine()
        store = self.store

        class Failing(fakes.CountingStore):
            def record_match(self, *args):
                raise state_store.StoreUnavailable('down')
        self.filter.store = Failing(store)
        self.assertEqual('deactivated', self.status(image_id))
        self.assertEqual([], self.notifier.sent)
        # Not remembered: the next sighting records it.
        self.filter.store = store
        self.assertEqual('deactivated', self.status(image_id))
        self.assertEqual(1, len(self.notifier.sent))

    def test_the_memory_is_bounded(self):
        sightings = deactivation_view.Sightings(Recorder(), lambda e: None,
                                                size=2)
        for n in range(5):
            sightings._remember(('q', 'i%d' % n))
        self.assertFalse(sightings.known('q', 'i0'))
        self.assertTrue(sightings.known('q', 'i4'))
        self.assertEqual(2, len(sightings._seen))


class TestListing(QuarantineTestCase):

    def setUp(self):
        super(TestListing, self).setUp()
        ids = sorted(new_id() for _ in range(12))
        self.bad = set(ids[0::4]) | {ids[5]}
        for image_id in ids:
            add(self.app, BAD if image_id in self.bad else GOOD,
                image_id=image_id, owner='p1')
        self.ids = ids
        # One deactivated on its own, with clean data.
        self.own = ids[2]
        self.assertEqual(204, self.action(self.own).status_int)
        self.found = self.quarantine()
        self.deactivated = sorted(self.bad | {self.own})

    def test_every_page_shows_matched_images_deactivated(self):
        images = self.list_all('limit=5')
        self.assertEqual(self.ids, [i['id'] for i in images])
        self.assertEqual(
            {i: 'deactivated' if i in self.deactivated else 'active'
             for i in self.ids},
            {i['id']: i['status'] for i in images})
        for image in images:
            if image['id'] in self.bad:
                self.assertEqual([], image['locations'])

    def test_status_active_excludes_matched_images(self):
        for query in ('status=active&limit=3', 'status=active'):
            images = self.list_all(query)
            self.assertEqual(
                [i for i in self.ids if i not in self.deactivated],
                [i['id'] for i in images], query)

    def test_status_deactivated_merges_matched_and_recorded_in_order(self):
        images = self.list_all('status=deactivated')
        self.assertEqual(self.deactivated, [i['id'] for i in images])
        self.assertEqual({'deactivated'}, {i['status'] for i in images})

    def test_status_deactivated_pages_with_marker_and_next(self):
        resp = self.call('/v2/images?status=deactivated&limit=2')
        self.assertEqual(self.deactivated[:2],
                         [i['id'] for i in resp.json['images']])
        self.assertEqual('/v2/images?status=deactivated&limit=2&marker=%s'
                         % self.deactivated[1], resp.json['next'])
        self.assertNotIn('os_hash_value', resp.json['next'])
        images = self.list_all('status=deactivated&limit=2')
        self.assertEqual(self.deactivated, [i['id'] for i in images])
        images = self.list_all('status=deactivated&limit=1&marker=%s'
                               % self.deactivated[2])
        self.assertEqual(self.deactivated[3:], [i['id'] for i in images])

    def test_status_in_with_another_status(self):
        queued = self.app.add(new_id(), owner='p1', status='queued')
        images = self.list_all('status=in:deactivated,queued&limit=3')
        self.assertEqual(sorted(self.deactivated + [queued]),
                         [i['id'] for i in images])

    def test_only_images_the_caller_can_see(self):
        public = add(self.app, BAD, owner='p2', visibility='public')
        images = self.list_all('status=deactivated', **OTHER)
        self.assertEqual([public], [i['id'] for i in images])
        images = self.list_all('status=deactivated', **ADMIN)
        self.assertEqual(sorted(self.deactivated + [public]),
                         [i['id'] for i in images])

    def test_one_sub_listing_per_quarantined_hash(self):
        self.quarantine(data=GOOD, reason='too')
        seen = len(self.app.seen)
        self.list_all('status=deactivated&limit=100')
        asked = [q for m, p, q in self.app.seen[seen:]
                 if 'os_hash_value' in q or 'checksum' in q]
        # Two quarantines, each by its multihash and its checksum.
        self.assertEqual(4, len(asked), asked)
        for query in asked:
            self.assertIn('status=active', query)
        images = self.list_all('status=deactivated')
        self.assertEqual(self.ids, [i['id'] for i in images])

    def test_lift_empties_the_listing_of_matches(self):
        self.lift(self.found)
        images = self.list_all('status=deactivated')
        self.assertEqual([self.own], [i['id'] for i in images])
        self.assertEqual(
            len(self.ids) - 1, len(self.list_all('status=active')))

    def test_sorted_by_status_first(self):
        # The fake sorts every run by id; the runs are in status order.
        active = [i for i in self.ids if i not in self.deactivated]
        for query, expected in (
                ('sort=status:asc', active + self.deactivated),
                ('sort=status:desc', self.deactivated + active),
                ('sort_key=status&sort_dir=asc&limit=3',
                 active + self.deactivated)):
            images = self.list_all(query)
            self.assertEqual(expected, [i['id'] for i in images], query)
            self.assertEqual(
                {i: 'deactivated' for i in self.deactivated},
                {i['id']: i['status'] for i in images
                 if i['status'] == 'deactivated'}, query)

    def test_sorted_by_status_first_with_quarantines_only(self):
        self.assertEqual(204, self.action(self.own, 'reactivate',
                                          **ADMIN).status_int)
        self.assertEqual([], self.store.list_ids())
        active = [i for i in self.ids if i not in self.bad]
        images = self.list_all('sort=status:asc&limit=4')
        self.assertEqual(active + sorted(self.bad),
                         [i['id'] for i in images])

    def test_sorted_by_status_after_another_key(self):
        images = self.list_all('sort=name:asc,status:asc&limit=4')
        self.assertEqual(sorted(self.ids), sorted(i['id'] for i in images))
        self.assertEqual(
            {i: 'deactivated' if i in self.deactivated else 'active'
             for i in self.ids},
            {i['id']: i['status'] for i in images})
        images = self.list_all(
            'sort=name:asc,status:asc&status=deactivated&limit=2')
        self.assertEqual(self.deactivated, [i['id'] for i in images])


class TestData(QuarantineTestCase):

    def setUp(self):
        super(TestData, self).setUp()
        self.image_id = add(self.app, BAD, owner='p1')
        self.clean = add(self.app, GOOD, owner='p1')
        self.found = self.quarantine()

    def test_download_is_refused_after_one_look_up(self):
        path = '/v2/images/%s/file' % self.image_id
        seen = len(self.app.seen)
        resp = self.call(path)
        self.assertEqual(403, resp.status_int)
        self.assertIn(guards.MSG_DOWNLOAD, resp.text)
        self.assertEqual([('GET', path, ''),
                          ('GET', '/v2/images/%s' % self.image_id, '')],
                         self.app.seen[seen:])
        self.assertEqual((0, True), (self.app.bodies[-1].read,
                                     self.app.bodies[-1].closed))

    def test_admins_keep_downloading(self):
        resp = self.call('/v2/images/%s/file' % self.image_id, **ADMIN)
        self.assertEqual(200, resp.status_int)
        self.assertIs(self.app.bodies[-1], resp.app_iter)
        self.assertEqual(BAD, resp.body)

    def test_clean_data_costs_one_look_up_while_a_quarantine_is_live(self):
        path = '/v2/images/%s/file' % self.clean
        seen = len(self.app.seen)
        resp = self.call(path)
        self.assertEqual(200, resp.status_int)
        self.assertEqual(GOOD, resp.body)
        self.assertEqual(2, len(self.app.seen[seen:]))

    def test_data_behind_hidden_metadata_is_refused_while_one_is_live(self):
        # A store that serves data to a caller it hides the metadata from:
        # the hash cannot be checked, so any live quarantine denies.
        self.app.metadata_hidden = True
        for image_id in (self.image_id, self.clean):
            resp = self.call('/v2/images/%s/file' % image_id)
            self.assertEqual(403, resp.status_int, image_id)
            self.assertIn(guards.MSG_DOWNLOAD, resp.text)
        self.lift(self.found)
        resp = self.call('/v2/images/%s/file' % self.clean)
        self.assertEqual(200, resp.status_int)
        self.assertEqual(GOOD, resp.body)

    def test_locations_are_hidden(self):
        resp = self.call('/v2/images/%s/locations' % self.image_id)
        self.assertEqual(200, resp.status_int)
        self.assertEqual([], resp.json)

    def test_writes_imports_and_copies_are_refused(self):
        copy = b'{"method": {"name": "copy-image"}, "stores": ["file"]}'
        cases = [('PUT', '/file', 409, guards.MSG_UPLOAD, b'xx'),
                 ('PUT', '/stage', 409, guards.MSG_STAGE, b'xx'),
                 ('POST', '/import', 409, guards.MSG_COPY, copy),
                 ('POST', '/locations', 409, guards.MSG_ADD_LOCATION,
                  b'{"url": "file:///x"}')]
        for method, suffix, status, message, body in cases:
            resp = self.call('/v2/images/%s%s' % (self.image_id, suffix),
                             method=method, body=body)
            self.assertEqual(status, resp.status_int, suffix)
            self.assertIn(message, resp.text)
            resp = self.call('/v2/images/%s%s' % (self.clean, suffix),
                             method=method, body=body)
            self.assertEqual(204, resp.status_int, suffix)
        resp = self.call('/v2/cache/%s' % self.image_id, method='PUT',
                         **ADMIN)
        self.assertEqual(400, resp.status_int)
        self.assertIn(guards.MSG_CACHE, resp.text)

    def test_lift_gives_the_data_back(self):
        self.lift(self.found)
        resp = self.call('/v2/images/%s/file' % self.image_id)
        self.assertEqual(200, resp.status_int)
        self.assertEqual(BAD, resp.body)


class TestActions(QuarantineTestCase):

    def setUp(self):
        super(TestActions, self).setUp()
        self.image_id = add(self.app, BAD, owner='p1')
        self.found = self.quarantine()

    def test_reactivate_is_refused_with_the_quarantines_name(self):
        for caller in ({}, ADMIN):
            resp = self.action(self.image_id, 'reactivate', **caller)
            self.assertEqual(403, resp.status_int)
            self.assertIn(actions.MSG_QUARANTINED % self.found.id,
                          resp.text)
        self.assertIn("This image's content is quarantined (quarantine %s)"
                      ": it stays deactivated until the quarantine is "
                      "lifted." % self.found.id, resp.text)
        refused = [e for e in self.events(self.image_id)
                   if e.outcome == 'refused']
        self.assertEqual(2, len(refused))
        self.assertEqual({('reactivate', self.found.id)},
                         {(e.action, e.quarantine_id) for e in refused})
        self.assertIsNone(self.store.get(self.image_id))
        self.assertEqual('deactivated', self.status(self.image_id))

    def test_a_stranger_still_gets_the_policy_refusal(self):
        self.app.images[self.image_id]['visibility'] = 'public'
        resp = self.action(self.image_id, 'reactivate', **OTHER)
        self.assertEqual(403, resp.status_int)
        self.assertIn('You are not authorized to complete reactivate',
                      resp.text)

    def test_own_deactivation_outlives_the_lift(self):
        copy = add(self.app, BAD, owner='p1')
        self.assertEqual(204, self.action(self.image_id).status_int)
        self.assertIsNotNone(self.store.get(self.image_id))
        resp = self.action(self.image_id, 'reactivate', **ADMIN)
        self.assertEqual(403, resp.status_int)
        self.assertIsNotNone(self.store.get(self.image_id))
        self.lift(self.found)
        self.assertEqual('deactivated', self.status(self.image_id))
        self.assertEqual('active', self.status(copy))
        self.assertEqual(204, self.action(self.image_id,
                                          'reactivate').status_int)
        self.assertEqual('active', self.status(self.image_id))

    def test_the_record_names_the_quarantine(self):
        self.status(self.image_id)  # a sighting
        doc = self.call('/v2/images/%s/deactivation' % self.image_id,
                        **ADMIN).json
        self.assertTrue(doc['deactivated'])
        self.assertEqual(self.found.id, doc['quarantine_id'])
        self.assertIsNone(doc['deactivated_at'])
        self.assertEqual([self.found.id],
                         [e['quarantine_id'] for e in doc['history']])
        self.lift(self.found)
        doc = self.call('/v2/images/%s/deactivation' % self.image_id,
                        **ADMIN).json
        self.assertFalse(doc['deactivated'])
        self.assertIsNone(doc['quarantine_id'])


class TestCost(fakes.FilterTestCase):
    """With no live quarantine a request costs what it cost before."""

    def counted(self):
        counting = fakes.CountingStore(self.filter.store)
        self.filter.store = counting
        self.filter.actions.store = counting
        return counting

    def work(self, path, **kwargs):
        seen = len(self.app.seen)
        calls = self.counted()
        try:
            resp = self.call(path, **kwargs)
        finally:
            self.filter.store = calls.store
            self.filter.actions.store = calls.store
        return resp, [(m, p) for m, p, _q in self.app.seen[seen:]], calls.calls

    def check(self):
        image_id = add(self.app, BAD)
        resp, seen, calls = self.work('/v2/images/%s' % image_id)
        self.assertEqual('active', resp.json['status'])
        self.assertEqual([('GET', '/v2/images/%s' % image_id)], seen)
        self.assertEqual(['state'], calls)
        resp, seen, calls = self.work('/v2/images/%s' % image_id,
                                      method='PATCH')
        self.assertEqual(1, len(seen))
        self.assertEqual(['state'], calls)
        resp, seen, calls = self.work('/v2/images/%s/file' % image_id)
        self.assertEqual(BAD, resp.body)
        self.assertEqual([('GET', '/v2/images/%s/file' % image_id)], seen)
        self.assertEqual(['state'], calls)
        resp, seen, calls = self.work('/v2/images?limit=5')
        self.assertEqual([image_id], [i['id'] for i in resp.json['images']])
        self.assertEqual([('GET', '/v2/images')], seen)
        self.assertEqual(['state_among'], calls)

    def test_no_quarantine_ever(self):
        self.check()

    def test_every_quarantine_lifted(self):
        store = self.filter.store
        found = store.create_quarantine(
            quarantine.content_of_image(fakes.hashes(BAD)), OPERATOR, 'x')
        store.lift_quarantine(found.id, OPERATOR, 'cleared')
        self.check()

    def test_with_a_live_quarantine_a_show_is_still_one_query(self):
        self.filter.store.create_quarantine(
            quarantine.content_of_image(fakes.hashes(GOOD)), OPERATOR, 'x')
        image_id = add(self.app, BAD)
        resp, seen, calls = self.work('/v2/images/%s' % image_id)
        self.assertEqual('active', resp.json['status'])
        self.assertEqual([('GET', '/v2/images/%s' % image_id)], seen)
        self.assertEqual(['state'], calls)


class TestQuarantinedIds(testtools.TestCase):
    """The sub-listings that find a caller's quarantined images."""

    def setUp(self):
        super(TestQuarantinedIds, self).setUp()
        hashes = fakes.hashes(BAD)
        self.live = quarantine.LiveQuarantines([quarantine.Quarantine(
            'q1', quarantine.content_of_image(hashes), 'r', None)])
        self.hashes = hashes

    def test_queries_carry_the_callers_scope(self):
        pairs = [('visibility', 'shared'), ('visibility', 'all'),
                 ('os_hidden', 'true'), ('member_status', 'all'),
                 ('owner', 'p9'), ('name', 'x'), ('limit', '3'),
                 ('sort', 'name:asc'), ('marker', 'm')]
        queries = deactivation_view.match_queries(self.live, pairs)
        scope = [('visibility', 'all'), ('member_status', 'all'),
                 ('os_hidden', 'true'), ('owner', 'p9')]
        self.assertEqual(sorted([
            [('checksum', self.hashes['checksum']),
             ('status', 'active')] + scope,
            [('os_hash_value', self.hashes['os_hash_value']),
             ('status', 'active')] + scope]), sorted(queries))

    def test_pages_are_read_to_the_end_and_matches_confirmed(self):
        asked = []
        other_algo = dict(self.hashes, os_hash_algo='sha3_512',
                          checksum=None)

        def fetch(pairs):
            asked.append(dict(pairs))
            if 'checksum' in dict(pairs):
                return {'images': []}
            if 'marker' not in dict(pairs):
                return {'images': [dict(self.hashes, id='a',
                                        status='active'),
                                   dict(other_algo, id='b',
                                        status='active')],
                        'next': '/v2/images?marker=b'}
            return {'images': [dict(self.hashes, id='c', status='active')]}
        self.assertEqual({'a', 'c'}, deactivation_view.quarantined_ids(
            self.live, [], fetch))
        self.assertEqual(3, len(asked))
        self.assertEqual('b', asked[-1]['marker'])
        self.assertEqual(str(deactivation_view.MATCH_PAGE),
                         asked[-1]['limit'])

    def test_no_quarantine_asks_nothing(self):
        self.assertEqual(set(), deactivation_view.quarantined_ids(
            quarantine.NONE_LIVE, [], self.fail))

    def test_an_answer_that_is_not_a_listing_counts_as_none(self):
        def fetch(pairs):
            raise matching.ScanFailed(None)
        self.assertEqual(set(), deactivation_view.quarantined_ids(
            self.live, [], fetch))
