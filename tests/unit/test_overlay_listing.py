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

"""The pure rewriters and the listing planner, on plain values."""

import testtools

from glance_deactivate import listing
from glance_deactivate import overlay


class TestRewrite(testtools.TestCase):

    def image(self, **kw):
        image = {'id': 'ABC', 'status': 'active', 'locations': [{'url': 'x'}],
                 'direct_url': 'x', 'stores': 'fs'}
        image.update(kw)
        return image

    def test_overlay_compares_ids_exactly(self):
        image = self.image()
        self.assertFalse(overlay.overlay_image(image, {'abc'}, {'abc'}))
        self.assertEqual('active', image['status'])
        self.assertTrue(overlay.overlay_image(image, {'ABC'}))
        self.assertEqual('deactivated', image['status'])
        self.assertEqual([{'url': 'x'}], image['locations'])

    def test_only_active_images_become_deactivated(self):
        image = self.image(status='queued')
        self.assertFalse(overlay.overlay_image(image, {'ABC'}))
        self.assertEqual('queued', image['status'])

    def test_hide_locations(self):
        image = self.image()
        overlay.overlay_image(image, {'ABC'}, hide_locations_of={'ABC'})
        self.assertEqual([], image['locations'])
        self.assertNotIn('direct_url', image)
        self.assertNotIn('stores', image)
        # Only the multi-store field: nothing else to hide.
        image = self.image(locations=[])
        del image['direct_url']
        self.assertTrue(overlay.overlay_image(image, set(), {'ABC'}))
        self.assertNotIn('stores', image)

    def test_untouched_when_not_deactivated(self):
        image = self.image()
        self.assertFalse(overlay.overlay_images([image], set()))
        self.assertEqual(self.image(), image)

    def test_schema(self):
        schema = {'properties': {'status': {'enum': ['queued', 'active']}}}
        self.assertTrue(overlay.add_deactivated_status(schema))
        self.assertFalse(overlay.add_deactivated_status(schema))
        self.assertEqual(['queued', 'active', 'deactivated'],
                         schema['properties']['status']['enum'])
        self.assertFalse(overlay.add_deactivated_status({'properties': 1}))
        self.assertFalse(overlay.add_deactivated_status([]))


class TestListingPlan(testtools.TestCase):

    def ids(self):
        return {'b', 'a'}

    def test_no_status_filter_needs_no_plan(self):
        self.assertIsNone(listing.plan([('limit', '2')], self.ids))
        self.assertIsNone(listing.plan([('status', 'queued')], self.ids))

    def test_deactivated_alone_asks_the_store_by_id(self):
        plan = listing.plan([('status', 'deactivated'), ('limit', '5')],
                            self.ids)
        self.assertEqual([('limit', '5'), ('status', 'active'),
                          ('id', 'in:a,b')], plan.store_pairs)
        self.assertFalse(plan.needs_filter)

    def test_nothing_deactivated_matches_nothing(self):
        plan = listing.plan([('status', 'deactivated')], set)
        self.assertIn(('id', 'in:' + listing.NO_IMAGE), plan.store_pairs)

    def test_active_filters_out_deactivated(self):
        plan = listing.plan([('status', 'active')], self.ids)
        self.assertTrue(plan.needs_filter)
        self.assertIn('active', plan.wanted)
        self.assertNotIn('deactivated', plan.wanted)

    def test_mixed_sets(self):
        plan = listing.plan([('status', 'in:queued,deactivated')], self.ids)
        self.assertEqual([('status', 'in:active,queued')], plan.store_pairs)
        self.assertTrue(plan.needs_filter)
        plan = listing.plan([('status', 'in:active,deactivated')], self.ids)
        self.assertFalse(plan.needs_filter)

    def test_neq(self):
        plan = listing.plan([('status', 'neq:active'), ('x', '1')], self.ids)
        self.assertEqual([('x', '1')], plan.store_pairs)
        self.assertIn('deactivated', plan.wanted)
        self.assertNotIn('active', plan.wanted)

    def test_links(self):
        pairs = [('status', 'deactivated'), ('marker', 'm0'), ('limit', '2')]
        self.assertEqual('/v2/images?status=deactivated&limit=2',
                         listing.link(pairs))
        self.assertEqual('/v2/images?status=deactivated&limit=2&marker=m1',
                         listing.link(pairs, 'm1'))
        self.assertEqual('/v2/images', listing.link([]))
        self.assertEqual('m9', listing.next_marker(
            {'next': '/v2/images?status=active&marker=m9'}))
        self.assertIsNone(listing.next_marker({}))


class TestPlannedPage(testtools.TestCase):
    """The paging loop, driven by a page-fetching callable."""

    def setUp(self):
        super().setUp()
        # 30 active images, every one but the last two deactivated.
        self.images = [{'id': 'i%02d' % n, 'status': 'active'}
                       for n in range(30)]
        self.deactivated = {image['id'] for image in self.images[:-2]}
        self.fetched = []

    def fetch(self, store_pairs, page_size=3):
        query = dict(store_pairs)
        self.fetched.append(query.get('marker'))
        rest = [i for i in self.images
                if query.get('marker') is None or i['id'] > query['marker']]
        page = [dict(i) for i in rest[:page_size]]
        document = {'images': page, 'schema': '/v2/schemas/images'}
        if len(rest) > page_size:
            document['next'] = '/v2/images?marker=%s' % page[-1]['id']
        return document

    def among(self, ids):
        return {image_id for image_id in ids if image_id in self.deactivated}

    def test_a_round_limit_gives_a_short_page_that_resumes(self):
        pairs = [('status', 'active'), ('limit', '2')]
        plan = listing.plan(pairs, set)
        page = listing.planned_page(pairs, plan, self.fetch, self.among,
                                    max_rounds=4)
        self.assertEqual(4, len(self.fetched))
        self.assertEqual([], page.document['images'])
        self.assertEqual('/v2/images?status=active&limit=2&marker=i11',
                         page.document['next'])
        self.assertEqual('/v2/images?status=active&limit=2',
                         page.document['first'])
        # Following ``next`` resumes after the last image scanned.
        resumed = listing.planned_page(pairs + [('marker', 'i11')], plan,
                                       self.fetch, self.among)
        self.assertEqual(['i28', 'i29'],
                         [i['id'] for i in resumed.document['images']])
        self.assertNotIn('next', resumed.document)
        self.assertEqual(set(), resumed.deactivated)

    def test_deactivated_images_of_the_page_are_reported(self):
        pairs = [('status', 'in:deactivated,queued'), ('limit', '3')]
        plan = listing.plan(pairs, set)
        page = listing.planned_page(pairs, plan, self.fetch, self.among)
        self.assertEqual(['i00', 'i01', 'i02'],
                         [i['id'] for i in page.document['images']])
        self.assertEqual({'i00', 'i01', 'i02'}, page.deactivated)

    def test_glance_takes_the_first_limit(self):
        self.assertEqual(2, listing.int_param(
            [('limit', '2'), ('limit', '9')], 'limit'))
        self.assertIsNone(listing.int_param([('limit', 'x')], 'limit'))
        self.assertIsNone(listing.int_param([], 'limit'))

    def test_fetch_errors_propagate(self):
        def broken(store_pairs):
            raise RuntimeError('no page')
        pairs = [('status', 'active')]
        self.assertRaises(RuntimeError, listing.planned_page, pairs,
                          listing.plan(pairs, set), broken, self.among)
