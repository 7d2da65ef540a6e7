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

"""The read API through the filter, around the fake image app."""

import datetime
from unittest import mock
from urllib import parse

import jsonschema
from oslo_config import cfg
from oslo_context import context as oslo_context
import sqlalchemy as sa
import testtools

from glance_deactivate import records_api
from glance_deactivate import records_schema
from glance_deactivate import store as state_store
from tests.unit import fakes

ADMIN = fakes.ADMIN
OTHER = fakes.OTHER
new_id = fakes.new_id

UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 12, 4, 10, 0, 0, tzinfo=UTC)

ADMIN_ACTOR = state_store.Actor('u-admin', 'admin-project', ['admin'], True,
                                'req-admin')


def member(project):
    return state_store.Actor('u-' + project, project, ['member'], False,
                             'req-' + project)


def validate(document, name):
    schema = records_schema.get(name)
    jsonschema.validators.validator_for(schema).check_schema(schema)
    jsonschema.validate(document, schema,
                        format_checker=jsonschema.FormatChecker())


class ReadApiTestCase(fakes.FilterTestCase):
    """The filter with its real SQLite store around the fake image app."""

    def setUp(self):
        super(ReadApiTestCase, self).setUp()
        self.store = self.filter.store

    def widen(self, rules):
        with open(self.policy_file, 'w') as f:
            for name, rule in rules.items():
                f.write('"%s": "%s"\n' % (name, rule))
        self.filter = self.build()
        self.store = self.filter.store

    def show(self, image_id, query='', **kwargs):
        return self.call('/v2/images/%s/deactivation%s' % (image_id, query),
                         **kwargs)

    def deactivated_image(self, owner='p1', visibility='private',
                          actor=ADMIN_ACTOR, reason=None):
        image_id = self.app.add(new_id(), owner=owner, visibility=visibility)
        changed, _event = self.store.deactivate(image_id, actor,
                                                reason=reason, owner=owner)
        self.assertTrue(changed)
        return image_id

    def events(self, image_id):
        return self.store.history(image_id=image_id)

    def set_time(self, image_id, moment):
        """Move a record's deactivated_at (the tests need distinct times)."""
        engine = sa.create_engine('sqlite:///%s/state.sqlite' % self.tmp)
        try:
            with engine.begin() as connection:
                # Typed, so that SQLite stores it as SQLAlchemy does.
                connection.execute(sa.text(
                    'UPDATE image_deactivations SET deactivated_at = :at '
                    'WHERE image_id = :id').bindparams(
                        sa.bindparam('at', type_=sa.DateTime())),
                    {'at': moment.replace(tzinfo=None), 'id': image_id})
        finally:
            engine.dispose()


class TestShow(ReadApiTestCase):

    def test_admin_sees_record_and_history(self):
        image_id = self.deactivated_image(reason='CVE-2026-0001 in sshd')
        self.store.deactivate(image_id, member('p1'), owner='p1')
        resp = self.show(image_id, **ADMIN)
        self.assertEqual(200, resp.status_int)
        self.assertEqual('application/json', resp.content_type)
        doc = resp.json
        validate(doc, 'deactivation')
        second, first = self.events(image_id)
        record = self.store.get(image_id)
        self.assertEqual(image_id, doc['image_id'])
        self.assertTrue(doc['deactivated'])
        self.assertEqual(records_api.isotime(record.deactivated_at),
                         doc['deactivated_at'])
        self.assertEqual({'user_id': 'u-admin', 'project_id': 'admin-project',
                          'is_admin': True}, doc['deactivated_by'])
        self.assertEqual('CVE-2026-0001 in sshd', doc['reason'])
        self.assertTrue(doc['hold'])
        self.assertEqual(first.id, doc['event_id'])
        self.assertEqual('p1', doc['owner'])
        self.assertEqual([second.id, first.id],
                         [e['id'] for e in doc['history']])
        self.assertEqual('no-op', doc['history'][0]['outcome'])
        self.assertEqual('u-p1', doc['history'][0]['user_id'])
        self.assertEqual({
            'id': first.id, 'image_id': image_id, 'action': 'deactivate',
            'outcome': 'changed',
            'created_at': records_api.isotime(first.created_at),
            'user_id': 'u-admin', 'project_id': 'admin-project',
            'roles': ['admin'], 'is_admin': True, 'request_id': 'req-admin',
            'reason': 'CVE-2026-0001 in sshd', 'owner': 'p1', 'hold': True,
            'quarantine_id': None}, doc['history'][1])
        self.assertIsNone(doc['quarantine_id'])
        path = '/v2/images/%s/deactivation' % image_id
        self.assertEqual(path, doc['self'])
        self.assertEqual(path, doc['first'])
        self.assertNotIn('next', doc)
        self.assertEqual('/v2/images/%s' % image_id, doc['image'])
        self.assertEqual('/v2/schemas/deactivation', doc['schema'])
        # The image service was asked about the image, and nothing else.
        self.assertEqual([('GET', '/v2/images/%s' % image_id, '')],
                         self.app.seen)

    def test_active_image_with_history(self):
        image_id = self.deactivated_image()
        self.store.reactivate(image_id, member('p1'), reason='fixed')
        doc = self.show(image_id, **ADMIN).json
        validate(doc, 'deactivation')
        self.assertFalse(doc['deactivated'])
        for key in ('deactivated_at', 'deactivated_by', 'reason', 'event_id',
                    'owner'):
            self.assertIsNone(doc[key], key)
        self.assertFalse(doc['hold'])
        self.assertEqual(['reactivate', 'deactivate'],
                         [e['action'] for e in doc['history']])
        self.assertEqual('fixed', doc['history'][0]['reason'])
        self.assertFalse(doc['history'][0]['hold'])

    def test_image_without_any_event(self):
        image_id = self.app.add(new_id())
        doc = self.show(image_id, **ADMIN).json
        validate(doc, 'deactivation')
        self.assertFalse(doc['deactivated'])
        self.assertEqual([], doc['history'])

    def test_deactivated_through_the_filter(self):
        image_id = self.app.add(new_id())
        self.assertEqual(204, self.action(image_id, **ADMIN).status_int)
        doc = self.show(image_id, **ADMIN).json
        validate(doc, 'deactivation')
        self.assertTrue(doc['deactivated'])
        self.assertEqual(['deactivate'],
                         [e['action'] for e in doc['history']])
        self.assertEqual(doc['event_id'], doc['history'][0]['id'])

    def test_record_of_a_queued_image_is_shown_but_not_deactivated(self):
        # The image service's status wins over a stale record.
        image_id = self.app.add(new_id(), status='queued')
        self.store.deactivate(image_id, ADMIN_ACTOR)
        doc = self.show(image_id, **ADMIN).json
        self.assertFalse(doc['deactivated'])
        self.assertEqual(self.events(image_id)[0].id, doc['event_id'])

    def test_unicode_reason_is_utf8_json(self):
        image_id = self.deactivated_image(reason='Überprüfung 調査中 🔒')
        resp = self.show(image_id, **ADMIN)
        self.assertIn('Überprüfung 調査中 🔒'.encode('utf-8'), resp.body)
        self.assertEqual('Überprüfung 調査中 🔒', resp.json['reason'])

    def test_member_of_owner_is_refused_on_visible_image(self):
        image_id = self.deactivated_image()
        with mock.patch.object(self.store, 'history') as history:
            resp = self.show(image_id)
        self.assertEqual(403, resp.status_int)
        self.assertIn('You are not authorized to complete get_deactivation '
                      'action.', resp.text)
        history.assert_not_called()

    def test_invisible_and_missing_images_are_the_same_404(self):
        private = self.deactivated_image(owner='p1')
        missing = new_id()
        for image_id in (private, missing):
            self.app.seen[:] = []
            with mock.patch.object(self.store, 'state') as get, \
                    mock.patch.object(self.store, 'history') as history:
                resp = self.show(image_id, **OTHER)
            self.assertEqual(404, resp.status_int, image_id)
            self.assertIn('No image found with ID %s' % image_id, resp.text)
            # The same work for both: one look-up, no store call.
            self.assertEqual([('GET', '/v2/images/%s' % image_id, '')],
                             self.app.seen)
            get.assert_not_called()
            history.assert_not_called()

    def test_other_project_on_public_image_is_refused(self):
        image_id = self.deactivated_image(visibility='public')
        resp = self.show(image_id, **OTHER)
        self.assertEqual(403, resp.status_int)
        self.assertIn('get_deactivation', resp.text)

    def test_widened_rule_lets_the_owning_project_read(self):
        self.widen({'image_deactivation:get_deactivation':
                    'rule:image_deactivation:admin or '
                    '(role:reader and project_id:%(project_id)s)'})
        image_id = self.deactivated_image(visibility='public',
                                          reason='under review')
        resp = self.show(image_id, roles=('reader',))
        self.assertEqual(200, resp.status_int)
        self.assertEqual('under review', resp.json['reason'])
        resp = self.show(image_id, **OTHER)
        self.assertEqual(403, resp.status_int)

    def test_history_pages(self):
        image_id = self.deactivated_image()
        for i in range(6):
            if i % 2 == 0:
                self.store.reactivate(image_id, ADMIN_ACTOR)
            else:
                self.store.deactivate(image_id, ADMIN_ACTOR)
        expected = [e.id for e in self.events(image_id)]
        self.assertEqual(7, len(expected))
        seen = []
        path = '/v2/images/%s/deactivation?limit=3' % image_id
        pages = 0
        while path:
            resp = self.call(path, **ADMIN)
            self.assertEqual(200, resp.status_int, resp.text)
            validate(resp.json, 'deactivation')
            self.assertEqual('/v2/images/%s/deactivation?limit=3' % image_id,
                             resp.json['first'])
            seen.extend(e['id'] for e in resp.json['history'])
            path = resp.json.get('next')
            pages += 1
        self.assertEqual(expected, seen)
        self.assertEqual(3, pages)

    def test_history_limit_zero_and_default(self):
        image_id = self.deactivated_image()
        for i in range(30):
            self.store.deactivate(image_id, ADMIN_ACTOR)
        doc = self.show(image_id, '?limit=0', **ADMIN).json
        self.assertEqual([], doc['history'])
        self.assertNotIn('next', doc)
        doc = self.show(image_id, **ADMIN).json
        self.assertEqual(25, len(doc['history']))
        self.assertIn('marker=%s' % doc['history'][-1]['id'], doc['next'])

    def test_bad_parameters(self):
        image_id = self.deactivated_image()
        marker = new_id()
        for query, message in (
                ('?limit=x', 'limit param must be an integer'),
                ('?limit=-1', 'limit param must be positive'),
                ('?limit=', 'limit param must be an integer'),
                ('?limit=x&limit=2', 'limit param must be an integer'),
                ('?marker=%s' % marker,
                 'No deactivation event found with ID %s' % marker),
                ('?marker=', 'No deactivation event found with ID '),
                ('?owner=p1', 'Unknown query parameter: owner.'),
                ('?sort_key=created_at',
                 'Unknown query parameter: sort_key.')):
            resp = self.show(image_id, query, **ADMIN)
            self.assertEqual(400, resp.status_int, query)
            self.assertIn(message, resp.text, query)

    def test_first_limit_wins_as_glance_pops_it(self):
        image_id = self.deactivated_image()
        self.store.deactivate(image_id, ADMIN_ACTOR)
        doc = self.show(image_id, '?limit=1&limit=x', **ADMIN).json
        self.assertEqual(1, len(doc['history']))

    def test_marker_of_another_image(self):
        one = self.deactivated_image()
        other = self.deactivated_image()
        marker = self.events(one)[0].id
        resp = self.show(other, '?marker=%s' % marker, **ADMIN)
        self.assertEqual(400, resp.status_int)
        self.assertIn('No deactivation event found with ID %s' % marker,
                      resp.text)
        self.assertEqual(200, self.show(one, '?marker=%s' % marker,
                                        **ADMIN).status_int)

    def test_an_image_service_answer_without_id_is_502(self):
        image_id = self.deactivated_image()
        del self.app.images[image_id]['id']
        resp = self.show(image_id, **ADMIN)
        self.assertEqual(502, resp.status_int)
        self.assertIn('The image service answer could not be checked.',
                      resp.text)

    def test_bad_parameter_is_400_before_the_look_up(self):
        resp = self.show(new_id(), '?limit=x', **OTHER)
        self.assertEqual(400, resp.status_int)
        self.assertEqual([], self.app.seen)


class TestList(ReadApiTestCase):

    def setUp(self):
        super(TestList, self).setUp()
        self.ids = {}
        self.make_records()

    def make_records(self):
        """a, b, c, d: one hour apart, a the oldest; a and c held."""
        at = T0
        for name, owner, by_admin in (('a', 'p1', True), ('b', 'p1', False),
                                      ('c', 'p2', True), ('d', 'p3', False)):
            image_id = self.ids.get(name) or self.app.add(new_id(),
                                                          owner=owner)
            self.store.deactivate(
                image_id, ADMIN_ACTOR if by_admin else member(owner),
                owner=owner, reason='reason ' + name)
            self.set_time(image_id, at)
            self.ids[name] = image_id
            at += datetime.timedelta(hours=1)

    def listing(self, query='', **kwargs):
        return self.call('/v2/deactivations' + query, **dict(ADMIN, **kwargs))

    def names(self, doc):
        by_id = {v: k for k, v in self.ids.items()}
        return ''.join(by_id[r['image_id']] for r in doc['deactivations'])

    def test_admin_lists_newest_first(self):
        resp = self.listing()
        self.assertEqual(200, resp.status_int)
        doc = resp.json
        validate(doc, 'deactivations')
        self.assertEqual('dcba', self.names(doc))
        record = doc['deactivations'][-1]
        self.assertEqual({
            'image_id': self.ids['a'], 'deactivated': True,
            'quarantine_id': None,
            'deactivated_at': '2026-12-04T10:00:00.000000Z',
            'deactivated_by': {'user_id': 'u-admin',
                               'project_id': 'admin-project',
                               'is_admin': True},
            'reason': 'reason a', 'hold': True,
            'event_id': self.events(self.ids['a'])[0].id, 'owner': 'p1',
            'self': '/v2/images/%s/deactivation' % self.ids['a']}, record)
        self.assertEqual('/v2/deactivations', doc['first'])
        self.assertEqual('/v2/schemas/deactivations', doc['schema'])
        self.assertNotIn('next', doc)
        # Answered from the store alone.
        self.assertEqual([], self.app.seen)

    def test_filters(self):
        for query, expected in (
                ('?owner=p1', 'ba'),
                ('?owner=nobody', ''),
                ('?deactivated_by=u-admin', 'ca'),
                ('?deactivated_by=p3', 'd'),
                ('?deactivated_by=u-p1', 'b'),
                ('?hold=true', 'ca'),
                ('?hold=false', 'db'),
                ('?since=2026-12-04T11:00:00Z', 'dcb'),
                ('?until=2026-12-04T11:00:00Z', 'ba'),
                ('?since=2026-12-04T11:00:00.000001Z', 'dc'),
                # An offset is converted; no offset is UTC (Glance's rule).
                ('?since=2026-12-04T13:00:00%2B02:00', 'dcb'),
                ('?since=2026-12-04T11:30:00', 'dc'),
                ('?since=2026-12-04&until=2026-12-04T11:59:59Z', 'ba'),
                ('?owner=p1&hold=false', 'b'),
                # A filter's last value counts, as in Glance.
                ('?owner=p2&owner=p1', 'ba'),
                ('?hold=x&hold=true', 'ca')):
            resp = self.listing(query)
            self.assertEqual(200, resp.status_int, '%s: %s' % (
                query, resp.text))
            self.assertEqual(expected, self.names(resp.json), query)

    def test_pages_keep_the_filters(self):
        resp = self.listing('?hold=false&limit=1')
        doc = resp.json
        self.assertEqual('d', self.names(doc))
        self.assertEqual('/v2/deactivations?limit=1&hold=false', doc['first'])
        self.assertEqual('/v2/deactivations?limit=1&hold=false&marker=%s'
                         % self.ids['d'], doc['next'])
        doc = self.call(doc['next'], **ADMIN).json
        self.assertEqual('b', self.names(doc))
        self.assertNotIn('next', doc)

    def test_all_pages(self):
        seen = ''
        path = '/v2/deactivations?limit=3'
        while path:
            doc = self.call(path, **ADMIN).json
            validate(doc, 'deactivations')
            seen += self.names(doc)
            path = doc.get('next')
        self.assertEqual('dcba', seen)

    def test_same_second_pages_by_image_id(self):
        for name in 'abcd':
            self.set_time(self.ids[name], T0)
        expected = ''.join(sorted('abcd', key=lambda n: self.ids[n]))
        seen = ''
        path = '/v2/deactivations?limit=1'
        while path:
            doc = self.call(path, **ADMIN).json
            seen += self.names(doc)
            path = doc.get('next')
        self.assertEqual(expected, seen)

    def test_bad_parameters(self):
        marker = new_id()
        for query, message in (
                ('?limit=1.5', 'limit param must be an integer'),
                ('?limit=-3', 'limit param must be positive'),
                ('?marker=%s' % marker, 'No image found with ID %s' % marker),
                ('?marker=', 'No image found with ID '),
                ('?hold=yes', "Invalid value 'yes' for 'hold' filter. Valid "
                              "values are 'true' or 'false'."),
                ('?hold=True', "Invalid value 'True' for 'hold' filter."),
                ('?since=yesterday', 'Bad "since" query filter format. Use '
                                     'ISO 8601 DateTime notation.'),
                ('?until=2026-13-01', 'Bad "until" query filter format.'),
                ('?since=gte:2026-12-01T00:00:00Z',
                 'Bad "since" query filter format.'),
                ('?until=9999-12-31T23:59:59-12:00',
                 'Bad "until" query filter format.'),
                ('?deactivated-by=u1',
                 'Unknown query parameter: deactivated-by.'),
                ('?status=deactivated', 'Unknown query parameter: status.')):
            resp = self.listing(query)
            self.assertEqual(400, resp.status_int, query)
            self.assertIn(message, resp.text, query)

    def test_a_reactivated_image_is_no_marker(self):
        self.store.reactivate(self.ids['c'], ADMIN_ACTOR)
        resp = self.listing('?marker=%s' % self.ids['c'])
        self.assertEqual(400, resp.status_int)
        self.assertIn('No image found with ID %s' % self.ids['c'], resp.text)
        self.assertEqual('dba', self.names(self.listing().json))

    def test_limit_is_capped_and_defaulted(self):
        doc = self.listing('?limit=100000').json
        self.assertEqual(4, len(doc['deactivations']))
        self.assertIn('limit=100000', doc['first'])
        self.filter.records.default_limit = 3
        doc = self.listing().json
        self.assertEqual('dcb', self.names(doc))
        self.assertIn('marker=%s' % self.ids['b'], doc['next'])
        self.filter.records.max_limit = 2
        self.assertEqual('dc', self.names(self.listing('?limit=3').json))

    def test_member_is_refused(self):
        with mock.patch.object(self.store, 'list_records') as list_records:
            resp = self.call('/v2/deactivations')
        self.assertEqual(403, resp.status_int)
        self.assertIn('You are not authorized to complete list_deactivations '
                      'action.', resp.text)
        list_records.assert_not_called()

    def test_rule_widened_to_the_owner_filter(self):
        self.widen({'image_deactivation:list_deactivations':
                    'rule:image_deactivation:admin or '
                    '(role:reader and project_id:%(project_id)s)'})
        self.make_records()
        resp = self.call('/v2/deactivations?owner=p1')
        self.assertEqual(200, resp.status_int)
        self.assertEqual('ba', self.names(resp.json))
        for query in ('', '?owner=p2', '?deactivated_by=p1',
                      '?owner=p2&owner=p1&owner=p2'):
            resp = self.call('/v2/deactivations' + query)
            self.assertEqual(403, resp.status_int, query)

    def test_a_marker_outside_the_owner_filter_is_unknown(self):
        # Red team: with the widened rule, p1 may list ?owner=p1 only; a
        # marker naming another project's image must not tell whether that
        # image is deactivated (nor, by the page after it, when).
        self.widen({'image_deactivation:list_deactivations':
                    'rule:image_deactivation:admin or '
                    '(role:reader and project_id:%(project_id)s)'})
        self.make_records()
        answers = []
        for marker in (self.ids['c'], self.ids['d'], new_id()):
            resp = self.call('/v2/deactivations?owner=p1&marker=%s' % marker)
            self.assertEqual(400, resp.status_int, marker)
            answers.append(resp.text.replace(marker, '<ID>'))
        self.assertEqual(1, len(set(answers)), answers)
        self.assertIn('No image found with ID <ID>', answers[0])
        resp = self.call('/v2/deactivations?owner=p1&marker=%s' %
                         self.ids['b'])
        self.assertEqual(200, resp.status_int)
        self.assertEqual('a', self.names(resp.json))

    def test_a_caller_without_a_project_is_no_owner(self):
        # oslo.policy compares str(None) == str(None): the credentials
        # leave a missing project out, so it matches no missing owner.
        self.widen({'image_deactivation:list_deactivations':
                    'rule:image_deactivation:admin or '
                    '(role:reader and project_id:%(project_id)s)',
                    'image_deactivation:get_deactivation':
                    'rule:image_deactivation:admin or '
                    '(role:reader and project_id:%(project_id)s)'})
        self.make_records()

        def unscoped(path):
            req = fakes.request(path)
            req.context = oslo_context.RequestContext(
                user_id='u-none', project_id=None, roles=['reader'])
            return req.get_response(self.filter)

        self.assertEqual(403, unscoped('/v2/deactivations').status_int)
        image_id = self.app.add(new_id(), owner=None, visibility='public')
        path = '/v2/images/%s/deactivation' % image_id
        self.assertEqual(403, unscoped(path).status_int)
        self.assertEqual(200, self.call(path, **ADMIN).status_int)

    def test_store_down_is_503(self):
        down = mock.patch.object(
            self.store, 'list_records',
            side_effect=state_store.StoreUnavailable('down'))
        with down:
            resp = self.listing()
        self.assertEqual(503, resp.status_int)
        self.assertIn('The image deactivation database is unavailable.',
                      resp.text)
        down = mock.patch.object(
            self.store, 'history',
            side_effect=state_store.StoreUnavailable('down'))
        with down:
            resp = self.show(self.ids['a'], **ADMIN)
        self.assertEqual(503, resp.status_int)


class TestRoutes(ReadApiTestCase):

    def test_other_methods_are_405_with_allow_get(self):
        image_id = self.deactivated_image()
        for path in ('/v2/images/%s/deactivation' % image_id,
                     '/v2/deactivations', '/v2/schemas/deactivation',
                     '/v2/schemas/deactivations'):
            for method in ('POST', 'PUT', 'PATCH', 'DELETE', 'HEAD',
                           'OPTIONS', 'FOO'):
                resp = self.call(path, method=method, **ADMIN)
                self.assertEqual(405, resp.status_int, (method, path))
                self.assertEqual('GET', resp.headers['Allow'])
        self.assertEqual([], self.app.seen)
        self.assertIsNotNone(self.store.get(image_id))
        self.assertEqual(1, len(self.events(image_id)))

    def test_method_override_is_refused(self):
        image_id = self.deactivated_image()
        for path in ('/v2/images/%s/deactivation?_method=DELETE' % image_id,
                     '/v2/deactivations?_method=GET',
                     '/v2/deactivations?limit=1;_method=POST'):
            resp = self.call(path, **ADMIN)
            self.assertEqual(400, resp.status_int, path)
            self.assertIn('Method override (_method) is not supported.',
                          resp.text)
        resp = self.call('/v2/deactivations', method='POST',
                         headers={'Content-Type':
                                  'application/x-www-form-urlencoded'},
                         body=b'_method=GET', **ADMIN)
        self.assertEqual(400, resp.status_int)

    def test_query_string_that_is_not_utf8(self):
        resp = self.call('/v2/deactivations?owner=%ff', **ADMIN)
        self.assertEqual(400, resp.status_int)
        self.assertIn('The query string is not valid UTF-8.', resp.text)

    def test_near_paths_reach_the_image_service(self):
        image_id = self.app.add(new_id())
        for path in ('/v2/deactivations/', '/v2/deactivations/x',
                     '/v2/images/%s/deactivations' % image_id,
                     '/v2/schemas/deactivationz'):
            with mock.patch.object(self.store, 'list_records') as listed:
                self.call(path, **ADMIN)
            self.assertEqual(('GET', path, ''), self.app.seen[-1])
            listed.assert_not_called()


class TestSchemas(ReadApiTestCase):

    def test_schemas_are_served_to_every_caller(self):
        for name in ('deactivation', 'deactivations'):
            for caller in (ADMIN, OTHER, {'anonymous': True}):
                resp = self.call('/v2/schemas/%s' % name, **caller)
                self.assertEqual(200, resp.status_int)
                self.assertEqual('application/json', resp.content_type)
                schema = resp.json
                self.assertEqual(name, schema['name'])
                jsonschema.validators.validator_for(schema).check_schema(
                    schema)
                self.assertIn('describedby',
                              [link['rel'] for link in schema['links']])
        self.assertEqual([], self.app.seen)

    def test_schema_refuses_extra_fields(self):
        image_id = self.deactivated_image()
        doc = self.show(image_id, **ADMIN).json
        doc['history'][0]['secret'] = 'x'
        self.assertRaises(jsonschema.ValidationError, validate, doc,
                          'deactivation')
        doc = self.show(image_id, **ADMIN).json
        doc['deactivated_at'] = 'yesterday'
        self.assertRaises(jsonschema.ValidationError, validate, doc,
                          'deactivation')


class TestHelpers(testtools.TestCase):

    def test_page_limits_from_the_host(self):
        conf = cfg.ConfigOpts()
        self.assertEqual((25, 1000), records_api.page_limits(conf))
        self.assertEqual((25, 1000), records_api.page_limits(None))
        conf.register_opts([cfg.IntOpt('limit_param_default', default=7),
                            cfg.IntOpt('api_limit_max', default=9)])
        conf([])
        self.assertEqual((7, 9), records_api.page_limits(conf))
        conf.set_override('limit_param_default', 50)
        self.assertEqual((9, 9), records_api.page_limits(conf))

    def test_isotime(self):
        self.assertEqual('2026-12-04T10:00:00.123456Z', records_api.isotime(
            T0.replace(microsecond=123456)))
        plus2 = datetime.timezone(datetime.timedelta(hours=2))
        self.assertEqual('2026-12-04T10:00:00.000000Z', records_api.isotime(
            datetime.datetime(2026, 12, 4, 12, tzinfo=plus2)))
        self.assertEqual('2026-12-04T10:00:00.000000Z', records_api.isotime(
            datetime.datetime(2026, 12, 4, 10)))

    def test_record_path_quotes(self):
        self.assertEqual('/v2/images/a%2Fb%3Fc/deactivation',
                         records_api.record_path('a/b?c'))
        self.assertEqual(parse.quote('é', safe=''),
                         records_api.record_path('é').split('/')[3])
