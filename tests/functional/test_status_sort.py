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

"""Sorting by status on Glance with PostgreSQL, filter beside native.

The same images (client-chosen ids, one name, several sizes; some
deactivated, some queued) on a filter-mode and a native Glance 33, each
with its own PostgreSQL database, as a production cloud runs them.  Every
listing sorted by status first is paged through ``next`` on both, and the
pages (ids, statuses, links) must be the same.  (``test_parity`` does the
same on SQLite, beside its other side-by-side checks.)
"""

import uuid

from tests.functional import fixtures

OURS = fixtures.OURS
NATIVE = fixtures.NATIVE
OWNER = fixtures.OWNER

QUERIES = (
    'sort_key=status',
    'sort_key=status&sort_dir=asc',
    'sort=status:asc,id:desc',
    'sort=status:desc,created_at:asc',
    'sort=status:desc,size:asc&status=in:active,deactivated',
    'sort=status:asc&status=in:deactivated,queued',
    'sort=status:desc&status=deactivated',
)


class PostgreSQLStatusSortTest(fixtures.PairTestCase):

    BACKEND = fixtures.POSTGRESQL
    PREFIX = 'gd-sort-'

    def pages(self, stack, target):
        out = []
        for _page in range(20):
            resp = self.pair.call(stack, 'GET', target, OWNER,
                                  expect=(200,))
            document = resp.json()
            out.append(([(i['id'], i['status']) for i in document['images']],
                        document.get('first'), document.get('next')))
            target = document.get('next')
            if not target:
                return out
        self.fail('more than 20 pages')

    def test_pages_are_glances(self):
        name = 'sorted-%s' % uuid.uuid4().hex[:8]
        for index, size in enumerate([3, 1, 4, 1, 5, 9, 2, 6, 5]):
            queued = index % 4 == 3
            self.pair.create_both(
                name=name, data=None if queued else b'x' * size,
                deactivated=index % 3 == 0 and not queued)
        seen = set()
        for query in QUERIES:
            for limit in ('limit=2&', 'limit=4&', ''):
                target = '/v2/images?name=%s&%s%s' % (name, limit, query)
                ours = self.pages(OURS, target)
                self.assertEqual(self.pages(NATIVE, target), ours, target)
                seen.update(status for images, _f, _n in ours
                            for _id, status in images)
        self.assertEqual({'active', 'deactivated', 'queued'}, seen)


class SQLiteLaterStatusSortTest(fixtures.PairTestCase):
    """Sorted by ``status`` after other keys, filter beside native.

    Images tie on the earlier keys (name, container format, size) with
    deactivated, active and queued ones among them; every page through
    ``next``, in both directions, must be native Glance 33's.
    """

    BACKEND = fixtures.SQLITE
    PREFIX = 'gd-later-'

    pages = PostgreSQLStatusSortTest.pages

    def create(self, name, size, deactivated=False,
               container_format='bare'):
        image_id = str(uuid.uuid4())
        for stack in fixtures.STACKS:
            fixtures.create_image(
                self.pair.url(stack), OWNER,
                None if size is None else b'x' * size, name=name,
                id=image_id, container_format=container_format)
            if deactivated:
                self.pair.action(stack, image_id, 'deactivate')
        return image_id

    def test_later_status_pages_are_glances(self):
        tag = uuid.uuid4().hex[:8]
        names = ['a-' + tag, 'b-' + tag, 'c-' + tag]
        # (name, size or None for queued, deactivated, container format)
        for name, size, deactivated, container in [
                (0, 2, False, 'bare'), (0, 2, True, 'ovf'),
                (0, None, False, 'bare'),
                (1, 1, True, 'bare'), (1, 1, False, 'ovf'),
                (1, 3, False, 'bare'), (1, 1, True, 'ovf'),
                (1, 2, False, 'bare'), (1, 3, True, 'bare'),
                (1, None, False, 'ovf'),
                (2, 4, True, 'bare'), (2, 4, True, 'bare')]:
            self.create(names[name], size, deactivated, container)
        queries = [
            'sort=name:asc,status:desc',
            'sort=name:desc,status:asc',
            'sort_key=name&sort_key=status&sort_dir=asc',
            'sort_key=name&sort_key=status&sort_dir=desc&sort_dir=asc',
            'sort=container_format:asc,status:asc,name:desc',
            'sort=container_format:desc,status:desc,size:asc'
            '&status=in:active,deactivated',
            'sort=name:asc,size:desc,status:asc'
            '&status=in:active,deactivated',
            'sort=name:asc,status:asc&status=in:deactivated,queued',
            'sort=name:desc,status:desc&status=active',
            'sort=name:asc,status:desc&status=deactivated',
        ]
        listed = '/v2/images?name=in:%s&' % ','.join(names)
        seen = set()
        for query in queries:
            for limit in ('limit=1&', 'limit=2&', 'limit=3&', ''):
                target = listed + limit + query
                ours = self.pages(OURS, target)
                self.assertEqual(self.pages(NATIVE, target), ours, target)
                seen.update(status for images, _f, _n in ours
                            for _id, status in images)
        self.assertEqual({'active', 'deactivated', 'queued'}, seen)
        # A caller's own marker, any image (the status filter may exclude
        # it): the page after it is Glance's.
        for query in queries[-3:] + queries[:2]:
            for image_id, _status in self.pages(OURS, listed + query)[0][0]:
                target = '%slimit=4&marker=%s&%s' % (listed, image_id, query)
                self.assertEqual(self.pages(NATIVE, target)[0],
                                 self.pages(OURS, target)[0], target)


class PostgreSQLLaterStatusSortTest(SQLiteLaterStatusSortTest):

    BACKEND = fixtures.POSTGRESQL
