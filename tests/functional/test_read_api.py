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

"""The read API in front of the real Glance 33 API.

``GET /v2/images/{image_id}/deactivation``, ``GET /v2/deactivations`` and
their schemas, with the default rules (admin only) and with the rules an
operator widens to the owning project.  Every test that lists records
works in a project of its own, so that the filter ``owner`` isolates it
from the other tests sharing the server.
"""

import html
import uuid

import jsonschema
import testtools

from tests.functional import devserver
from tests.functional import fixtures

ADMIN = fixtures.ADMIN
OWNER = fixtures.OWNER
OTHER = fixtures.OTHER

WIDENED_POLICY = """\
"image_deactivation:get_deactivation": "rule:image_deactivation:admin or \
(role:reader and project_id:%(project_id)s)"
"image_deactivation:list_deactivations": "rule:image_deactivation:admin or \
(role:reader and project_id:%(project_id)s)"
"""


def new_project():
    return devserver.identity_headers('read-api-%s' % uuid.uuid4().hex)


def message(resp):
    """The text of an error answer, HTML entities decoded."""
    return html.unescape(resp.text)


class ReadApiTestCase(fixtures.GlanceTestCase):

    def record(self, image_id, query='', headers=ADMIN, prefix='/v2'):
        path = '%s/images/%s/deactivation%s' % (prefix, image_id, query)
        return self.get(path, headers)

    def listing(self, query='', headers=ADMIN, prefix='/v2'):
        return self.get('%s/deactivations%s' % (prefix, query), headers)

    def schema(self, name):
        resp = self.get('/v2/schemas/%s' % name, ADMIN)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()

    def valid(self, document, name):
        jsonschema.validate(document, self.schema(name))
        return document


class TestReadApi(ReadApiTestCase):

    def test_admin_reads_the_record_and_history(self):
        image_id = self.create_image()
        self.deactivate(image_id)
        self.deactivate(image_id)
        resp = self.record(image_id)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('application/json',
                         resp.headers['Content-Type'].split(';')[0])
        doc = self.valid(resp.json(), 'deactivation')
        self.assertEqual(image_id, doc['image_id'])
        self.assertTrue(doc['deactivated'])
        self.assertEqual({'user_id': ADMIN['X-User-Id'],
                          'project_id': 'admin-project', 'is_admin': True},
                         doc['deactivated_by'])
        self.assertTrue(doc['hold'])
        self.assertEqual(OWNER['X-Tenant-Id'], doc['owner'])
        self.assertEqual(
            [('deactivate', 'no-op'), ('deactivate', 'changed')],
            [(e['action'], e['outcome']) for e in doc['history']])
        changed = doc['history'][1]
        self.assertEqual(doc['event_id'], changed['id'])
        # The record keeps whole seconds; its event has microseconds.
        self.assertEqual(doc['deactivated_at'][:19],
                         changed['created_at'][:19])
        self.assertTrue(changed['is_admin'])
        self.assertIn('admin', changed['roles'])
        self.assertTrue(changed['request_id'])
        self.assertEqual('/v2/images/%s/deactivation' % image_id,
                         doc['first'])
        self.assertNotIn('next', doc)

    def test_reactivated_image_keeps_its_history(self):
        image_id = self.create_image()
        self.assertEqual(204, self.action(image_id).status_code)
        self.assertEqual(204, self.action(image_id, 'reactivate').status_code)
        doc = self.valid(self.record(image_id).json(), 'deactivation')
        self.assertFalse(doc['deactivated'])
        self.assertIsNone(doc['deactivated_by'])
        self.assertFalse(doc['hold'])
        self.assertEqual(['reactivate', 'deactivate'],
                         [e['action'] for e in doc['history']])
        self.assertEqual([OWNER['X-User-Id']] * 2,
                         [e['user_id'] for e in doc['history']])

    def test_reason_and_refusal_by_the_hold(self):
        image_id = self.create_image()
        reason = 'CVE-2026-0001: sshd backdoor \u2014 under investigation'
        resp = self.action(image_id, headers=dict(ADMIN, **fixtures.JSON),
                           json={'reason': reason})
        self.assertEqual(204, resp.status_code, resp.text)
        resp = self.action(image_id, 'reactivate', headers=OWNER)
        self.assertEqual(403, resp.status_code)
        doc = self.valid(self.record(image_id).json(), 'deactivation')
        self.assertEqual(reason, doc['reason'])
        self.assertTrue(doc['deactivated'])
        self.assertTrue(doc['hold'])
        refused, changed = doc['history']
        self.assertEqual(('reactivate', 'refused', OWNER['X-User-Id']),
                         (refused['action'], refused['outcome'],
                          refused['user_id']))
        self.assertTrue(refused['hold'])
        self.assertEqual((reason, 'changed'),
                         (changed['reason'], changed['outcome']))

    def test_member_of_the_owning_project_is_refused(self):
        image_id = self.create_image()
        self.deactivate(image_id)
        for headers in (OWNER, fixtures.OWNER_READER):
            resp = self.record(image_id, headers=headers)
            self.assertEqual(403, resp.status_code)
            self.assertIn('You are not authorized to complete '
                          'get_deactivation action.', message(resp))

    def test_invisible_image_is_the_same_404_as_a_missing_one(self):
        image_id = self.create_image()
        self.deactivate(image_id)
        missing = str(uuid.uuid4())
        for target in (image_id, missing):
            resp = self.record(target, headers=OTHER)
            self.assertEqual(404, resp.status_code, target)
            self.assertIn('No image found with ID %s' % target,
                          message(resp))
        # What Glance itself answers for the image.
        glance = self.get('/v2/images/%s' % image_id, OTHER)
        self.assertEqual(404, glance.status_code)
        self.assertEqual(message(glance).replace(image_id, 'X'),
                         message(self.record(image_id, headers=OTHER))
                         .replace(image_id, 'X'))
        resp = self.record(missing)
        self.assertEqual(404, resp.status_code)

    def test_history_pages(self):
        image_id = self.create_image()
        for _round in range(3):
            self.assertEqual(204, self.action(image_id).status_code)
            self.assertEqual(204, self.action(image_id,
                                              'reactivate').status_code)
        whole = self.record(image_id).json()['history']
        self.assertEqual(6, len(whole))
        seen = []
        path = '/v2/images/%s/deactivation?limit=4' % image_id
        while path:
            resp = self.get(path, ADMIN)
            self.assertEqual(200, resp.status_code, resp.text)
            doc = self.valid(resp.json(), 'deactivation')
            seen.extend(doc['history'])
            path = doc.get('next')
        self.assertEqual(whole, seen)
        self.assertEqual(sorted((e['created_at'] for e in whole),
                                reverse=True),
                         [e['created_at'] for e in whole])

    def test_list_filters_and_pages(self):
        project = new_project()
        owner = project['X-Tenant-Id']
        by_owner = [self.create_image(headers=project) for _i in range(3)]
        by_admin = [self.create_image(headers=project) for _i in range(2)]
        for image_id in by_owner:
            self.assertEqual(204, self.action(image_id,
                                              headers=project).status_code)
        for image_id in by_admin:
            self.deactivate(image_id)
        resp = self.listing('?owner=%s' % owner)
        self.assertEqual(200, resp.status_code, resp.text)
        doc = self.valid(resp.json(), 'deactivations')
        listed = [r['image_id'] for r in doc['deactivations']]
        self.assertEqual(set(by_owner + by_admin), set(listed))
        times = [r['deactivated_at'] for r in doc['deactivations']]
        self.assertEqual(sorted(times, reverse=True), times)

        def ids(query):
            resp = self.listing(query)
            self.assertEqual(200, resp.status_code, resp.text)
            return {r['image_id'] for r in resp.json()['deactivations']}

        self.assertEqual(set(by_admin), ids('?owner=%s&hold=true' % owner))
        self.assertEqual(set(by_owner), ids('?owner=%s&hold=false' % owner))
        self.assertEqual(set(by_owner), ids('?deactivated_by=%s' % owner))
        self.assertEqual(set(by_owner), ids('?deactivated_by=%s'
                                            % project['X-User-Id']))
        self.assertEqual(set(), ids('?owner=%s&until=2000-01-01T00:00:00Z'
                                    % owner))
        since = times[1]
        self.assertEqual({i for i, t in zip(listed, times) if t >= since},
                         ids('?owner=%s&since=%s' % (owner, since)))
        self.assertEqual({i for i, t in zip(listed, times) if t <= since},
                         ids('?owner=%s&until=%s' % (owner, since)))
        # Pages of two, following next.
        seen = []
        path = '/v2/deactivations?owner=%s&limit=2' % owner
        pages = 0
        while path:
            doc = self.valid(self.get(path, ADMIN).json(), 'deactivations')
            self.assertEqual('/v2/deactivations?limit=2&owner=%s' % owner,
                             doc['first'])
            seen.extend(r['image_id'] for r in doc['deactivations'])
            path = doc.get('next')
            pages += 1
        self.assertEqual(listed, seen)
        self.assertEqual(3, pages)
        # Reactivated: off the list.
        self.assertEqual(204, self.action(by_owner[0], 'reactivate',
                                          headers=project).status_code)
        self.assertNotIn(by_owner[0], ids('?owner=%s' % owner))

    def test_list_is_for_admins(self):
        for headers in (OWNER, OTHER):
            resp = self.listing(headers=headers)
            self.assertEqual(403, resp.status_code)
            self.assertIn('You are not authorized to complete '
                          'list_deactivations action.', message(resp))

    def test_bad_parameters_get_glances_messages(self):
        image_id = self.create_image()
        marker = str(uuid.uuid4())
        for path, text in (
                ('/v2/deactivations?limit=x',
                 'limit param must be an integer'),
                ('/v2/deactivations?limit=-1', 'limit param must be positive'),
                ('/v2/deactivations?marker=%s' % marker,
                 'No image found with ID %s' % marker),
                ('/v2/deactivations?hold=yes',
                 "Invalid value 'yes' for 'hold' filter. Valid values are "
                 "'true' or 'false'."),
                ('/v2/deactivations?since=last-week',
                 'Bad "since" query filter format. Use ISO 8601 DateTime '
                 'notation.'),
                ('/v2/deactivations?until=2026-02-30T00:00:00Z',
                 'Bad "until" query filter format.'),
                ('/v2/deactivations?deactivated_by_user=x',
                 'Unknown query parameter: deactivated_by_user.'),
                ('/v2/images/%s/deactivation?limit=1.0' % image_id,
                 'limit param must be an integer'),
                ('/v2/images/%s/deactivation?marker=%s' % (image_id, marker),
                 'No deactivation event found with ID %s' % marker)):
            resp = self.get(path, ADMIN)
            self.assertEqual(400, resp.status_code, path)
            self.assertIn(text, message(resp), path)
        # The same limit messages as Glance's own image list.
        for limit, text in (('x', 'limit param must be an integer'),
                            ('-1', 'limit param must be positive')):
            resp = self.get('/v2/images?limit=%s' % limit, ADMIN)
            self.assertEqual(400, resp.status_code)
            self.assertIn(text, message(resp))

    def test_other_methods_are_405(self):
        image_id = self.create_image()
        self.deactivate(image_id)
        for path in ('/v2/images/%s/deactivation' % image_id,
                     '/v2/deactivations', '/v2/schemas/deactivation',
                     '/v2/schemas/deactivations'):
            for method in ('POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'):
                resp = self.request(method, path, ADMIN)
                self.assertEqual(405, resp.status_code, (method, path))
                self.assertEqual('GET', resp.headers['Allow'])
        self.assertEqual('deactivated', self.status_of(image_id))
        self.assertTrue(self.record(image_id).json()['deactivated'])

    def test_method_override_is_refused(self):
        image_id = self.create_image()
        self.deactivate(image_id)
        for path in ('/v2/images/%s/deactivation?_method=DELETE' % image_id,
                     '/v2/deactivations?_method=GET'):
            resp = self.get(path, ADMIN)
            self.assertEqual(400, resp.status_code, path)
            self.assertIn('Method override (_method) is not supported.',
                          message(resp))
        self.assertEqual('deactivated', self.status_of(image_id))

    def test_versioned_paths_through_versionnegotiation(self):
        project = new_project()
        image_id = self.create_image(headers=project)
        self.deactivate(image_id)
        query = '?owner=%s' % project['X-Tenant-Id']
        plain = self.listing(query)
        self.assertEqual(200, plain.status_code)
        for prefix in ('/v2.1', '/v2.0', '/v2.9'):
            resp = self.listing(query, prefix=prefix)
            self.assertEqual(200, resp.status_code, prefix)
            self.assertEqual(plain.json(), resp.json(), prefix)
            resp = self.record(image_id, prefix=prefix)
            self.assertEqual(200, resp.status_code, prefix)
            self.assertEqual(image_id, resp.json()['image_id'])
            resp = self.get('%s/schemas/deactivations' % prefix, ADMIN)
            self.assertEqual(self.schema('deactivations'), resp.json())
            resp = self.request('DELETE', '%s/deactivations' % prefix, ADMIN)
            self.assertEqual(405, resp.status_code, prefix)

    def test_schemas_are_glance_style_and_public(self):
        for name in ('deactivation', 'deactivations'):
            schema = self.schema(name)
            self.assertEqual(name, schema['name'])
            jsonschema.validators.validator_for(schema).check_schema(schema)
            self.assertIn({'rel': 'describedby', 'href': '{schema}'},
                          schema['links'])
            resp = self.get('/v2/schemas/%s' % name, OTHER)
            self.assertEqual(schema, resp.json())
        # Glance's own schemas still come from Glance.
        image = self.get('/v2/schemas/image', OTHER).json()
        self.assertEqual('image', image['name'])


class TestWidenedReadApi(ReadApiTestCase):
    """The rules an operator widens to the owning project."""

    SERVER_KWARGS = {'mode': 'filter', 'policy': WIDENED_POLICY}

    def test_owning_project_reads_its_image(self):
        image_id = self.create_image(visibility='community')
        self.deactivate(image_id)
        resp = self.record(image_id, headers=fixtures.OWNER_READER)
        self.assertEqual(200, resp.status_code, resp.text)
        doc = self.valid(resp.json(), 'deactivation')
        self.assertTrue(doc['hold'])
        self.assertEqual('deactivate', doc['history'][0]['action'])
        # Another project sees the community image but may not read this.
        resp = self.record(image_id, headers=OTHER)
        self.assertEqual(403, resp.status_code)
        self.assertIn('get_deactivation', message(resp))

    def test_other_project_still_gets_404_for_a_private_image(self):
        image_id = self.create_image()
        self.deactivate(image_id)
        resp = self.record(image_id, headers=OTHER)
        self.assertEqual(404, resp.status_code)
        self.assertIn('No image found with ID %s' % image_id, message(resp))

    def test_project_lists_only_with_its_own_owner_filter(self):
        project = new_project()
        owner = project['X-Tenant-Id']
        image_id = self.create_image(headers=project)
        self.deactivate(image_id)
        resp = self.listing('?owner=%s' % owner, headers=project)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual([image_id], [r['image_id'] for r in
                                      resp.json()['deactivations']])
        for query in ('', '?owner=%s' % OWNER['X-Tenant-Id'],
                      '?deactivated_by=%s' % owner):
            resp = self.listing(query, headers=project)
            self.assertEqual(403, resp.status_code, query)


class _ReadApiOnServerDatabase(object):
    """The read API on a real PostgreSQL or MariaDB state database.

    There the filter's store calls go through ``BoundedStore`` (a thread
    pool with a deadline), and times, Unicode and markers are the server's.
    """

    BACKEND = None

    def setUp(self):
        super(_ReadApiOnServerDatabase, self).setUp()
        fixtures.require_database(self.BACKEND)
        state_db = self.useFixture(
            fixtures.TemporaryDatabase(self.BACKEND, 'gd_state_ra')).url
        self.server = fixtures.use_server(self, devserver.GlanceServer(
            mode='filter', state_db=state_db,
            extra_state_opts=fixtures.NODE_STATE_OPTS[self.BACKEND]))
        self.client = fixtures.Client()
        self.addCleanup(self.client.close)

    def get(self, path, headers=ADMIN):
        return self.client.request('GET', self.server.url + path, headers)

    def test_record_history_and_list(self):
        url = self.server.url
        project = new_project()
        owner = project['X-Tenant-Id']
        held = fixtures.create_image(url, project, client=self.client)
        mine = fixtures.create_image(url, project, client=self.client)
        reason = 'Prüfung läuft \u2014 調査中 \U0001f512'
        resp = fixtures.action(url, held, headers=dict(ADMIN, **fixtures.JSON),
                               client=self.client, json={'reason': reason})
        self.assertEqual(204, resp.status_code, resp.text)
        resp = fixtures.action(url, held, 'reactivate', headers=project,
                               client=self.client)
        self.assertEqual(403, resp.status_code)
        resp = fixtures.action(url, mine, headers=project, client=self.client)
        self.assertEqual(204, resp.status_code, resp.text)

        # One image: the record, and its history page by page.
        doc = self.get('/v2/images/%s/deactivation' % held).json()
        self.assertEqual((True, True, reason, owner),
                         (doc['deactivated'], doc['hold'], doc['reason'],
                          doc['owner']))
        self.assertEqual([('reactivate', 'refused'),
                          ('deactivate', 'changed')],
                         [(e['action'], e['outcome']) for e in doc['history']])
        self.assertEqual(reason, doc['history'][1]['reason'])
        page = self.get('/v2/images/%s/deactivation?limit=1' % held).json()
        self.assertEqual([doc['history'][0]], page['history'])
        page = self.get(page['next']).json()
        self.assertEqual([doc['history'][1]], page['history'])
        self.assertNotIn('next', page)

        # The list, with the filters the database evaluates.
        def ids(query):
            resp = self.get('/v2/deactivations?owner=%s%s' % (owner, query))
            self.assertEqual(200, resp.status_code, resp.text)
            return [r['image_id'] for r in resp.json()['deactivations']]

        listed = ids('')
        self.assertEqual({held, mine}, set(listed))
        self.assertEqual([held], ids('&hold=true'))
        self.assertEqual([mine], ids('&hold=false'))
        self.assertEqual([mine], ids('&deactivated_by=%s' % owner))
        self.assertEqual([], ids('&until=2000-01-01T00:00:00Z'))
        self.assertEqual(set(listed), set(ids('&since=2000-01-01T00:00:00Z')))
        first = self.get('/v2/deactivations?owner=%s&limit=1' % owner).json()
        second = self.get(first['next']).json()
        self.assertEqual(listed, [r['image_id'] for r in
                                  first['deactivations'] +
                                  second['deactivations']])
        resp = self.get('/v2/deactivations?marker=%s' % uuid.uuid4())
        self.assertEqual(400, resp.status_code)
        self.assertIn('No image found with ID', message(resp))


class TestReadApiOnPostgreSQL(_ReadApiOnServerDatabase,
                              testtools.TestCase):
    BACKEND = fixtures.POSTGRESQL


class TestReadApiOnMariaDB(_ReadApiOnServerDatabase,
                           testtools.TestCase):
    BACKEND = fixtures.MYSQL
