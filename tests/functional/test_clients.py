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
"""

import io

from glanceclient import exc as glance_exc
from testtools import content

from glance_deactivate import demo
from tests.functional import base


class TestGlanceClient(base.GlanceTestCase):

    def test_demo_walkthrough(self):
        out = io.StringIO()
        walk = demo.Walkthrough(self.url, out=out)
        walk.run()
        self.addDetail('walkthrough', content.text_content(out.getvalue()))
        self.assertEqual(0, walk.failures, out.getvalue())
        self.assertEqual(9, out.getvalue().count('[ok ]'))

    def test_download_paths_get_glances_errors(self):
        member = demo.client(self.url, base.OWNER)
        admin = demo.client(self.url, base.ADMIN)
        image_id = self.create_image()
        admin.images.deactivate(image_id)
        image = member.images.get(image_id)
        self.assertEqual('deactivated', image.status)
        e = self.assertRaises(glance_exc.HTTPForbidden,
                              lambda: b''.join(member.images.data(image_id)))
        self.assertIn(base.MSG_DOWNLOAD, str(e))
        other = demo.client(self.url, base.OTHER)
        self.assertRaises(glance_exc.HTTPNotFound, other.images.deactivate,
                          image_id)
        self.assertRaises(glance_exc.HTTPConflict,
                          member.images.upload, image_id, io.BytesIO(b'x'))
        admin.images.reactivate(image_id)
        self.assertEqual(base.DATA, b''.join(member.images.data(image_id)))
