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

"""Red-team regressions, each beside native Glance 33 (a ``Pair``).

Every test here reproduces one finding of the red-team pass of the
incident-record work (the reason body, the read API, the hold, the native
forwarding and the policy-hidden 404) and proves its fix against real
Glance 33 APIs: the filter stack must never tell a caller more, nor let
it do more, than native Glance does.
"""

import uuid

from tests.functional import fixtures

OWNER = fixtures.OWNER
OTHER = fixtures.OTHER


class PolicyHiddenTrailingSlashTest(fixtures.PairTestCase):
    """A trailing slash on ``/file`` must not reveal a deactivated image.

    Glance's router does not route ``/v2/images/{id}/file/``: it answers a
    bare ``HTTPNotFound()``, for every id.  The filter matches the path
    with the slash dropped (so that no other image service serves data
    around it), and once read a bare 404 as "Glance's policy hid an image
    its database shows the caller", turning it into the deactivation's 403
    for any deactivated id: a caller who cannot see another project's
    private image learnt that it exists and is deactivated.
    """

    PREFIX = 'gd-redteam-slash-'

    def _answers(self, stack, path, headers):
        resp = self.pair.call(stack, 'GET', path, headers)
        return resp.status_code, resp.content

    def test_invisible_deactivated_like_missing(self):
        image_id = self.pair.create_both(
            data=fixtures.DATA, deactivated=True)
        missing = str(uuid.uuid4())
        for path in ('/v2/images/%s/file/', '/v2/images/%s/file//',
                     '/v2/images/%s//file/'):
            for stack in fixtures.STACKS:
                hidden = self._answers(stack, path % image_id, OTHER)
                absent = self._answers(stack, path % missing, OTHER)
                self.assertEqual(absent, hidden, '%s %s' % (stack, path))
                self.assertEqual(404, hidden[0], '%s %s' % (stack, path))
