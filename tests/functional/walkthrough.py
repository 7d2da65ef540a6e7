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

"""The deactivation walk-through: a member and an admin, with glanceclient.

Shared by the demo (``tools/demo.py``, ``tox -e demo``) and the client
functional tests (``test_clients``): against a Glance API with the filter,

1. a project member creates an image and uploads data;
2. an administrator deactivates it;
3. the member sees ``status: deactivated`` and is refused the download;
4. the administrator downloads the exact bytes;
5. the administrator reactivates it and the member downloads it again.
"""

import hashlib
import io
import os
import sys

from glanceclient import client as glance_client
from glanceclient import exc as glance_exc

from tests.functional import devserver

MEMBER = devserver.identity_headers('demo-project', user_id='alice')
ADMIN = devserver.identity_headers('admin-project', user_id='root',
                                   roles=('admin', 'member', 'reader'))
DATA = os.urandom(1024 * 1024)


def client(url, headers):
    """A python-glanceclient v2 client acting with ``headers``' identity.

    Glance trusts these headers in the demo pipeline (its ``context`` filter
    without ``authtoken``).  They are set on the client's HTTP session:
    glanceclient's own ``identity_headers`` would percent-encode the comma
    in ``X-Roles``.
    """
    glance = glance_client.Client('2', endpoint=url, token='demo')
    glance.http_client.session.headers.update(headers)
    return glance


class Walkthrough(object):

    def __init__(self, url, out=sys.stdout, member=None, admin=None):
        """Walk through on ``url`` with the ``member`` and ``admin`` clients.

        They are python-glanceclient clients; by default ones acting with
        :data:`MEMBER`'s and :data:`ADMIN`'s identity headers.
        """
        self.url = url
        self.out = out
        self.failures = 0
        self.member = member or client(url, MEMBER)
        self.admin = admin or client(url, ADMIN)

    def step(self, title, outcome, ok):
        mark = 'ok ' if ok else 'FAIL'
        self.out.write('[%s] %-52s %s\n' % (mark, title, outcome))
        self.out.flush()
        if not ok:
            self.failures += 1

    def download(self, glance, image_id):
        try:
            body = b''.join(glance.images.data(image_id))
        except glance_exc.HTTPForbidden as e:
            # glanceclient's details already start with the status line
            # ("403 Forbidden: ...") when the body is webob's.
            details = ' '.join(str(e.details).split())
            if not details.startswith('403'):
                details = '403 ' + details
            return None, 'refused: %s' % details
        return body, '200, %d bytes, sha256 %s' % (
            len(body), hashlib.sha256(body).hexdigest()[:16])

    def run(self):
        image = self.member.images.create(
            name='demo-image', disk_format='raw', container_format='bare')
        self.step('member creates an image', 'id %s, status %s'
                  % (image.id, image.status), image.status == 'queued')
        self.member.images.upload(image.id, io.BytesIO(DATA))
        status = self.member.images.get(image.id).status
        self.step('member uploads 1 MiB', 'status %s' % status,
                  status == 'active')

        self.admin.images.deactivate(image.id)
        self.step('admin deactivates it',
                  'POST /v2/images/%s/actions/deactivate -> 204' % image.id,
                  True)
        status = self.member.images.get(image.id).status
        self.step('member shows it', 'status %s' % status,
                  status == 'deactivated')
        body, outcome = self.download(self.member, image.id)
        self.step('member downloads it', outcome, body is None)
        body, outcome = self.download(self.admin, image.id)
        self.step('admin downloads it', outcome, body == DATA)
        listed = [i.id for i in self.member.images.list(
            filters={'status': 'deactivated'})]
        self.step('member lists ?status=deactivated', '%d image(s)'
                  % len(listed), image.id in listed)

        self.admin.images.reactivate(image.id)
        status = self.member.images.get(image.id).status
        self.step('admin reactivates it', 'status %s' % status,
                  status == 'active')
        body, outcome = self.download(self.member, image.id)
        self.step('member downloads it again', outcome, body == DATA)
        return image.id
