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

"""Bypass matrix: no spelling of a request reads a deactivated image's data.

Each test class runs two real Glance 33 APIs side by side: ``ours`` (the
filter after ``context``, Glance's own deactivate/reactivate rules ``"!"``)
and ``native`` (no filter, Glance's own deactivation).  Both get the same
images, deactivated the same way; then every variant of a request is sent
verbatim (``rawhttp.send``: no client-side normalisation) to both, and the
test records both answers in a table (the ``matrix`` detail) and asserts:

* ours never returns a byte of the image's data to a non-admin caller (any
  8 consecutive bytes of the random image data in the body count);
* ours is never more permissive than native: where native refuses (3xx or
  4xx, no data), ours refuses too;
* for answers that are image documents, ours shows ``deactivated`` and
  hides ``direct_url``/``locations`` from the caller whenever native does.

Callers: a member of the owning project on a private image, another
project on a public image, and (for the rows that write, copy or cache
rather than read) an admin.  The variants: trailing and doubled slashes,
every version prefix ``GET /versions`` advertises, media-type versioning in
``Accept``, upper/mixed-case and percent-encoded ids and paths, dot
segments, absolute-form targets, ``HEAD``, ``Range`` and ``If-*`` headers,
query strings, the (absent) v1 API, every import method, the location APIs
and the cache API; then, with ``caching=True`` servers, an image cached
while active.
"""

import collections
import json
import time

import requests
from testtools import content

from tests.functional import fixtures
from tests.functional import rawhttp

ADMIN = fixtures.ADMIN
OWNER = fixtures.OWNER
OTHER = fixtures.OTHER
OURS = fixtures.OURS
NATIVE = fixtures.NATIVE
JSON = fixtures.JSON
OCTETS = fixtures.OCTETS
PATCH = fixtures.PATCH
VND = 'application/vnd.openstack.images-'

# A variant: ``target`` and ``body`` are templates over the image id
# (``{id}``, ``{ID}`` upper-case, ``{Id}`` mixed case, ``{enc}`` every
# character percent-encoded), the server (``{url}``, ``{port}``), the image's
# real location (``{location}``) and a fresh image the caller owns
# (``{new}``).  ``doc`` names answers that are image documents ('image' or
# 'list'); ``admin`` adds an admin caller (rows that write/copy/cache).
Variant = collections.namedtuple(
    'Variant', 'name method target headers body doc admin')


def V(name, method, target, headers=None, body=None, doc=None, admin=False):
    return Variant(name, method, target, headers or {}, body, doc, admin)


def _mixed(image_id):
    return ''.join(c.upper() if i % 2 else c for i, c in enumerate(image_id))


def _encoded(image_id):
    return ''.join('%%%02X' % ord(c) for c in image_id)


def read_variants(versions):
    """Every way of asking for the data, and the neighbouring routes."""
    rows = [
        V('plain GET', 'GET', '/v2/images/{id}/file'),
        V('trailing slash', 'GET', '/v2/images/{id}/file/'),
        V('doubled slashes', 'GET', '//v2//images//{id}//file'),
        V('doubled slash before id', 'GET', '/v2/images//{id}/file'),
        V('doubled trailing slash', 'GET', '/v2/images/{id}/file//'),
    ]
    rows += [V('prefix /%s/' % v, 'GET', '/%s/images/{id}/file' % v)
             for v in versions]
    highest = versions[0]
    rows += [
        V('prefix //%s// doubled' % highest, 'GET',
          '//%s//images/{id}/file' % highest),
        V('Accept %sv2, unversioned path' % VND, 'GET', '/images/{id}/file',
          {'Accept': VND + 'v2'}),
        V('Accept %s%s, unversioned path' % (VND, highest), 'GET',
          '/images/{id}/file', {'Accept': VND + highest}),
        V('Accept %sv2.0 and /v2/ path' % VND, 'GET',
          '/v2/images/{id}/file', {'Accept': VND + 'v2.0'}),
        V('upper-case id', 'GET', '/v2/images/{ID}/file'),
        V('mixed-case id', 'GET', '/v2/images/{Id}/file'),
        V('percent-encoded id', 'GET', '/v2/images/{enc}/file'),
        V('percent-encoded slash %2F', 'GET', '/v2/images/{id}%2Ffile'),
        V('percent-encoded slash %2f', 'GET', '/v2/images/{id}%2ffile'),
        V('percent-encoded letter', 'GET', '/v2/images/{id}/fil%65'),
        V('percent-encoded version', 'GET', '/%762/images/{id}/file'),
        V('percent-encoded prefix slashes', 'GET',
          '/v2%2Fimages%2F{id}%2Ffile'),
        V('dot segment', 'GET', '/v2/images/{id}/./file'),
        V('dot-dot segment', 'GET', '/v2/images/x/../{id}/file'),
        V('path parameter', 'GET', '/v2/images/{id}/file;x=1'),
        V('absolute-form target', 'GET', '{url}/v2/images/{id}/file'),
        V('HEAD', 'HEAD', '/v2/images/{id}/file'),
        V('Range bytes=0-10', 'GET', '/v2/images/{id}/file',
          {'Range': 'bytes=0-10'}),
        V('Range suffix bytes=-100', 'GET', '/v2/images/{id}/file',
          {'Range': 'bytes=-100'}),
        V('Range multi bytes=0-1,5-9', 'GET', '/v2/images/{id}/file',
          {'Range': 'bytes=0-1,5-9'}),
        V('Content-Range', 'GET', '/v2/images/{id}/file',
          {'Content-Range': 'bytes 0-10/*'}),
        V('If-None-Match: *', 'GET', '/v2/images/{id}/file',
          {'If-None-Match': '*'}),
        V('If-Match: *', 'GET', '/v2/images/{id}/file', {'If-Match': '*'}),
        V('If-Modified-Since', 'GET', '/v2/images/{id}/file',
          {'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT'}),
        V('If-Unmodified-Since', 'GET', '/v2/images/{id}/file',
          {'If-Unmodified-Since': 'Fri, 01 Jan 2100 00:00:00 GMT'}),
        V('If-Range + Range', 'GET', '/v2/images/{id}/file',
          {'If-Range': '"x"', 'Range': 'bytes=0-10'}),
        V('query string', 'GET', '/v2/images/{id}/file?a=b'),
        V('empty query string', 'GET', '/v2/images/{id}/file?'),
        V('query string naming the id', 'GET',
          '/v2/images/{id}/file?image_id={id}&id={id}'),
        V('X-HTTP-Method-Override: GET', 'POST', '/v2/images/{id}/file',
          {'X-HTTP-Method-Override': 'GET'}),
        V('form POST _method=GET', 'POST', '/v2/images/{id}/file',
          {'Content-Type': 'application/x-www-form-urlencoded'},
          '_method=GET'),
        V('v1 GET image', 'GET', '/v1/images/{id}'),
        V('v1 HEAD image', 'HEAD', '/v1/images/{id}'),
        V('v1 GET file', 'GET', '/v1/images/{id}/file'),
        V('upload PUT file', 'PUT', '/v2/images/{id}/file', OCTETS,
          'new data', admin=True),
        V('stage PUT', 'PUT', '/v2/images/{id}/stage', OCTETS, 'new data',
          admin=True),
        V('import copy-image to fs', 'POST', '/v2/images/{id}/import', JSON,
          '{"method": {"name": "copy-image"}, "stores": ["fs"]}',
          admin=True),
        V('import copy-image all_stores', 'POST', '/v2/images/{id}/import',
          JSON, '{"method": {"name": "copy-image"}, "all_stores": true}',
          admin=True),
        V('import glance-direct', 'POST', '/v2/images/{id}/import', JSON,
          '{"method": {"name": "glance-direct"}}', admin=True),
        V('import web-download (target: the image)', 'POST',
          '/v2/images/{id}/import', JSON,
          '{"method": {"name": "web-download", '
          '"uri": "http://127.0.0.1:{port}/v2/images/{id}/file"}}',
          admin=True),
        V('GET locations API', 'GET', '/v2/images/{id}/locations'),
        V('POST locations API', 'POST', '/v2/images/{id}/locations', JSON,
          '{"url": "file:///nonexistent", "validation_data": {}}',
          admin=True),
        V('queue for caching PUT /v2/cache', 'PUT', '/v2/cache/{id}',
          admin=True),
        V('image show', 'GET', '/v2/images/{id}', doc='image'),
        V('image show, upper-case id', 'GET', '/v2/images/{ID}',
          doc='image'),
        V('image list', 'GET', '/v2/images?limit=1000', doc='list'),
        V('image list ?status=deactivated', 'GET',
          '/v2/images?status=deactivated', doc='list'),
        V('image list ?status=active', 'GET', '/v2/images?status=active',
          doc='list'),
        V('new image: POST locations = its location', 'POST',
          '/v2/images/{new}/locations', JSON,
          '{"url": "{location}", "validation_data": {}}'),
        V('new image: PATCH add location = its location', 'PATCH',
          '/v2/images/{new}', PATCH,
          '[{"op": "add", "path": "/locations/-", "value": '
          '{"url": "{location}", "metadata": {}}}]'),
        V('new image: download after the location attempts', 'GET',
          '/v2/images/{new}/file'),
    ]
    return rows


# Each of these makes Glance's router (routes.middleware.RoutesMiddleware,
# use_method_override=True) dispatch on ``_method`` from the query string
# rather than on the request method.
METHOD_OVERRIDE_VARIANTS = [
    V('POST file?_method=GET', 'POST', '/v2/images/{id}/file?_method=GET'),
    V('DELETE file?_method=GET', 'DELETE',
      '/v2/images/{id}/file?_method=GET'),
    V('PATCH file?_method=get', 'PATCH', '/v2/images/{id}/file?_method=get'),
    V('POST file?_method=GET + Range', 'POST',
      '/v2/images/{id}/file?_method=GET', {'Range': 'bytes=0-10'}),
    V('POST image?_method=GET (show)', 'POST', '/v2/images/{id}?_method=GET',
      doc='image'),
    V('POST cache?_method=PUT (queue for caching)', 'POST',
      '/v2/cache/{id}?_method=PUT', admin=True),
    V('PUT import?_method=POST copy-image', 'PUT',
      '/v2/images/{id}/import?_method=POST', JSON,
      '{"method": {"name": "copy-image"}, "all_stores": true}', admin=True),
]


Case = collections.namedtuple('Case', 'name headers image data new location')


def _refused(resp, leaked):
    return resp.status >= 300 and not leaked


def _image_doc(resp, image_id, kind):
    """The image's JSON document in an answer, or None."""
    try:
        doc = json.loads(resp.body)
    except ValueError:
        return None
    if kind == 'image':
        return doc if isinstance(doc, dict) else None
    for image in (doc.get('images') or []) if isinstance(doc, dict) else []:
        if isinstance(image, dict) and image.get('id') == image_id:
            return image
    return None


def _reveals(image):
    """What an image document reveals: (status, has direct_url/locations)."""
    if image is None:
        return None, False
    return image.get('status'), bool(image.get('direct_url') or
                                     image.get('locations'))


class PairTestCase(fixtures.ServersTestCase):
    """A filter-mode and a native Glance for the class, started together."""

    SERVER_KWARGS = {}
    PREFIX = 'gd-bypass-'
    LOG_LINES = 30

    @classmethod
    def make_servers(cls, directory):
        servers = {
            OURS: directory.server('filter', **cls.SERVER_KWARGS),
            NATIVE: directory.server('native', **cls.SERVER_KWARGS),
        }
        for server in servers.values():
            cls.configure(server)
        return servers

    @classmethod
    def configure(cls, server):
        """Hook: adjust a server before it starts."""

    # -- set-up of the same scene on both servers ---------------------------

    def scene(self, server):
        """Two deactivated images and their non-admin callers."""
        url = server.url
        cases = []
        for name, caller, creator, visibility in (
                ('member', OWNER, OWNER, 'private'),
                ('other', OTHER, ADMIN, 'public')):
            data = rawhttp.random_data()
            image_id = fixtures.create_image(url, creator, data, visibility)
            location = requests.get(url + '/v2/images/%s' % image_id,
                                    headers=ADMIN, timeout=60).json().get(
                                        'direct_url', 'file:///x')
            fixtures.deactivate(url, image_id, ADMIN)
            new = fixtures.create_image(url, caller, None)
            cases.append(Case(name, caller, image_id, data, new, location))
        return cases

    def fill(self, variant, case, url):
        port = url.rsplit(':', 1)[1]
        values = {'id': case.image, 'ID': case.image.upper(),
                  'Id': _mixed(case.image), 'enc': _encoded(case.image),
                  'url': url, 'port': port, 'new': case.new,
                  'location': case.location}

        def expand(text):
            for key, value in values.items():
                text = text.replace('{%s}' % key, value)
            return text
        body = variant.body
        return (expand(variant.target),
                None if body is None else expand(body).encode('utf-8'))

    # -- the matrix ---------------------------------------------------------

    def run_matrix(self, variants, title):
        scenes = {name: self.scene(server)
                  for name, server in self.servers.items()}
        rows, violations = [], []
        for variant in variants:
            callers = list(range(len(scenes[OURS])))
            if variant.admin:
                callers.append('admin')
            for index in callers:
                answers = {}
                for name, server in self.servers.items():
                    case = scenes[name][0 if index == 'admin' else index]
                    headers = ADMIN if index == 'admin' else case.headers
                    target, body = self.fill(variant, case, server.url)
                    resp = rawhttp.send(server.url, variant.method, target,
                                        dict(headers, **variant.headers),
                                        body)
                    leaked = rawhttp.Fingerprint(case.data).found_in(
                        resp.body)
                    doc = _image_doc(resp, case.image, variant.doc) if (
                        variant.doc) else None
                    answers[name] = (resp, leaked, _reveals(doc))
                who = 'admin' if index == 'admin' else scenes[OURS][index].name
                row, problems = self.judge(variant, who, answers)
                rows.append(row)
                violations.extend(problems)
        table = self.table(title, rows)
        self.addDetail('matrix', content.text_content(table))
        return rows, violations

    def judge(self, variant, who, answers):
        ours, ours_leak, ours_doc = answers[OURS]
        native, native_leak, native_doc = answers[NATIVE]
        problems = []
        label = '%s [%s]' % (variant.name, who)
        if ours_leak and who != 'admin':
            problems.append('%s: ours returned image data (%s)'
                            % (label, ours.status))
        if _refused(native, native_leak) and not _refused(ours, ours_leak):
            problems.append('%s: native refused (%s) but ours answered %s'
                            % (label, native.status, ours.status))
        if variant.doc and who != 'admin':
            if ours_doc[1]:
                problems.append('%s: ours reveals direct_url/locations'
                                % label)
            if native_doc[0] == 'deactivated' and ours_doc[0] not in (
                    None, 'deactivated'):
                problems.append('%s: ours shows status %r' % (
                    label, ours_doc[0]))

        def cell(resp, leaked, doc):
            text = '%d%s' % (resp.status, ' DATA' if leaked else '')
            if variant.doc and doc[0] is not None:
                text += ' %s%s' % (doc[0], ' +loc' if doc[1] else '')
            return text
        row = (label, cell(native, native_leak, native_doc),
               cell(ours, ours_leak, ours_doc),
               'VIOLATION' if problems else 'ok')
        return row, problems

    @staticmethod
    def table(title, rows):
        width = max(len(r[0]) for r in rows)
        lines = [title, '%-*s  %-22s  %-22s  %s' % (
            width, 'variant [caller]', 'native', 'ours', 'verdict')]
        lines += ['%-*s  %-22s  %-22s  %s' % ((width,) + row) for row in rows]
        return '\n'.join(lines) + '\n'


class BypassMatrixTest(PairTestCase):
    """The request variants against the default (keystone) pipeline."""

    @classmethod
    def configure(cls, server):
        # Let web-download reach this very API, so that the "import the
        # deactivated image's own URL" row tests more than the URL filter.
        server.extra_conf = ('[import_filtering_opts]\n'
                             'allowed_hosts = [127.0.0.1]\n'
                             'allowed_ports = [%d]\n' % server.port)

    def versions(self):
        found = {}
        for name, server in self.servers.items():
            resp = requests.get(server.url + '/versions', timeout=60)
            self.assertEqual(200, resp.status_code, resp.text)
            found[name] = [v['id'] for v in resp.json()['versions']]
        self.assertEqual(found[NATIVE], found[OURS])
        versions = sorted(found[OURS], key=lambda v: tuple(
            int(x) for x in v[1:].split('.')), reverse=True)
        self.assertIn('v2.0', versions)
        return versions

    def test_matrix(self):
        versions = self.versions()
        self.addDetail('versions', content.text_content(' '.join(versions)))
        rows, violations = self.run_matrix(
            read_variants(versions),
            'Deactivated image, non-admin callers (and admin for writes); '
            'highest advertised version %s' % versions[0])
        self.assertGreater(len(rows), 100)
        self.assertEqual([], violations)

    def test_method_override(self):
        # Found by this test: Glance's router honours a ``_method`` query
        # parameter (RoutesMiddleware with use_method_override=True), so
        # ``POST /v2/images/{id}/file?_method=GET`` was a download the
        # filter did not guard.  The filter now answers any request on its
        # routes carrying ``_method`` (or a form POST) with 400.
        rows, violations = self.run_matrix(
            METHOD_OVERRIDE_VARIANTS,
            'Method override (_method) on a deactivated image')
        self.assertEqual([], violations)

    def test_web_download_of_its_url_gets_no_data(self):
        # The only import method that reads data from elsewhere: a caller
        # points web-download of its own new image at the deactivated
        # image's URL (the URL filter is opened for this API's port).
        results = {}
        for name, server in self.servers.items():
            url = server.url
            data = rawhttp.random_data()
            image_id = fixtures.create_image(url, OWNER, data)
            fixtures.deactivate(url, image_id, ADMIN)
            new = fixtures.create_image(url, OWNER, None)
            body = json.dumps({'method': {
                'name': 'web-download',
                'uri': '%s/v2/images/%s/file' % (url, image_id)}})
            resp = rawhttp.send(url, 'POST', '/v2/images/%s/import' % new,
                                dict(OWNER, **JSON), body.encode())
            image = self._settle(url, new)
            download = rawhttp.send(url, 'GET', '/v2/images/%s/file' % new,
                                    OWNER)
            leaked = rawhttp.Fingerprint(data).found_in(download.body)
            results[name] = (resp.status, rawhttp.message(resp.body)[:90],
                             image['tasks'], image.get('status'),
                             download.status, leaked)
            self.assertEqual(202, resp.status, results[name])
            self.assertFalse(leaked, '%s: %s' % (name, results[name]))
            self.assertNotEqual('active', image.get('status'))
        self.addDetail('web-download', content.text_content(
            '\n'.join('%s: import %s (%s), tasks %s, new image %s, '
                      'download %s, data %s'
                      % ((name,) + r) for name, r in results.items())))

    def _settle(self, url, image_id, timeout=30):
        """The image once its import task has finished (or timed out)."""
        deadline = time.monotonic() + timeout
        while True:
            tasks = requests.get(url + '/v2/images/%s/tasks' % image_id,
                                 headers=OWNER, timeout=60).json()['tasks']
            done = tasks and all(task['status'] in ('success', 'failure')
                                 for task in tasks)
            if done or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        image = requests.get(url + '/v2/images/%s' % image_id,
                             headers=OWNER, timeout=60).json()
        image['tasks'] = ['%s: %s' % (task['status'], task.get('message'))
                          for task in tasks]
        return image


CACHE_VARIANTS = [
    V('plain GET', 'GET', '/v2/images/{id}/file'),
    V('HEAD', 'HEAD', '/v2/images/{id}/file'),
    V('Range bytes=0-10', 'GET', '/v2/images/{id}/file',
      {'Range': 'bytes=0-10'}),
    V('prefix /v2.0/', 'GET', '/v2.0/images/{id}/file'),
    V('doubled slashes', 'GET', '//v2//images//{id}//file'),
    V('upper-case id', 'GET', '/v2/images/{ID}/file'),
    V('Accept v2, unversioned path', 'GET', '/images/{id}/file',
      {'Accept': VND + 'v2'}),
    V('If-None-Match: *', 'GET', '/v2/images/{id}/file',
      {'If-None-Match': '*'}),
    V('query string', 'GET', '/v2/images/{id}/file?x=1'),
]


class CachedImageTest(PairTestCase):
    """An image cached while active, then deactivated (``cache`` after us).

    The cache filter answers a hit without going further down the
    pipeline, so the filter must sit before it; native Glance's cache
    filter itself skips deactivated images.
    """

    SERVER_KWARGS = {'caching': True}
    PREFIX = 'gd-bypass-cache-'

    def cached_ids(self, server):
        resp = requests.get(server.url + '/v2/cache', headers=ADMIN,
                            timeout=60)
        self.assertEqual(200, resp.status_code, resp.text)
        return {image['image_id'] for image in resp.json()['cached_images']}

    def scene(self, server):
        url = server.url
        cases = []
        for name, caller, creator, visibility in (
                ('member', OWNER, OWNER, 'private'),
                ('other', OTHER, ADMIN, 'public')):
            data = rawhttp.random_data()
            image_id = fixtures.create_image(url, creator, data, visibility)
            resp = requests.get(url + '/v2/images/%s/file' % image_id,
                                headers=ADMIN, timeout=60)
            self.assertEqual(data, resp.content)
            deadline = time.monotonic() + 20
            while image_id not in self.cached_ids(server):
                self.assertLess(time.monotonic(), deadline,
                                'image %s was not cached' % image_id)
                time.sleep(0.2)
            fixtures.deactivate(url, image_id, ADMIN)
            cases.append(Case(name, caller, image_id, data, '', ''))
        return cases

    def test_cached_then_deactivated(self):
        rows, violations = self.run_matrix(
            CACHE_VARIANTS, 'Image cached while active, then deactivated')
        self.assertEqual([], violations)

    def test_admin_still_reads_cached_image(self):
        server = self.servers[OURS]
        case = self.scene(server)[0]
        self.assertIn(case.image, self.cached_ids(server))
        resp = rawhttp.send(server.url, 'GET',
                            '/v2/images/%s/file' % case.image, ADMIN)
        self.assertEqual(200, resp.status)
        self.assertEqual(case.data, resp.body)
        resp = rawhttp.send(server.url, 'GET',
                            '/v2/images/%s/file' % case.image, case.headers)
        self.assertEqual(403, resp.status)
        self.assertIn(fixtures.MSG_DOWNLOAD, rawhttp.message(resp.body))
