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

"""The incident record against real Glance 33: reasons, history, the hold.

Each class runs a :class:`fixtures.Pair`: ``ours`` (Glance 33 with the
filter; Glance's own deactivate/reactivate rules are ``"!"``) beside
``native`` (Glance 33 deactivating by itself), so that the one intended
difference, the hold, is shown against Glance's own answer, and so is the
policy line that removes it.

* A reason travels from the request to the record and the history; each
  broken rule gets its own 400, any other body Glance's own 400.
* Every call is an event carrying the caller, its roles, the image's owner
  and the request id Glance answered with (``x-openstack-request-id``).
* An admin's deactivation holds the image: its owner's reactivation is
  403 and recorded as refused, where native Glance reactivates.
* With ``"image_deactivation:reactivate": "rule:image_deactivation:admin or
  (role:member and project_id:%(project_id)s)"`` the owner reactivates, as
  on native Glance.
* A DELETE of a deactivated image appends a ``deleted`` event.
"""

import json
import uuid

from glance_deactivate import actions
from glance_deactivate import policies
from glance_deactivate import reason
from glance_deactivate import store as state_store
from tests.functional import fixtures

ADMIN = fixtures.ADMIN
OWNER = fixtures.OWNER
OURS = fixtures.OURS
NATIVE = fixtures.NATIVE
JSON = fixtures.JSON

GLANCE_POLICY = '"%s": "%s"\n' % (policies.REACTIVATE,
                                  policies.GLANCE_REACTIVATE)


def reason_body(text):
    return json.dumps({'reason': text})


class _IncidentTestCase(fixtures.PairTestCase):

    @classmethod
    def setUpClass(cls):
        super(_IncidentTestCase, cls).setUpClass()
        cls.store = None
        if not cls.skip_reason:
            cls.store = state_store.DeactivationStore.from_url(
                cls.pair.servers[OURS].state_db, max_retries=0)

    @classmethod
    def tearDownClass(cls):
        if cls.store is not None:
            cls.store.dispose()
        super(_IncidentTestCase, cls).tearDownClass()

    def post(self, stack, image_id, action, headers=OWNER, **kwargs):
        return self.pair.call(stack, 'POST', '/v2/images/%s/actions/%s' % (
            image_id, action), headers, **kwargs)

    def download_state(self, stack, image_id):
        return fixtures.download_state(self.pair.call(
            stack, 'GET', '/v2/images/%s/file' % image_id, OWNER))

    def image(self, **kwargs):
        """A fresh active image with the same id on both stacks."""
        kwargs.setdefault('data', fixtures.DATA)
        return self.pair.create_both(**kwargs)


class IncidentTest(_IncidentTestCase):
    """The default policy: the hold is on."""

    PREFIX = 'gd-incident-'

    def test_a_reason_reaches_record_and_history(self):
        image_id = self.image()
        text = '  CVE-2026-0001 \u2622 in the kernel package  '
        resp = self.post(OURS, image_id, 'deactivate', dict(ADMIN, **JSON),
                         data=reason_body(text).encode('utf-8'))
        self.assertEqual(204, resp.status_code, resp.text)
        record = self.store.get(image_id)
        self.assertEqual(text.strip(), record.reason)
        self.assertTrue(record.held)
        self.assertEqual('owner-project', record.owner)
        event = self.store.history(image_id)[0]
        self.assertEqual(
            (record.event_id, 'deactivate', 'changed', text.strip(),
             'user-of-admin-project', 'admin-project',
             ['admin', 'member', 'reader'], True, 'owner-project'),
            (event.id, event.action, event.outcome, event.reason,
             event.user_id, event.project_id, sorted(event.roles),
             event.is_admin, event.owner))
        # The request id is the one Glance answered with.
        self.assertEqual(resp.headers['x-openstack-request-id'],
                         event.request_id)
        resp = self.post(OURS, image_id, 'reactivate',
                         dict(ADMIN, **JSON), data=reason_body('fixed'))
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual(['fixed', text.strip()],
                         [e.reason for e in self.store.history(image_id)])

    def test_a_client_chosen_request_id_is_the_one_glance_logs(self):
        image_id = self.image()
        request_id = 'req-%s' % uuid.uuid4()
        resp = self.post(OURS, image_id, 'deactivate', dict(
            OWNER, **{'X-OpenStack-Request-ID': request_id}))
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual(request_id, resp.headers['x-openstack-request-id'])
        self.assertEqual(request_id,
                         self.store.history(image_id)[0].request_id)

    def test_each_broken_rule_is_a_400_that_names_it(self):
        image_id = self.image()
        cases = [
            (reason_body('x'), {'Content-Type': 'text/plain'},
             reason.MSG_CONTENT_TYPE),
            ('{"reason": "x", "hold": false}', JSON, reason.MSG_OTHER_KEYS),
            ('{"reason": ["x"]}', JSON, reason.MSG_NOT_STRING),
            (reason_body(' \t '), JSON, reason.MSG_EMPTY),
            (reason_body('\u00e9' * 256), JSON, reason.MSG_TOO_LONG),
            (reason_body('line\nbreak'), JSON, reason.MSG_NOT_TEXT),
        ]
        for action in ('deactivate', 'reactivate'):
            for body, headers, message in cases:
                resp = self.post(OURS, image_id, action,
                                 dict(OWNER, **headers),
                                 data=body.encode('utf-8'))
                self.assertEqual(400, resp.status_code, body)
                self.assertIn(message, resp.text)
        self.assertEqual([], self.store.history(image_id))
        self.assertEqual('active', self.pair.status(OURS, image_id))

    def test_other_bodies_get_glances_own_400(self):
        image_id = self.image()
        for body in ('{}', '{"why": "x"}', 'reason=x', '[]'):
            answers = {}
            for stack in fixtures.STACKS:
                resp = self.post(stack, image_id, 'deactivate',
                                 dict(OWNER, **JSON), data=body)
                answers[stack] = resp.status_code
                self.assertIn(actions.MSG_BODY, resp.text)
            self.assertEqual({OURS: 400, NATIVE: 400}, answers, body)
        self.assertEqual([], self.store.history(image_id))

    def test_every_call_is_an_event(self):
        image_id = self.image()
        for action, expected in (('reactivate', 'no-op'),
                                 ('deactivate', 'changed'),
                                 ('deactivate', 'no-op'),
                                 ('reactivate', 'changed')):
            resp = self.post(OURS, image_id, action)
            self.assertEqual(204, resp.status_code, resp.text)
            event = self.store.history(image_id)[0]
            self.assertEqual((action, expected),
                             (event.action, event.outcome))
            self.assertEqual(resp.headers['x-openstack-request-id'],
                             event.request_id)
        self.assertEqual(4, len(self.store.history(image_id)))
        self.assertFalse(any(e.held for e in self.store.history(image_id)))

    def test_the_hold_is_the_one_difference_from_glance(self):
        image_id = self.image()
        for stack in fixtures.STACKS:
            self.pair.action(stack, image_id, 'deactivate')
        answers = {stack: self.post(stack, image_id, 'reactivate')
                   for stack in fixtures.STACKS}
        # Native Glance lets the owner undo the operator's deactivation.
        self.assertEqual(204, answers[NATIVE].status_code)
        self.assertEqual('active', self.pair.status(NATIVE, image_id))
        # Here the operator's hold stands.
        self.assertEqual(403, answers[OURS].status_code)
        self.assertIn(actions.MSG_HELD, answers[OURS].text)
        self.assertEqual('deactivated', self.pair.status(OURS, image_id))
        self.assertEqual('deactivated', self.download_state(OURS, image_id))
        refused = self.store.history(image_id)[0]
        self.assertEqual(
            ('reactivate', 'refused', 'user-of-owner-project', False, True,
             answers[OURS].headers['x-openstack-request-id']),
            (refused.action, refused.outcome, refused.user_id,
             refused.is_admin, refused.held, refused.request_id))
        # An admin lifts it.
        resp = self.post(OURS, image_id, 'reactivate', ADMIN)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual('active', self.pair.status(OURS, image_id))
        self.assertEqual(['changed', 'refused', 'changed'],
                         [e.outcome for e in self.store.history(image_id)])

    def test_an_owners_deactivation_is_not_held(self):
        image_id = self.image()
        for stack in fixtures.STACKS:
            self.assertEqual(204, self.post(stack, image_id,
                                            'deactivate').status_code)
            self.assertEqual(204, self.post(stack, image_id,
                                            'reactivate').status_code)
            self.assertEqual('active', self.pair.status(stack, image_id))

    def test_an_admins_repeat_holds_an_owners_deactivation(self):
        # The owner deactivated first; the operator who then deactivates
        # it too (204) holds it: the owner cannot lift it any more.
        image_id = self.image()
        self.assertEqual(204, self.post(OURS, image_id,
                                        'deactivate').status_code)
        self.assertEqual(204, self.post(OURS, image_id, 'deactivate',
                                        ADMIN).status_code)
        resp = self.post(OURS, image_id, 'reactivate')
        self.assertEqual(403, resp.status_code, resp.text)
        self.assertIn(actions.MSG_HELD, resp.text)
        self.assertEqual('deactivated', self.pair.status(OURS, image_id))
        self.assertEqual([('reactivate', 'refused', True),
                          ('deactivate', 'no-op', True),
                          ('deactivate', 'changed', False)],
                         [(e.action, e.outcome, e.held)
                          for e in self.store.history(image_id)])

    def test_delete_of_a_deactivated_image_is_an_event(self):
        image_id = self.image()
        self.pair.action(OURS, image_id, 'deactivate')
        resp = self.pair.call(OURS, 'DELETE', '/v2/images/%s' % image_id,
                              OWNER)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertIsNone(self.store.get(image_id))
        deleted = self.store.history(image_id)[0]
        self.assertEqual(
            ('deleted', 'changed', 'user-of-owner-project', 'owner-project',
             resp.headers['x-openstack-request-id']),
            (deleted.action, deleted.outcome, deleted.user_id,
             deleted.owner, deleted.request_id))
        self.assertEqual(['deleted', 'deactivate'],
                         [e.action for e in self.store.history(image_id)])


class GlancePolicyTest(_IncidentTestCase):
    """The one policy line that restores Glance's behaviour."""

    PREFIX = 'gd-incident-glance-'
    PAIR_KWARGS = {'policy': GLANCE_POLICY}

    def test_the_owner_lifts_an_admins_deactivation_as_on_glance(self):
        image_id = self.image()
        for stack in fixtures.STACKS:
            self.pair.action(stack, image_id, 'deactivate')
        for stack in fixtures.STACKS:
            resp = self.post(stack, image_id, 'reactivate')
            self.assertEqual(204, resp.status_code, stack)
            self.assertEqual('active', self.pair.status(stack, image_id))
            self.assertEqual('active', self.download_state(stack, image_id))
        self.assertEqual(['changed', 'changed'],
                         [e.outcome for e in self.store.history(image_id)])

    def test_strangers_are_still_refused(self):
        image_id = self.image(visibility='community')
        for stack in fixtures.STACKS:
            self.pair.action(stack, image_id, 'deactivate')
            resp = self.post(stack, image_id, 'reactivate', fixtures.OTHER)
            self.assertEqual(403, resp.status_code, stack)
            self.assertIn('You are not authorized to complete reactivate '
                          'action.', resp.text)
