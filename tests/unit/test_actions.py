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

"""The actions' incident record: reasons, events, the hold, notifications.

Driven through the filter built by its factory around the fake image app;
``tests/functional/test_incident.py`` proves the same against Glance 33.
"""

import datetime
import json

import fixtures
import webob

from glance_deactivate import actions
from glance_deactivate import policies
from glance_deactivate import reason
from glance_deactivate import store as state_store
from tests.unit import fakes

ADMIN = fakes.ADMIN
OTHER = fakes.OTHER
new_id = fakes.new_id

JSON = {'Content-Type': 'application/json'}


class RecordingNotifier(object):

    def __init__(self, error=None):
        self.sent = []
        self.error = error

    def emit(self, event_type, payload):
        self.sent.append((event_type, payload))
        if self.error is not None:
            raise self.error


def body(text):
    return json.dumps({'reason': text}).encode('utf-8')


class IncidentTestCase(fakes.FilterTestCase):

    def setUp(self):
        super(IncidentTestCase, self).setUp()
        self.notifier = RecordingNotifier()
        self.filter.actions.notifier = self.notifier

    def history(self, image_id):
        return self.filter.store.history(image_id)


class TestReason(IncidentTestCase):

    def test_deactivate_and_reactivate_with_reasons(self):
        image_id = self.app.add(new_id())
        resp = self.action(image_id, body=body(' malware \u2622 '),
                           headers=JSON, **ADMIN)
        self.assertEqual(204, resp.status_int)
        record = self.filter.store.get(image_id)
        self.assertEqual('malware \u2622', record.reason)
        resp = self.action(image_id, 'reactivate', body=body('cleaned'),
                           headers=JSON, **ADMIN)
        self.assertEqual(204, resp.status_int)
        self.assertEqual(['cleaned', 'malware \u2622'],
                         [e.reason for e in self.history(image_id)])

    def test_a_broken_rule_is_a_400_that_names_it(self):
        image_id = self.app.add(new_id())
        cases = [
            (body('x'), {'Content-Type': 'text/plain'},
             reason.MSG_CONTENT_TYPE),
            (b'{"reason": "x", "force": true}', JSON, reason.MSG_OTHER_KEYS),
            (b'{"reason": 7}', JSON, reason.MSG_NOT_STRING),
            (body('  '), JSON, reason.MSG_EMPTY),
            (body('x' * 256), JSON, reason.MSG_TOO_LONG),
            (body('a\nb'), JSON, reason.MSG_NOT_TEXT),
            (b'{}', JSON, reason.MSG_BODY),
            (b'{"why": "x"}', JSON, reason.MSG_BODY),
        ]
        for action in ('deactivate', 'reactivate'):
            for data, headers, message in cases:
                resp = self.action(image_id, action, body=data,
                                   headers=headers)
                self.assertEqual(400, resp.status_int, data)
                self.assertIn(message, resp.text)
        # Refused before the image service was asked anything.
        self.assertEqual([], self.app.seen)
        self.assertEqual([], self.history(image_id))

    def test_a_reason_with_a_method_override_is_refused(self):
        image_id = self.app.add(new_id())
        resp = self.call('/v2/images/%s/actions/deactivate?_method=DELETE'
                         % image_id, method='POST', body=body('x'),
                         headers=JSON)
        self.assertEqual(400, resp.status_int)
        self.assertIn('Method override (_method) is not supported.',
                      resp.text)
        self.assertEqual([], self.history(image_id))


class TestHistory(IncidentTestCase):

    def test_every_call_is_an_event(self):
        image_id = self.app.add(new_id(), owner='p1')
        req = fakes.request('/v2/images/%s/actions/deactivate' % image_id,
                            method='POST')
        self.assertEqual(204, req.get_response(self.filter).status_int)
        self.assertEqual(204, self.action(image_id).status_int)
        self.assertEqual(204, self.action(image_id, 'reactivate').status_int)
        self.assertEqual(204, self.action(image_id, 'reactivate').status_int)
        events = self.history(image_id)
        self.assertEqual(
            [('reactivate', 'no-op'), ('reactivate', 'changed'),
             ('deactivate', 'no-op'), ('deactivate', 'changed')],
            [(e.action, e.outcome) for e in events])
        first = events[-1]
        self.assertEqual(
            ('u-p1', 'p1', ['member', 'reader'], False,
             req.context.request_id, 'p1', False),
            (first.user_id, first.project_id, first.roles, first.is_admin,
             first.request_id, first.owner, first.held))
        self.assertTrue(first.request_id.startswith('req-'))

    def test_refusals_other_than_the_hold_record_nothing(self):
        queued = self.app.add(new_id(), status='queued')
        public = self.app.add(new_id(), visibility='public')
        self.assertEqual(403, self.action(queued).status_int)
        self.assertEqual(403, self.action(public, **OTHER).status_int)
        self.assertEqual(404, self.action(queued, **OTHER).status_int)
        self.assertEqual([], self.filter.store.history())

    def test_delete_appends_a_deleted_event(self):
        image_id = self.app.add(new_id(), owner='p1')
        self.assertEqual(204, self.action(image_id, **ADMIN).status_int)
        resp = self.call('/v2/images/%s' % image_id, method='DELETE')
        self.assertEqual(204, resp.status_int)
        self.assertIsNone(self.filter.store.get(image_id))
        deleted = self.history(image_id)[0]
        self.assertEqual(('deleted', 'changed', 'u-p1', 'p1', 'p1', False),
                         (deleted.action, deleted.outcome, deleted.user_id,
                          deleted.project_id, deleted.owner, deleted.held))
        self.assertIsNotNone(deleted.request_id)

    def test_a_stale_record_found_at_creation_is_a_deleted_event(self):
        # The image was deleted while the state database was down; an
        # image created anew under its id shows it: nobody to name.
        image_id = new_id()
        self.filter.store.deactivate(image_id, None, owner='p1')
        resp = self.call('/v2/images', method='POST',
                         body=json.dumps({'id': image_id}).encode())
        self.assertEqual(201, resp.status_int)
        deleted = self.history(image_id)[0]
        self.assertEqual(('deleted', 'changed', None, 'p1'),
                         (deleted.action, deleted.outcome, deleted.user_id,
                          deleted.owner))

    def test_a_delete_the_service_did_not_do_records_nothing(self):
        image_id = self.app.add(new_id())
        self.assertEqual(204, self.action(image_id, **ADMIN).status_int)
        self.app.delete_keeps_image = True
        self.call('/v2/images/%s' % image_id, method='DELETE', **ADMIN)
        self.assertEqual(['deactivate'],
                         [e.action for e in self.history(image_id)])


class TestHold(IncidentTestCase):

    def test_an_admins_deactivation_holds_the_image(self):
        image_id = self.app.add(new_id(), owner='p1')
        self.assertEqual(204, self.action(image_id, **ADMIN).status_int)
        self.assertTrue(self.filter.store.get(image_id).held)
        resp = self.action(image_id, 'reactivate', body=body('mine'),
                           headers=JSON)
        self.assertEqual(403, resp.status_int)
        self.assertIn(actions.MSG_HELD, resp.text)
        self.assertEqual('deactivated',
                         self.call('/v2/images/%s' % image_id).json['status'])
        refused = self.history(image_id)[0]
        self.assertEqual(('reactivate', 'refused', 'u-p1', True, 'mine'),
                         (refused.action, refused.outcome, refused.user_id,
                          refused.held, refused.reason))
        # The owner may still repeat the deactivation (a no-op).
        self.assertEqual(204, self.action(image_id).status_int)
        self.assertEqual(204, self.action(image_id, 'reactivate',
                                          **ADMIN).status_int)
        self.assertIsNone(self.filter.store.get(image_id))
        self.assertEqual(['changed', 'no-op', 'refused', 'changed'],
                         [e.outcome for e in self.history(image_id)])

    def test_a_hold_set_after_the_owners_check_still_stands(self):
        # The owner's request read "not held"; an admin's hold came in
        # before its transaction: the store refuses it there.
        image_id = self.app.add(new_id(), owner='p1')
        self.assertEqual(204, self.action(image_id).status_int)
        store = self.filter.store
        state = store.state
        admin = state_store.Actor('op', 'ops', ['admin'], True)

        def state_then_hold(image):
            found = state(image)
            store.reactivate(image, None)
            store.deactivate(image, admin)
            return found

        self.useFixture(fixtures.MockPatchObject(store, 'state',
                                                 side_effect=state_then_hold))
        resp = self.action(image_id, 'reactivate')
        self.assertEqual(403, resp.status_int)
        self.assertIn(actions.MSG_HELD, resp.text)
        self.assertTrue(store.get(image_id).held)
        self.assertEqual(['refused', 'changed', 'changed', 'changed'],
                         [e.outcome for e in self.history(image_id)])

    def test_an_owners_deactivation_does_not_hold(self):
        image_id = self.app.add(new_id(), owner='p1')
        self.assertEqual(204, self.action(image_id).status_int)
        self.assertFalse(self.filter.store.get(image_id).held)
        self.assertEqual(204, self.action(image_id, 'reactivate').status_int)

    def test_a_stranger_gets_glances_refusal_not_the_hold(self):
        image_id = self.app.add(new_id(), owner='p1', visibility='public')
        self.assertEqual(204, self.action(image_id, **ADMIN).status_int)
        resp = self.action(image_id, 'reactivate', **OTHER)
        self.assertEqual(403, resp.status_int)
        self.assertIn('You are not authorized to complete reactivate '
                      'action.', resp.text)
        self.assertEqual(['changed'],
                         [e.outcome for e in self.history(image_id)])

    def test_one_policy_line_restores_glances_behaviour(self):
        with open(self.policy_file, 'w') as f:
            f.write('"image_deactivation:reactivate": "%s"\n'
                    % policies.GLANCE_REACTIVATE)
        self.filter = self.build()
        image_id = self.app.add(new_id(), owner='p1')
        self.assertEqual(204, self.action(image_id, **ADMIN).status_int)
        self.assertEqual(204, self.action(image_id, 'reactivate').status_int)
        self.assertIsNone(self.filter.store.get(image_id))

    def test_admin_by_the_admin_rule(self):
        # Keystone headers without a host context: is_admin comes from
        # the image_deactivation:admin rule (role:admin), not the context.
        image_id = self.app.add(new_id(), visibility='public')
        req = webob.Request.blank(
            '/v2/images/%s/actions/deactivate' % image_id, method='POST',
            headers={'X-Identity-Status': 'Confirmed', 'X-User-Id': 'op',
                     'X-Project-Id': 'ops', 'X-Roles': 'admin,member'})
        req.environ['openstack.request_id'] = 'req-middleware'
        self.assertEqual(204, req.get_response(self.filter).status_int)
        event = self.history(image_id)[0]
        self.assertEqual(('op', True, True, 'req-middleware',
                          ['admin', 'member']),
                         (event.user_id, event.is_admin, event.held,
                          event.request_id, event.roles))


class TestNotifications(IncidentTestCase):

    def test_changes_are_notified_after_the_commit(self):
        image_id = self.app.add(new_id(), owner='p1')
        self.action(image_id, body=body('why'), headers=JSON, **ADMIN)
        self.assertEqual(1, len(self.notifier.sent))
        event_type, payload = self.notifier.sent[0]
        event = self.history(image_id)[0]
        self.assertEqual('image.deactivate', event_type)
        self.assertEqual({
            'image_id': image_id, 'owner': 'p1', 'user_id': 'u-admin-project',
            'project_id': 'admin-project', 'reason': 'why', 'held': True,
            'event_id': event.id, 'request_id': event.request_id,
            'created_at': event.created_at.strftime(
                '%Y-%m-%dT%H:%M:%S.%fZ')}, payload)
        self.assertEqual(event.created_at, datetime.datetime.strptime(
            payload['created_at'], '%Y-%m-%dT%H:%M:%S.%fZ').replace(
                tzinfo=datetime.timezone.utc))
        self.action(image_id, 'reactivate', **ADMIN)
        self.assertEqual('image.reactivate', self.notifier.sent[1][0])
        self.assertIs(False, self.notifier.sent[1][1]['held'])

    def test_no_ops_and_refusals_are_not_notified(self):
        image_id = self.app.add(new_id(), owner='p1', visibility='public')
        self.action(image_id, 'reactivate')
        self.action(image_id, **ADMIN)
        self.notifier.sent[:] = []
        self.action(image_id, **ADMIN)
        self.action(image_id, 'reactivate')
        self.assertEqual(403, self.action(image_id, 'reactivate',
                                          **OTHER).status_int)
        self.assertEqual([], self.notifier.sent)

    def test_a_failing_notifier_does_not_fail_the_action(self):
        self.filter.actions.notifier = RecordingNotifier(
            error=RuntimeError('broker on fire'))
        image_id = self.app.add(new_id())
        self.assertEqual(204, self.action(image_id).status_int)
        self.assertIsNotNone(self.filter.store.get(image_id))

    def test_default_notifier_sends_nothing(self):
        controller = actions.ActionController(None, None, None)
        self.assertIsInstance(controller.notifier, actions.NullNotifier)
        self.assertIsNone(controller.notifier.emit('image.deactivate', {}))
