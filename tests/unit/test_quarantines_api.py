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

"""Content quarantine's API through the filter, around the fake image app.

The filter runs with its real SQLite store and real policy rules; the
notifications go through the real Notifier to oslo.messaging's ``test``
driver.
"""

import datetime
import hashlib
import json
import os

import jsonschema
import testtools
import webob
import webob.exc

from glance_deactivate import matching
from glance_deactivate import notifications
from glance_deactivate import quarantine
from glance_deactivate import quarantines_api
from glance_deactivate import quarantines_schema
from glance_deactivate import reason
from glance_deactivate import store as state_store
from tests.unit import fakes

ADMIN = fakes.ADMIN
OTHER = fakes.OTHER
new_id = fakes.new_id

BAD = b'a backdoored image'
GOOD = b'a good image'
WAIT = 10


def sha512(data):
    return hashlib.sha512(data).hexdigest()


def md5(data):
    return hashlib.md5(data).hexdigest()


def validate(document, name):
    schema = quarantines_schema.get(name)
    jsonschema.validators.validator_for(schema).check_schema(schema)
    jsonschema.validate(document, schema,
                        format_checker=jsonschema.FormatChecker())


class QuarantineTestCase(fakes.FilterTestCase):

    def setUp(self):
        super(QuarantineTestCase, self).setUp()
        self.store = self.filter.store

    def widen(self, rules):
        with open(self.policy_file, 'w') as f:
            for name, rule in rules.items():
                f.write('"%s": "%s"\n' % (name, rule))
        self.filter = self.build()
        self.store = self.filter.store

    def image(self, owner='p1', data=BAD, **fields):
        """An image whose data Glance hashed: sha512 and md5."""
        fields.setdefault('os_hash_algo', 'sha512')
        fields.setdefault('os_hash_value', sha512(data))
        fields.setdefault('checksum', md5(data))
        return self.app.add(new_id(), owner=owner, **fields)

    def post(self, path, body, **caller):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.call(path, method='POST', body=raw,
                         headers={'Content-Type': 'application/json'},
                         **caller)

    def create(self, body, **caller):
        return self.post('/v2/quarantines', body, **caller)

    def lift(self, quarantine_id, body, **caller):
        return self.post('/v2/quarantines/%s/actions/lift' % quarantine_id,
                         body, **caller)

    def quarantined(self, **body):
        body.setdefault('reason', 'CVE-2026-0001: backdoored sshd')
        if not set(body) & {'image_id', 'os_hash_value', 'checksum'}:
            body.update(os_hash_algo='sha512', os_hash_value=sha512(BAD))
        resp = self.create(body, **ADMIN)
        self.assertEqual(201, resp.status_int, resp.text)
        return resp.json

    def events(self, image_id):
        return self.store.history(image_id=image_id)


class TestRoutes(QuarantineTestCase):

    def test_other_methods_are_405_with_allow(self):
        quarantine_id = new_id()
        for path, allow in (
                ('/v2/quarantines', 'GET, POST'),
                ('/v2/quarantines/%s' % quarantine_id, 'GET'),
                ('/v2/quarantines/%s/actions/lift' % quarantine_id, 'POST'),
                ('/v2/schemas/quarantine', 'GET'),
                ('/v2/schemas/quarantines', 'GET')):
            for method in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD',
                           'OPTIONS', 'FOO'):
                if method in allow.split(', '):
                    continue
                resp = self.call(path, method=method, **ADMIN)
                self.assertEqual(405, resp.status_int, (method, path))
                self.assertEqual(allow, resp.headers['Allow'])
        self.assertEqual([], self.app.seen)

    def test_method_override_is_refused(self):
        for path in ('/v2/quarantines?_method=POST',
                     '/v2/quarantines/%s?_method=DELETE' % new_id()):
            resp = self.call(path, **ADMIN)
            self.assertEqual(400, resp.status_int, path)
            self.assertIn('Method override (_method) is not supported.',
                          resp.text)
        resp = self.call('/v2/quarantines', method='POST',
                         headers={'Content-Type':
                                  'application/x-www-form-urlencoded'},
                         body=b'_method=GET', **ADMIN)
        self.assertEqual(400, resp.status_int)
        self.assertEqual([], self.app.seen)

    def test_near_paths_reach_the_image_service(self):
        for path in ('/v2/quarantines/', '/v2/quarantines/x/y',
                     '/v2/quarantines/x/actions/release',
                     '/v2/schemas/quarantinez'):
            self.call(path, **ADMIN)
            self.assertEqual(('GET', path, ''), self.app.seen[-1])


class TestSchemas(QuarantineTestCase):

    def test_schemas_are_served_to_every_caller(self):
        for name in ('quarantine', 'quarantines'):
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


class TestBadInput(QuarantineTestCase):
    """400s with their messages, before any look-up or store call."""

    def test_create_bodies(self):
        value = sha512(BAD)
        algorithms = ', '.join(sorted(quarantine.ALGORITHMS))
        for body, message in (
                (b'{"reason": ', 'Malformed JSON in request body.'),
                (b'\xff', 'Malformed JSON in request body.'),
                (b'[]', 'The request body must be a JSON object.'),
                (b'"x"', 'The request body must be a JSON object.'),
                (b'{"reason": "r", "reason": "s", "checksum": "%s"}'
                 % md5(BAD).encode(),
                 "The request body names 'reason' more than once."),
                (b' ' * (reason.MAX_BODY_BYTES + 1),
                 'The request body must be at most 65536 bytes long.'),
                ({'reason': 'r', 'checksum': md5(BAD), 'name': 'x'},
                 "Additional properties are not allowed ('name' was "
                 "unexpected)"),
                ({'reason': 'r'}, quarantine.MSG_NO_CONTENT),
                ({}, quarantine.MSG_NO_CONTENT),
                ({'checksum': md5(BAD)}, "'reason' is a required property"),
                ({'checksum': md5(BAD), 'reason': '  '},
                 'The reason must not be empty.'),
                ({'checksum': md5(BAD), 'reason': 'a\nb'},
                 'The reason must be Unicode text without control '
                 'characters.'),
                ({'checksum': md5(BAD), 'reason': 'x' * 256},
                 'The reason must be at most 255 characters long.'),
                ({'checksum': md5(BAD), 'reason': 7},
                 'The reason must be a string.'),
                ({'os_hash_algo': 'sha999', 'os_hash_value': value,
                  'reason': 'r'},
                 "Unknown hash algorithm 'sha999'. Valid values are: %s."
                 % algorithms),
                ({'os_hash_algo': 'sha512', 'os_hash_value': value[:-1],
                  'reason': 'r'},
                 "'os_hash_value' for sha512 must be 128 hexadecimal digits "
                 "long, not 127."),
                ({'os_hash_algo': 'sha512', 'os_hash_value': 'g' * 128,
                  'reason': 'r'}, "'os_hash_value' must be hexadecimal."),
                ({'os_hash_value': value, 'reason': 'r'},
                 "'os_hash_algo' and 'os_hash_value' must be given "
                 "together."),
                ({'checksum': md5(BAD)[:31], 'reason': 'r'},
                 "'checksum' for md5 must be 32 hexadecimal digits long, "
                 "not 31."),
                ({'checksum': 32, 'reason': 'r'},
                 "'checksum' must be a string."),
                ({'image_id': new_id(), 'checksum': md5(BAD),
                  'reason': 'r'}, quarantine.MSG_IMAGE_AND_HASH),
                ({'image_id': 5, 'reason': 'r'},
                 "'image_id' must be a string."),
                ({'image_id': 'x/file', 'reason': 'r'},
                 "'image_id' is not an image id."),
                ({'image_id': 'x?y', 'reason': 'r'},
                 "'image_id' is not an image id."),
                ({'image_id': '', 'reason': 'r'},
                 "'image_id' is not an image id."),
                ({'image_id': '..', 'reason': 'r'},
                 "'image_id' is not an image id."),
                ({'image_id': 'x' * 65, 'reason': 'r'},
                 "'image_id' is not an image id.")):
            resp = self.create(body, **ADMIN)
            self.assertEqual(400, resp.status_int, body)
            self.assertIn(message, resp.text, body)
        self.assertEqual([], self.app.seen)

    def test_lift_bodies(self):
        quarantine_id = new_id()
        for body, message in (
                (b'', "'reason' is a required property"),
                ({}, "'reason' is a required property"),
                ({'reason': ''}, 'The reason must not be empty.'),
                ({'reason': 'r', 'force': True},
                 "Additional properties are not allowed ('force' was "
                 "unexpected)"),
                (b'{', 'Malformed JSON in request body.')):
            resp = self.lift(quarantine_id, body, **ADMIN)
            self.assertEqual(400, resp.status_int, body)
            self.assertIn(message, resp.text, body)

    def test_list_query(self):
        for query, message in (
                ('?limit=x', 'limit param must be an integer'),
                ('?limit=-1', 'limit param must be positive'),
                ('?status=active', "Invalid value 'active' for 'status' "
                                   "filter. Valid values are 'live' or "
                                   "'lifted'."),
                ('?owner=p1', 'Unknown query parameter: owner.')):
            resp = self.call('/v2/quarantines' + query, **OTHER)
            self.assertEqual(400, resp.status_int, query)
            self.assertIn(message, resp.text, query)

    def test_show_takes_no_query(self):
        resp = self.call('/v2/quarantines/%s?limit=1' % new_id(), **ADMIN)
        self.assertEqual(400, resp.status_int)
        self.assertIn('Unknown query parameter: limit.', resp.text)


class TestCreatePolicy(QuarantineTestCase):

    def test_a_member_may_not_quarantine_a_hash(self):
        resp = self.create({'checksum': md5(BAD), 'reason': 'r'})
        self.assertEqual(403, resp.status_int)
        self.assertIn('You are not authorized to complete quarantine '
                      'action.', resp.text)
        self.assertEqual([], self.app.seen)
        self.assertEqual([], self.store.list_quarantines())

    def test_invisible_and_missing_images_are_the_same_404(self):
        private = self.image(owner='p1')
        missing = new_id()
        answers = []
        for image_id in (private, missing):
            self.app.seen[:] = []
            resp = self.create({'image_id': image_id, 'reason': 'r'},
                               **OTHER)
            self.assertEqual(404, resp.status_int, image_id)
            answers.append(resp.text.replace(image_id, '<ID>'))
            # The same work for both: one look-up.
            self.assertEqual([('GET', '/v2/images/%s' % image_id, '')],
                             self.app.seen)
        self.assertEqual(answers[0], answers[1])
        self.assertIn('No image found with ID <ID>', answers[0])
        self.assertEqual([], self.store.list_quarantines())

    def test_a_visible_image_is_refused_by_the_rule(self):
        image_id = self.image(owner='p1')
        resp = self.create({'image_id': image_id, 'reason': 'r'})
        self.assertEqual(403, resp.status_int)
        self.assertIn('You are not authorized to complete quarantine '
                      'action.', resp.text)

    def test_an_image_without_a_hash_yet(self):
        image_id = self.app.add(new_id(), owner='p1', status='queued')
        resp = self.create({'image_id': image_id, 'reason': 'r'}, **ADMIN)
        self.assertEqual(400, resp.status_int)
        self.assertIn(quarantine.MSG_NO_HASH % (image_id, 'queued'),
                      resp.text)
        self.assertEqual([], self.store.list_quarantines())

    def test_the_rule_widened(self):
        self.widen({'image_deactivation:quarantine':
                    'rule:image_deactivation:admin or '
                    '(role:member and project_id:%(project_id)s)'})
        mine = self.image(owner='p1')
        other = self.image(owner='p2', data=GOOD, visibility='public')
        resp = self.create({'image_id': other, 'reason': 'r'})
        self.assertEqual(403, resp.status_int)
        resp = self.create({'image_id': mine, 'reason': 'r'})
        self.assertEqual(201, resp.status_int, resp.text)


class TestCreate(QuarantineTestCase):

    def test_by_image_catches_every_copy(self):
        first = self.image(owner='p1')
        copy = self.image(owner='p2')
        other = self.image(owner='p3', data=GOOD)
        resp = self.create({'image_id': first, 'reason': ' CVE-2026-0001 '},
                           **ADMIN)
        self.assertEqual(201, resp.status_int, resp.text)
        doc = resp.json
        validate(doc, 'quarantine')
        self.assertEqual(
            {'status': 'live', 'os_hash_algo': 'sha512',
             'os_hash_value': sha512(BAD), 'checksum': md5(BAD),
             'reason': 'CVE-2026-0001', 'source_image_id': first,
             'created_by': {'user_id': 'u-admin-project',
                            'project_id': 'admin-project'},
             'lifted_at': None, 'lifted_by': None, 'lift_reason': None,
             'images': sorted([first, copy]),
             'self': '/v2/quarantines/%s' % doc['id'],
             'schema': '/v2/schemas/quarantine'},
            {k: v for k, v in doc.items() if k not in ('id',
                                                       'created_at')})
        self.assertTrue(resp.location.endswith(
            '/v2/quarantines/%s' % doc['id']), resp.location)
        self.assertEqual({first, copy},
                         set(self.store.matched_images(doc['id'])))
        for image_id, owner in ((first, 'p1'), (copy, 'p2')):
            event, = self.events(image_id)
            self.assertEqual(
                ('deactivate', 'changed', doc['id'], 'CVE-2026-0001',
                 owner, 'u-admin-project'),
                (event.action, event.outcome, event.quarantine_id,
                 event.reason, event.owner, event.user_id))
        self.assertEqual([], self.events(other))
        q = self.store.get_quarantine(doc['id'])
        self.assertEqual(
            (quarantine.Content('sha512', sha512(BAD), md5(BAD)), first),
            (q.content, q.source_image_id))

    def test_by_hash_normalised_and_by_checksum_alone(self):
        match = self.image(owner='p1')
        doc = self.quarantined(os_hash_algo='SHA512',
                               os_hash_value=sha512(BAD).upper())
        validate(doc, 'quarantine')
        self.assertEqual(('sha512', sha512(BAD), None, None, [match]),
                         (doc['os_hash_algo'], doc['os_hash_value'],
                          doc['checksum'], doc['source_image_id'],
                          doc['images']))
        md5_only = self.image(owner='p2', data=GOOD, os_hash_algo=None,
                              os_hash_value=None)
        doc = self.quarantined(checksum=md5(GOOD).upper())
        self.assertEqual((None, None, md5(GOOD), [md5_only]),
                         (doc['os_hash_algo'], doc['os_hash_value'],
                          doc['checksum'], doc['images']))

    def test_a_hash_before_any_image(self):
        doc = self.quarantined()
        self.assertEqual([], doc['images'])
        self.assertEqual([], self.store.matched_images(doc['id']))

    def test_the_algorithm_must_agree(self):
        # Same value under another algorithm of that length: no match.
        other_algo = self.image(owner='p1', os_hash_algo='sha3_512',
                                checksum=md5(GOOD))
        doc = self.quarantined()
        self.assertEqual([], doc['images'])
        self.assertEqual([], self.events(other_algo))

    def test_hidden_images_match_and_only_active_ones_are_recorded(self):
        hidden = self.image(owner='p1', os_hidden=True)
        saving = self.image(owner='p2', status='pending_delete')
        doc = self.quarantined()
        self.assertEqual(sorted([hidden, saving]), doc['images'])
        self.assertEqual([hidden], self.store.matched_images(doc['id']))
        self.assertEqual([], self.events(saving))

    def test_the_scan_pages_through_the_listing(self):
        ids = sorted(self.image(owner='p%d' % i) for i in range(3))
        self.app.api_limit_max = 1
        doc = self.quarantined(checksum=md5(BAD), os_hash_algo='sha512',
                               os_hash_value=sha512(BAD))
        self.assertEqual(ids, doc['images'])
        listings = [query for method, path, query in self.app.seen
                    if path == '/v2/images']
        # Two filters, twice each (os_hidden); the visible images in three
        # pages of one, the second and third after a marker.
        self.assertIn('os_hash_value=%s&visibility=all&member_status=all&'
                      'os_hidden=false&limit=1000' % sha512(BAD),
                      listings)
        self.assertIn('checksum=%s&visibility=all&member_status=all&'
                      'os_hidden=true&limit=1000' % md5(BAD), listings)
        self.assertTrue(any('marker=' in query for query in listings))

    def test_same_live_content_is_409(self):
        image_id = self.image(owner='p1')
        first = self.quarantined(checksum=md5(BAD))
        for body in ({'checksum': md5(BAD).upper()},
                     {'os_hash_algo': 'md5', 'os_hash_value': md5(BAD),
                      'checksum': md5(BAD)},
                     {'image_id': image_id}):
            body['reason'] = 'again'
            resp = self.create(body, **ADMIN)
            self.assertEqual(409, resp.status_int, body)
            self.assertIn('This content is already quarantined: quarantine '
                          '%s.' % first['id'], resp.text)
        self.assertEqual(1, len(self.store.list_quarantines()))


class TestShow(QuarantineTestCase):

    def test_admin_sees_the_images_it_matches(self):
        first = self.image(owner='p1')
        doc = self.quarantined()
        copy = self.image(owner='p2', visibility='public')
        resp = self.call(doc['self'], **ADMIN)
        self.assertEqual(200, resp.status_int)
        shown = resp.json
        validate(shown, 'quarantine')
        self.assertEqual(sorted([first, copy]), shown['images'])
        self.assertEqual(dict(doc, images=shown['images']), shown)
        # The image found since is recorded now, once.
        self.assertEqual({first, copy},
                         set(self.store.matched_images(doc['id'])))
        self.call(doc['self'], **ADMIN)
        self.assertEqual(1, len(self.events(copy)))

    def test_refused_and_missing_are_the_same_404(self):
        self.image(owner='p1')
        doc = self.quarantined()
        answers = []
        for quarantine_id in (doc['id'], new_id()):
            self.app.seen[:] = []
            resp = self.call('/v2/quarantines/%s' % quarantine_id)
            self.assertEqual(404, resp.status_int)
            answers.append(resp.text.replace(quarantine_id, '<ID>'))
            self.assertEqual([], self.app.seen)
        self.assertEqual(answers[0], answers[1])
        self.assertIn('No quarantine found with ID <ID>', answers[0])

    def test_a_widened_rule_shows_the_images_the_caller_can_see(self):
        self.widen({'image_deactivation:get_quarantine': 'role:reader'})
        mine = self.image(owner='p1')
        self.image(owner='p2')
        public = self.image(owner='p3', visibility='public')
        doc = self.quarantined()
        shown = self.call(doc['self']).json
        self.assertEqual(sorted([mine, public]), shown['images'])


class TestList(QuarantineTestCase):

    def setUp(self):
        super(TestList, self).setUp()
        # a, b, c made in that order; b lifted.
        self.made = [self.quarantined(checksum=md5(data))['id']
                     for data in (b'a', b'b', b'c')]
        resp = self.lift(self.made[1], {'reason': 'false positive'},
                         **ADMIN)
        self.assertEqual(200, resp.status_int, resp.text)

    def names(self, doc):
        by_id = dict(zip(self.made, 'abc'))
        return ''.join(by_id[q['id']] for q in doc['quarantines'])

    def listing(self, query='', **caller):
        return self.call('/v2/quarantines' + query,
                         **(caller or ADMIN))

    def test_newest_first_and_by_status(self):
        for query, expected in (('', 'cba'), ('?status=live', 'ca'),
                                ('?status=lifted', 'b'),
                                ('?status=x&status=live', 'ca')):
            resp = self.listing(query)
            self.assertEqual(200, resp.status_int, resp.text)
            validate(resp.json, 'quarantines')
            self.assertEqual(expected, self.names(resp.json), query)
        doc = self.listing('?status=lifted').json
        lifted = doc['quarantines'][0]
        self.assertEqual(('lifted', 'false positive',
                          {'user_id': 'u-admin-project',
                           'project_id': 'admin-project'}),
                         (lifted['status'], lifted['lift_reason'],
                          lifted['lifted_by']))
        self.assertEqual('/v2/quarantines?status=lifted', doc['first'])
        self.assertEqual('/v2/schemas/quarantines', doc['schema'])
        self.assertNotIn('next', doc)
        # Answered from the store alone.
        self.app.seen[:] = []
        self.assertEqual(200, self.listing().status_int)
        self.assertEqual([], self.app.seen)

    def test_pages(self):
        seen = ''
        path = '/v2/quarantines?limit=1'
        while path:
            doc = self.call(path, **ADMIN).json
            validate(doc, 'quarantines')
            self.assertEqual('/v2/quarantines?limit=1', doc['first'])
            seen += self.names(doc)
            path = doc.get('next')
        self.assertEqual('cba', seen)
        doc = self.listing('?limit=1&status=live').json
        self.assertEqual('/v2/quarantines?limit=1&status=live&marker=%s'
                         % self.made[2], doc['next'])

    def test_unknown_marker(self):
        marker = new_id()
        for query in ('?marker=%s' % marker, '?marker='):
            resp = self.listing(query)
            self.assertEqual(400, resp.status_int)
            self.assertIn('No quarantine found with ID %s'
                          % query.split('=')[1], resp.text)

    def test_a_member_is_refused(self):
        resp = self.listing(**OTHER)
        self.assertEqual(403, resp.status_int)
        self.assertIn('You are not authorized to complete list_quarantines '
                      'action.', resp.text)


class TestLift(QuarantineTestCase):

    def test_lift_reactivates_all_but_an_image_deactivated_on_its_own(self):
        first = self.image(owner='p1')
        own = self.image(owner='p2')
        doc = self.quarantined(image_id=first)
        self.assertEqual(204, self.action(own, **ADMIN).status_int)
        resp = self.lift(doc['id'], {'reason': 'fixed upstream'}, **ADMIN)
        self.assertEqual(200, resp.status_int, resp.text)
        lifted = resp.json
        validate(lifted, 'quarantine')
        self.assertEqual(('lifted', 'fixed upstream',
                          {'user_id': 'u-admin-project',
                           'project_id': 'admin-project'}),
                         (lifted['status'], lifted['lift_reason'],
                          lifted['lifted_by']))
        self.assertIsNotNone(lifted['lifted_at'])
        self.assertNotIn('images', lifted)
        latest = {image_id: self.events(image_id)[0]
                  for image_id in (first, own)}
        self.assertEqual(('reactivate', 'changed', doc['id']),
                         (latest[first].action, latest[first].outcome,
                          latest[first].quarantine_id))
        self.assertEqual(('reactivate', 'no-op', doc['id']),
                         (latest[own].action, latest[own].outcome,
                          latest[own].quarantine_id))
        self.assertIsNotNone(self.store.get(own))
        self.assertFalse(self.store.get_quarantine(doc['id']).live)
        # A lifted quarantine's content may be quarantined again.
        self.quarantined(image_id=first)

    def test_lifting_twice_is_409(self):
        doc = self.quarantined()
        self.assertEqual(200, self.lift(doc['id'], {'reason': 'ok'},
                                        **ADMIN).status_int)
        resp = self.lift(doc['id'], {'reason': 'again'}, **ADMIN)
        self.assertEqual(409, resp.status_int)
        self.assertIn('Quarantine %s is already lifted.' % doc['id'],
                      resp.text)
        self.assertEqual('ok', self.store.get_quarantine(
            doc['id']).lift_reason)

    def test_refused_and_missing_are_the_same_404(self):
        doc = self.quarantined()
        answers = []
        for quarantine_id in (doc['id'], new_id()):
            resp = self.lift(quarantine_id, {'reason': 'r'})
            self.assertEqual(404, resp.status_int)
            answers.append(resp.text.replace(quarantine_id, '<ID>'))
        self.assertEqual(answers[0], answers[1])
        self.assertTrue(self.store.get_quarantine(doc['id']).live)


class TestNotifications(QuarantineTestCase):

    def setUp(self):
        from oslo_messaging.notify import _impl_test
        self.sent = _impl_test
        _impl_test.reset()
        self.addCleanup(_impl_test.reset)
        super(TestNotifications, self).setUp()
        self.addCleanup(self.filter.notifier.close, WAIT)

    def build(self, **settings):
        path = os.path.join(self.tmp, 'notify.conf')
        with open(path, 'w') as out:
            out.write('[oslo_messaging_notifications]\ndriver = test\n'
                      'transport_url = fake:/\n')
        return super(TestNotifications, self).build(
            oslo_config_file=path, **settings)

    def messages(self):
        self.assertTrue(self.filter.notifier.close(WAIT))
        found = [(message['event_type'], message['payload'])
                 for _c, message, _p, _r in self.sent.NOTIFICATIONS]
        self.sent.reset()
        return found

    def test_start_end_and_one_per_image(self):
        first = self.image(owner='p1')
        own = self.image(owner='p2')
        doc = self.quarantined(image_id=first)
        sent = self.messages()
        self.assertEqual([notifications.DEACTIVATE, notifications.DEACTIVATE,
                          notifications.QUARANTINE_START],
                         [event_type for event_type, _p in sent])
        self.assertEqual(sorted([first, own]),
                         sorted(p['image_id'] for _t, p in sent[:2]))
        for _t, payload in sent[:2]:
            self.assertEqual(doc['id'], payload['quarantine_id'])
            self.assertEqual(set(notifications.PAYLOAD_KEYS) |
                             {'quarantine_id'}, set(payload))
        expected = {k: v for k, v in doc.items()
                    if k not in ('self', 'schema', 'images')}
        self.assertEqual(expected, sent[2][1])
        self.assertEqual(204, self.action(own, **ADMIN).status_int)
        self.messages()
        self.assertEqual(200, self.lift(doc['id'], {'reason': 'ok'},
                                        **ADMIN).status_int)
        sent = self.messages()
        self.assertEqual([notifications.REACTIVATE,
                          notifications.QUARANTINE_END],
                         [event_type for event_type, _p in sent])
        self.assertEqual((first, doc['id']),
                         (sent[0][1]['image_id'],
                          sent[0][1]['quarantine_id']))
        self.assertEqual(('lifted', 'ok'),
                         (sent[1][1]['status'], sent[1][1]['lift_reason']))

    def test_a_refused_create_sends_nothing(self):
        self.image(owner='p1')
        self.assertEqual(403, self.create({'checksum': md5(BAD),
                                           'reason': 'r'}).status_int)
        self.assertEqual([], self.messages())


class TestHelpers(testtools.TestCase):

    def test_payload_of_an_event(self):
        event = state_store.Event(
            'e1', 'i1', 'deactivate', 'changed',
            datetime.datetime(2026, 12, 4, 10, tzinfo=datetime.timezone.utc),
            'u', 'p', [], True, 'req', 'why', 'o', True,
            quarantine_id='q1')
        payload = quarantines_api.event_payload(event)
        self.assertEqual('q1', payload['quarantine_id'])
        self.assertEqual('i1', payload['image_id'])
        self.assertEqual('2026-12-04T10:00:00.000000Z',
                         payload['created_at'])


class TestScanner(testtools.TestCase):
    """matching.Scanner on the fake image app, as the caller."""

    def setUp(self):
        super(TestScanner, self).setUp()
        self.app = fakes.FakeImageApp()
        self.scan = matching.Scanner(self.app, 1024 * 1024)
        self.q = quarantine.Quarantine(
            'q1', quarantine.Content('sha512', sha512(BAD), md5(BAD)), 'r',
            datetime.datetime(2026, 12, 4, tzinfo=datetime.timezone.utc))

    def add(self, owner, data=BAD, **fields):
        fields.setdefault('os_hash_algo', 'sha512')
        fields.setdefault('os_hash_value', sha512(data))
        fields.setdefault('checksum', md5(data))
        return self.app.add(new_id(), owner=owner, **fields)

    def environ(self, **caller):
        return fakes.request('/v2/quarantines', **caller).environ

    def test_what_the_caller_can_see(self):
        mine = self.add('p1')
        theirs = self.add('p2')
        by_checksum = self.add('p1', os_hash_algo='sha256',
                               os_hash_value=hashlib.sha256(BAD).hexdigest())
        hidden = self.add('p1', os_hidden=True)
        self.add('p1', data=GOOD)
        self.assertEqual(sorted([mine, by_checksum, hidden]),
                         sorted(self.scan(self.environ(), self.q, 10)))
        self.assertEqual(sorted([mine, theirs, by_checksum, hidden]),
                         sorted(self.scan(self.environ(**ADMIN), self.q,
                                          10)))

    def test_a_refusal_is_scan_failed(self):
        self.app.list_answer = webob.exc.HTTPForbidden()
        error = self.assertRaises(matching.ScanFailed, self.scan,
                                  self.environ(), self.q, 10)
        self.assertEqual(403, error.response.status_int)
        self.app.list_answer = webob.Response(json_body={'x': 1})
        self.assertRaises(matching.ScanFailed, self.scan, self.environ(),
                          self.q, 10)

    def test_filters_of_a_content(self):
        self.assertEqual([('os_hash_value', sha512(BAD)),
                          ('checksum', md5(BAD))],
                         matching.listing_filters(self.q.content))
        self.assertEqual([('checksum', md5(BAD))], matching.listing_filters(
            quarantine.Content(checksum=md5(BAD))))
