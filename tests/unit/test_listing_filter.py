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

"""Listings sorted by status, through the filter, against the fake store."""

from urllib import parse

from tests.unit import fakes


class TestStatusSortedListing(fakes.FilterTestCase):

    def listings(self, since):
        return [parse.parse_qsl(q) for m, p, q in self.app.seen[since:]
                if p == '/v2/images']

    def test_nothing_deactivated_is_one_store_request(self):
        self.app.add(fakes.new_id())
        seen = len(self.app.seen)
        resp = self.call('/v2/images?sort_key=status&limit=5')
        self.assertEqual(200, resp.status_int)
        self.assertEqual([[('sort_key', 'status'), ('limit', '5')]],
                         self.listings(seen))

    def test_runs_of_one_status_each(self):
        active = self.app.add(fakes.new_id())
        deactivated = self.deactivated()
        queued = self.app.add(fakes.new_id(), status='queued')
        seen = len(self.app.seen)
        resp = self.call('/v2/images?sort=status:asc&limit=5')
        self.assertEqual(200, resp.status_int)
        self.assertEqual([(active, 'active'), (deactivated, 'deactivated'),
                          (queued, 'queued')],
                         [(i['id'], i['status'])
                          for i in resp.json['images']])
        statuses = [dict(q).get('status') for q in self.listings(seen)]
        # The store's own deactivated images (none), then one run each.
        self.assertEqual(['deactivated', 'active', 'in:active,deactivated',
                          'in:deleted,importing,killed,pending_delete,'
                          'queued,saving,uploading'], statuses)
        self.assertEqual('/v2/images?sort=status%3Aasc&limit=5',
                         resp.json['first'])
        self.assertNotIn('next', resp.json)

    def test_an_invisible_marker_gets_the_stores_answer(self):
        self.deactivated()
        hidden = self.app.add(fakes.new_id(), owner='p9')
        resp = self.call('/v2/images?sort_key=status&marker=%s' % hidden)
        # The fake store ignores an unknown marker; the filter passed the
        # caller's own query on, and nothing of p9's is shown.
        self.assertEqual(200, resp.status_int)
        self.assertNotIn(hidden, [i['id'] for i in resp.json['images']])
