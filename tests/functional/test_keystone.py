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

"""The deactivation story with a real Keystone and real tokens.

One real Keystone (``keystone==30.0.0``: SQLite, fernet tokens, bootstrapped
by ``keystone-manage``; see ``keystone_server``) and two real Glance 33 APIs
behind keystonemiddleware ``auth_token``: ``filter`` (this package's filter;
Glance's own deactivate and reactivate rules ``"!"``) and ``native``
(Glance's own deactivation), started once for the class.  Every token comes
from keystoneauth password authentication: the bootstrap admin, a member, a
reader and an ``observer`` (a role Glance's policies do not name) of the
owning project, a member of another project, the admin's system-scoped
token and a member's unscoped token.

Proved here, on both APIs with the same answers:

* bootstrap's ``admin`` role implies ``member`` and ``reader`` in the
  token, and the catalog has the ``internal`` identity endpoint that
  ``auth_token`` validates against;
* the story: a member uploads, the admin deactivates, member and reader see
  ``deactivated`` and are refused the data, the admin downloads the exact
  bytes, a reader cannot act, the admin reactivates and the member
  downloads again; the filter's record names the admin's Keystone user and
  project;
* the observer, another project, a system-scoped and an unscoped token get
  404 for the image (and its actions), and 403 or an empty page for the
  listing; for the data, 404 too, except the observer (scoped to the owning
  project), who gets Glance 33's deactivation 403 from both stacks;
* forged identity headers and missing or invalid tokens never open a
  deactivated image: 401 without a valid token, and with one exactly the
  answer that token gets without the forgery.
"""

import hashlib

import requests

from glance_deactivate import store as state_store
from tests.functional import fixtures
from tests.functional import keystone_server as ks

REGIONS = ('filter', 'native')

# Everything a client could send to pass for an admin of the owner.
FORGED = {
    'X-Identity-Status': 'Confirmed',
    'X-Roles': 'admin,member,reader',
    'X-Role': 'admin',
    'X-User-Id': 'forged-admin',
    'X-User-Name': 'admin',
    'X-Tenant-Id': ks.OWNER_PROJECT,
    'X-Tenant': ks.OWNER_PROJECT,
    'X-Project-Id': ks.OWNER_PROJECT,
    'X-Project-Name': ks.OWNER_PROJECT,
    'X-Is-Admin': 'True',
    'X-Is-Admin-Project': 'True',
    'X-Service-Roles': 'admin,service',
    'X-Service-Identity-Status': 'Confirmed',
    'X-System-Scope': 'all',
    'X-Service-Token': 'forged',
}

# who: (user, project, system scope)
CALLERS = {
    'admin': (ks.ADMIN_USER, ks.ADMIN_PROJECT, False),
    'member': ('owner-member', ks.OWNER_PROJECT, False),
    'reader': ('owner-reader', ks.OWNER_PROJECT, False),
    'observer': ('owner-observer', ks.OWNER_PROJECT, False),
    'other': ('other-member', ks.OTHER_PROJECT, False),
    'system': (ks.ADMIN_USER, None, True),
    'unscoped': ('owner-member', None, False),
}
# Tokens that must not see the owner's private image at all.
STRANGERS = ('observer', 'other', 'system', 'unscoped')


class KeystoneStoryTest(fixtures.KeystoneTestCase):

    @classmethod
    def setUpClass(cls):
        super(KeystoneStoryTest, cls).setUpClass()
        try:
            cls.tokens = {
                who: ks.token(cls.keystone_url, user, project, system)
                for who, (user, project, system) in CALLERS.items()}
            cls.store = state_store.DeactivationStore.from_url(
                cls.stack.glances['filter'].state_db, max_retries=0)
        except BaseException:
            cls.stack.stop()
            raise
        cls.http = requests.Session()

    @classmethod
    def tearDownClass(cls):
        cls.http.close()
        cls.store.dispose()
        super(KeystoneStoryTest, cls).tearDownClass()

    # -- helpers ----------------------------------------------------------

    def auth(self, who):
        return {'X-Auth-Token': self.tokens[who]}

    def call(self, region, method, path, headers, **kwargs):
        return self.http.request(method, self.glance_url(region) + path,
                                 headers=headers, timeout=60, **kwargs)

    def image(self, region, deactivated=True):
        """A private image of the owning project (DATA), as the member."""
        url = self.glance_url(region)
        image_id = fixtures.create_image(url, self.auth('member'))
        if deactivated:
            fixtures.deactivate(url, image_id, self.auth('admin'))
        return image_id

    def status(self, region, image_id):
        resp = self.call(region, 'GET', '/v2/images/%s' % image_id,
                         self.auth('admin'))
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()['status']

    def assertNoData(self, resp):
        self.assertNotIn(fixtures.DATA[:64], resp.content)

    # -- Keystone as bootstrapped ----------------------------------------

    def test_bootstrap_roles_and_internal_endpoint(self):
        admin = ks.admin_session(self.keystone_url)
        access = admin.auth.get_access(admin)
        self.assertEqual({'admin', 'manager', 'member', 'reader'},
                         set(access.role_names))
        catalog = access.service_catalog
        for interface in ('public', 'internal'):
            self.assertEqual(
                [self.keystone_url + '/v3'],
                list(catalog.get_urls(service_type='identity',
                                      interface=interface)))
        system = ks.session(self.keystone_url, ks.ADMIN_USER, system=True)
        access = system.auth.get_access(system)
        self.assertTrue(access.system_scoped)
        self.assertIsNone(access.project_id)
        unscoped = ks.session(self.keystone_url, 'owner-member')
        access = unscoped.auth.get_access(unscoped)
        self.assertFalse(access.scoped)
        self.assertEqual([], access.role_names)
        observer = ks.session(self.keystone_url, 'owner-observer',
                              ks.OWNER_PROJECT)
        self.assertEqual([ks.OBSERVER_ROLE],
                         observer.auth.get_access(observer).role_names)

    # -- the story ----------------------------------------------------------

    def story(self, region):
        """What each step answers on ``region``, as a list of tuples."""
        seen = []
        image_id = self.image(region, deactivated=False)
        path = '/v2/images/%s' % image_id
        resp = self.call(region, 'POST', path + '/actions/deactivate',
                         self.auth('reader'))
        seen.append(('reader deactivates', resp.status_code))
        resp = self.call(region, 'POST', path + '/actions/deactivate',
                         self.auth('admin'))
        seen.append(('admin deactivates', resp.status_code))
        for who in ('member', 'reader'):
            resp = self.call(region, 'GET', path, self.auth(who))
            seen.append(('%s shows' % who, resp.json()['status']))
            resp = self.call(region, 'GET', path + '/file', self.auth(who))
            self.assertNoData(resp)
            seen.append(('%s downloads' % who, resp.status_code,
                         fixtures.MSG_DOWNLOAD in resp.text))
        resp = self.call(region, 'GET', '/v2/images?status=deactivated',
                         self.auth('member'))
        seen.append(('member lists deactivated', image_id in [
            image['id'] for image in resp.json()['images']]))
        resp = self.call(region, 'GET', path + '/file', self.auth('admin'))
        seen.append(('admin downloads', resp.status_code,
                     hashlib.sha256(resp.content).hexdigest() ==
                     hashlib.sha256(fixtures.DATA).hexdigest()))
        resp = self.call(region, 'POST', path + '/actions/reactivate',
                         self.auth('reader'))
        seen.append(('reader reactivates', resp.status_code,
                     self.status(region, image_id)))
        resp = self.call(region, 'POST', path + '/actions/reactivate',
                         self.auth('admin'))
        seen.append(('admin reactivates', resp.status_code,
                     self.status(region, image_id)))
        resp = self.call(region, 'GET', path + '/file', self.auth('member'))
        seen.append(('member downloads again', resp.status_code,
                     resp.content == fixtures.DATA))
        return image_id, seen

    def test_story_with_real_tokens(self):
        expected = [
            ('reader deactivates', 403),
            ('admin deactivates', 204),
            ('member shows', 'deactivated'),
            ('member downloads', 403, True),
            ('reader shows', 'deactivated'),
            ('reader downloads', 403, True),
            ('member lists deactivated', True),
            ('admin downloads', 200, True),
            ('reader reactivates', 403, 'deactivated'),
            ('admin reactivates', 204, 'active'),
            ('member downloads again', 200, True),
        ]
        for region in REGIONS:
            image_id, seen = self.story(region)
            self.assertEqual(expected, seen, region)
        # The filter recorded who deactivated, as Keystone named them.
        admin = ks.admin_session(self.keystone_url)
        access = admin.auth.get_access(admin)
        image_id = self.image('filter')
        record = self.store.get(image_id)
        self.assertEqual((access.user_id, access.project_id, True),
                         (record.user_id, record.project_id,
                          record.by_admin))

    def test_member_deactivates_its_own_image(self):
        for region in REGIONS:
            image_id = self.image(region, deactivated=False)
            resp = self.call(region, 'POST',
                             '/v2/images/%s/actions/deactivate' % image_id,
                             self.auth('member'))
            self.assertEqual(204, resp.status_code, resp.text)
            self.assertEqual('deactivated', self.status(region, image_id))
            if region == 'filter':
                record = self.store.get(image_id)
        member = ks.session(self.keystone_url, 'owner-member',
                            ks.OWNER_PROJECT)
        access = member.auth.get_access(member)
        self.assertEqual((access.user_id, access.project_id, False),
                         (record.user_id, record.project_id,
                          record.by_admin))

    # -- tokens that must not see the image ----------------------------

    def test_strangers_get_no_data_and_glances_answers(self):
        answers = {}
        for region in REGIONS:
            deactivated = self.image(region)
            active = self.image(region, deactivated=False)
            for who in STRANGERS:
                headers = self.auth(who)
                row = []
                for method, path in (
                        ('GET', '/v2/images/%s' % deactivated),
                        ('GET', '/v2/images/%s/file' % deactivated),
                        ('POST', '/v2/images/%s/actions/reactivate'
                         % deactivated),
                        ('POST', '/v2/images/%s/actions/deactivate'
                         % active)):
                    resp = self.call(region, method, path, headers)
                    self.assertNoData(resp)
                    row.append(resp.status_code)
                    if resp.status_code == 403:
                        row.append(fixtures.MSG_DOWNLOAD in resp.text)
                resp = self.call(region, 'GET', '/v2/images?limit=1000',
                                 headers)
                row.append(resp.status_code)
                if resp.status_code == 200:
                    ids = [i['id'] for i in resp.json()['images']]
                    row.append(deactivated in ids or active in ids)
                answers[region, who] = row
            self.assertEqual('deactivated', self.status(region, deactivated))
            self.assertEqual('active', self.status(region, active))
        for who in STRANGERS:
            # Glance 33 lists for another project's member (an empty
            # page); it refuses the listing (403) to a token without a
            # role its get_images rule names, or without a project.
            listing = [200, False] if who == 'other' else [403]
            expected = [404, 404, 404, 404] + listing
            if who == 'observer':
                # Scoped to the owning project with a role Glance's
                # policies do not name: Glance 33's download looks the
                # image up in its database (which shows it to the
                # project), refuses it as deactivated, and only then asks
                # its download policy (ImageDataController.download), so
                # the data answer is its deactivation 403 while show is
                # 404; the filter answers the same (issue 12.6).
                expected[1:2] = [403, True]
            self.assertEqual(answers['native', who], answers['filter', who],
                             who)
            self.assertEqual(expected, answers['filter', who], who)

    # -- forged headers and missing tokens --------------------------------

    def test_no_token_or_invalid_token_is_401(self):
        for region in REGIONS:
            image_id = self.image(region)
            for headers in ({}, FORGED, {'X-Auth-Token': 'not-a-token'},
                            dict(FORGED, **{'X-Auth-Token': 'not-a-token'})):
                for method, path in (
                        ('GET', '/v2/images/%s/file' % image_id),
                        ('GET', '/v2/images/%s' % image_id),
                        ('POST',
                         '/v2/images/%s/actions/reactivate' % image_id)):
                    resp = self.call(region, method, path, headers)
                    self.assertEqual(401, resp.status_code, '%s %s %s' % (
                        region, method, sorted(headers)))
                    self.assertNoData(resp)
            self.assertEqual('deactivated', self.status(region, image_id))

    def test_forged_headers_with_real_tokens_change_nothing(self):
        for region in REGIONS:
            image_id = self.image(region)
            for who in sorted(CALLERS):
                if who == 'admin':
                    continue
                for method, path in (
                        ('GET', '/v2/images/%s/file' % image_id),
                        ('GET', '/v2/images/%s' % image_id)):
                    honest = self.call(region, method, path, self.auth(who))
                    forged = self.call(region, method, path,
                                       dict(FORGED, **self.auth(who)))
                    what = '%s %s %s' % (region, who, path)
                    self.assertEqual(honest.status_code, forged.status_code,
                                     what)
                    self.assertNoData(forged)
                    if path.endswith('/file'):
                        self.assertIn(forged.status_code, (403, 404), what)
                if who == 'member':
                    # The owner's member may reactivate by policy; what it
                    # gets does not depend on the forgery (checked above
                    # for reads).
                    continue
                forged = self.call(
                    region, 'POST',
                    '/v2/images/%s/actions/reactivate' % image_id,
                    dict(FORGED, **self.auth(who)))
                self.assertIn(forged.status_code, (403, 404), who)
                self.assertEqual('deactivated',
                                 self.status(region, image_id))
