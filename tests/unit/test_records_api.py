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

import collections
import datetime
from urllib import parse
import uuid

import jsonschema
from oslo_config import cfg
import testtools

from glance_deactivate import middleware
from glance_deactivate import records_api
from glance_deactivate import records_schema
from glance_deactivate import store as state_store
from tests.unit import fakes

ADMIN = fakes.ADMIN
OTHER = fakes.OTHER
new_id = fakes.new_id

UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 12, 4, 10, 0, 0, 123456, tzinfo=UTC)

Event = collections.namedtuple(
    'Event', 'id image_id action outcome created_at user_id project_id roles '
             'is_admin request_id reason owner held quarantine_id')
Record = collections.namedtuple(
    'Record', 'image_id deactivated_at user_id project_id by_admin '
              'case_folded event_id reason owner')


class FakeStore(object):
    """The shared design's read API of the store, in memory.

    ``history`` and ``list_records`` have its exact signatures; every call
    is counted.
    """

    def __init__(self):
        self.events = []
        self.records = {}
        self.calls = []
        self.down = False

    def _call(self, name):
        self.calls.append(name)
        if self.down:
            raise state_store.StoreUnavailable('down')

    # Writes used by the tests to set the scene.

    def event(self, image_id, action, outcome='changed', user='u-admin',
              project='admin-project', is_admin=True, reason=None,
              owner='p1', held=None, at=None):
        held = is_admin if held is None else held
        event = Event(str(uuid.uuid4()), image_id, action, outcome,
                      at or T0 + datetime.timedelta(
                          seconds=len(self.events)),
                      user, project, ['admin'] if is_admin else ['member'],
                      is_admin, 'req-%d' % len(self.events), reason, owner,
                      held if action == 'deactivate' else False, None)
        self.events.append(event)
        if outcome == 'changed' and action == 'deactivate':
            self.records[image_id] = Record(
                image_id, event.created_at, user, project, is_admin, False,
                event.id, reason, owner)
        elif outcome == 'changed':
            self.records.pop(image_id, None)
        return event

    # The store API.

    def find(self, image_id):
        self._call('find')
        return [r for r in self.records.values()
                if r.image_id.lower() == image_id.lower()]

    def get(self, image_id):
        self._call('get')
        return self.records.get(image_id)

    def history(self, image_id=None, since=None, limit=None, marker=None):
        self._call('history')
        events = [e for e in reversed(self.events)
                  if image_id is None or e.image_id == image_id]
        if since is not None:
            events = [e for e in events if e.created_at >= since]
        if marker is not None:
            ids = [e.id for e in events]
            if marker not in ids:
                raise ValueError('unknown marker %s' % marker)
            events = events[ids.index(marker) + 1:]
        return events if limit is None else events[:limit]

    def list_records(self, owner=None, deactivated_by=None, held=None,
                     since=None, until=None, limit=None, marker=None):
        self._call('list_records')
        records = sorted(self.records.values(), key=lambda r: r.image_id)
        records.sort(key=lambda r: r.deactivated_at, reverse=True)
        if marker is not None:
            ids = [r.image_id for r in records]
            if marker not in ids:
                raise ValueError('unknown marker %s' % marker)
            records = records[ids.index(marker) + 1:]
        records = [
            r for r in records
            if (owner is None or r.owner == owner) and
            (deactivated_by is None or
             deactivated_by in (r.user_id, r.project_id)) and
            (held is None or r.by_admin == held) and
            (since is None or r.deactivated_at >= since) and
            (until is None or r.deactivated_at <= until)]
        return records if limit is None else records[:limit]


def validate(document, name):
    schema = records_schema.get(name)
    jsonschema.validators.validator_for(schema).check_schema(schema)
    jsonschema.validate(document, schema,
                        format_checker=jsonschema.FormatChecker())


class ReadApiTestCase(fakes.FilterTestCase):

    def build(self, **settings):
        self.store = FakeStore()
        conf = {
            'oslo_config_project': 'glance_deactivate_unit_tests',
            'connection': 'sqlite:///%s/state.sqlite' % self.tmp,
            'policy_file': self.policy_file,
        }
        conf.update(settings)
        return middleware.DeactivateFilter(self.app, conf, store=self.store)

    def widen(self, rules):
        with open(self.policy_file, 'w') as f:
            for name, rule in rules.items():
                f.write('"%s": "%s"\n' % (name, rule))
        self.filter = self.build()

    def show(self, image_id, query='', **kwargs):
        return self.call('/v2/images/%s/deactivation%s' % (image_id, query),
                         **kwargs)

    def deactivated_image(self, owner='p1', visibility='private', **event):
        image_id = self.app.add(new_id(), owner=owner, visibility=visibility)
        self.store.event(image_id, 'deactivate', owner=owner, **event)
        return image_id


class TestShow(ReadApiTestCase):

    def test_admin_sees_record_and_history(self):
        image_id = self.deactivated_image(reason='CVE-2026-0001 in sshd')
        self.store.event(image_id, 'deactivate', outcome='no-op')
        resp = self.show(image_id, **ADMIN)
        self.assertEqual(200, resp.status_int)
        self.assertEqual('application/json', resp.content_type)
        doc = resp.json
        validate(doc, 'deactivation')
        first, second = self.store.events
        self.assertEqual(image_id, doc['image_id'])
        self.assertTrue(doc['deactivated'])
        self.assertEqual('2026-12-04T10:00:00.123456Z', doc['deactivated_at'])
        self.assertEqual({'user_id': 'u-admin', 'project_id': 'admin-project',
                          'is_admin': True}, doc['deactivated_by'])
        self.assertEqual('CVE-2026-0001 in sshd', doc['reason'])
        self.assertTrue(doc['hold'])
        self.assertEqual(first.id, doc['event_id'])
        self.assertEqual('p1', doc['owner'])
        self.assertEqual([second.id, first.id],
                         [e['id'] for e in doc['history']])
        self.assertEqual('no-op', doc['history'][0]['outcome'])
        self.assertEqual({
            'id': first.id, 'image_id': image_id, 'action': 'deactivate',
            'outcome': 'changed', 'created_at': '2026-12-04T10:00:00.123456Z',
            'user_id': 'u-admin', 'project_id': 'admin-project',
            'roles': ['admin'], 'is_admin': True, 'request_id': 'req-0',
            'reason': 'CVE-2026-0001 in sshd', 'owner': 'p1', 'hold': True},
            doc['history'][1])
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
        self.store.event(image_id, 'reactivate', is_admin=False,
                         user='u-p1', project='p1', reason='fixed')
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

    def test_image_without_any_event(self):
        image_id = self.app.add(new_id())
        doc = self.show(image_id, **ADMIN).json
        validate(doc, 'deactivation')
        self.assertFalse(doc['deactivated'])
        self.assertEqual([], doc['history'])

    def test_record_of_a_queued_image_is_shown_but_not_deactivated(self):
        # The image service's status wins over a stale record.
        image_id = self.app.add(new_id(), status='queued')
        self.store.event(image_id, 'deactivate')
        doc = self.show(image_id, **ADMIN).json
        self.assertFalse(doc['deactivated'])
        self.assertEqual(self.store.events[0].id, doc['event_id'])

    def test_unicode_reason_is_utf8_json(self):
        image_id = self.deactivated_image(reason='Überprüfung 調査中 🔒')
        resp = self.show(image_id, **ADMIN)
        self.assertIn('Überprüfung 調査中 🔒'.encode('utf-8'), resp.body)
        self.assertEqual('Überprüfung 調査中 🔒', resp.json['reason'])

    def test_member_of_owner_is_refused_on_visible_image(self):
        image_id = self.deactivated_image()
        resp = self.show(image_id)
        self.assertEqual(403, resp.status_int)
        self.assertIn('You are not authorized to complete get_deactivation '
                      'action.', resp.text)
        self.assertEqual([], self.store.calls)

    def test_invisible_and_missing_images_are_the_same_404(self):
        private = self.deactivated_image(owner='p1')
        missing = new_id()
        for image_id in (private, missing):
            self.app.seen[:] = []
            resp = self.show(image_id, **OTHER)
            self.assertEqual(404, resp.status_int, image_id)
            self.assertIn('No image found with ID %s' % image_id, resp.text)
            # The same work for both: one look-up, no store call.
            self.assertEqual([('GET', '/v2/images/%s' % image_id, '')],
                             self.app.seen)
        self.assertEqual([], self.store.calls)

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
            self.store.event(image_id, 'reactivate' if i % 2 == 0
                             else 'deactivate')
        expected = [e.id for e in reversed(self.store.events)]
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
            self.store.event(image_id, 'deactivate', outcome='no-op')
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
        self.store.event(image_id, 'deactivate', outcome='no-op')
        doc = self.show(image_id, '?limit=1&limit=x', **ADMIN).json
        self.assertEqual(1, len(doc['history']))

    def test_marker_of_another_image(self):
        one = self.deactivated_image()
        other = self.deactivated_image()
        marker = self.store.events[0].id
        resp = self.show(other, '?marker=%s' % marker, **ADMIN)
        self.assertEqual(400, resp.status_int)
        self.assertIn('No deactivation event found with ID %s' % marker,
                      resp.text)
        self.assertEqual(200, self.show(one, '?marker=%s' % marker,
                                        **ADMIN).status_int)

    def test_bad_parameter_is_400_before_the_look_up(self):
        resp = self.show(new_id(), '?limit=x', **OTHER)
        self.assertEqual(400, resp.status_int)
        self.assertEqual([], self.app.seen)


class TestList(ReadApiTestCase):

    def setUp(self):
        super(TestList, self).setUp()
        at = T0
        self.ids = {}
        for name, owner, by_admin in (('a', 'p1', True), ('b', 'p1', False),
                                      ('c', 'p2', True), ('d', 'p3', False)):
            user, project = ('u-admin', 'admin-project') if by_admin else (
                'u-' + owner, owner)
            image_id = self.app.add(new_id(), owner=owner)
            self.store.event(image_id, 'deactivate', user=user,
                             project=project, is_admin=by_admin,
                             owner=owner, reason='reason ' + name, at=at)
            self.ids[name] = image_id
            at += datetime.timedelta(hours=1)

    def listing(self, query='', **kwargs):
        kwargs.setdefault('is_admin', True)
        kwargs.setdefault('project', 'admin-project')
        kwargs.setdefault('roles', ('admin', 'member', 'reader'))
        return self.call('/v2/deactivations' + query, **kwargs)

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
            'deactivated_at': '2026-12-04T10:00:00.123456Z',
            'deactivated_by': {'user_id': 'u-admin',
                               'project_id': 'admin-project',
                               'is_admin': True},
            'reason': 'reason a', 'hold': True,
            'event_id': self.store.events[0].id, 'owner': 'p1',
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
                ('?since=2026-12-04T11:00:00.123456Z', 'dcb'),
                ('?until=2026-12-04T11:00:00.123456Z', 'ba'),
                # An offset is converted; no offset is UTC (Glance's rule).
                ('?since=2026-12-04T13:00:00.123456%2B02:00', 'dcb'),
                ('?since=2026-12-04T11:30:00', 'dc'),
                ('?since=2026-12-04&until=2026-12-04T12:00:00Z', 'ba'),
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

    def test_limit_is_capped_and_defaulted(self):
        doc = self.listing('?limit=100000').json
        self.assertEqual(4, len(doc['deactivations']))
        self.assertIn('limit=100000', doc['first'])

    def test_member_is_refused(self):
        resp = self.call('/v2/deactivations')
        self.assertEqual(403, resp.status_int)
        self.assertIn('You are not authorized to complete list_deactivations '
                      'action.', resp.text)
        self.assertEqual([], self.store.calls)

    def test_rule_widened_to_the_owner_filter(self):
        self.widen({'image_deactivation:list_deactivations':
                    'rule:image_deactivation:admin or '
                    '(role:reader and project_id:%(project_id)s)'})
        self.setUp_records_again()
        resp = self.call('/v2/deactivations?owner=p1')
        self.assertEqual(200, resp.status_int)
        self.assertEqual('ba', self.names(resp.json))
        for query in ('', '?owner=p2', '?deactivated_by=p1'):
            resp = self.call('/v2/deactivations' + query)
            self.assertEqual(403, resp.status_int, query)

    def setUp_records_again(self):
        # widen() built a new filter with a new, empty store.
        old = self.ids
        self.store.events[:] = []
        at = T0
        for name in 'abcd':
            image = self.app.images[old[name]]
            by_admin = name in 'ac'
            self.store.event(old[name], 'deactivate', owner=image['owner'],
                             is_admin=by_admin, at=at,
                             user='u-admin' if by_admin else
                             'u-' + image['owner'],
                             project='admin-project' if by_admin else
                             image['owner'])
            at += datetime.timedelta(hours=1)

    def test_store_down_is_503(self):
        self.store.down = True
        resp = self.listing()
        self.assertEqual(503, resp.status_int)
        self.assertIn('The image deactivation database is unavailable.',
                      resp.text)
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
        self.assertIn(image_id, self.store.records)

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
            self.call(path, **ADMIN)
            self.assertEqual(('GET', path, ''), self.app.seen[-1])
        self.assertEqual([], self.store.calls)


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
        self.assertEqual('2026-12-04T10:00:00.123456Z',
                         records_api.isotime(T0))
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
