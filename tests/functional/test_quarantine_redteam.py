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

"""Red-team probes of content quarantine against the real Glance 33 API.

Each test attacks one way around a live quarantine: a spelling of the
download path, a caller, an image whose hash arrives later, a listing's
paging, the quarantine API's own input and its answers to callers it
refuses.  Each asserts the secure answer: no byte of a quarantined
image's data (and no location) to a caller ``download_deactivated``
refuses, never ``active`` for such an image, no quarantine made, lifted,
read or revealed to a non-admin, and no 5xx.  Each test uploads bytes of
its own, so that the quarantines of the tests sharing the server never
match another test's images.
"""

import hashlib
import html
import http.server
import threading
import time
import uuid

from tests.functional import fixtures

ADMIN = fixtures.ADMIN
OWNER = fixtures.OWNER
OTHER = fixtures.OTHER
SHARED = fixtures.SHARED
JSON = fixtures.JSON
OCTETS = fixtures.OCTETS

IMPORT_WAIT = 60


def unique_data():
    return b'quarantine-redteam-%s' % uuid.uuid4().hex.encode() * 64


def sha512(data):
    return hashlib.sha512(data).hexdigest()


def md5(data):
    return hashlib.md5(data).hexdigest()


class QuarantineRedTeamTest(fixtures.GlanceTestCase):

    PREFIX = 'gd-qred-'

    def post(self, path, body, headers=ADMIN):
        return self.request('POST', path, dict(headers, **JSON), json=body)

    def quarantine(self, data=None, headers=ADMIN, **body):
        if data is not None:
            body.setdefault('os_hash_algo', 'sha512')
            body.setdefault('os_hash_value', sha512(data))
        body.setdefault('reason', 'red team')
        resp = self.post('/v2/quarantines', body, headers)
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()

    def lift(self, quarantine_id):
        resp = self.post('/v2/quarantines/%s/actions/lift' % quarantine_id,
                         {'reason': 'done'})
        self.assertEqual(200, resp.status_code, resp.text)

    def assert_no_bytes(self, resp, data, what):
        self.assertNotIn(resp.status_code, (200, 206), what)
        self.assertLess(resp.status_code, 500, '%s: %s' % (what, resp.text))
        self.assertNotIn(data[:32], resp.content, what)

    def assert_refused(self, image_id, data, headers=OWNER):
        resp = self.get('/v2/images/%s/file' % image_id, headers)
        self.assertEqual(403, resp.status_code, resp.text)
        self.assertIn(fixtures.MSG_DOWNLOAD, resp.text)
        self.assertNotIn(data[:32], resp.content)

    def assert_deactivated(self, image_id, headers=OWNER):
        resp = self.get('/v2/images/%s' % image_id, headers)
        self.assertEqual(200, resp.status_code, resp.text)
        doc = resp.json()
        self.assertEqual('deactivated', doc['status'])
        self.assertNotIn('direct_url', doc)
        self.assertFalse(doc.get('locations'))

    def listed_ids(self, query, headers=OWNER):
        """Every id of a listing, following ``next`` to the end."""
        ids, path = [], '/v2/images?' + query
        for _page in range(100):
            resp = self.get(path, headers)
            self.assertEqual(200, resp.status_code, resp.text)
            doc = resp.json()
            ids.extend(image['id'] for image in doc['images'])
            if not doc.get('next'):
                return ids
            path = doc['next']
        self.fail('listing %s never ends' % query)

    def wait_settled(self, image_id):
        deadline = time.time() + IMPORT_WAIT
        while time.time() < deadline:
            status = self.status_of(image_id)
            if status not in ('queued', 'uploading', 'importing',
                              'saving'):
                return status
            time.sleep(0.5)
        self.fail('image %s never settled' % image_id)

    # -- data ---------------------------------------------------------------

    def test_download_spellings_refused(self):
        data = unique_data()
        image_id = self.create_image(OWNER, data=data)
        # An upper-case hash is the same content.
        self.quarantine(os_hash_algo='SHA512',
                        os_hash_value=sha512(data).upper())
        self.assert_refused(image_id, data)
        self.assert_deactivated(image_id)
        probes = [
            ('GET', '/v2/images/%s/file' % image_id.upper(), {}),
            ('GET', '//v2//images//%s//file' % image_id, {}),
            ('GET', '/v2/images/%s/file/' % image_id, {}),
            ('GET', '/v2/images/%s/file?a=1;b=2' % image_id, {}),
            ('GET', '/v2/images/%s/file' % image_id, {'Range': 'bytes=0-9'}),
            ('GET', '/v2/images/%s/file' % image_id,
             {'Range': 'bytes=-10'}),
            ('HEAD', '/v2/images/%s/file' % image_id, {}),
            ('GET', '/v2/images/%s/file?_method=GET' % image_id, {}),
            ('POST', '/v2/images/%s/file?_method=GET' % image_id, {}),
            ('GET', '/v2/images/%s/locations' % image_id, {}),
            ('GET', '/v2/images/%s%%2Ffile' % image_id, {}),
            ('GET', '/v2/images/%s/fil%%65' % image_id, {}),
            ('GET', '/v2.1/images/%s/file' % image_id, {}),
            ('GET', '/v2.17/images/%s/file' % image_id, {}),
            ('GET', '/v2.0/images/%s/file' % image_id, {}),
            ('GET', '/V2/images/%s/file' % image_id, {}),
            ('GET', '/images/%s/file' % image_id,
             {'Accept': 'application/vnd.openstack.images-v2.1+json'}),
            ('GET', '/v2/images/%s/file' % image_id,
             {'Accept': 'application/vnd.openstack.images-v2.1+json'}),
            ('GET', '/v2/images/%s/file' % image_id,
             {'X-HTTP-Method-Override': 'PUT'}),
            ('GET', '/v2/images/%s/file' % image_id,
             {'Transfer-Encoding': 'chunked'}),
        ]
        for method, path, extra in probes:
            for caller in (OWNER, fixtures.SERVICE):
                resp = self.request(method, path, dict(caller, **extra))
                self.assert_no_bytes(resp, data, '%s %s %s' % (
                    method, path, extra))
        # Admins keep downloading.
        resp = self.get('/v2/images/%s/file' % image_id, ADMIN)
        self.assertEqual(200, resp.status_code)
        self.assertEqual(data, resp.content)

    def test_shared_community_and_hidden_copies_refused(self):
        data = unique_data()
        shared = self.create_image(OWNER, data=data, visibility='shared')
        self.share(shared, fixtures.MEMBER_PROJECT)
        community = self.create_image(OWNER, data=data,
                                      visibility='community')
        hidden = self.create_image(OWNER, data=data, os_hidden=True)
        public = self.create_image(ADMIN, data=data, visibility='public')
        self.quarantine(checksum=md5(data).upper())
        self.assert_refused(shared, data, SHARED)
        self.assert_deactivated(shared, SHARED)
        for image_id in (community, public):
            self.assert_refused(image_id, data, OTHER)
            self.assert_deactivated(image_id, OTHER)
        self.assert_refused(hidden, data, OWNER)
        self.assert_deactivated(hidden, OWNER)
        # Listed as deactivated, never as active, in every scope.
        for query, caller, image_id in (
                ('member_status=all&visibility=shared', SHARED, shared),
                ('visibility=community', OTHER, community),
                ('os_hidden=true', OWNER, hidden),
                ('visibility=public', OTHER, public)):
            self.assertIn(image_id, self.listed_ids(
                query + '&status=deactivated', caller), query)
            self.assertNotIn(image_id, self.listed_ids(
                query + '&status=active', caller), query)
            for key in ('sort=status:asc', 'sort_key=status&sort_dir=desc'):
                resp = self.get('/v2/images?%s&%s' % (query, key), caller)
                self.assertEqual(200, resp.status_code, resp.text)
                found = [i for i in resp.json()['images']
                         if i['id'] == image_id]
                self.assertEqual(['deactivated'],
                                 [i['status'] for i in found], key)
                self.assertNotIn('direct_url', found[0])

    def test_data_that_arrives_later_is_refused_at_once(self):
        data = unique_data()
        self.quarantine(data)
        # Upload after the quarantine.
        uploaded = self.create_image(OWNER, data=data)
        self.assert_refused(uploaded, data)
        self.share_and_check(uploaded, data)
        # Stage + glance-direct import.
        staged = self.create_image(OWNER, data=None)
        resp = self.request('PUT', '/v2/images/%s/stage' % staged,
                            dict(OWNER, **OCTETS), data=data)
        self.assertEqual(204, resp.status_code, resp.text)
        resp = self.post('/v2/images/%s/import' % staged,
                         {'method': {'name': 'glance-direct'}}, OWNER)
        self.assertEqual(202, resp.status_code, resp.text)
        self.assertEqual('deactivated', self.wait_settled(staged))
        self.assert_refused(staged, data)
        self.assert_deactivated(staged)
        # Copying it elsewhere is refused too.
        resp = self.post('/v2/images/%s/import' % staged,
                         {'method': {'name': 'copy-image'},
                          'stores': ['file']})
        self.assertEqual(409, resp.status_code, resp.text)
        resp = self.request('PUT', '/v2/cache/%s' % staged, ADMIN)
        self.assertEqual(400, resp.status_code, resp.text)

    def share_and_check(self, image_id, data):
        resp = self.request('PATCH', '/v2/images/%s' % image_id,
                            dict(OWNER, **fixtures.PATCH),
                            json=[{'op': 'replace', 'path': '/visibility',
                                   'value': 'shared'}])
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('deactivated', resp.json()['status'])
        self.assertNotIn('direct_url', resp.json())
        self.share(image_id, fixtures.MEMBER_PROJECT)
        self.assert_refused(image_id, data, SHARED)

    # -- listings -------------------------------------------------------------

    def test_status_listings_page_across_matched_images(self):
        data = unique_data()
        name = 'qred-%s' % uuid.uuid4().hex[:8]
        matched = [self.create_image(OWNER, data=data, name=name)
                   for _ in range(3)]
        own = self.create_image(OWNER, data=unique_data(), name=name)
        self.deactivate(own)
        clean = [self.create_image(OWNER, data=unique_data(), name=name)
                 for _ in range(2)]
        self.quarantine(data)
        for limit in (1, 2, 3):
            deactivated = self.listed_ids(
                'name=%s&status=deactivated&limit=%d' % (name, limit))
            self.assertEqual(sorted(matched + [own]), sorted(deactivated))
            self.assertEqual(len(set(deactivated)), len(deactivated))
            active = self.listed_ids(
                'name=%s&status=active&limit=%d' % (name, limit))
            self.assertEqual(sorted(clean), sorted(active))
            for sort in ('status:asc', 'status:desc', 'name:asc,status:asc'):
                every = self.listed_ids('name=%s&sort=%s&limit=%d' % (
                    name, sort, limit))
                self.assertEqual(sorted(matched + [own] + clean),
                                 sorted(every), sort)

    def test_listing_spellings_never_show_it_active(self):
        data = unique_data()
        name = 'qred-%s' % uuid.uuid4().hex[:8]
        image_id = self.create_image(OWNER, data=data, name=name)
        self.quarantine(data)
        for path in ('/v2/images', '/v2/images/', '//v2//images',
                     '/v2/images//', '/v2/images/?', '/v2/images;',
                     '/v2/images?', '/v2/images?limit=50;sort_dir=asc',
                     '/v2/images%3F', '/v2/images/detail'):
            sep = '&' if '?' in path and not path.endswith('?') else (
                '' if path.endswith('?') else '?')
            resp = self.get(path + sep + 'name=' + name, OWNER)
            self.assertLess(resp.status_code, 500, path)
            if resp.status_code != 200:
                continue
            self.assertNotIn(b'"active"', resp.content, path)
            self.assertNotIn(b'direct_url', resp.content, path)
            self.assertIn(image_id, resp.text, path)

    def test_combined_status_filters(self):
        data = unique_data()
        name = 'qred-%s' % uuid.uuid4().hex[:8]
        matched = self.create_image(OWNER, data=data, name=name)
        queued = self.create_image(OWNER, data=None, name=name)
        clean = self.create_image(OWNER, data=unique_data(), name=name)
        self.quarantine(checksum=md5(data))
        for status, wanted in (
                ('in:active,queued', [queued, clean]),
                ('in:deactivated,queued', [matched, queued]),
                ('in:active,deactivated', [matched, clean]),
                ('in:"deactivated"', [matched]),
                ('deactivated', [matched]),
                ('active', [clean])):
            for extra in ('', '&sort=status:asc', '&sort=name:asc,status:desc',
                          '&limit=1', '&sort_key=status&limit=1'):
                found = self.listed_ids('name=%s&status=%s%s' % (
                    name, status, extra))
                self.assertEqual(sorted(wanted), sorted(found),
                                 status + extra)

    def test_quarantine_list_queries_are_4xx(self):
        for query in ('limit=abc', 'limit=-1', 'limit=1e3', 'limit=',
                      'status=',
                      'status=LIVE', 'marker=', 'foo=1', 'limit=x&limit=1',
                      '%ff=1', 'status=%ff', 'marker=%00', '_method=POST'):
            resp = self.get('/v2/quarantines?' + query, ADMIN)
            self.assertEqual(400, resp.status_code, query)
            resp = self.get('/v2/quarantines?' + query, OWNER)
            self.assertIn(resp.status_code, (400, 403), query)
        # A huge limit is the largest page, as Glance caps its own.
        resp = self.get('/v2/quarantines?limit=%d' % 10 ** 30, ADMIN)
        self.assertEqual(200, resp.status_code, resp.text)
        for path in ('/v2/schemas/quarantine/', '/v2/schemas/quarantines//',
                     '/v2/quarantines/', '/v2/quarantines//x',
                     '/v2/quarantines/x/actions/lift/'):
            resp = self.get(path, OWNER)
            self.assertLess(resp.status_code, 500, path)
            self.assertNotIn(b'"os_hash_value"', resp.content, path)

    # -- lifting --------------------------------------------------------------

    def test_lift_of_one_of_two_quarantines_keeps_it_deactivated(self):
        data = unique_data()
        image_id = self.create_image(OWNER, data=data)
        by_checksum = self.quarantine(checksum=md5(data))
        by_hash = self.quarantine(data)
        self.assert_deactivated(image_id)
        self.lift(by_checksum['id'])
        self.assert_deactivated(image_id)
        self.assert_refused(image_id, data)
        self.lift(by_hash['id'])
        resp = self.get('/v2/images/%s/file' % image_id, OWNER)
        self.assertEqual(data, resp.content)

    def test_lift_history_names_the_other_live_quarantine(self):
        # Both quarantines exist before the image: a sighting records one
        # quarantine the image matches; lifting either must not record a
        # reactivation (nor announce one) while the other holds it.
        for first in ('checksum', 'hash'):
            data = unique_data()
            made = {'checksum': self.quarantine(checksum=md5(data)),
                    'hash': self.quarantine(data)}
            image_id = self.create_image(OWNER, data=data)
            self.assert_deactivated(image_id)
            self.lift(made[first]['id'])
            self.assert_deactivated(image_id)
            resp = self.get('/v2/images/%s/deactivation' % image_id, ADMIN)
            self.assertEqual(200, resp.status_code, resp.text)
            history = resp.json()['history']
            self.assertEqual(
                [], [e for e in history if e['action'] == 'reactivate' and
                     e['outcome'] == 'changed'], (first, history))
            second = 'hash' if first == 'checksum' else 'checksum'
            self.lift(made[second]['id'])

    # -- the quarantine API ---------------------------------------------------

    def test_non_admin_learns_nothing(self):
        data = unique_data()
        image_id = self.create_image(OWNER, data=data)
        made = self.quarantine(data)
        fresh = unique_data()
        for caller in (OWNER, OTHER, fixtures.OWNER_READER):
            answers = set()
            for body in ({'os_hash_algo': 'sha512',
                          'os_hash_value': sha512(data), 'reason': 'r'},
                         {'os_hash_algo': 'sha512',
                          'os_hash_value': sha512(fresh), 'reason': 'r'}):
                resp = self.post('/v2/quarantines', body, caller)
                answers.add((resp.status_code, resp.text))
            self.assertEqual(1, len(answers), answers)
            self.assertEqual(403, answers.pop()[0])
            answers = set()
            for marker in (made['id'], str(uuid.uuid4())):
                resp = self.get('/v2/quarantines?marker=%s' % marker, caller)
                answers.add((resp.status_code, resp.text))
            self.assertEqual(1, len(answers), answers)
            self.assertEqual(403, answers.pop()[0])
            for path in ('/v2/quarantines/%s', '/v2/quarantines/%s/',
                         '/v2/quarantines/%s/actions/lift'):
                answers = set()
                for qid in (made['id'], str(uuid.uuid4())):
                    method = 'POST' if 'lift' in path else 'GET'
                    resp = self.request(method, path % qid,
                                        dict(caller, **JSON),
                                        json={'reason': 'r'})
                    answers.add((resp.status_code,
                                 html.unescape(resp.text).replace(qid, 'X')))
                self.assertEqual(1, len(answers), answers)
        # Still live: nobody but the admin lifted it.
        resp = self.get('/v2/quarantines/%s' % made['id'], ADMIN)
        self.assertEqual('live', resp.json()['status'])
        self.assertEqual([image_id], resp.json()['images'])

    def test_odd_quarantine_ids_are_404(self):
        # ('%FF' is Glance's own 500, in versionnegotiation, before the
        # filter: not probed.)
        for qid in ('%00', 'a%00b', '%C3%A9', 'x' * 300, '..',
                    '%2e%2e', 'a%2Fb', '%20', 'A' * 36,
                    str(uuid.uuid4()).upper(), '%E2%80%AE'):
            for method, path in (('GET', '/v2/quarantines/%s'),
                                 ('POST', '/v2/quarantines/%s/actions/lift')):
                resp = self.request(method, path % qid, dict(ADMIN, **JSON),
                                    json={'reason': 'r'})
                self.assertIn(resp.status_code, (400, 404),
                              '%s %s: %s' % (method, qid, resp.text))
        for marker in ('%00', 'x' * 300, '%FF'):
            resp = self.get('/v2/quarantines?marker=%s' % marker, ADMIN)
            self.assertEqual(400, resp.status_code, resp.text)

    def test_bad_bodies_are_400(self):
        value = sha512(b'x')
        raw_bodies = [
            b'{"checksum": "%s", "checksum": "%s", "reason": "r"}' % (
                md5(b'x').encode(), md5(b'y').encode()),
            b'{"checksum": NaN, "reason": "r"}',
            b'{"checksum": "%s", "reason": NaN}' % md5(b'x').encode(),
            b'{"reason": "\xff\xfe", "checksum": "%s"}' % md5(
                b'x').encode(),
            b'{"checksum": "%s", "reason": "r"' % md5(b'x').encode(),
            b'[' * 100000,
            b'{"reason": "' + b'r' * (1 << 20) + b'"}',
            b'"just a string"',
            b'null',
            b'{"image_id": ["a"], "reason": "r"}',
            b'{"image_id": {"$ne": 1}, "reason": "r"}',
            b'{"image_id": "../../v2/images", "reason": "r"}',
            b'{"image_id": "", "reason": "r"}',
            b'{"os_hash_algo": "sha512", "os_hash_value": %d, '
            b'"reason": "r"}' % 10 ** 40,
            b'{"os_hash_algo": "shake_256", "os_hash_value": "%s", '
            b'"reason": "r"}' % value.encode(),
            b'{"os_hash_algo": "sha512", "os_hash_value": "%s ", '
            b'"reason": "r"}' % value.encode(),
            b'{"os_hash_algo": "sha512", "os_hash_value": "0x%s", '
            b'"reason": "r"}' % value[2:].encode(),
            b'{"os_hash_algo": "sha512", "os_hash_value": "%s", '
            b'"reason": true}' % value.encode(),
            b'{"os_hash_algo": "sha512", "os_hash_value": "%s", '
            b'"reason": ""}' % value.encode(),
            b'{"os_hash_algo": "sha512", "os_hash_value": "%s"}'
            % value.encode(),
            b'{"checksum": "%s", "reason": "r", "extra": 1}'
            % md5(b'x').encode(),
        ]
        for body in raw_bodies:
            resp = self.request('POST', '/v2/quarantines',
                                dict(ADMIN, **JSON), data=body)
            self.assertEqual(400, resp.status_code,
                             '%r: %s' % (body[:80], resp.text))
        resp = self.request('POST', '/v2/quarantines?_method=GET',
                            dict(ADMIN, **JSON), data=b'{}')
        self.assertEqual(400, resp.status_code, resp.text)
        resp = self.get('/v2/quarantines', ADMIN)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertNotIn(md5(b'x'), resp.text)


class CachedQuarantineTest(fixtures.GlanceTestCase):
    """Glance's image cache after the filter holds a quarantined image."""

    PREFIX = 'gd-qred-cache-'
    SERVER_KWARGS = {'mode': 'filter', 'caching': True}

    def test_a_cached_copy_is_refused_too(self):
        data = unique_data()
        image_id = self.create_image(OWNER, data=data)
        shared = self.create_image(OWNER, data=data, visibility='shared')
        # Pending, never accepted: the member sees it all the same.
        resp = self.request('POST', '/v2/images/%s/members' % shared,
                            dict(OWNER, **JSON),
                            json={'member': fixtures.MEMBER_PROJECT})
        self.assertEqual(200, resp.status_code, resp.text)
        # Cached before the quarantine, by the owner's own download.
        for each in (image_id, shared):
            resp = self.get('/v2/images/%s/file' % each, OWNER)
            self.assertEqual(data, resp.content)
        resp = self.request('POST', '/v2/quarantines', dict(ADMIN, **JSON),
                            json={'image_id': image_id, 'reason': 'r'})
        self.assertEqual(201, resp.status_code, resp.text)
        quarantine_id = resp.json()['id']
        for _attempt in range(3):
            for each, caller in ((image_id, OWNER), (shared, OWNER),
                                 (shared, SHARED)):
                for extra in ({}, {'Range': 'bytes=0-99'}):
                    resp = self.get('/v2/images/%s/file' % each,
                                    dict(caller, **extra))
                    self.assertEqual(403, resp.status_code, resp.text)
                    self.assertNotIn(data[:32], resp.content)
        resp = self.request('PUT', '/v2/cache/%s' % image_id, ADMIN)
        self.assertEqual(400, resp.status_code, resp.text)
        resp = self.get('/v2/images/%s/file' % image_id, ADMIN)
        self.assertEqual(data, resp.content)
        resp = self.request(
            'POST', '/v2/quarantines/%s/actions/lift' % quarantine_id,
            dict(ADMIN, **JSON), json={'reason': 'done'})
        self.assertEqual(200, resp.status_code, resp.text)
        resp = self.get('/v2/images/%s/file' % image_id, OWNER)
        self.assertEqual(data, resp.content)


class _Bytes(http.server.BaseHTTPRequestHandler):
    """Serves ``server.data`` at any path."""

    def do_GET(self):
        data = self.server.data
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class WebDownloadQuarantineTest(fixtures.GlanceTestCase):
    """web-download from a small HTTP server on 127.0.0.1."""

    PREFIX = 'gd-qred-web-'

    @classmethod
    def make_servers(cls, directory):
        cls.source = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     _Bytes)
        cls.source.data = b''
        threading.Thread(target=cls.source.serve_forever,
                         daemon=True).start()
        servers = super(WebDownloadQuarantineTest, cls).make_servers(
            directory)
        servers['glance'].extra_conf = (
            '[import_filtering_opts]\n'
            'allowed_hosts = [127.0.0.1]\n'
            'allowed_ports = [%d]\n' % cls.source.server_address[1])
        return servers

    @classmethod
    def tearDownClass(cls):
        try:
            super(WebDownloadQuarantineTest, cls).tearDownClass()
        finally:
            cls.source.shutdown()
            cls.source.server_close()

    def test_web_download_of_quarantined_bytes_ends_deactivated(self):
        data = unique_data()
        self.source.data = data
        resp = self.request('POST', '/v2/quarantines', dict(ADMIN, **JSON),
                            json={'os_hash_algo': 'sha512',
                                  'os_hash_value': sha512(data),
                                  'reason': 'feed'})
        self.assertEqual(201, resp.status_code, resp.text)
        image_id = self.create_image(OWNER, data=None)
        resp = self.request(
            'POST', '/v2/images/%s/import' % image_id, dict(OWNER, **JSON),
            json={'method': {'name': 'web-download',
                             'uri': 'http://127.0.0.1:%d/bad.img'
                             % self.source.server_address[1]}})
        self.assertEqual(202, resp.status_code, resp.text)
        deadline = time.time() + IMPORT_WAIT
        status = None
        while time.time() < deadline:
            status = self.status_of(image_id, OWNER)
            if status not in ('queued', 'importing', 'saving'):
                break
            time.sleep(0.5)
        self.assertEqual('deactivated', status)
        resp = self.get('/v2/images/%s/file' % image_id, OWNER)
        self.assertEqual(403, resp.status_code, resp.text)
        self.assertNotIn(data[:32], resp.content)
        resp = self.get('/v2/images/%s/file' % image_id, ADMIN)
        self.assertEqual(data, resp.content)


class PostgresStateOddInputTest(fixtures.GlanceTestCase):
    """The filter's state database on PostgreSQL, which refuses NUL.

    A NUL in an id the filter looks up (a quarantine id, a marker, an
    image id, a read API filter) must be an unknown id (404, 400), not a
    database error (503, an outage logged for every such request).
    """

    PREFIX = 'gd-qred-pg-'

    @classmethod
    def make_servers(cls, directory):
        fixtures.require_database(fixtures.POSTGRESQL)
        cls.state = fixtures.TemporaryDatabase(fixtures.POSTGRESQL,
                                               'gd_qred')
        cls.state.setUp()
        return {'glance': directory.server(
            name='glance', mode='filter', state_db=cls.state.url)}

    @classmethod
    def tearDownClass(cls):
        try:
            super(PostgresStateOddInputTest, cls).tearDownClass()
        finally:
            cls.state.cleanUp()

    def test_nul_is_an_unknown_id(self):
        data = unique_data()
        image_id = self.create_image(OWNER, data=data)
        resp = self.request('POST', '/v2/quarantines', dict(ADMIN, **JSON),
                            json={'checksum': md5(data), 'reason': 'r'})
        self.assertEqual(201, resp.status_code, resp.text)
        for caller in (ADMIN, OWNER):
            for method, path, status in (
                    ('GET', '/v2/quarantines/a%00b', 404),
                    ('POST', '/v2/quarantines/a%00b/actions/lift', 404),
                    ('GET', '/v2/images/a%00b', 404),
                    ('GET', '/v2/images/a%00b/file', 404),
                    ('GET', '/v2/images/%s%%00/file' % image_id, 404)):
                resp = self.request(method, path, dict(caller, **JSON),
                                    json={'reason': 'r'}
                                    if method == 'POST' else None)
                self.assertEqual(status, resp.status_code,
                                 '%s %s: %s' % (method, path, resp.text))
        for path in ('/v2/quarantines?marker=a%00b',
                     '/v2/deactivations?marker=a%00b',
                     '/v2/deactivations?owner=a%00b',
                     '/v2/deactivations?deactivated_by=a%00b',
                     '/v2/images/a%00b/deactivation'):
            resp = self.get(path, ADMIN)
            self.assertIn(resp.status_code, (200, 400, 404),
                          '%s: %s' % (path, resp.text))
        self.assert_refused(image_id, data)

    def assert_refused(self, image_id, data):
        resp = self.get('/v2/images/%s/file' % image_id, OWNER)
        self.assertEqual(403, resp.status_code, resp.text)
        self.assertNotIn(data[:32], resp.content)
