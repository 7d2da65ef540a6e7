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

"""An image the caller cannot see is indistinguishable from a missing one.

Against one real filter-mode Glance 33: for every action and data route
the filter handles (deactivate, reactivate, ``GET``/``HEAD``/``PUT`` file,
stage, import, locations ``GET``/``POST``, cache ``PUT``), another
project's private *deactivated* image must get exactly what a random,
missing id gets: the same status, the same message once the id is replaced
by ``<ID>``, the same ``Content-Type`` and ``Allow``.  Otherwise a caller
could learn that an id exists and is deactivated.  Another project's
private *active* image is checked the same way.

Timing is not asserted here (a busy machine makes any bound flaky): the
medians of ~20 interleaved requests each are recorded in the test details.
That the filter does the same work for the three kinds of id is proven by
counting its calls (``tests/unit/test_security.py``), and ``tox -e bench
-- --existence`` measures the medians beside native Glance's.
"""

import statistics
import uuid

from testtools import content

from tests.functional import fixtures
from tests.functional import rawhttp

OWNER = fixtures.OWNER
OTHER = fixtures.OTHER
JSON = fixtures.JSON
OCTETS = fixtures.OCTETS
TRIES = 20

# name -> (method, path template, extra headers, body)
ROUTES = {
    'deactivate': ('POST', '/v2/images/%s/actions/deactivate', {}, None),
    'reactivate': ('POST', '/v2/images/%s/actions/reactivate', {}, None),
    'download': ('GET', '/v2/images/%s/file', {}, None),
    'download-range': ('GET', '/v2/images/%s/file',
                       {'Range': 'bytes=0-10'}, None),
    'head-file': ('HEAD', '/v2/images/%s/file', {}, None),
    'upload': ('PUT', '/v2/images/%s/file', OCTETS, b'data'),
    'stage': ('PUT', '/v2/images/%s/stage', OCTETS, b'data'),
    'import-copy-image': ('POST', '/v2/images/%s/import', JSON,
                          b'{"method": {"name": "copy-image"}, '
                          b'"all_stores": true}'),
    'import-glance-direct': ('POST', '/v2/images/%s/import', JSON,
                             b'{"method": {"name": "glance-direct"}}'),
    'locations-get': ('GET', '/v2/images/%s/locations', {}, None),
    'locations-post': ('POST', '/v2/images/%s/locations', JSON,
                       b'{"url": "file:///nonexistent", '
                       b'"validation_data": {}}'),
    'cache-put': ('PUT', '/v2/cache/%s', {}, None),
}


class ExistenceTest(fixtures.ServersTestCase):
    """One filter-mode Glance for the class."""

    PREFIX = 'gd-existence-'

    @classmethod
    def make_servers(cls, directory):
        return {'glance': directory.server('filter')}

    @classmethod
    def prepare(cls):
        cls.server = cls.servers['glance']
        url = cls.server.url
        data = rawhttp.random_data(4096)
        cls.deactivated = fixtures.create_image(url, OWNER, data)
        fixtures.deactivate(url, cls.deactivated, fixtures.ADMIN)
        cls.active = fixtures.create_image(url, OWNER, data)

    def send(self, route, image_id):
        method, path, headers, body = ROUTES[route]
        return rawhttp.send(self.server.url, method, path % image_id,
                            dict(OTHER, **headers), body)

    def answer(self, resp, image_id):
        """What a caller can compare: all but the id and the timing."""
        return (resp.status,
                rawhttp.message(resp.body).replace(image_id, '<ID>'),
                resp.headers.get('Content-Type'),
                resp.headers.get('Allow'))

    def check_route(self, route, invisible=None, timing=True):
        invisible = invisible or self.deactivated
        hidden_times, missing_times = [], []
        hidden_answers, missing_answers = set(), set()
        for _ in range(TRIES if timing else 2):
            missing = str(uuid.uuid4())
            resp = self.send(route, invisible)
            hidden_answers.add(self.answer(resp, invisible))
            hidden_times.append(resp.seconds)
            resp = self.send(route, missing)
            missing_answers.add(self.answer(resp, missing))
            missing_times.append(resp.seconds)
        hidden_median = statistics.median(hidden_times)
        missing_median = statistics.median(missing_times)
        label = route if invisible == self.deactivated else route + '-active'
        self.addDetail('existence-' + label, content.text_content(
            '%s: invisible %s, median %.1f ms; missing %s, median %.1f ms\n'
            % (label, sorted(hidden_answers), hidden_median * 1000,
               sorted(missing_answers), missing_median * 1000)))
        self.assertEqual(1, len(missing_answers), missing_answers)
        self.assertEqual(missing_answers, hidden_answers)
        # Glance 33 has no HEAD on /file: 405 for any id there.
        self.assertEqual(405 if route == 'head-file' else 404,
                         next(iter(missing_answers))[0])

    def test_deactivate(self):
        self.check_route('deactivate')

    def test_reactivate(self):
        self.check_route('reactivate')

    def test_download(self):
        self.check_route('download')

    def test_download_with_range(self):
        self.check_route('download-range')

    def test_head_file(self):
        # Glance 33 has no HEAD on /file: 405 for any id, now from the filter
        # itself (deny by default).  The filter once answered an invisible
        # *deactivated* image with its look-up's 404, telling that the id
        # exists.
        self.check_route('head-file')

    def test_upload(self):
        self.check_route('upload')

    def test_stage(self):
        self.check_route('stage')

    def test_import_copy_image(self):
        self.check_route('import-copy-image')

    def test_import_glance_direct(self):
        self.check_route('import-glance-direct')

    def test_locations_get(self):
        self.check_route('locations-get')

    def test_locations_post(self):
        self.check_route('locations-post')

    def test_cache_put(self):
        # Glance 33 answers a missing id here with 404 "Image <ID> not
        # found.", not the metadata look-up's message: the filter passes the
        # request on when the caller cannot see the image (see
        # test_head_file).
        self.check_route('cache-put')

    def test_invisible_active_image_on_every_route(self):
        # Not the filter's doing (it passes these through), but the
        # baseline the deactivated case must match.
        for route in ROUTES:
            self.check_route(route, invisible=self.active, timing=False)
