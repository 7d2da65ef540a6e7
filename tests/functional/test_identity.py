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

"""Identity comes from validated tokens, never from client headers.

The pipeline is Glance 33's ``keystone`` flavor with the real
keystonemiddleware ``auth_token`` (``delay_auth_decision = true``, as Glance
ships it), Glance's ``context`` and our filter, served by
``keystone_glance.py`` in a subprocess where keystonemiddleware's
``AuthTokenFixture`` knows three tokens: admin, a member of the owning
project and a member of another project.

Proved here:

* admin and member tokens get the right answers (admin downloads a
  deactivated image and (re)activates anything; the owner's member
  deactivates its own image and is refused the data; another project is
  refused the action);
* forged ``X-Roles: admin``, ``X-Identity-Status: Confirmed``,
  ``X-Tenant-Id``/``X-Project-Id``/``X-User-Id``, ``X-Is-Admin`` and
  service headers are not honoured: without a token or with an invalid one
  the caller gets 401 and no data; with a member token the caller is that
  member, exactly as if it had sent no forged header (same status, no data,
  no locations, no state change).
"""

import json
import os
import subprocess
import sys
import time
import uuid

import requests
import testtools
from testtools import content

from glance_deactivate import store as state_store
from tests.functional import fixtures
from tests.functional import rawhttp

LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'keystone_glance.py')
KEYSTONE_CONF = """\
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:5000/v3
auth_type = password
auth_url = http://127.0.0.1:5000/v3
delay_auth_decision = true
"""

ADMIN_PROJECT = 'admin-project'
OWNER_PROJECT = 'owner-project'
OTHER_PROJECT = 'other-project'

# Everything a client could send to impersonate an admin of the owner.
FORGED = {
    'X-Identity-Status': 'Confirmed',
    'X-Roles': 'admin,member,reader',
    'X-Role': 'admin',
    'X-User-Id': 'forged-admin',
    'X-User-Name': 'admin',
    'X-Tenant-Id': OWNER_PROJECT,
    'X-Tenant': OWNER_PROJECT,
    'X-Project-Id': OWNER_PROJECT,
    'X-Project-Name': OWNER_PROJECT,
    'X-Is-Admin': 'True',
    'X-Is-Admin-Project': 'True',
    'X-Service-Roles': 'admin,service',
    'X-Service-Identity-Status': 'Confirmed',
    'X-System-Scope': 'all',
}


def _token(name):
    return 'gd-%s-token-%s' % (name, uuid.uuid4().hex)


class KeystoneIdentityTest(testtools.TestCase):
    """One keystone-protected Glance (filter mode) for the class."""

    @classmethod
    def setUpClass(cls):
        super(KeystoneIdentityTest, cls).setUpClass()
        cls.dir = fixtures.ServerDir('gd-identity-')
        cls.server = cls.dir.server('filter', keystone=True,
                                    keystone_conf=KEYSTONE_CONF)
        cls.tokens = {
            'admin': (_token('admin'), 'admin-user', ADMIN_PROJECT,
                      ['admin', 'member', 'reader']),
            'owner': (_token('owner'), 'owner-user', OWNER_PROJECT,
                      ['member', 'reader']),
            'other': (_token('other'), 'other-user', OTHER_PROJECT,
                      ['member', 'reader']),
        }
        tokens_file = os.path.join(cls.dir.path, 'tokens.json')
        with open(tokens_file, 'w') as out:
            json.dump([{'token_id': t[0], 'user_id': t[1],
                        'project_id': t[2], 'roles': t[3]}
                       for t in cls.tokens.values()], out)
        try:
            cls.server.write_config()
            cls.server.db_sync()
            cls.log = open(os.path.join(cls.dir.path, 'launcher.log'), 'wb')
            cls.process = subprocess.Popen(
                [sys.executable, LAUNCHER, cls.server.workdir,
                 str(cls.server.port), tokens_file],
                stdout=subprocess.PIPE, stderr=cls.log,
                start_new_session=True)
            cls._wait_ready()
        except Exception:
            cls._stop()
            raise
        cls.url = cls.server.url
        cls.store = state_store.DeactivationStore.from_url(
            cls.server.state_db, max_retries=0)

    @classmethod
    def _wait_ready(cls, timeout=120):
        line = cls.process.stdout.readline()
        if line.strip() != b'READY':
            raise RuntimeError('launcher failed: %r; see %s'
                               % (line, cls.log.name))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(cls.server.url + '/versions',
                                timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError('launcher did not answer')

    @classmethod
    def _stop(cls):
        process = getattr(cls, 'process', None)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None:
            process.stdout.close()
        if getattr(cls, 'log', None):
            cls.log.close()
        cls.dir.remove()

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, 'store', None) is not None:
            cls.store.dispose()
        cls._stop()
        super(KeystoneIdentityTest, cls).tearDownClass()

    def setUp(self):
        super(KeystoneIdentityTest, self).setUp()
        self.addOnException(self._attach_log)
        fixtures.attach_logs(self, {'glance': self.server}, 40)

    def _attach_log(self, exc_info):
        self.log.flush()
        with open(self.log.name, errors='replace') as log:
            tail = ''.join(log.readlines()[-40:])
        self.addDetail('launcher-log', content.text_content(tail))

    # -- helpers ----------------------------------------------------------

    def auth(self, who, forged=False):
        headers = {'X-Auth-Token': self.tokens[who][0]} if who else {}
        if forged:
            headers.update(FORGED)
        return headers

    def send(self, method, path, headers, body=None):
        return rawhttp.send(self.url, method, path, headers, body)

    def image(self, owner='owner', visibility='private', deactivated=True):
        """(id, data) of a new image, deactivated by the admin token."""
        data = rawhttp.random_data(8 * 1024)
        image_id = fixtures.create_image(self.url, self.auth(owner), data,
                                         visibility)
        if deactivated:
            fixtures.deactivate(self.url, image_id, self.auth('admin'))
        return image_id, data

    def status(self, image_id):
        resp = self.send('GET', '/v2/images/%s' % image_id,
                         self.auth('admin'))
        self.assertEqual(200, resp.status, resp.body)
        return json.loads(resp.body)['status']

    def assertNoData(self, resp, data):
        self.assertFalse(rawhttp.Fingerprint(data).found_in(resp.body),
                         'image data in a %d answer' % resp.status)

    # -- tokens get the right answers -----------------------------------

    def test_admin_token_downloads_deactivated_image(self):
        image_id, data = self.image()
        resp = self.send('GET', '/v2/images/%s/file' % image_id,
                         self.auth('admin'))
        self.assertEqual(200, resp.status)
        self.assertEqual(data, resp.body)
        record = self.store.get(image_id)
        self.assertEqual(('admin-user', ADMIN_PROJECT, True),
                         (record.user_id, record.project_id,
                          record.by_admin))

    def test_member_token_is_refused_the_data(self):
        image_id, data = self.image()
        for who in ('owner', 'other'):
            resp = self.send('GET', '/v2/images/%s/file' % image_id,
                             self.auth(who))
            self.assertEqual(403 if who == 'owner' else 404, resp.status,
                             resp.body)
            self.assertNoData(resp, data)
        resp = self.send('GET', '/v2/images/%s/file' % image_id,
                         self.auth('owner'))
        self.assertIn(fixtures.MSG_DOWNLOAD, rawhttp.message(resp.body))

    def test_owner_member_token_deactivates_and_reactivates(self):
        image_id, _data = self.image(deactivated=False)
        path = '/v2/images/%s/actions/%%s' % image_id
        resp = self.send('POST', path % 'deactivate', self.auth('owner'))
        self.assertEqual(204, resp.status, resp.body)
        self.assertEqual('deactivated', self.status(image_id))
        record = self.store.get(image_id)
        self.assertEqual(('owner-user', OWNER_PROJECT, False),
                         (record.user_id, record.project_id,
                          record.by_admin))
        resp = self.send('POST', path % 'reactivate', self.auth('owner'))
        self.assertEqual(204, resp.status, resp.body)
        self.assertEqual('active', self.status(image_id))
        self.assertIsNone(self.store.get(image_id))

    def test_other_project_token_cannot_act(self):
        private, _ = self.image(deactivated=False)
        public, _ = self.image(owner='admin', visibility='public',
                               deactivated=False)
        for image_id, expected in ((private, 404), (public, 403)):
            resp = self.send('POST',
                             '/v2/images/%s/actions/deactivate' % image_id,
                             self.auth('other'))
            self.assertEqual(expected, resp.status, resp.body)
            self.assertEqual('active', self.status(image_id))
            self.assertIsNone(self.store.get(image_id))

    # -- forged headers are not honoured --------------------------------

    def test_forged_headers_without_token(self):
        image_id, data = self.image()
        active_id, _ = self.image(deactivated=False)
        for token in (None, 'not-a-known-token'):
            headers = dict(FORGED)
            if token:
                headers['X-Auth-Token'] = token
            for method, path in (
                    ('GET', '/v2/images/%s/file' % image_id),
                    ('GET', '/v2/images/%s' % image_id),
                    ('POST', '/v2/images/%s/actions/reactivate' % image_id),
                    ('POST', '/v2/images/%s/actions/deactivate'
                     % active_id)):
                resp = self.send(method, path, headers)
                self.assertEqual(401, resp.status,
                                 '%s %s token=%s: %s' % (
                                     method, path, token, resp.body))
                self.assertNoData(resp, data)
        self.assertEqual('deactivated', self.status(image_id))
        self.assertEqual('active', self.status(active_id))
        self.assertIsNone(self.store.get(active_id))

    def test_forged_headers_with_member_token_are_ignored(self):
        # The other project's member claims to be an admin of the owning
        # project: it must get exactly what it gets without the claim.
        private, data = self.image()
        public, public_data = self.image(owner='admin', visibility='public')
        active_private, _ = self.image(deactivated=False)
        active_public, _ = self.image(owner='admin', visibility='public',
                                      deactivated=False)
        cases = [
            ('other', 'GET', '/v2/images/%s/file' % private, 404, data),
            ('other', 'GET', '/v2/images/%s/file' % public, 403,
             public_data),
            ('owner', 'GET', '/v2/images/%s/file' % private, 403, data),
            ('other', 'POST', '/v2/images/%s/actions/reactivate' % public,
             403, None),
            ('other', 'POST',
             '/v2/images/%s/actions/deactivate' % active_private, 404, None),
            ('other', 'POST',
             '/v2/images/%s/actions/deactivate' % active_public, 403, None),
            ('owner', 'POST',
             '/v2/images/%s/actions/reactivate' % public, 403, None),
        ]
        rows = []
        for who, method, path, expected, image_data in cases:
            honest = self.send(method, path, self.auth(who))
            forged = self.send(method, path, self.auth(who, forged=True))
            rows.append('%s %s %s: honest %d, forged %d' % (
                who, method, path, honest.status, forged.status))
            self.assertEqual(expected, honest.status, rows[-1])
            self.assertEqual(honest.status, forged.status, rows[-1])
            self.assertEqual(rawhttp.message(honest.body),
                             rawhttp.message(forged.body))
            if image_data is not None:
                self.assertNoData(forged, image_data)
        self.addDetail('answers', content.text_content('\n'.join(rows)))
        self.assertEqual('deactivated', self.status(public))
        self.assertEqual('active', self.status(active_private))
        self.assertEqual('active', self.status(active_public))
        self.assertIsNone(self.store.get(active_private))
        self.assertIsNone(self.store.get(active_public))

    def test_forged_headers_do_not_reveal_locations(self):
        image_id, _ = self.image(owner='admin', visibility='public')
        admin = json.loads(self.send('GET', '/v2/images/%s' % image_id,
                                     self.auth('admin')).body)
        self.assertIn('direct_url', admin)
        for path in ('/v2/images/%s' % image_id, '/v2/images?limit=1000'):
            resp = self.send('GET', path, self.auth('other', forged=True))
            self.assertEqual(200, resp.status)
            doc = json.loads(resp.body)
            images = doc.get('images', [doc])
            mine = [i for i in images if i['id'] == image_id]
            self.assertEqual(1, len(mine), path)
            self.assertEqual('deactivated', mine[0]['status'])
            self.assertNotIn('direct_url', mine[0])
            self.assertFalse(mine[0].get('locations'))
