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

"""Functional tests run the real Glance API (glance==33.0.0) under gunicorn.

Each test class starts one server (``SERVER_KWARGS`` go to
``devserver.GlanceServer``) in ``setUpClass`` and stops it in
``tearDownClass``.  In ``filter`` mode Glance's own ``deactivate`` and
``reactivate`` rules are ``"!"``, so every successful action comes from
glance-deactivate.

Callers are identified with the headers Glance's ``context`` middleware
trusts in these pipelines; the roles follow Glance 33's secure-RBAC
defaults.
"""

import uuid

import requests
import testtools

from tests.functional import devserver

ADMIN = devserver.identity_headers('admin-project',
                                   roles=('admin', 'member', 'reader'))
OWNER = devserver.identity_headers('owner-project')
OWNER_READER = devserver.identity_headers('owner-project', roles=('reader',))
OTHER = devserver.identity_headers('other-project')
SHARED = devserver.identity_headers('shared-project')

DATA = b''.join(b'%08d' % i for i in range(4096))  # 32 KiB, recognisable
MSG_DOWNLOAD = ('The requested image has been deactivated. '
                'Image data download is forbidden.')


class GlanceTestCase(testtools.TestCase):
    """One real Glance API for the whole class."""

    SERVER_KWARGS = {'mode': 'filter'}

    @classmethod
    def setUpClass(cls):
        super(GlanceTestCase, cls).setUpClass()
        cls.server = devserver.GlanceServer(**cls.SERVER_KWARGS)
        cls.server.start()
        cls.url = cls.server.url
        cls.http = requests.Session()

    @classmethod
    def tearDownClass(cls):
        cls.http.close()
        cls.server.stop()
        super(GlanceTestCase, cls).tearDownClass()

    def request(self, method, path, headers, url=None, **kwargs):
        return self.http.request(method, (url or self.url) + path,
                                 headers=headers, timeout=60, **kwargs)

    def get(self, path, headers=OWNER, **kwargs):
        return self.request('GET', path, headers, **kwargs)

    def create_image(self, headers=OWNER, visibility='private', data=DATA,
                     url=None, **props):
        body = {'name': 'test-%s' % uuid.uuid4().hex[:8],
                'disk_format': 'raw', 'container_format': 'bare',
                'visibility': visibility}
        body.update(props)
        resp = self.request('POST', '/v2/images', headers, url=url,
                            json=body)
        self.assertEqual(201, resp.status_code, resp.text)
        image_id = resp.json()['id']
        if data is not None:
            resp = self.request(
                'PUT', '/v2/images/%s/file' % image_id,
                dict(headers, **{'Content-Type': 'application/octet-stream'}),
                url=url, data=data)
            self.assertEqual(204, resp.status_code, resp.text)
        return image_id

    def action(self, image_id, action='deactivate', headers=OWNER, url=None,
               **kwargs):
        return self.request(
            'POST', '/v2/images/%s/actions/%s' % (image_id, action),
            headers, url=url, **kwargs)

    def deactivate(self, image_id, headers=ADMIN, url=None):
        resp = self.action(image_id, headers=headers, url=url)
        self.assertEqual(204, resp.status_code, resp.text)

    def status_of(self, image_id, headers=ADMIN, url=None):
        resp = self.request('GET', '/v2/images/%s' % image_id, headers,
                            url=url)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()['status']

    def share(self, image_id, member_project, owner=OWNER):
        resp = self.request('POST', '/v2/images/%s/members' % image_id,
                            owner, json={'member': member_project})
        self.assertEqual(200, resp.status_code, resp.text)
        member = devserver.identity_headers(member_project)
        resp = self.request(
            'PUT', '/v2/images/%s/members/%s' % (image_id, member_project),
            member, json={'status': 'accepted'})
        self.assertEqual(200, resp.status_code, resp.text)
