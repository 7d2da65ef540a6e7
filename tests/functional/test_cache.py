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

"""The filter in front of Glance 33's image cache (``caching`` flavor).

Glance's ``cache`` filter sits after ours and writes ``api.cache.*`` keys
into the environ of a download it serves; a look-up the filter makes after
that download must not carry them, or the cache stores the look-up's
metadata answer as the image's data (found by the install guide's test:
every cached download after a reactivation was then cut short).
"""

import requests
import testtools

from tests.functional import fixtures


class CachingPipelineTest(testtools.TestCase):

    def setUp(self):
        super(CachingPipelineTest, self).setUp()
        directory = fixtures.ServerDir('gd-cache-')
        self.addCleanup(directory.remove)
        self.server = fixtures.use_server(
            self, directory.server('filter', caching=True))
        self.client = fixtures.Client()
        self.addCleanup(self.client.close)

    def download(self, image_id, headers):
        return self.client.request(
            'GET', self.server.url + '/v2/images/%s/file' % image_id,
            headers)

    def test_admin_download_of_a_deactivated_image_caches_its_bytes(self):
        url = self.server.url
        image_id = fixtures.create_image(url)
        self.assertEqual(204, fixtures.action(url, image_id, 'deactivate',
                                              fixtures.ADMIN).status_code)
        # The admin's download goes through Glance's cache, which keeps it.
        resp = self.download(image_id, fixtures.ADMIN)
        self.assertEqual(200, resp.status_code)
        self.assertEqual(fixtures.DATA, resp.content)
        self.assertEqual('deactivated', fixtures.download_state(
            self.download(image_id, fixtures.OWNER)))
        self.assertEqual(204, fixtures.action(url, image_id, 'reactivate',
                                              fixtures.ADMIN).status_code)
        # Served from the cache now: the image's own bytes, whole.
        for _attempt in range(3):
            resp = self.download(image_id, fixtures.OWNER)
            self.assertEqual('active', fixtures.download_state(resp),
                             '%d, %d bytes' % (resp.status_code,
                                               len(resp.content)))

    def test_admin_download_caches_nothing_but_the_image(self):
        url = self.server.url
        image_id = fixtures.create_image(url)
        fixtures.action(url, image_id, 'deactivate', fixtures.ADMIN)
        self.assertEqual(fixtures.DATA,
                         self.download(image_id, fixtures.ADMIN).content)
        resp = self.client.request('GET', url + '/v2/cache',
                                   fixtures.ADMIN)
        if resp.status_code == 200:
            cached = resp.json().get('cached_images', [])
            sizes = [entry.get('size') for entry in cached
                     if entry.get('image_id') == image_id]
            self.assertIn(sizes, ([], [len(fixtures.DATA)]))
        with requests.get(url + '/v2/images/%s/file' % image_id,
                          headers=fixtures.ADMIN, timeout=30) as again:
            self.assertEqual(fixtures.DATA, again.content)
