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

"""The filter reads requests as Glance does and changes state only on its word.

Unit tests of issue 8's rules around the fake image app (the functional
tests prove the same against the real Glance 33, side by side with its
native deactivation):

* the query string, the body test and the method override are read with
  Glance's own parsers and rules (``glance_deactivate.reading``);
* a method Glance does not route on an image's resource path never reaches
  the image service;
* records change only for the exact id the service reports, and a DELETE
  clears one only when a look-up then answers 404;
* for an image the caller cannot see, the filter does the same work
  (state queries and image service calls, counted) for a deactivated
  image as for an active one and for a missing id, on every guarded route.
"""

import uuid

import testtools

from glance_deactivate import quarantine
from glance_deactivate import reading
from glance_deactivate import routing
from glance_deactivate import store as state_store
from tests.unit import fakes

ADMIN = fakes.ADMIN
OTHER = fakes.OTHER
new_id = fakes.new_id


def environ(query='', method='GET', **extra):
    env = {'QUERY_STRING': query, 'REQUEST_METHOD': method}
    env.update(extra)
    return env


class TestReading(testtools.TestCase):

    def test_query_splits_on_semicolons_as_webob_does(self):
        self.assertEqual(
            [('limit', '50'), ('status', 'active')],
            reading.query_pairs(environ('limit=50;status=active')))
        self.assertEqual([('a', '1'), ('_method', 'get')],
                         reading.query_pairs(environ('a=1;_method=get')))
        self.assertEqual([('a', 'b c'), ('k', '&;')],
                         reading.query_pairs(environ('a=b+c&k=%26%3B')))
        self.assertRaises(reading.BadQuery, reading.query_pairs,
                          environ('x=%ff'))

    def test_first_and_last_values_as_glance_takes_them(self):
        pairs = [('limit', '1'), ('status', 'a'), ('limit', '2'),
                 ('status', 'b')]
        self.assertEqual('1', reading.first(pairs, 'limit'))
        self.assertEqual('b', reading.last(pairs, 'status'))
        self.assertIsNone(reading.first(pairs, 'marker'))

    def test_every_spelling_of_an_override_is_seen(self):
        for query in ('_method=GET', ';_method=GET', 'a=1;_method=get',
                      'a=1&_method=', '%5Fmethod=GET', '_%6Dethod=x',
                      'x=%ff&_method=GET', 'a=b;;_method=PATCH'):
            for method in ('POST', 'DELETE', 'PATCH', 'OPTIONS', 'FOO'):
                self.assertTrue(reading.method_override(
                    environ(query, method)), (query, method))
        for query in ('', 'name=my_method', 'x_method=1', 'a=1;b=2'):
            self.assertFalse(reading.method_override(environ(query, 'POST')),
                             query)

    def test_a_form_post_with_any_body_is_an_override(self):
        for content_type in ('application/x-www-form-urlencoded',
                             'Application/X-WWW-Form-Urlencoded; charset=x',
                             'multipart/form-data; boundary=x'):
            for body in ({'CONTENT_LENGTH': '12'},
                         {'HTTP_TRANSFER_ENCODING': 'chunked'},
                         {'HTTP_TRANSFER_ENCODING': 'CHUNKED'},
                         {'HTTP_TRANSFER_ENCODING': 'Chunked'},
                         {'HTTP_TRANSFER_ENCODING': 'gzip'}):
                self.assertTrue(reading.method_override(environ(
                    method='POST', CONTENT_TYPE=content_type, **body)),
                    (content_type, body))
            self.assertFalse(reading.method_override(environ(
                method='POST', CONTENT_TYPE=content_type,
                CONTENT_LENGTH='0')))
            self.assertFalse(reading.method_override(environ(
                method='PUT', CONTENT_TYPE=content_type,
                CONTENT_LENGTH='12')))

    def test_has_body_is_glances_test(self):
        for encoding in ('chunked', 'CHUNKED', 'Chunked', 'gzip', 'identity'):
            for method in ('POST', 'PUT', 'PATCH', 'post'):
                self.assertTrue(reading.has_body(environ(
                    method=method, HTTP_TRANSFER_ENCODING=encoding)))
            self.assertFalse(reading.has_body(environ(
                method='GET', HTTP_TRANSFER_ENCODING=encoding)))
        self.assertFalse(reading.has_body(environ(
            method='POST', HTTP_TRANSFER_ENCODING='br')))
        self.assertTrue(reading.has_body(environ(CONTENT_LENGTH='1')))
        for length in ('0', '', 'x', '-1'):
            self.assertFalse(reading.has_body(environ(
                method='POST', CONTENT_LENGTH=length)), length)


class TestRouting(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.mapper = routing.build_mapper()

    def route(self, path, method='GET'):
        matched = routing.match(self.mapper, environ(
            method=method, PATH_INFO=path))
        return matched and matched['handler']

    def test_actions_match_exactly_what_glance_routes(self):
        self.assertEqual('action', self.route(
            '/v2/images/x/actions/deactivate', 'POST'))
        self.assertEqual('action', self.route(
            '//v2//images//x//actions//reactivate', 'POST'))
        for path in ('/v2/images/x/actions/deactivate/',
                     '/v2/images/x/actions/deactivate//',
                     '/v2/images/x/actions/Deactivate',
                     '/v2/images/x/actions/deactivatex'):
            self.assertIsNone(self.route(path, 'POST'), path)
            self.assertIsNone(self.route(path, 'GET'), path)

    def test_data_routes_fold_trailing_slashes(self):
        self.assertEqual('download', self.route('/v2/images/x/file/'))
        self.assertEqual('upload', self.route('/v2/images/x/file//', 'PUT'))
        self.assertEqual('show', self.route('/v2/images/x/'))
        # A reject is Glance's own answer for its exact path only.
        self.assertIsNone(self.route('/v2/images/x/file/', 'POST'))

    def test_every_method_has_a_route_on_resource_paths(self):
        for path, allow in (('/v2/images/x/file', 'GET, PUT'),
                            ('/v2/images/x/stage', 'PUT'),
                            ('/v2/images/x/import', 'POST'),
                            ('/v2/images/x/locations', 'POST'),
                            ('/v2/cache/x', 'DELETE, PUT'),
                            ('/v2/images/x', 'GET, PATCH, DELETE'),
                            ('/v2/images/x/actions/deactivate', 'POST')):
            for method in ('HEAD', 'OPTIONS', 'TRACE', 'FOO', 'get'):
                matched = routing.match(self.mapper, environ(
                    method=method, PATH_INFO=path))
                self.assertEqual(('reject', allow),
                                 (matched['handler'], matched['allow']),
                                 (path, method))


class TestEqualWork(fakes.FilterTestCase):
    """Invisible deactivated == invisible active == missing, in work."""

    ROUTES = (
        ('POST', '/v2/images/%s/actions/deactivate', {}, None),
        ('POST', '/v2/images/%s/actions/reactivate', {}, None),
        ('GET', '/v2/images/%s/file', {}, None),
        ('GET', '/v2/images/%s/file', {'Range': 'bytes=0-1'}, None),
        ('HEAD', '/v2/images/%s/file', {}, None),
        ('PUT', '/v2/images/%s/file',
         {'Content-Type': 'application/octet-stream'}, b'data'),
        ('PUT', '/v2/images/%s/stage',
         {'Content-Type': 'application/octet-stream'}, b'data'),
        ('POST', '/v2/images/%s/import',
         {'Content-Type': 'application/json'},
         b'{"method": {"name": "copy-image"}}'),
        ('GET', '/v2/images/%s/locations', {}, None),
        ('POST', '/v2/images/%s/locations',
         {'Content-Type': 'application/json'}, b'{"url": "file:///x"}'),
        ('PUT', '/v2/cache/%s', {}, None),
        ('GET', '/v2/images/%s', {}, None),
        ('PATCH', '/v2/images/%s',
         {'Content-Type': 'application/openstack-images-v2.1-json-patch'},
         b'[]'),
        ('DELETE', '/v2/images/%s', {}, None),
    )

    def work(self, image_id, method, path, headers, body):
        counting = fakes.CountingStore(self.filter.store)
        self.filter.store = counting
        self.filter.actions.store = counting
        seen = len(self.app.seen)
        try:
            resp = self.call(path % image_id, method=method,
                             headers=dict(headers), body=body, **OTHER)
        finally:
            self.filter.store = counting.store
            self.filter.actions.store = counting.store
        calls = [(m, p) for m, p, _q in self.app.seen[seen:]]
        generic = [(m, p.replace(image_id, '<ID>')) for m, p in calls]
        return resp, counting.calls, generic

    def test_same_work_for_every_invisible_id(self):
        deactivated = self.deactivated(owner='p1')
        active = self.app.add(new_id(), owner='p1')
        missing = str(uuid.uuid4())
        for method, path, headers, body in self.ROUTES:
            results = [self.work(image_id, method, path, headers, body)
                       for image_id in (deactivated, active, missing)]
            statuses = {resp.status_int for resp, _s, _a in results}
            self.assertEqual(1, len(statuses), (method, path, statuses))
            self.assertEqual(1, len({tuple(s) for _r, s, _a in results}),
                             (method, path, [s for _r, s, _a in results]))
            self.assertEqual(1, len({tuple(a) for _r, _s, a in results}),
                             (method, path, [a for _r, _s, a in results]))
        # And the deactivated image is still deactivated.
        self.assertIsNotNone(self.filter.store.get(deactivated))


class TestEqualWorkWhileQuarantined(TestEqualWork):
    """The same, while a quarantine holds the images' content."""

    def setUp(self):
        super(TestEqualWorkWhileQuarantined, self).setUp()
        add = self.app.add

        def add_with_hashes(image_id, **fields):
            fields.update(fakes.hashes(fields.get('data', b'DATA')))
            return add(image_id, **fields)
        self.app.add = add_with_hashes
        self.filter.store.create_quarantine(
            quarantine.content_of_image(fakes.hashes(b'DATA')),
            state_store.Actor('op', 'ops', ['admin'], True), 'held')

    def test_the_owner_sees_both_deactivated(self):
        # (So that the equal work above is the work for held images.)
        deactivated = self.deactivated(owner='p1')
        active = self.app.add(new_id(), owner='p1')
        for image_id in (deactivated, active):
            resp = self.call('/v2/images/%s' % image_id)
            self.assertEqual('deactivated', resp.json['status'])


class TestDenyByDefault(fakes.FilterTestCase):

    def test_unrouted_methods_never_reach_a_deactivated_image(self):
        image_id = self.deactivated()
        for method in ('HEAD', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'FOO',
                       'PROPFIND', 'get'):
            seen = len(self.app.seen)
            resp = self.call('/v2/images/%s/file' % image_id, method=method)
            self.assertEqual(405, resp.status_int, method)
            self.assertEqual('GET, PUT', resp.headers['Allow'])
            self.assertEqual(seen, len(self.app.seen), method)

    def test_semicolon_overrides_are_refused(self):
        image_id = self.deactivated(visibility='public')
        for method, path in (
                ('POST', '/v2/images/%s/file?;_method=GET'),
                ('FOO', '/v2/images/%s/file?a=1;_method=get'),
                ('DELETE', '/v2/images/%s?;_method=GET'),
                ('PUT', '/v2/images/%s?;_method=GET'),
                ('POST', '/v2/images/%s?;_method=PATCH'),
                ('POST', '/v2/images/%s/import?;_method=POST'),
                ('GET', '/v2/images?limit=50;_method=GET')):
            resp = self.call(path.replace('%s', image_id), method=method,
                             **OTHER)
            self.assertEqual(400, resp.status_int, path)
            self.assertIn('Method override (_method) is not supported.',
                          resp.text)
        self.assertIsNotNone(self.filter.store.get(image_id))

    def test_semicolon_separated_status_filter_is_applied(self):
        image_id = self.deactivated(visibility='public')
        resp = self.call('/v2/images?limit=50;status=active')
        self.assertEqual(200, resp.status_int)
        self.assertNotIn(image_id, [i['id'] for i in resp.json['images']])
        resp = self.call('/v2/images?limit=50;status=deactivated')
        self.assertEqual([image_id], [i['id'] for i in resp.json['images']])
        resp = self.call('/v2/images?status=x%ff')
        self.assertEqual(400, resp.status_int)
        self.assertIn('not valid UTF-8', resp.text)


class TestRecordsChangeOnConfirmation(fakes.FilterTestCase):

    def test_delete_clears_only_once_the_image_is_gone(self):
        image_id = self.deactivated()
        self.app.delete_keeps_image = True
        resp = self.call('/v2/images/%s' % image_id, method='DELETE')
        self.assertEqual(204, resp.status_int)
        self.assertIsNotNone(self.filter.store.get(image_id))
        self.app.delete_keeps_image = False
        resp = self.call('/v2/images/%s' % image_id, method='DELETE')
        self.assertEqual(204, resp.status_int)
        self.assertIsNone(self.filter.store.get(image_id))

    def test_a_case_variant_leaves_the_record_alone(self):
        victim = self.deactivated(owner='p1')
        variant = victim.upper()
        # Another project creates the upper-cased id (a distinct image on
        # a case-sensitive database), deactivates and deletes it.
        resp = self.call('/v2/images', method='POST', project='p2',
                         body=('{"id": "%s"}' % variant).encode())
        self.assertEqual(201, resp.status_int)
        self.app.images[variant]['status'] = 'active'
        self.assertIsNotNone(self.filter.store.get(victim))
        self.assertEqual(204, self.action(variant, project='p2').status_int)
        self.assertEqual({victim, variant}, set(self.filter.store.list_ids()))
        self.assertEqual(204, self.action(variant, 'reactivate',
                                          project='p2').status_int)
        self.assertEqual(204, self.call('/v2/images/%s' % variant,
                                        method='DELETE',
                                        project='p2').status_int)
        self.assertEqual([victim], self.filter.store.list_ids())
        resp = self.call('/v2/images/%s/file' % victim)
        self.assertEqual(403, resp.status_int)
        self.assertEqual('deactivated', self.call(
            '/v2/images/%s' % victim).json['status'])

    def test_a_case_variant_is_not_shown_deactivated(self):
        image_id = self.app.add(new_id(), owner='p1')
        variant = self.app.add(image_id.upper(), owner='p2')
        self.assertEqual(204, self.action(variant, project='p2').status_int)
        self.assertEqual('active', self.call(
            '/v2/images/%s' % image_id).json['status'])
        resp = self.call('/v2/images/%s/file' % image_id)
        self.assertEqual(200, resp.status_int)
        listed = {i['id']: i['status']
                  for i in self.call('/v2/images', **ADMIN).json['images']}
        self.assertEqual({image_id: 'active', variant: 'deactivated'},
                         listed)
