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

"""Unchanged clients against Glance with the filter.

python-glanceclient is what Nova and Cinder download images with; it also
validates every image it reads against ``/v2/schemas/image``, so a
``deactivated`` status missing from the schema would fail here.
openstacksdk is driven against the filter and against Glance's native
deactivate side by side: it must see the same thing from both.
"""

import io

from glanceclient import exc as glance_exc
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
import openstack.connection
from testtools import content

from tests.functional import fixtures
from tests.functional import walkthrough as demo


class TestGlanceClient(fixtures.GlanceTestCase):

    def test_demo_walkthrough(self):
        out = io.StringIO()
        walk = demo.Walkthrough(self.url, out=out)
        walk.run()
        self.addDetail('walkthrough', content.text_content(out.getvalue()))
        self.assertEqual(0, walk.failures, out.getvalue())
        self.assertEqual(9, out.getvalue().count('[ok ]'))

    def test_download_paths_get_glances_errors(self):
        member = demo.client(self.url, fixtures.OWNER)
        admin = demo.client(self.url, fixtures.ADMIN)
        image_id = self.create_image()
        admin.images.deactivate(image_id)
        image = member.images.get(image_id)
        self.assertEqual('deactivated', image.status)
        e = self.assertRaises(glance_exc.HTTPForbidden,
                              lambda: b''.join(member.images.data(image_id)))
        self.assertIn(fixtures.MSG_DOWNLOAD, str(e))
        other = demo.client(self.url, fixtures.OTHER)
        self.assertRaises(glance_exc.HTTPNotFound, other.images.deactivate,
                          image_id)
        self.assertRaises(glance_exc.HTTPConflict,
                          member.images.upload, image_id, io.BytesIO(b'x'))
        admin.images.reactivate(image_id)
        self.assertEqual(fixtures.DATA, b''.join(member.images.data(image_id)))


def sdk(url, headers):
    """An openstacksdk connection acting with ``headers``' identity."""
    session = ks_session.Session(auth=noauth.NoAuth(),
                                 additional_headers=headers)
    return openstack.connection.Connection(
        session=session, image_endpoint_override=url,
        image_api_version='2')


class TestOpenStackSDK(fixtures.GlanceTestCase):

    @classmethod
    def make_servers(cls, directory):
        servers = super(TestOpenStackSDK, cls).make_servers(directory)
        servers['native'] = directory.server('native')
        return servers

    @classmethod
    def prepare(cls):
        super(TestOpenStackSDK, cls).prepare()
        cls.native = cls.servers['native']

    def walk(self, url):
        """What openstacksdk sees of deactivation on the server at url."""
        member = sdk(url, fixtures.OWNER)
        admin = sdk(url, fixtures.ADMIN)
        image = member.image.create_image(
            name='sdk', disk_format='raw', container_format='bare',
            data=fixtures.DATA, allow_duplicates=True)
        seen = [member.image.get_image(image.id).status]
        admin.image.deactivate_image(image.id)
        seen.append(member.image.get_image(image.id).status)
        try:
            body = member.image.download_image(image.id).content
        except Exception as e:
            seen.append(type(e).__name__)
            self.assertNotIn(fixtures.DATA[:64], str(e).encode())
        else:
            seen.append(body == fixtures.DATA)
        seen.append(admin.image.download_image(image.id).content ==
                    fixtures.DATA)
        admin.image.reactivate_image(image.id)
        seen.append(member.image.get_image(image.id).status)
        seen.append(member.image.download_image(image.id).content ==
                    fixtures.DATA)
        return seen

    def test_same_as_native_glance(self):
        ours = self.walk(self.url)
        native = self.walk(self.native.url)
        self.addDetail('sdk', content.text_content(
            'filter: %s\nnative: %s' % (ours, native)))
        self.assertEqual(native, ours)
        self.assertEqual('deactivated', ours[1])
        self.assertNotEqual(True, ours[2])
        self.assertEqual([True, 'active', True], ours[3:])
