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

from oslo_context import context as oslo_context
import testtools
import webob

from glance_deactivate import context

FORGED = {'X-Roles': 'admin', 'X-Project-Id': 'p1', 'X-User-Id': 'u1'}


class TestContext(testtools.TestCase):

    def test_host_context_wins_over_headers(self):
        req = webob.Request.blank('/', headers=dict(
            FORGED, **{'X-Identity-Status': 'Confirmed'}))
        req.context = oslo_context.RequestContext(project_id='p2',
                                                  roles=['member'])
        ctx = context.from_environ(req.environ)
        self.assertEqual('p2', ctx.project_id)
        self.assertEqual(['member'], ctx.roles)

    def test_confirmed_headers_are_used_without_host_context(self):
        req = webob.Request.blank('/', headers=dict(
            FORGED, **{'X-Identity-Status': 'Confirmed'}))
        ctx = context.from_environ(req.environ)
        self.assertEqual('p1', ctx.project_id)
        self.assertEqual(['admin'], ctx.roles)

    def test_headers_not_vouched_for_are_ignored(self):
        for status in (None, 'Invalid', 'confirmed '):
            headers = dict(FORGED)
            if status:
                headers['X-Identity-Status'] = status
            req = webob.Request.blank('/', headers=headers)
            self.assertIsNone(context.from_environ(req.environ))

    def test_describe(self):
        self.assertEqual((None, None, False), context.describe(None))
        ctx = oslo_context.RequestContext(user_id='u', project_id='p',
                                          is_admin=True)
        self.assertEqual(('u', 'p', True), context.describe(ctx))

    def test_roles(self):
        self.assertEqual([], context.roles(None))
        ctx = oslo_context.RequestContext(roles=['member', 'reader'])
        self.assertEqual(['member', 'reader'], context.roles(ctx))


class TestRequestId(testtools.TestCase):

    def test_the_host_contexts_id(self):
        req = webob.Request.blank('/', headers={
            'X-OpenStack-Request-ID': 'req-from-client'})
        req.environ['openstack.request_id'] = 'req-from-middleware'
        req.context = oslo_context.RequestContext(request_id='req-host')
        self.assertEqual('req-host', context.request_id(req.environ))

    def test_the_request_id_middlewares_id_without_host_context(self):
        req = webob.Request.blank('/', headers=dict(
            FORGED, **{'X-Identity-Status': 'Confirmed',
                       'X-OpenStack-Request-ID': 'req-from-client'}))
        self.assertIsNone(context.request_id(req.environ))
        req.environ['openstack.request_id'] = 'req-from-middleware'
        self.assertEqual('req-from-middleware',
                         context.request_id(req.environ))

    def test_long_ids_are_cut(self):
        req = webob.Request.blank('/')
        req.context = oslo_context.RequestContext(request_id='r' * 200)
        self.assertEqual('r' * context.MAX_REQUEST_ID_LENGTH,
                         context.request_id(req.environ))
        req.context = oslo_context.RequestContext(request_id=b'req-b')
        self.assertEqual('req-b', context.request_id(req.environ))
