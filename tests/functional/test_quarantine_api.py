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

"""The quarantine API's routes in front of the real Glance 33 API.

What Glance itself decides: the hash an image shows, and which images its
list API returns for the scan the API makes as the caller (every
visibility, hidden images, images shared but not accepted), the
image service's own 404 for an image the caller cannot see, and its
answers in the documents.  The effect of a quarantine on images is
tested elsewhere; here, each test uploads bytes of its own, so that the
quarantines of the tests sharing the server never match each other's
images.
"""

import hashlib
import html
import uuid

import jsonschema

from tests.functional import fixtures

ADMIN = fixtures.ADMIN
OWNER = fixtures.OWNER
OTHER = fixtures.OTHER
JSON = fixtures.JSON


def unique_data():
    return b'quarantine-api-%s' % uuid.uuid4().hex.encode()


class TestQuarantineApi(fixtures.GlanceTestCase):

    def post(self, path, body, headers=ADMIN):
        return self.request('POST', path, dict(headers, **JSON), json=body)

    def create(self, body, headers=ADMIN):
        return self.post('/v2/quarantines', body, headers)

    def schema(self, name):
        resp = self.get('/v2/schemas/%s' % name, ADMIN)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()

    def test_by_image_finds_every_copy_the_admin_can_see(self):
        data = unique_data()
        first = self.create_image(OWNER, data=data)
        copies = [
            self.create_image(OTHER, data=data),
            self.create_image(OTHER, data=data, visibility='community'),
            self.create_image(OTHER, data=data, os_hidden=True),
            self.create_image(OTHER, data=data, visibility='shared'),
        ]
        other = self.create_image(OTHER, data=unique_data())
        shown = self.get('/v2/images/%s' % first, OWNER).json()
        resp = self.create({'image_id': first, 'reason': 'CVE-2026-0001'})
        self.assertEqual(201, resp.status_code, resp.text)
        doc = resp.json()
        jsonschema.validate(doc, self.schema('quarantine'))
        self.assertEqual(
            (shown['os_hash_algo'], shown['os_hash_value'],
             shown['checksum'], hashlib.md5(data).hexdigest()),
            (doc['os_hash_algo'], doc['os_hash_value'], doc['checksum'],
             doc['checksum']))
        self.assertEqual(sorted([first] + copies), doc['images'])
        self.assertNotIn(other, doc['images'])
        self.assertTrue(resp.headers['Location'].endswith(
            '/v2/quarantines/%s' % doc['id']), resp.headers)
        resp = self.get('/v2/quarantines/%s' % doc['id'], ADMIN)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(doc['images'], resp.json()['images'])
        resp = self.post('/v2/quarantines/%s/actions/lift' % doc['id'],
                         {'reason': 'done'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('lifted', resp.json()['status'])

    def test_404_before_403(self):
        data = unique_data()
        private = self.create_image(OWNER, data=data)
        missing = str(uuid.uuid4())
        answers = []
        for image_id in (private, missing):
            resp = self.create({'image_id': image_id, 'reason': 'r'}, OTHER)
            self.assertEqual(404, resp.status_code, resp.text)
            answers.append(html.unescape(resp.text).replace(image_id, 'X'))
        self.assertEqual(answers[0], answers[1])
        resp = self.create({'image_id': private, 'reason': 'r'}, OWNER)
        self.assertEqual(403, resp.status_code, resp.text)
        self.assertIn('You are not authorized to complete quarantine '
                      'action.', html.unescape(resp.text))
        made = self.create({'checksum': hashlib.md5(data).hexdigest(),
                            'reason': 'r'}).json()
        for path, method in (('/v2/quarantines/%s', 'GET'),
                             ('/v2/quarantines/%s/actions/lift', 'POST')):
            answers = []
            for quarantine_id in (made['id'], missing):
                resp = self.request(method, path % quarantine_id,
                                    dict(OWNER, **JSON),
                                    json={'reason': 'r'}
                                    if method == 'POST' else None)
                self.assertEqual(404, resp.status_code, resp.text)
                answers.append(html.unescape(resp.text).replace(
                    quarantine_id, 'X'))
            self.assertEqual(answers[0], answers[1])
            self.assertIn('No quarantine found with ID X', answers[0])
        self.assertEqual(403, self.get('/v2/quarantines', OWNER).status_code)

    def test_bad_input_is_400(self):
        queued = self.create_image(OWNER, data=None)
        for body, message in (
                ({'image_id': queued, 'reason': 'r'},
                 'has no data hash yet'),
                ({'os_hash_algo': 'sha1024', 'os_hash_value': 'ab',
                  'reason': 'r'}, "Unknown hash algorithm 'sha1024'."),
                ({'os_hash_algo': 'sha512', 'os_hash_value': 'ab' * 32,
                  'reason': 'r'},
                 "'os_hash_value' for sha512 must be 128 hexadecimal "
                 "digits long, not 64."),
                ({'checksum': 'z' * 32, 'reason': 'r'},
                 "'checksum' must be hexadecimal.")):
            resp = self.create(body)
            self.assertEqual(400, resp.status_code, body)
            self.assertIn(message, html.unescape(resp.text), body)


class TestWidenedQuarantineApi(fixtures.GlanceTestCase):
    """get_quarantine opened to readers: the scan is the caller's own."""

    SERVER_KWARGS = {'mode': 'filter', 'policy': (
        '"image_deactivation:get_quarantine": "role:reader"\n')}

    def test_a_reader_sees_the_images_it_can_see(self):
        data = unique_data()
        mine = self.create_image(OWNER, data=data)
        hidden = self.create_image(OWNER, data=data, os_hidden=True)
        public = self.create_image(ADMIN, data=data, visibility='public')
        community = self.create_image(OTHER, data=data,
                                      visibility='community')
        shared = self.create_image(OTHER, data=data, visibility='shared')
        resp = self.request('POST', '/v2/images/%s/members' % shared,
                            dict(OTHER, **JSON),
                            json={'member': OWNER['X-Tenant-Id']})
        self.assertEqual(200, resp.status_code, resp.text)
        private = self.create_image(OTHER, data=data)
        resp = self.request('POST', '/v2/quarantines', dict(ADMIN, **JSON),
                            json={'image_id': private, 'reason': 'r'})
        self.assertEqual(201, resp.status_code, resp.text)
        doc = resp.json()
        self.assertEqual(
            sorted([mine, hidden, public, community, shared, private]),
            doc['images'])
        resp = self.get('/v2/quarantines/%s' % doc['id'], OWNER)
        self.assertEqual(200, resp.status_code, resp.text)
        # The member's pending share is listed too (member_status=all).
        self.assertEqual(sorted([mine, hidden, public, community, shared]),
                         resp.json()['images'])
