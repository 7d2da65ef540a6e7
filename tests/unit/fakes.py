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

"""A small Glance-like image app for unit tests, and a request helper.

``FakeImageApp`` answers the few v2 calls the filter reads (show, list with
``status``/``id=in:``/``os_hash_value``/``checksum``/``os_hidden``/
``limit``/``marker``, create, delete, file, schema)
with the visibility rule of Glance (public, or owned by the caller, or
admin) and the same 404 message.  Its schema lacks ``deactivated``, like an
image service older than Kilo.  It records every request it sees and hands
out file bodies through ``RecordingIter`` to prove streaming.
"""

import hashlib
import json
import os
from urllib import parse
import uuid

import fixtures
from oslo_context import context as oslo_context
import testtools
import webob
import webob.exc

from glance_deactivate import middleware

SCHEMA_STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted',
                   'pending_delete']


class CountingStore(object):
    """A state store that counts the calls made through it."""

    def __init__(self, store):
        self.store = store
        self.calls = []

    def __getattr__(self, name):
        target = getattr(self.store, name)
        if not callable(target):
            return target

        def counted(*args, **kwargs):
            self.calls.append(name)
            return target(*args, **kwargs)
        return counted


class RecordingIter(object):
    """A body iterator that records how far it was read and its close()."""

    def __init__(self, chunks):
        self.chunks = list(chunks)
        self.read = 0
        self.closed = False

    def __iter__(self):
        for chunk in self.chunks:
            self.read += 1
            yield chunk

    def close(self):
        self.closed = True


class FakeImageApp(object):

    def __init__(self):
        self.images = {}
        self.seen = []
        self.bodies = []
        self.schema_statuses = list(SCHEMA_STATUSES)
        # A store that hides image metadata from non-admins but would
        # still serve their data: the filter must not rely on its
        # consistency.
        self.metadata_hidden = False
        self.api_limit_max = 1000
        # A store that answers a DELETE with 204 but keeps the image (as
        # Glance does for a DELETE its router ran as another method).
        self.delete_keeps_image = False
        # A response every listing gets instead of the real one (None:
        # list as usual), and the page size of the store's own listing.
        self.list_answer = None
        # The methods GET /v2/info/import lists (None: no such API).
        self.import_methods = None

    def add(self, image_id, owner='p1', visibility='private',
            status='active', data=b'DATA', **fields):
        """An image; ``fields`` adds others (``os_hash_value``, ...)."""
        self.images[image_id] = dict(fields, **{
            'id': image_id, 'owner': owner, 'visibility': visibility,
            'status': status, 'name': 'img-%s' % image_id[:8],
            'locations': [{'url': 'file:///images/%s' % image_id,
                           'metadata': {}}],
            'direct_url': 'file:///images/%s' % image_id,
            '_data': data,
        })
        return image_id

    @staticmethod
    def _public(image):
        return {k: v for k, v in image.items() if not k.startswith('_')}

    def _visible(self, context, image):
        if context is None:
            return image['visibility'] == 'public'
        return (context.is_admin or image['visibility'] == 'public' or
                image['owner'] == context.project_id)

    @webob.dec.wsgify
    def __call__(self, req):
        self.seen.append((req.method, req.path_info, req.query_string))
        context = getattr(req, 'context', None)
        parts = req.path_info.strip('/').split('/')
        if parts[:2] == ['v2', 'schemas']:
            return self._schema(parts[2])
        if parts == ['v2', 'info', 'import'] and self.import_methods:
            return webob.Response(json_body={'import-methods': {
                'type': 'array', 'value': list(self.import_methods)}})
        if parts[:2] != ['v2', 'images']:
            return webob.Response(json_body={'versions': []})
        if len(parts) == 2:
            if req.method == 'POST':
                body = json.loads(req.body or b'{}')
                image_id = self.add(body['id'], owner=context.project_id,
                                    status='queued')
                return webob.Response(
                    status=201, json_body=self._public(self.images[image_id]))
            return self._list(req, context)
        image = self.images.get(parts[2])
        if image is None or not self._visible(context, image):
            return webob.exc.HTTPNotFound(
                explanation='No image found with ID %s' % parts[2])
        if len(parts) == 3:
            if self.metadata_hidden and not context.is_admin:
                return webob.exc.HTTPNotFound(
                    explanation='No image found with ID %s' % parts[2])
            if req.method == 'DELETE':
                if not self.delete_keeps_image:
                    del self.images[parts[2]]
                return webob.Response(status=204)
            if req.method == 'PATCH':
                image['name'] = 'patched'
            return webob.Response(json_body=self._public(image))
        if parts[3:] == ['file'] and req.method == 'GET':
            body = RecordingIter([image['_data'][i:i + 2]
                                  for i in range(0, len(image['_data']), 2)])
            self.bodies.append(body)
            resp = webob.Response(content_type='application/octet-stream')
            resp.app_iter = body
            resp.content_length = len(image['_data'])
            return resp
        return webob.Response(status=204)

    def _schema(self, name):
        status = {'type': 'string', 'enum': list(self.schema_statuses)}
        image = {'name': 'image', 'properties': {'status': status}}
        if name == 'images':
            return webob.Response(json_body={
                'name': 'images',
                'properties': {'images': {'type': 'array', 'items': image}}})
        return webob.Response(json_body=image)

    def _list(self, req, context):
        if self.list_answer is not None:
            return self.list_answer
        params = parse.parse_qsl(req.query_string)
        filters = dict(params)
        images = sorted((i for i in self.images.values()
                         if self._visible(context, i)),
                        key=lambda i: i['id'])
        status = filters.get('status')
        if status:
            wanted = (status[3:].split(',') if status.startswith('in:')
                      else [status])
            images = [i for i in images if i['status'] in wanted]
        # Glance's equality filters on the hashes, and os_hidden (without
        # it Glance leaves hidden images out; the fake lists them).
        for name in ('os_hash_value', 'checksum'):
            if name in filters:
                images = [i for i in images
                          if i.get(name) == filters[name]]
        if 'os_hidden' in filters:
            hidden = filters['os_hidden'] == 'true'
            images = [i for i in images
                      if bool(i.get('os_hidden')) == hidden]
        ids = filters.get('id')
        if ids:
            wanted = ids[3:].split(',') if ids.startswith('in:') else [ids]
            images = [i for i in images if i['id'] in wanted]
        if 'marker' in filters:
            images = [i for i in images if i['id'] > filters['marker']]
        limit = min(int(filters.get('limit', 25)), self.api_limit_max)
        page = images[:limit]
        body = {'images': [self._public(i) for i in page],
                'first': '/v2/images', 'schema': '/v2/schemas/images'}
        if len(images) > limit:
            rest = [(k, v) for k, v in params if k != 'marker']
            body['next'] = '/v2/images?' + parse.urlencode(
                rest + [('marker', page[-1]['id'])])
        return webob.Response(json_body=body)


def hashes(data):
    """The hash fields Glance shows for ``data`` (None: no data yet).

    For ``FakeImageApp.add(..., **hashes(data))``.
    """
    if data is None:
        return {'checksum': None, 'os_hash_algo': None,
                'os_hash_value': None}
    return {'checksum': hashlib.md5(data,
                                    usedforsecurity=False).hexdigest(),
            'os_hash_algo': 'sha512',
            'os_hash_value': hashlib.sha512(data).hexdigest()}


def request(path, method='GET', project='p1', roles=('member', 'reader'),
            is_admin=False, body=None, headers=None, anonymous=False):
    """A webob request carrying a host request context, as Glance's does."""
    req = webob.Request.blank(path, method=method, headers=headers or {})
    if body is not None:
        req.body = body
    if not anonymous:
        req.context = oslo_context.RequestContext(
            user_id='u-' + project, project_id=project, roles=list(roles),
            is_admin=is_admin)
    return req


def app_factory(global_conf, **local_conf):
    """Paste app factory for the fake, for paste.deploy loading tests."""
    return FakeImageApp()


ADMIN = dict(project='admin-project', roles=('admin', 'member', 'reader'),
             is_admin=True)
OTHER = dict(project='p2')


def new_id():
    return str(uuid.uuid4())


class FilterTestCase(testtools.TestCase):

    def setUp(self):
        super(FilterTestCase, self).setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.policy_file = os.path.join(self.tmp, 'policy.yaml')
        with open(self.policy_file, 'w') as f:
            f.write('{}\n')
        self.app = FakeImageApp()
        self.filter = self.build()

    def build(self, **settings):
        conf = {
            'oslo_config_project': 'glance_deactivate_unit_tests',
            'connection': 'sqlite:///%s/state.sqlite' % self.tmp,
            'policy_file': self.policy_file,
        }
        conf.update(settings)
        return middleware.filter_factory({}, **conf)(self.app)

    def call(self, path, **kwargs):
        return request(path, **kwargs).get_response(self.filter)

    def action(self, image_id, action='deactivate', **kwargs):
        return self.call('/v2/images/%s/actions/%s' % (image_id, action),
                         method='POST', **kwargs)

    def deactivated(self, **image):
        image_id = self.app.add(new_id(), **image)
        self.assertEqual(204, self.action(image_id, **ADMIN).status_int)
        return image_id
