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

"""A store with its own deactivate, and callers its policy does not name."""

import webob
import webob.dec
import webob.exc

from glance_deactivate import guards
from tests.unit import fakes


class NativeStore(object):
    """The fake image app, plus Glance's own actions and role-less callers.

    ``native_allowed`` is what Glance's own reactivate rule says.  A caller
    whose only role is ``observer`` gets Glance's bare policy 404 for an
    image its database shows it (the owner's project, or public).
    """

    def __init__(self, app):
        self.app = app
        self.native_allowed = True
        # A store that answers 204 and changes nothing.
        self.lies = False
        self.actions = []

    @webob.dec.wsgify
    def __call__(self, req):
        parts = req.path_info.strip('/').split('/')
        context = req.context
        image = self.app.images.get(parts[2]) if len(parts) > 2 else None
        if (image is not None and context is not None and
                context.roles == ['observer'] and len(parts) in (3, 4) and
                (image['visibility'] == 'public' or
                 image['owner'] == context.project_id)):
            return webob.exc.HTTPNotFound()
        if image is not None and parts[3:4] == ['actions']:
            self.actions.append(parts[4])
            if not self.native_allowed:
                return webob.exc.HTTPForbidden(
                    explanation='You are not authorized to complete '
                    '%s action.' % parts[4])
            if not self.lies:
                image['status'] = ('active' if parts[4] == 'reactivate'
                                   else 'deactivated')
            return webob.Response(status=204)
        return req.get_response(self.app)


class NativeTestCase(fakes.FilterTestCase):

    def setUp(self):
        super(NativeTestCase, self).setUp()
        self.store = NativeStore(self.app)
        self.filter = self.build()

    def build(self, **settings):
        if not hasattr(self, 'store'):
            return super(NativeTestCase, self).build(**settings)
        app, self.app = self.app, self.store
        try:
            return super(NativeTestCase, self).build(**settings)
        finally:
            self.app = app


class TestStoreDeactivated(NativeTestCase):

    def test_reactivate_goes_to_the_store(self):
        image_id = self.app.add(fakes.new_id(), status='deactivated')
        resp = self.action(image_id, 'reactivate', **fakes.ADMIN)
        self.assertEqual(204, resp.status_int)
        self.assertEqual(['reactivate'], self.store.actions)
        self.assertEqual('active', self.app.images[image_id]['status'])

    def test_the_stores_refusal_is_the_answer(self):
        self.store.native_allowed = False
        image_id = self.app.add(fakes.new_id(), status='deactivated')
        resp = self.action(image_id, 'reactivate', **fakes.ADMIN)
        self.assertEqual(403, resp.status_int)
        self.assertIn('not authorized to complete reactivate', resp.text)
        self.assertEqual('deactivated', self.app.images[image_id]['status'])

    def test_our_record_on_top_is_lifted_after_the_stores(self):
        image_id = self.deactivated()
        self.app.images[image_id]['status'] = 'deactivated'
        resp = self.action(image_id, 'reactivate', **fakes.ADMIN)
        self.assertEqual(204, resp.status_int)
        self.assertIsNone(self.filter.store.get(image_id))
        self.assertEqual('active', self.app.images[image_id]['status'])

    def test_our_policy_first(self):
        image_id = self.app.add(fakes.new_id(), status='deactivated')
        resp = self.action(image_id, 'reactivate', **fakes.OTHER)
        self.assertEqual(404, resp.status_int)
        resp = self.action(image_id, 'reactivate', project='p1',
                           roles=('reader',))
        self.assertEqual(403, resp.status_int)
        self.assertEqual([], self.store.actions)

    def test_the_hold_is_decided_before_the_store_is_asked(self):
        # Red team: the owner may not lift an admin's hold; the store's own
        # deactivation must not be lifted on the way to that 403.
        image_id = self.deactivated()
        self.app.images[image_id]['status'] = 'deactivated'
        resp = self.action(image_id, 'reactivate')
        self.assertEqual(403, resp.status_int)
        self.assertIn('deactivated by an operator and is held', resp.text)
        self.assertEqual([], self.store.actions)
        self.assertEqual('deactivated', self.app.images[image_id]['status'])
        self.assertTrue(self.filter.store.get(image_id).held)
        events = self.filter.store.history(image_id=image_id)
        self.assertEqual(('reactivate', 'refused', True),
                         (events[0].action, events[0].outcome,
                          events[0].held))

    def test_a_204_that_changed_nothing_is_not_a_success(self):
        image_id = self.app.add(fakes.new_id(), status='deactivated')
        self.store.lies = True
        resp = self.action(image_id, 'reactivate', **fakes.ADMIN)
        self.assertEqual(409, resp.status_int)
        self.assertIn("the image is 'deactivated'", resp.text)

    def test_deactivate_of_a_store_deactivated_image_changes_nothing(self):
        image_id = self.app.add(fakes.new_id(), status='deactivated')
        resp = self.action(image_id, 'deactivate', **fakes.ADMIN)
        self.assertEqual(204, resp.status_int)
        self.assertEqual([], self.store.actions)
        self.assertIsNone(self.filter.store.get(image_id))


class TestPolicyHidden(NativeTestCase):
    """Glance's bare 404 for a caller its policy does not name."""

    OBSERVER = dict(project='p1', roles=('observer',))

    def download(self, image_id, **caller):
        return self.call('/v2/images/%s/file' % image_id, **caller)

    def test_deactivated_image_is_glances_403(self):
        image_id = self.deactivated(owner='p1')
        resp = self.download(image_id, **self.OBSERVER)
        self.assertEqual(403, resp.status_int)
        self.assertIn(guards.MSG_DOWNLOAD, resp.text)
        public = self.deactivated(owner='p9', visibility='public')
        resp = self.download(public, project='p3', roles=('observer',))
        self.assertEqual(403, resp.status_int)

    def test_active_image_keeps_the_bare_404(self):
        image_id = self.app.add(fakes.new_id(), owner='p1')
        resp = self.download(image_id, **self.OBSERVER)
        self.assertEqual(404, resp.status_int)
        self.assertEqual(webob.Request.blank('/').get_response(
            webob.exc.HTTPNotFound()).body, resp.body)

    def test_database_404_stays_404_with_no_query(self):
        # Another project's private image: the database's own 404.
        image_id = self.deactivated(owner='p2')
        self.filter.store = fakes.CountingStore(self.filter.store)
        queries = self.filter.store.calls
        resp = self.download(image_id, project='p1', roles=('observer',))
        self.assertEqual(404, resp.status_int)
        self.assertIn('No image found with ID', resp.text)
        self.assertEqual([], queries)

    def test_another_body_is_not_the_bare_404(self):
        image_id = self.deactivated(owner='p1')
        for accept in ('application/json', 'text/plain', 'text/html'):
            resp = self.download(image_id, headers={'Accept': accept},
                                 **self.OBSERVER)
            self.assertEqual(403, resp.status_int, accept)
        long_body = webob.exc.HTTPNotFound(detail='x' * 5000)
        self.assertIsNone(guards._small_body(
            webob.Request.blank('/').get_response(long_body)))
