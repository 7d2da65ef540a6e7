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

"""The core behaviour, in front of the real Glance 33 API.

Glance's own ``deactivate``/``reactivate`` rules are ``"!"`` in these
servers, so every 204 below is the filter's.
"""

import json
import os
import time
import uuid

from glance_deactivate import store as state_store
from tests.functional import devserver
from tests.functional import fixtures

PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'


class TestActions(fixtures.GlanceTestCase):

    def test_native_actions_are_disabled_in_this_pipeline(self):
        with open(os.path.join(self.server.workdir, 'policy.yaml')) as f:
            policy = f.read()
        self.assertIn('"deactivate": "!"', policy)
        self.assertIn('"reactivate": "!"', policy)

    def test_owner_member_deactivates_and_reactivates(self):
        image_id = self.create_image()
        self.assertEqual(204, self.action(image_id).status_code)
        self.assertEqual('deactivated',
                         self.status_of(image_id, fixtures.OWNER))
        self.assertEqual(204, self.action(image_id, 'reactivate').status_code)
        self.assertEqual('active', self.status_of(image_id, fixtures.OWNER))

    def test_admin_deactivates_another_projects_image(self):
        image_id = self.create_image()
        resp = self.action(image_id, headers=fixtures.ADMIN)
        self.assertEqual(204, resp.status_code)
        self.assertEqual('deactivated',
                         self.status_of(image_id, fixtures.OWNER))
        record = state_store.DeactivationStore.from_url(
            self.server.state_db).get(image_id)
        self.assertTrue(record.by_admin)
        self.assertEqual('admin-project', record.project_id)

    def test_repeated_actions_are_no_ops(self):
        image_id = self.create_image()
        self.assertEqual(204, self.action(image_id, 'reactivate').status_code)
        self.assertEqual('active', self.status_of(image_id))
        self.deactivate(image_id)
        self.deactivate(image_id)
        self.assertEqual('deactivated', self.status_of(image_id))

    def test_only_from_the_right_status(self):
        image_id = self.create_image(data=None)
        for action in ('deactivate', 'reactivate'):
            resp = self.action(image_id, action)
            self.assertEqual(403, resp.status_code)
            self.assertIn("Not allowed to %s image in status &#x27;queued"
                          "&#x27;" % action, resp.text)

    def test_invisible_image_is_404(self):
        image_id = self.create_image()
        missing = str(uuid.uuid4())
        for action in ('deactivate', 'reactivate'):
            resp = self.action(image_id, action, headers=fixtures.OTHER)
            self.assertEqual(404, resp.status_code)
            self.assertIn('No image found with ID %s' % image_id, resp.text)
            resp = self.action(missing, action, headers=fixtures.OTHER)
            self.assertEqual(404, resp.status_code)
            self.assertIn('No image found with ID %s' % missing, resp.text)

    def test_policy_denials_are_403(self):
        public = self.create_image(headers=fixtures.ADMIN, visibility='public',
                                   owner='owner-project')
        shared = self.create_image(visibility='shared')
        self.share(shared, 'shared-project')
        member = devserver.identity_headers('shared-project')
        cases = [(public, fixtures.OTHER), (shared, member),
                 (public, fixtures.OWNER_READER)]
        for image_id, headers in cases:
            resp = self.action(image_id, headers=headers)
            self.assertEqual(403, resp.status_code)
            self.assertIn('You are not authorized to complete deactivate '
                          'action.', resp.text)
            self.assertEqual('active', self.status_of(image_id))

    def test_body_is_rejected_first(self):
        image_id = self.create_image()
        for body in ('{}', '{"a": 1}'):
            for target in (image_id, str(uuid.uuid4())):
                resp = self.action(target, data=body, headers=dict(
                    fixtures.OWNER, **{'Content-Type': 'application/json'}))
                self.assertEqual(400, resp.status_code)
                self.assertIn('A body is not expected with this request.',
                              resp.text)
        self.assertEqual('active', self.status_of(image_id))
        resp = self.action(image_id, headers=dict(
            fixtures.OWNER, **{'Content-Type': 'application/json'}))
        self.assertEqual(204, resp.status_code)

    def test_other_methods_are_405(self):
        image_id = self.create_image()
        for method in ('GET', 'PUT', 'DELETE', 'PATCH'):
            resp = self.request(
                method, '/v2/images/%s/actions/reactivate' % image_id,
                fixtures.OWNER)
            self.assertEqual(405, resp.status_code)
            self.assertEqual('POST', resp.headers['Allow'])


class TestDeactivatedImage(fixtures.GlanceTestCase):

    def setUp(self):
        super(TestDeactivatedImage, self).setUp()
        self.image_id = self.create_image()
        self.deactivate(self.image_id, headers=fixtures.OWNER)

    def test_member_download_is_403(self):
        for headers in ({}, {'Range': 'bytes=0-7'}):
            for query in ('', '?x=1', '?backend=file'):
                resp = self.get('/v2/images/%s/file%s' % (self.image_id,
                                                          query),
                                dict(fixtures.OWNER, **headers))
                self.assertEqual(403, resp.status_code)
                self.assertIn(fixtures.MSG_DOWNLOAD, resp.text)
                self.assertNotIn(fixtures.DATA[:64], resp.content)

    def test_other_projects_get_403_on_public_and_404_on_private(self):
        public = self.create_image(headers=fixtures.ADMIN, visibility='public',
                                   owner='owner-project')
        self.deactivate(public)
        resp = self.get('/v2/images/%s/file' % public, fixtures.OTHER)
        self.assertEqual(403, resp.status_code)
        self.assertIn(fixtures.MSG_DOWNLOAD, resp.text)
        resp = self.get('/v2/images/%s/file' % self.image_id, fixtures.OTHER)
        self.assertEqual(404, resp.status_code)

    def test_shared_member_gets_403(self):
        shared = self.create_image(visibility='shared')
        self.share(shared, 'shared-project')
        member = devserver.identity_headers('shared-project')
        self.assertEqual(200, self.get('/v2/images/%s/file' % shared,
                                       member).status_code)
        self.deactivate(shared)
        resp = self.get('/v2/images/%s/file' % shared, member)
        self.assertEqual(403, resp.status_code)

    def test_admin_gets_exact_bytes(self):
        resp = self.get('/v2/images/%s/file' % self.image_id, fixtures.ADMIN)
        self.assertEqual(200, resp.status_code)
        self.assertEqual(fixtures.DATA, resp.content)
        resp = self.get('/v2/images/%s/file' % self.image_id,
                        dict(fixtures.ADMIN, Range='bytes=8-15'))
        self.assertEqual(206, resp.status_code)
        self.assertEqual(fixtures.DATA[8:16], resp.content)

    def test_reactivated_image_downloads_again(self):
        self.assertEqual(204, self.action(self.image_id, 'reactivate')
                         .status_code)
        resp = self.get('/v2/images/%s/file' % self.image_id)
        self.assertEqual(200, resp.status_code)
        self.assertEqual(fixtures.DATA, resp.content)

    def test_show_patch_and_list_say_deactivated(self):
        resp = self.get('/v2/images/%s' % self.image_id)
        self.assertEqual('deactivated', resp.json()['status'])
        self.assertNotIn('direct_url', resp.json())
        resp = self.get('/v2/images/%s' % self.image_id, fixtures.ADMIN)
        self.assertIn('direct_url', resp.json())
        resp = self.request(
            'PATCH', '/v2/images/%s' % self.image_id,
            dict(fixtures.OWNER, **{'Content-Type': PATCH_TYPE}),
            data=json.dumps([{'op': 'replace', 'path': '/name',
                              'value': 'renamed'}]))
        self.assertEqual(200, resp.status_code)
        self.assertEqual('deactivated', resp.json()['status'])
        self.assertEqual('renamed', resp.json()['name'])
        listed = {i['id']: i for i in self.get('/v2/images').json()['images']}
        self.assertEqual('deactivated', listed[self.image_id]['status'])
        self.assertNotIn('direct_url', listed[self.image_id])

    def test_writes_stage_import_and_cache_are_refused(self):
        octets = dict(fixtures.OWNER,
                      **{'Content-Type': 'application/octet-stream'})
        resp = self.request('PUT', '/v2/images/%s/file' % self.image_id,
                            octets, data=b'new data')
        self.assertEqual(409, resp.status_code)
        self.assertIn('Image status transition from deactivated to saving',
                      resp.text)
        resp = self.request('PUT', '/v2/images/%s/stage' % self.image_id,
                            octets, data=b'new data')
        self.assertEqual(409, resp.status_code)
        resp = self.request('POST', '/v2/images/%s/import' % self.image_id,
                            fixtures.ADMIN,
                            json={'method': {'name': 'copy-image'},
                                  'stores': ['file']})
        self.assertEqual(409, resp.status_code)
        self.assertIn('Only images with status active can be targeted for '
                      'copying', resp.text)
        # Glance 33's messages for a deactivated image, method by method.
        resp = self.request('POST', '/v2/images/%s/import' % self.image_id,
                            fixtures.OWNER,
                            json={'method': {'name': 'web-download',
                                             'uri': 'http://127.0.0.1:9/x'}})
        self.assertEqual(409, resp.status_code)
        self.assertIn('Image needs to be in &#x27;queued&#x27; state to use '
                      '&#x27;web-download&#x27; method', resp.text)
        resp = self.request('POST', '/v2/images/%s/import' % self.image_id,
                            fixtures.OWNER,
                            json={'method': {'name': 'glance-direct'}})
        self.assertEqual(409, resp.status_code)
        self.assertIn('Image needs to be staged before', resp.text)
        resp = self.request('POST', '/v2/images/%s/locations'
                            % self.image_id, fixtures.OWNER,
                            json={'url': 'file:///etc/passwd'})
        self.assertEqual(409, resp.status_code)
        resp = self.request('PUT', '/v2/cache/%s' % self.image_id,
                            fixtures.ADMIN)
        self.assertEqual(400, resp.status_code)
        resp = self.get('/v2/images/%s/file' % self.image_id, fixtures.ADMIN)
        self.assertEqual(fixtures.DATA, resp.content)

    def test_delete_passes_and_clears_the_record(self):
        state = state_store.DeactivationStore.from_url(self.server.state_db)
        self.assertIsNotNone(state.get(self.image_id))
        resp = self.request('DELETE', '/v2/images/%s' % self.image_id,
                            fixtures.OWNER)
        self.assertEqual(204, resp.status_code)
        self.assertIsNone(state.get(self.image_id))
        self.assertEqual(404, self.get('/v2/images/%s' % self.image_id)
                         .status_code)

    def test_schema_lists_deactivated_once(self):
        for path, enum_of in (
                ('/v2/schemas/image', lambda s: s['properties']['status']),
                ('/v2/schemas/images', lambda s: s['properties']['images'][
                    'items']['properties']['status'])):
            enum = enum_of(self.get(path).json())['enum']
            self.assertEqual(1, enum.count('deactivated'))

    def test_policy_edit_applies_without_restart(self):
        path = '/v2/images/%s/file' % self.image_id
        self.assertEqual(403, self.get(path).status_code)
        self.server.write_policy(
            '"image_deactivation:download_deactivated": '
            '"rule:image_deactivation:admin or project_id:%(project_id)s"\n')
        later = time.time() + 2
        os.utime(os.path.join(self.server.workdir, 'policy.yaml'),
                 (later, later))
        try:
            resp = self.get(path)
            self.assertEqual(200, resp.status_code)
            self.assertEqual(fixtures.DATA, resp.content)
            self.assertEqual(404, self.get(path, fixtures.OTHER).status_code)
        finally:
            self.server.write_policy('')
            later += 2
            os.utime(os.path.join(self.server.workdir, 'policy.yaml'),
                     (later, later))
        self.assertEqual(403, self.get(path).status_code)


class TestListing(fixtures.GlanceTestCase):

    @classmethod
    def prepare(cls):
        super(TestListing, cls).prepare()
        helper = cls('test_status_deactivated')
        cls.ids = sorted(helper.create_image(data=b'x', name='listing')
                         for _ in range(9))
        cls.deactivated = cls.ids[::3]
        for image_id in cls.deactivated:
            helper.deactivate(image_id)

    def pages(self, query, headers=fixtures.OWNER):
        images, path = [], '/v2/images?' + query
        for _ in range(30):
            resp = self.get(path, headers)
            self.assertEqual(200, resp.status_code, resp.text)
            images.extend(resp.json()['images'])
            path = resp.json().get('next')
            if not path:
                return images
        self.fail('paging did not end')

    def ids_of(self, images):
        return [i['id'] for i in images if i['id'] in self.ids]

    def test_status_deactivated(self):
        images = self.pages('status=deactivated&sort_key=id&sort_dir=asc')
        self.assertEqual(self.deactivated, self.ids_of(images))
        self.assertEqual({'deactivated'}, {i['status'] for i in images})

    def test_status_deactivated_pages_with_limit_and_other_filters(self):
        resp = self.get('/v2/images?status=deactivated&limit=2&sort_key=id'
                        '&sort_dir=asc&name=listing')
        body = resp.json()
        self.assertEqual(self.deactivated[:2],
                         [i['id'] for i in body['images']])
        self.assertIn('status=deactivated', body['next'])
        self.assertNotIn('id=in', body['next'])
        images = self.pages('status=deactivated&limit=2&sort_key=id'
                            '&sort_dir=asc&name=listing')
        self.assertEqual(self.deactivated, [i['id'] for i in images])

    def test_status_active_excludes_deactivated(self):
        images = self.pages('status=active&limit=2&sort_key=id&sort_dir=asc'
                            '&name=listing')
        expected = [i for i in self.ids if i not in self.deactivated]
        self.assertEqual(expected, [i['id'] for i in images])
        self.assertEqual({'active'}, {i['status'] for i in images})
        resp = self.get('/v2/images?status=active&limit=2&name=listing')
        self.assertEqual(2, len(resp.json()['images']))

    def test_every_page_shows_the_status(self):
        images = self.pages('limit=2&sort_key=id&sort_dir=desc'
                            '&name=listing')
        self.assertEqual(list(reversed(self.ids)), self.ids_of(images))
        for image in images:
            expected = ('deactivated' if image['id'] in self.deactivated
                        else 'active')
            self.assertEqual(expected, image['status'])

    def test_other_projects_see_none_of_them(self):
        self.assertEqual([], self.ids_of(self.pages('status=deactivated',
                                                    fixtures.OTHER)))

    def test_bad_filters_get_the_stores_400(self):
        resp = self.get('/v2/images?status=deactivated&limit=-1')
        self.assertEqual(400, resp.status_code)
        resp = self.get('/v2/images?status=deactivated&sort_key=nonsense')
        self.assertEqual(400, resp.status_code)


class TestLocations(fixtures.GlanceTestCase):

    SERVER_KWARGS = {'mode': 'filter', 'show_multiple_locations': True}

    def test_locations_hidden_from_members_not_admins(self):
        image_id = self.create_image()
        self.assertNotEqual([], self.get('/v2/images/%s' % image_id)
                            .json()['locations'])
        self.deactivate(image_id)
        member_view = self.get('/v2/images/%s' % image_id).json()
        self.assertEqual([], member_view['locations'])
        self.assertNotIn('direct_url', member_view)
        admin_view = self.get('/v2/images/%s' % image_id,
                              fixtures.ADMIN).json()
        self.assertNotEqual([], admin_view['locations'])
        listed = [i for i in self.get('/v2/images').json()['images']
                  if i['id'] == image_id]
        self.assertEqual([], listed[0]['locations'])


class TestNoAuthPipeline(fixtures.GlanceTestCase):
    """Glance's unauthenticated pipeline: the filter sees the host's context.

    Glance 33 itself refuses to create images in this pipeline (its
    ``context_is_admin`` needs the admin role, which the unauthenticated
    context lacks), so only what can be reached is checked here; the policy
    side (an ``is_admin`` context without roles passes the admin rule) is
    covered by tests.unit.test_policies.
    """

    SERVER_KWARGS = {'mode': 'filter', 'noauth': True}

    def test_filter_runs_in_the_noauth_pipeline(self):
        with open(os.path.join(self.server.workdir,
                               'glance-api-paste.ini')) as f:
            self.assertIn('unauthenticated-context deactivate rootapp',
                          f.read())
        missing = str(uuid.uuid4())
        resp = self.action(missing, headers={})
        self.assertEqual(404, resp.status_code)
        self.assertIn('No image found with ID %s' % missing, resp.text)
