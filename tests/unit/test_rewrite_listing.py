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
from glance_deactivate import rewrite


class TestRewrite(testtools.TestCase):

    def image(self, **kw):
        image = {'id': 'ABC', 'status': 'active', 'locations': [{'url': 'x'}],
                 'direct_url': 'x'}
        image.update(kw)
        return image

    def test_overlay_compares_ids_exactly(self):
        image = self.image()
        self.assertFalse(rewrite.overlay_image(image, {'abc'}, {'abc'}))
        self.assertEqual('active', image['status'])
        self.assertTrue(rewrite.overlay_image(image, {'ABC'}))
        self.assertEqual('deactivated', image['status'])
        self.assertEqual([{'url': 'x'}], image['locations'])

    def test_only_active_images_become_deactivated(self):
        image = self.image(status='queued')
        self.assertFalse(rewrite.overlay_image(image, {'ABC'}))
        self.assertEqual('queued', image['status'])

    def test_hide_locations(self):
        image = self.image()
        rewrite.overlay_image(image, {'ABC'}, hide_locations_of={'ABC'})
        self.assertEqual([], image['locations'])
        self.assertNotIn('direct_url', image)

    def test_untouched_when_not_deactivated(self):
        image = self.image()
        self.assertFalse(rewrite.overlay_images([image], set()))
        self.assertEqual(self.image(), image)

    def test_schema(self):
        schema = {'properties': {'status': {'enum': ['queued', 'active']}}}
        self.assertTrue(rewrite.add_deactivated_status(schema))
        self.assertFalse(rewrite.add_deactivated_status(schema))
        self.assertEqual(['queued', 'active', 'deactivated'],
                         schema['properties']['status']['enum'])
        self.assertFalse(rewrite.add_deactivated_status({'properties': 1}))
        self.assertFalse(rewrite.add_deactivated_status([]))


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
