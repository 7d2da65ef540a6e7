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
from glance_deactivate import status_ties


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
        # 'deactivated' too: a store with the feature lists its own.
        self.assertEqual([('limit', '5'), ('status', 'in:active,deactivated'),
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
        self.assertEqual([('status', 'in:active,deactivated,queued')],
                         plan.store_pairs)
        self.assertTrue(plan.needs_filter)
        plan = listing.plan([('status', 'in:active,deactivated')], self.ids)
        self.assertFalse(plan.needs_filter)

    def test_operators_glance_refuses_go_to_the_store(self):
        # Glance 33 filters status by eq and in only; neq is its 400.
        for value in ('neq:active', 'gt:active', 'neq:deactivated'):
            self.assertIsNone(listing.plan([('status', value)], self.ids))

    def test_links(self):
        pairs = [('status', 'deactivated'), ('marker', 'm0'), ('limit', '2')]
        self.assertEqual('/v2/images?status=deactivated&limit=2',
                         listing.link(pairs))
        self.assertEqual('/v2/images?status=deactivated&limit=2&marker=m1',
                         listing.link(pairs, 'm1'))
        self.assertEqual('/v2/images', listing.link([]))
        # As Glance's serializer: one value per key (the last), first-seen
        # order, the marker last.
        self.assertEqual('/v2/images?sort_key=name&limit=1&marker=m2',
                         listing.link([('sort_key', 'status'), ('limit', '1'),
                                       ('marker', 'm1'),
                                       ('sort_key', 'name')], 'm2'))
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

    def among(self, images):
        return {image['id'] for image in images
                if image['id'] in self.deactivated}

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


class FakeGlanceListing(object):
    """A small model of Glance 33's image listing over a list of images.

    ``status_of(image)`` gives the status the listing sees: the store's
    view (deactivated images are ``active``) or the native one.
    """

    STATUS_ORDER = sorted(['active', 'deactivated', 'queued', 'saving',
                           'importing'])

    def __init__(self, images, status_of, page_default=4, cap=1000):
        self.images = images
        self.status_of = status_of
        self.page_default = page_default
        self.cap = cap
        self.queries = []

    def view(self, image):
        return dict(image, status=self.status_of(image))

    def __call__(self, pairs):
        self.queries.append(list(pairs))
        query = dict(pairs)
        order = listing.sort_order(pairs)
        rows = [self.view(i) for i in self.images]
        for key in ('status', 'id', 'name', 'container_format',
                    'disk_format'):
            value = query.get(key)
            if value is not None:
                wanted = (set(value[3:].split(',')) if value.startswith('in:')
                          else {value[3:]} if value.startswith('eq:')
                          else {value})
                rows = [r for r in rows if r[key] in wanted]
        if 'size_min' in query:
            rows = [r for r in rows if r['size'] >= int(query['size_min'])]
        if 'size_max' in query:
            rows = [r for r in rows if r['size'] <= int(query['size_max'])]
        for key, direction in reversed(order):
            rows.sort(key=lambda r: r[key], reverse=direction == 'desc')
        if 'marker' in query:
            marker = self.view(next(i for i in self.images
                                    if i['id'] == query['marker']))

            def after(row):
                for key, direction in order:
                    if row[key] != marker[key]:
                        return (row[key] > marker[key]) == (
                            direction == 'asc')
                return False
            rows = [r for r in rows if after(r)]
        limit = min(int(query.get('limit', self.page_default)), self.cap)
        page = rows[:limit]
        document = {'images': page, 'schema': '/v2/schemas/images'}
        if page and len(page) == limit:
            document['next'] = listing.link(pairs, page[-1]['id'])
        return document


class TestStatusSort(testtools.TestCase):
    """Sorted by status first: the filter's pages are native Glance's."""

    def setUp(self):
        super().setUp()
        statuses = ['active', 'active', 'queued', 'active', 'saving',
                    'active', 'importing', 'active', 'active', 'queued']
        self.images = [
            {'id': 'i%02d' % n, 'status': status, 'name': 'n%d' % (n % 3),
             'size': (n * 7) % 5, 'created_at': '2026-01-%02d' % (n % 4 + 1)}
            for n, status in enumerate(statuses)]
        # i00, i05 and i08 are deactivated by the filter; i03 by the store.
        self.ours = {'i00', 'i05', 'i08'}
        self.images[3]['status'] = 'deactivated'

        def native_status(image):
            if image['id'] in self.ours:
                return 'deactivated'
            return image['status']
        self.native = FakeGlanceListing(self.images, native_status)
        self.store = FakeGlanceListing(self.images, lambda i: i['status'])

    def among(self, images):
        return {i['id'] for i in images if i['id'] in self.ours}

    def all_deactivated(self):
        return self.ours | {'i03'}

    def pages(self, pairs, source):
        """Every (ids, next) page, following ``next`` as a client does."""
        out = []
        for _ in range(20):
            if source == 'native':
                document = self.native(pairs)
                ids = [i['id'] for i in document['images']]
            else:
                segments = listing.status_segments(pairs,
                                                   self.all_deactivated)
                marker = dict(pairs).get('marker')
                marker_status = None
                if marker is not None:
                    image = self.store.view(next(
                        i for i in self.images if i['id'] == marker))
                    marker_status = overlay.effective_status(
                        image, self.among([image]))
                page = listing.segmented_page(pairs, segments, marker_status,
                                              self.store, self.among)
                document = page.document
                ids = [i['id'] for i in document['images']]
                self.assertEqual(self.ours & set(ids), page.deactivated)
            out.append((ids, document.get('next')))
            if not document.get('next'):
                return out
            pairs = [(k, v) for k, v in pairs if k != 'marker'] + [
                ('marker', dict(listing.reading.query_pairs(
                    {'QUERY_STRING': document['next'].split('?', 1)[1]}
                ))['marker'])]
        self.fail('no end')

    def test_pages_match_native_order(self):
        queries = [
            [('sort_key', 'status')],
            [('sort_key', 'status'), ('sort_dir', 'asc')],
            [('sort', 'status:asc,name:desc')],
            [('sort', 'status:desc,size:asc')],
            [('sort_key', 'status'), ('sort_key', 'name'),
             ('sort_dir', 'asc'), ('sort_dir', 'desc')],
            [('sort', 'status:asc'), ('status', 'in:deactivated,queued')],
            [('sort', 'status:desc'), ('status', 'in:active,deactivated')],
            [('sort', 'status:desc'), ('status', 'deactivated')],
            [('sort', 'status:asc'), ('status', 'active')],
        ]
        for query in queries:
            for limit in (1, 2, 3, 5, None):
                pairs = query + ([('limit', str(limit))] if limit else [])
                self.assertEqual(self.pages(pairs, 'native'),
                                 self.pages(pairs, 'ours'), pairs)

    def test_a_marker_the_status_filter_excludes(self):
        # Glance resumes after the marker's place even when its own status
        # is not listed: here a deactivated marker under status=active.
        for direction in ('asc', 'desc'):
            pairs = [('sort', 'status:%s' % direction),
                     ('status', 'in:active,queued'), ('marker', 'i05'),
                     ('limit', '3')]
            self.assertEqual(self.pages(pairs, 'native'),
                             self.pages(pairs, 'ours'))

    def test_cost_grows_with_the_deactivated_images(self):
        pairs = [('sort_key', 'status'), ('limit', '3')]
        self.pages(pairs, 'ours')
        # Every query is a run of one status, or names the deactivated ids.
        for query in self.store.queries:
            status = dict(query).get('status')
            self.assertIsNotNone(status, query)
            if 'deactivated' in status:
                self.assertEqual('in:i00,i03,i05,i08', dict(query)['id'])

    def test_other_sorts_and_refusals_need_no_runs(self):
        for pairs in ([], [('sort_key', 'name')],
                      [('sort', 'name:asc,status:desc')],
                      [('sort', 'status:up')], [('sort_key', 'nope')],
                      [('sort', 'status'), ('sort_key', 'status')],
                      [('sort_key', 'status'), ('status', 'neq:active')],
                      [('sort_key', 'status'), ('sort_key', 'name'),
                       ('sort_dir', 'asc'), ('sort_dir', 'desc'),
                       ('sort_dir', 'asc')]):
            self.assertIsNone(listing.status_segments(pairs, set), pairs)

    def test_sort_order_is_glances(self):
        self.assertEqual([('created_at', 'desc'), ('id', 'desc')],
                         listing.sort_order([]))
        self.assertEqual([('status', 'asc'), ('name', 'asc'),
                          ('created_at', 'asc'), ('id', 'asc')],
                         listing.sort_order([('sort_key', 'status'),
                                             ('sort_key', 'name'),
                                             ('sort_dir', 'asc')]))
        self.assertEqual([('status', 'asc'), ('name', 'desc'),
                          ('created_at', 'desc'), ('id', 'desc')],
                         listing.sort_order([('sort', 'status:asc,name')]))
        self.assertEqual([('status', 'desc'), ('id', 'asc'),
                          ('created_at', 'desc')],
                         listing.sort_order([('sort_key', 'status'),
                                             ('sort_key', 'id'),
                                             ('sort_dir', 'desc'),
                                             ('sort_dir', 'asc')]))

    def test_many_deactivated_in_a_row_are_skipped_in_one_store_page(self):
        self.images[:] = [
            {'id': 'j%02d' % n, 'status': 'active', 'name': 'n',
             'size': 1, 'created_at': '2026-01-01'} for n in range(30)]
        self.ours.clear()
        self.ours.update('j%02d' % n for n in range(2, 27))
        for direction in ('asc', 'desc'):
            pairs = [('sort', 'status:%s,id:asc' % direction),
                     ('limit', '3')]
            self.store.queries[:] = []
            ours = self.pages(pairs, 'ours')
            self.assertEqual(self.pages(pairs, 'native'), ours)
            # The 25 skipped ones cost no extra rounds: at most two store
            # queries a page (where a page spans two runs).
            self.assertLessEqual(len(self.store.queries), 2 * len(ours))

    def test_the_stores_cap_on_the_limit_is_glances(self):
        self.native.cap = self.store.cap = 3
        for pairs in ([('sort_key', 'status'), ('limit', '50')],
                      [('sort', 'status:asc'), ('limit', '4')]):
            pages = self.pages(pairs, 'ours')
            self.assertEqual(self.pages(pairs, 'native'), pages)
            self.assertEqual(3, len(pages[0][0]))


class TestLaterStatusSort(testtools.TestCase):
    """Sorted by status after other keys: the pages are native Glance's."""

    STATUSES = ['active', 'active', 'queued', 'active', 'saving', 'active',
                'importing', 'active', 'active', 'queued', 'active',
                'active', 'active', 'active']

    def setUp(self):
        super().setUp()
        self.images = [
            {'id': 'i%02d' % n, 'status': status, 'name': 'n%d' % (n % 3),
             'size': n % 2, 'container_format': 'cf%d' % (n % 2),
             'created_at': '2026-01-%02d' % (n % 4 + 1)}
            for n, status in enumerate(self.STATUSES)]
        # Deactivated by the filter, and i03 by the store itself.
        self.ours = {'i00', 'i05', 'i08', 'i10', 'i12', 'i13'}
        self.images[3]['status'] = 'deactivated'

        def native_status(image):
            if image['id'] in self.ours:
                return 'deactivated'
            return image['status']
        self.native = FakeGlanceListing(self.images, native_status)
        self.store = FakeGlanceListing(self.images, lambda i: i['status'])

    def among(self, images):
        return {i['id'] for i in images if i['id'] in self.ours}

    def one_page(self, pairs, source):
        if source == 'native':
            return self.native(pairs)
        order = status_ties.plan(pairs)
        self.assertIsNotNone(order, pairs)
        marker = dict(pairs).get('marker')
        image = None
        if marker is not None:
            image = self.store.view(next(
                i for i in self.images if i['id'] == marker))
        page = status_ties.page(pairs, order, image, self.store,
                                self.ours | {'i03'}, self.among)
        ids = [i['id'] for i in page.document['images']]
        self.assertEqual(self.ours & set(ids), page.deactivated)
        return page.document

    def pages(self, pairs, source):
        """Every (ids, next) page, following ``next`` as a client does."""
        out = []
        for _ in range(30):
            document = self.one_page(pairs, source)
            out.append(([i['id'] for i in document['images']],
                        document.get('next')))
            if not document.get('next'):
                return out
            pairs = [(k, v) for k, v in pairs if k != 'marker'] + [
                ('marker', listing.next_marker(document))]
        self.fail('no end')

    QUERIES = [
        [('sort', 'name:asc,status:desc')],
        [('sort', 'name:desc,status:asc')],
        [('sort_key', 'name'), ('sort_key', 'status'), ('sort_dir', 'asc')],
        [('sort_key', 'name'), ('sort_key', 'status'), ('sort_dir', 'desc'),
         ('sort_dir', 'asc')],
        [('sort', 'size:asc,status:asc,name:desc')],
        [('sort', 'container_format:desc,name:asc,status:desc,id:asc')],
        [('sort', 'name:asc,status:desc'),
         ('status', 'in:active,deactivated')],
        [('sort', 'name:desc,status:asc'),
         ('status', 'in:deactivated,queued')],
        [('sort', 'name:asc,status:asc'), ('status', 'active')],
        [('sort', 'name:asc,status:desc'), ('status', 'deactivated')],
    ]

    def test_pages_match_native_order(self):
        for query in self.QUERIES:
            for limit in (1, 2, 3, 5, None):
                pairs = query + ([('limit', str(limit))] if limit else [])
                self.assertEqual(self.pages(pairs, 'native'),
                                 self.pages(pairs, 'ours'), pairs)

    def test_every_marker_resumes_as_native(self):
        for query in self.QUERIES:
            for image in self.images:
                pairs = query + [('limit', '4'), ('marker', image['id'])]
                self.assertEqual(
                    [i['id'] for i in self.native(pairs)['images']],
                    [i['id'] for i in self.one_page(pairs, 'ours')['images']],
                    pairs)

    def test_cost_grows_with_the_deactivated_images(self):
        # Forty active images tie on the name with the deactivated ones.
        self.images[:] = [
            {'id': 'j%02d' % n, 'status': 'active', 'name': 'n',
             'size': 1, 'created_at': '2026-01-01'} for n in range(40)]
        self.ours.clear()
        self.ours.update(['j05', 'j20'])
        for direction in ('asc', 'desc'):
            pairs = [('sort', 'name:asc,status:%s' % direction),
                     ('limit', '3')]
            self.store.queries[:] = []
            ours = self.pages(pairs, 'ours')
            self.assertEqual(self.pages(pairs, 'native'), ours)
            for query in self.store.queries:
                # A tie group is never read whole: every store page is a
                # page and the deactivated images, or names them by id.
                self.assertTrue(int(dict(query)['limit']) <= 3 + 3 or
                                'id' in dict(query), query)
            self.assertLessEqual(len(self.store.queries), 16 * len(ours))

    def test_the_stores_cap_on_the_limit_is_glances(self):
        self.native.cap = self.store.cap = 3
        for pairs in ([('sort', 'name:asc,status:desc'), ('limit', '50')],
                      [('sort', 'name:desc,status:asc'), ('limit', '4')]):
            pages = self.pages(pairs, 'ours')
            self.assertEqual(self.pages(pairs, 'native'), pages)
            self.assertEqual(3, len(pages[0][0]))

    def test_other_sorts_keep_the_stores_order(self):
        for pairs in ([], [('sort_key', 'name')],
                      [('sort', 'status:asc,name:desc')],
                      [('sort', 'created_at:asc,status:desc')],
                      [('sort', 'id:asc,status:desc')],
                      [('sort', 'name:asc,status:desc,status:asc')],
                      [('sort', 'name:asc,status:desc'), ('id', 'in:a,b')],
                      [('sort', 'name:asc,status:desc'), ('limit', 'x')],
                      [('sort', 'name:asc,status:desc'),
                       ('status', 'neq:active')],
                      [('sort', 'name:up,status:desc')]):
            self.assertIsNone(status_ties.plan(pairs), pairs)
