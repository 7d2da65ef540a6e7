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

"""The filter built by its factory around a small fake image app."""

import json
import os
import time

import fixtures
import testtools

from glance_deactivate import guards
from glance_deactivate import upstream
from tests.unit import fakes

ADMIN = fakes.ADMIN
OTHER = fakes.OTHER
new_id = fakes.new_id
FilterTestCase = fakes.FilterTestCase


class TestPassThrough(FilterTestCase):

    def test_unrelated_request_reaches_app_untouched(self):
        resp = self.call('/versions')
        self.assertEqual(200, resp.status_int)
        self.assertEqual([('GET', '/versions', '')], self.app.seen)

    def test_unrouted_v2_request_reaches_app(self):
        image_id = self.deactivated()
        for path in ('/v2/images/%s/members' % image_id,
                     '/v2/images/%s/tags/x' % image_id, '/v2/tasks', '/v2'):
            resp = self.call(path, method='PUT')
            self.assertIn(('PUT', path, ''), self.app.seen)
            self.assertIn(resp.status_int, (200, 204), path)

    def test_download_of_active_image_is_streamed(self):
        image_id = self.app.add(new_id(), data=b'0123456789')
        resp = self.call('/v2/images/%s/file' % image_id)
        self.assertEqual(200, resp.status_int)
        body = self.app.bodies[-1]
        self.assertIs(body, resp.app_iter)
        self.assertEqual(0, body.read)
        self.assertEqual(b'0123456789', resp.body)

    def test_show_of_active_image_passes_bytes_unchanged(self):
        image_id = self.app.add(new_id())
        resp = self.call('/v2/images/%s' % image_id)
        self.assertEqual('active', resp.json['status'])
        self.assertIn('direct_url', resp.json)


class TestActions(FilterTestCase):

    def test_deactivate_and_reactivate(self):
        image_id = self.app.add(new_id())
        resp = self.action(image_id)
        self.assertEqual(204, resp.status_int)
        self.assertEqual('deactivated',
                         self.call('/v2/images/%s' % image_id).json['status'])
        record = self.filter.store.get(image_id)
        self.assertEqual('u-p1', record.user_id)
        self.assertEqual('p1', record.project_id)
        self.assertFalse(record.by_admin)
        self.assertEqual(204, self.action(image_id, 'reactivate').status_int)
        self.assertEqual('active',
                         self.call('/v2/images/%s' % image_id).json['status'])
        self.assertIsNone(self.filter.store.get(image_id))

    def test_repeated_actions_are_no_ops(self):
        image_id = self.app.add(new_id())
        self.assertEqual(204, self.action(image_id, 'reactivate').status_int)
        self.assertIsNone(self.filter.store.get(image_id))
        self.assertEqual(204, self.action(image_id).status_int)
        self.assertEqual(204, self.action(image_id).status_int)
        self.assertEqual(1, self.filter.store.count())

    def test_wrong_status(self):
        image_id = self.app.add(new_id(), status='queued')
        resp = self.action(image_id)
        self.assertEqual(403, resp.status_int)
        self.assertIn("Not allowed to deactivate image in status 'queued'",
                      resp.text)
        resp = self.action(image_id, 'reactivate')
        self.assertEqual(403, resp.status_int)
        self.assertIn("Not allowed to reactivate image in status 'queued'",
                      resp.text)
        self.assertEqual(0, self.filter.store.count())

    def test_invisible_image_is_404_not_403(self):
        image_id = self.app.add(new_id(), owner='p1')
        for action in ('deactivate', 'reactivate'):
            resp = self.action(image_id, action, **OTHER)
            self.assertEqual(404, resp.status_int)
            self.assertIn('No image found with ID %s' % image_id, resp.text)
        missing = new_id()
        resp = self.action(missing, **OTHER)
        self.assertEqual(404, resp.status_int)
        self.assertIn('No image found with ID %s' % missing, resp.text)

    def test_policy_denial_is_403(self):
        image_id = self.app.add(new_id(), owner='p1', visibility='public')
        resp = self.action(image_id, **OTHER)
        self.assertEqual(403, resp.status_int)
        self.assertIn('You are not authorized to complete deactivate action.',
                      resp.text)
        resp = self.action(image_id, roles=('reader',))
        self.assertEqual(403, resp.status_int)
        self.assertEqual(0, self.filter.store.count())

    def test_admin_of_another_project_may_deactivate(self):
        image_id = self.app.add(new_id(), owner='p1')
        resp = self.action(image_id, **ADMIN)
        self.assertEqual(204, resp.status_int)
        self.assertTrue(self.filter.store.get(image_id).by_admin)

    def test_body_is_rejected_before_anything_else(self):
        for body in (b'{}', b'{"x": 1}', b'garbage'):
            resp = self.action(new_id(), body=body)
            self.assertEqual(400, resp.status_int)
            self.assertIn('A body is not expected with this request.',
                          resp.text)
        self.assertEqual([], self.app.seen)

    def test_json_content_type_without_body_is_fine(self):
        image_id = self.app.add(new_id())
        resp = self.action(image_id,
                           headers={'Content-Type': 'application/json'})
        self.assertEqual(204, resp.status_int)

    def test_other_methods_get_405(self):
        image_id = self.app.add(new_id())
        for method in ('GET', 'PUT', 'DELETE', 'PATCH', 'HEAD'):
            resp = self.call('/v2/images/%s/actions/deactivate' % image_id,
                             method=method)
            self.assertEqual(405, resp.status_int, method)
            self.assertEqual('POST', resp.headers['Allow'])
        self.assertEqual([], self.app.seen)

    def test_anonymous_caller_is_refused_and_logged_once(self):
        log = self.useFixture(fixtures.FakeLogger())
        image_id = self.app.add(new_id(), visibility='public')
        resp = self.action(image_id, anonymous=True)
        self.assertEqual(403, resp.status_int)
        self.assertEqual(0, self.filter.store.count())
        self.call('/v2/images/%s' % image_id, anonymous=True)
        self.assertEqual(1, log.output.count('without an authenticated '
                                             'context'))

    def test_unrecordable_id_is_a_400(self):
        image_id = self.app.add('x' * 80)
        resp = self.action(image_id)
        self.assertEqual(400, resp.status_int)
        self.assertIn('cannot be deactivated here', resp.text)
        self.assertEqual('active', self.call('/v2/images/%s' % image_id)
                         .json['status'])


class TestDeactivatedImage(FilterTestCase):

    def test_member_download_refused_with_glance_message(self):
        image_id = self.deactivated()
        for path in ('/v2/images/%s/file', '/v2/images/%s/file/',
                     '//v2//images/%s//file', '/v2/images/%s/file?x=1'):
            resp = self.call(path % image_id,
                             headers={'Range': 'bytes=0-1'})
            self.assertEqual(403, resp.status_int, path)
            self.assertIn(guards.MSG_DOWNLOAD, resp.text)
        resp = self.call('/v2/images/%s/file' % image_id.upper())
        self.assertEqual(404, resp.status_int)
        # Decided on the store's answer, before a byte of it was read.
        self.assertTrue(self.app.bodies)
        for body in self.app.bodies:
            self.assertEqual((0, True), (body.read, body.closed))

    def test_method_override_is_refused_on_our_routes(self):
        image_id = self.deactivated()
        for path, method, headers in (
                ('/v2/images/%s/file?_method=GET', 'POST', {}),
                ('/v2/images/%s/file?_method=', 'POST', {}),
                ('/v2/images/%s/file?%%5Fmethod=get', 'POST', {}),
                ('/v2/images/%s?_method=GET', 'POST', {}),
                ('/v2/images/%s/actions/deactivate?_method=GET', 'POST', {}),
                ('/v2/images/%s/file', 'POST',
                 {'Content-Type': 'application/x-www-form-urlencoded'})):
            body = None if 'actions' in path else b'_method=GET'
            resp = self.call(path % image_id, method=method, headers=headers,
                             body=body)
            self.assertEqual(400, resp.status_int, path)
            self.assertIn('Method override (_method) is not supported.',
                          resp.text)
        # An action with a body gets Glance's own answer for the body first.
        resp = self.call('/v2/images/%s/actions/deactivate' % image_id,
                         method='POST', body=b'_method=GET', headers={
                             'Content-Type':
                             'application/x-www-form-urlencoded'})
        self.assertEqual(400, resp.status_int)
        self.assertIn('A body is not expected', resp.text)
        # A form content type without a body overrides nothing (an admin
        # deactivated it: an admin lifts the hold).
        resp = self.call('/v2/images/%s/actions/reactivate' % image_id,
                         method='POST', headers={
                             'Content-Type':
                             'application/x-www-form-urlencoded'}, **ADMIN)
        self.assertEqual(204, resp.status_int)
        self.assertEqual([], self.app.bodies)
        resp = self.call('/v2/tasks?_method=GET', method='POST')
        self.assertIn(('POST', '/v2/tasks', '_method=GET'), self.app.seen)
        resp = self.call('/v2/images?name=my_method&x_method=1')
        self.assertEqual(200, resp.status_int)

    def test_invisible_image_gets_the_stores_answer_for_the_request(self):
        image_id = self.deactivated(owner='p1')
        resp = self.call('/v2/images/%s/file' % image_id, **OTHER)
        self.assertEqual([('GET', '/v2/images/%s/file' % image_id, '')],
                         self.app.seen[-1:])
        self.assertEqual(404, resp.status_int)
        self.assertIn('No image found with ID', resp.text)
        # Were the store to serve the data to a caller it does not show the
        # metadata to, the record could not be confirmed: it blocks all
        # the same (over-matching), and nothing is read.
        self.app.images[image_id]['visibility'] = 'public'
        self.app.metadata_hidden = True
        resp = self.call('/v2/images/%s/file' % image_id, **OTHER)
        self.assertEqual(403, resp.status_int)
        self.assertIn(guards.MSG_DOWNLOAD, resp.text)
        self.assertEqual(0, self.app.bodies[-1].read)
        self.assertTrue(self.app.bodies[-1].closed)

    def test_admin_download_streams_exact_bytes(self):
        image_id = self.deactivated(data=b'secret-bytes')
        resp = self.call('/v2/images/%s/file' % image_id, **ADMIN)
        self.assertEqual(200, resp.status_int)
        self.assertIs(self.app.bodies[-1], resp.app_iter)
        self.assertEqual(b'secret-bytes', resp.body)

    def test_invisible_deactivated_image_download_is_404(self):
        image_id = self.deactivated(owner='p1')
        resp = self.call('/v2/images/%s/file' % image_id, **OTHER)
        self.assertEqual(404, resp.status_int)
        self.assertIn('No image found with ID %s' % image_id, resp.text)

    def test_writes_and_copies_are_refused(self):
        image_id = self.deactivated()
        copy = b'{"method": {"name": "copy-image"}, "stores": ["file"]}'
        cases = [('PUT', '/file', 409, guards.MSG_UPLOAD, b'xx'),
                 ('PUT', '/stage', 409, guards.MSG_STAGE, b'xx'),
                 ('POST', '/import', 409, guards.MSG_COPY, copy),
                 ('POST', '/locations', 409, guards.MSG_ADD_LOCATION,
                  b'{"url": "file:///etc/passwd"}')]
        for method, suffix, status, message, body in cases:
            resp = self.call('/v2/images/%s%s' % (image_id, suffix),
                             method=method, body=body)
            self.assertEqual(status, resp.status_int, suffix)
            self.assertIn(message, resp.text)
        resp = self.call('/v2/cache/%s' % image_id, method='PUT', **ADMIN)
        self.assertEqual(400, resp.status_int)
        self.assertIn(guards.MSG_CACHE, resp.text)
        # Glance 33: an empty list for a deactivated image's locations.
        resp = self.call('/v2/images/%s/locations' % image_id)
        self.assertEqual(200, resp.status_int)
        self.assertEqual([], resp.json)

    def test_imports_get_glances_message_per_method(self):
        image_id = self.deactivated()
        path = '/v2/images/%s/import' % image_id
        cases = [
            (b'{"method": {"name": "web-download", "uri": "x"}}',
             "Image needs to be in 'queued' state to use 'web-download'"),
            (b'{"method": {"name": "glance-direct"}}',
             'Image needs to be staged'),
            (b'{"method": {"name": "copy-image"}}', guards.MSG_COPY),
            (b'{"method": {"name": "some-new-method"}}', guards.MSG_COPY),
            (b'{"method": {"name": ["copy-image"]}}', guards.MSG_COPY),
            (b'{"method": {"name": "web-download"}, "pad": "%s"}'
             % (b'x' * 70000), guards.MSG_COPY)]
        for body, message in cases:
            resp = self.call(path, method='POST', body=body)
            self.assertEqual(409, resp.status_int, body[:60])
            self.assertIn(message, resp.text)
        self.assertNotIn('POST', [m for m, _p, _q in self.app.seen])
        # Bodies Glance's deserializer rejects (400) before it looks at the
        # image are the image service's to answer: no method, a method it
        # has not enabled, a non-boolean all_stores.
        self.app.import_methods = ['glance-direct', 'copy-image']
        for body in (b'{"method": {"name": "some-new-method"}}',
                     b'{"method": {"name": "web-download", "uri": "x"}}',
                     b'{"method": {"name": "copy-image"}, "all_stores": 1}',
                     b'{"method": {"name": "copy-image"}, '
                     b'"all_stores_must_succeed": "no"}'):
            seen = len(self.app.seen)
            self.call(path, method='POST', body=body)
            self.assertIn(('POST', path, ''), self.app.seen[seen:], body)
        resp = self.call(path, method='POST',
                         body=b'{"method": {"name": "copy-image"}}')
        self.assertEqual(409, resp.status_int)
        for body in (b'not json', b'{}'):
            resp = self.call(path, method='POST', body=body)
            self.assertIn(('POST', path, ''), self.app.seen)

    def test_show_and_patch_overlay_status_and_hide_locations(self):
        image_id = self.deactivated()
        for method in ('GET', 'PATCH'):
            resp = self.call('/v2/images/%s' % image_id, method=method)
            self.assertEqual('deactivated', resp.json['status'])
            self.assertEqual([], resp.json['locations'])
            self.assertNotIn('direct_url', resp.json)
            self.assertEqual(len(resp.body), resp.content_length)
        resp = self.call('/v2/images/%s' % image_id, **ADMIN)
        self.assertEqual('deactivated', resp.json['status'])
        self.assertEqual(1, len(resp.json['locations']))
        self.assertIn('direct_url', resp.json)

    def test_store_status_other_than_active_wins(self):
        image_id = self.deactivated()
        self.app.images[image_id]['status'] = 'pending_delete'
        resp = self.call('/v2/images/%s' % image_id)
        self.assertEqual('pending_delete', resp.json['status'])

    def test_delete_clears_the_record(self):
        image_id = self.deactivated()
        resp = self.call('/v2/images/%s' % image_id, method='DELETE')
        self.assertEqual(204, resp.status_int)
        self.assertIsNone(self.filter.store.get(image_id))

    def test_create_clears_a_stale_record(self):
        image_id = new_id()
        self.filter.store.add(image_id)
        resp = self.call('/v2/images', method='POST',
                         body=json.dumps({'id': image_id}).encode())
        self.assertEqual(201, resp.status_int)
        self.assertIsNone(self.filter.store.get(image_id))

    def test_policy_file_edit_applies_without_restart(self):
        image_id = self.deactivated()
        path = '/v2/images/%s/file' % image_id
        self.assertEqual(403, self.call(path).status_int)
        time.sleep(0.01)
        with open(self.policy_file, 'w') as f:
            f.write('"image_deactivation:download_deactivated": '
                    '"project_id:%(project_id)s"\n')
        os.utime(self.policy_file, (time.time() + 5, time.time() + 5))
        self.assertEqual(200, self.call(path).status_int)


class TestListing(FilterTestCase):

    def setUp(self):
        super(TestListing, self).setUp()
        ids = sorted(new_id() for _ in range(10))
        for image_id in ids:
            self.app.add(image_id)
        self.deactivated_ids = ids[1::3]
        for image_id in self.deactivated_ids:
            self.assertEqual(204, self.action(image_id).status_int)
        self.ids = ids

    def list_all(self, query):
        images, url = [], '/v2/images?' + query
        for _ in range(20):
            resp = self.call(url)
            self.assertEqual(200, resp.status_int)
            images.extend(resp.json['images'])
            url = resp.json.get('next')
            if not url:
                return images
        self.fail('paging never ended')

    def test_plain_listing_shows_deactivated_status(self):
        images = self.list_all('limit=4')
        self.assertEqual(self.ids, [i['id'] for i in images])
        status = {i['id']: i['status'] for i in images}
        for image_id in self.ids:
            expected = ('deactivated' if image_id in self.deactivated_ids
                        else 'active')
            self.assertEqual(expected, status[image_id])

    def test_status_deactivated(self):
        images = self.list_all('status=deactivated')
        self.assertEqual(self.deactivated_ids, [i['id'] for i in images])
        self.assertEqual({'deactivated'}, {i['status'] for i in images})
        self.assertEqual({0}, {len(i['locations']) for i in images})

    def test_status_deactivated_paged(self):
        resp = self.call('/v2/images?status=deactivated&limit=2')
        self.assertEqual(self.deactivated_ids[:2],
                         [i['id'] for i in resp.json['images']])
        self.assertIn('status=deactivated', resp.json['next'])
        self.assertNotIn('id=in', resp.json['next'])
        self.assertEqual('/v2/images?status=deactivated&limit=2',
                         resp.json['first'])
        images = self.list_all('status=deactivated&limit=2')
        self.assertEqual(self.deactivated_ids, [i['id'] for i in images])

    def test_status_active_excludes_deactivated_and_fills_pages(self):
        resp = self.call('/v2/images?status=active&limit=3')
        self.assertEqual(3, len(resp.json['images']))
        images = self.list_all('status=active&limit=3')
        active = [i for i in self.ids if i not in self.deactivated_ids]
        self.assertEqual(active, [i['id'] for i in images])
        self.assertEqual({'active'}, {i['status'] for i in images})

    def test_store_page_cap_bounds_our_pages(self):
        self.app.api_limit_max = 3
        resp = self.call('/v2/images?status=active&limit=100')
        self.assertEqual(3, len(resp.json['images']))
        self.assertIn('limit=100', resp.json['next'])
        images = self.list_all('status=active&limit=100')
        self.assertEqual(len(self.ids) - len(self.deactivated_ids),
                         len(images))

    def test_status_in_both(self):
        images = self.list_all('status=in:active,deactivated&limit=4')
        self.assertEqual(self.ids, [i['id'] for i in images])

    def test_no_deactivated_images_lists_nothing(self):
        for image_id in self.deactivated_ids:
            self.action(image_id, 'reactivate')
        self.assertEqual([], self.list_all('status=deactivated'))


class TestSchema(FilterTestCase):

    def test_older_store_schema_gets_deactivated(self):
        resp = self.call('/v2/schemas/image')
        self.assertIn('deactivated',
                      resp.json['properties']['status']['enum'])
        resp = self.call('/v2/schemas/images')
        enum = resp.json['properties']['images']['items']['properties'][
            'status']['enum']
        self.assertIn('deactivated', enum)

    def test_schema_that_has_it_is_unchanged_and_then_passed_through(self):
        self.app.schema_statuses.append('deactivated')
        resp = self.call('/v2/schemas/image')
        self.assertEqual(
            1, resp.json['properties']['status']['enum'].count('deactivated'))
        self.assertEqual({'image'}, self.filter._schemas_ok)
        resp = self.call('/v2/schemas/image')
        self.assertEqual(200, resp.status_int)
        self.assertEqual(set(), {'images'} & self.filter._schemas_ok)


class TestFaults(FilterTestCase):

    def closed_db(self, **settings):
        return self.build(
            connection='postgresql+psycopg2://nobody@127.0.0.1:1/none',
            max_retries=0, **settings)

    def test_fail_closed(self):
        image_id = self.app.add(new_id())
        flt = self.closed_db()
        for path, method in (('/v2/images/%s/file', 'GET'),
                             ('/v2/images/%s', 'GET'),
                             ('/v2/images?status=active', 'GET')):
            resp = fakes.request(path.replace('%s', image_id),
                                 method=method).get_response(flt)
            self.assertEqual(503, resp.status_int, path)
            self.assertIn('database is unavailable', resp.text)
        for body in self.app.bodies:
            self.assertEqual((0, True), (body.read, body.closed))
        resp = fakes.request('/versions').get_response(flt)
        self.assertEqual(200, resp.status_int)

    def test_fail_open(self):
        image_id = self.app.add(new_id())
        flt = self.closed_db(fail_open='true')
        resp = fakes.request('/v2/images/%s/file' % image_id).get_response(
            flt)
        self.assertEqual(200, resp.status_int)
        resp = fakes.request('/v2/images/%s/actions/deactivate' % image_id,
                             method='POST').get_response(flt)
        self.assertEqual(503, resp.status_int)

    def test_bad_stanza_value_fails_at_start(self):
        self.assertRaises(ValueError, self.build, fail_open='maybe')


class TestUpstream(testtools.TestCase):

    def test_sub_environ_is_a_clean_body_less_copy(self):
        req = fakes.request('/v2/images/x/file?q=1', method='PUT',
                            body=b'payload',
                            headers={'Range': 'bytes=0-1',
                                     'If-Match': '"x"',
                                     'Content-Type': 'text/plain'})
        req.POST  # webob caches parsed views of the caller's request
        env = upstream.sub_environ(req.environ, 'GET', '/v2/images/x')
        self.assertEqual('GET', env['REQUEST_METHOD'])
        self.assertEqual('', env['QUERY_STRING'])
        self.assertEqual('0', env['CONTENT_LENGTH'])
        self.assertEqual(b'', env['wsgi.input'].read())
        for key in ('HTTP_RANGE', 'HTTP_IF_MATCH', 'CONTENT_TYPE'):
            self.assertNotIn(key, env)
        self.assertEqual([], [k for k in env if k.startswith('webob.') and
                              k != 'webob.adhoc_attrs'])
        self.assertIs(req.context, env['webob.adhoc_attrs']['context'])
        self.assertIsNot(req.environ['webob.adhoc_attrs'],
                         env['webob.adhoc_attrs'])
        self.assertEqual('PUT', req.environ['REQUEST_METHOD'])
