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

"""Notifications through the real RabbitMQ, from real Glance 33 and the filter.

Each test starts its own Glance API (filter mode, one worker) whose
glance-api.conf enables notifications the standard way
(``[oslo_messaging_notifications] driver = messagingv2``) on a topic of the
test's own, and an oslo.messaging notification listener on that topic
(``fixtures.NotificationListener``):

* ``NotificationsTest``: ``image.deactivate`` and ``image.reactivate``
  arrive after the actions that changed the image, with their payload;
  a repeat that changed nothing and refused attempts send nothing.
* ``QuarantineNotificationsTest``: a quarantine sends
  ``image.deactivate`` (with the quarantine's id) for each image it
  holds, then ``image.content_quarantine.start``; an image of that content
  found later sends its own ``image.deactivate``; the lift sends
  ``image.reactivate`` for each image it frees, then
  ``image.content_quarantine.end``.
* ``BrokerFaultsTest``: the broker is reached through ``fixtures.TcpRelay``,
  stopped (nothing listens on the broker's port: a broker that is down) or
  frozen (connections stay open, nothing answers: a silent broker).  The
  actions still answer 204 and change the image, the filter logs the
  failure once, and once the broker is back notifications arrive again.
  The actions' times are measured and attached as the ``timings`` detail
  (``stestr last --all-attachments``); no test asserts a time.

Glance's own notifications are turned off (Glance's
``disabled_notifications``): Glance sends them in the request, so a broker
that is down or silent would hold Glance's own calls.

Without RabbitMQ the tests skip, except under CI (``CI=true``), where they
fail.
"""

import re
import time

import testtools
from testtools import content

from glance_deactivate import notifications
from tests.functional import fixtures

# Seconds to wait for a notification that must arrive; after a fault,
# oslo.messaging's RabbitMQ driver takes its own time (its reconnection
# back-off, up to rabbit_interval_max = 30 s, and the heartbeat timeout of
# a connection that went silent, 60 s) before it sends again.
ARRIVAL_TIMEOUT = 30
RECOVERY_TIMEOUT = 240

QUARANTINE_PREFIX = 'image.content_quarantine.'
QUARANTINE_START = QUARANTINE_PREFIX + 'start'
QUARANTINE_END = QUARANTINE_PREFIX + 'end'

REASON = 'CVE-2026-0001: compromised base image \N{WARNING SIGN}'
OURS = (notifications.DEACTIVATE, notifications.REACTIVATE)
TIME = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$')

FAILURE = 'Notifications cannot be sent to the message broker'
RECOVERY = 'The message broker takes notifications again'

# Glance 33's own notification types and groups (glance/notifier.py).
GLANCE_NOTIFICATIONS = (
    'image.create', 'image.prepare', 'image.upload', 'image.activate',
    'image.update', 'image.delete', 'image.send', 'image.member.create',
    'image.member.update', 'image.member.delete', 'task',
    'metadef_namespace', 'metadef_object', 'metadef_property',
    'metadef_resource_type', 'metadef_tag')

NOTIFICATION_CONF = """\
[DEFAULT]
disabled_notifications = {glance}

[oslo_messaging_notifications]
driver = messagingv2
transport_url = {url}
topics = {topic}
"""


class _NotificationsTestCase(testtools.TestCase):

    def start(self, broker_port=fixtures.RABBIT_PORT):
        """Glance with the filter, sending to a listener of the test's own."""
        fixtures.require_rabbitmq()
        self.listener = self.useFixture(fixtures.NotificationListener())
        directory = fixtures.ServerDir('gd-notify-')
        self.addCleanup(directory.remove)
        server = directory.server('filter', name='glance')
        server.extra_conf = NOTIFICATION_CONF.format(
            glance=','.join(GLANCE_NOTIFICATIONS),
            url=fixtures.rabbit_url(port=broker_port),
            topic=self.listener.topic)
        self.server = fixtures.use_server(self, server)
        self.client = fixtures.Client()
        self.addCleanup(self.client.close)
        self.timings = []
        self.addCleanup(lambda: self.addDetail('timings', content.text_content(
            '\n'.join(self.timings) + '\n')))

    def create_image(self):
        return fixtures.create_image(self.server.url, client=self.client)

    def act(self, image_id, name, headers=fixtures.ADMIN, **kwargs):
        started = time.monotonic()
        resp = fixtures.action(self.server.url, image_id, name, headers,
                               client=self.client, **kwargs)
        self.timings.append('%d. %s: %d in %.3f s' % (
            len(self.timings) + 1, name, resp.status_code,
            time.monotonic() - started))
        return resp

    def status_of(self, image_id):
        return fixtures.status_of(self.server.url, image_id,
                                  client=self.client)

    def ours(self, image_id=None):
        return [n for n in self.listener.received if n.event_type in OURS
                and image_id in (None, n.payload.get('image_id'))]

    def wait_for_request(self, resp, timeout=ARRIVAL_TIMEOUT):
        """The notification of the action that answered ``resp``."""
        request_id = resp.headers.get('x-openstack-request-id')
        self.assertTrue(request_id, resp.headers)

        def arrived(received):
            return [n for n in received
                    if n.payload.get('request_id') == request_id]
        if not self.listener.wait_for(arrived, timeout):
            self.fail('no notification of request %s within %d s; received '
                      '%s' % (request_id, timeout, self.listener.received))
        return arrived(self.listener.received)[0]

    def log_count(self, text):
        with open('%s/glance-api.log' % self.server.workdir,
                  errors='replace') as log:
            return log.read().count(text)

    def wait_for_log(self, text, timeout=ARRIVAL_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not self.log_count(text) and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.log_count(text)


class NotificationsTest(_NotificationsTestCase):

    def test_changes_are_notified_and_nothing_else(self):
        self.start()
        image_id = self.create_image()
        # Refused: a reader of the owning project, another project (404).
        self.assertEqual(403, self.act(image_id, 'deactivate',
                                       fixtures.OWNER_READER).status_code)
        self.assertEqual(404, self.act(image_id, 'deactivate',
                                       fixtures.OTHER).status_code)
        deactivated = self.act(image_id, 'deactivate',
                               json={'reason': REASON})
        self.assertEqual(204, deactivated.status_code, deactivated.text)
        # A repeat changes nothing; the owner cannot lift an operator's hold.
        self.assertEqual(204, self.act(image_id, 'deactivate').status_code)
        held = self.act(image_id, 'reactivate', fixtures.OWNER)
        self.assertEqual(403, held.status_code)
        self.assertIn('held', held.text)
        reactivated = self.act(image_id, 'reactivate')
        self.assertEqual(204, reactivated.status_code, reactivated.text)
        self.assertEqual('active', self.status_of(image_id))

        last = self.wait_for_request(reactivated)
        # One sender per worker sends in order: anything the refusals or
        # the repeat had sent would have arrived before the last one.
        ours = self.ours()
        self.assertEqual([notifications.DEACTIVATE,
                          notifications.REACTIVATE],
                         [n.event_type for n in ours], ours)
        self.assertEqual(last, ours[-1])
        first = ours[0]
        for notification in ours:
            self.assertEqual('image.localhost', notification.publisher_id)
            payload = notification.payload
            self.assertEqual(set(notifications.PAYLOAD_KEYS), set(payload))
            self.assertEqual(image_id, payload['image_id'])
            self.assertEqual('owner-project', payload['owner'])
            self.assertEqual(fixtures.ADMIN['X-User-Id'], payload['user_id'])
            self.assertEqual('admin-project', payload['project_id'])
            self.assertRegex(payload['created_at'], TIME)
        self.assertEqual(
            {'reason': REASON, 'held': True,
             'request_id': deactivated.headers['x-openstack-request-id']},
            {key: first.payload[key]
             for key in ('reason', 'held', 'request_id')})
        self.assertEqual(
            {'reason': None, 'held': False,
             'request_id': reactivated.headers['x-openstack-request-id']},
            {key: last.payload[key]
             for key in ('reason', 'held', 'request_id')})
        self.assertNotEqual(first.payload['event_id'],
                            last.payload['event_id'])
        self.assertLessEqual(first.payload['created_at'],
                             last.payload['created_at'])
        self.assertEqual(0, self.log_count(FAILURE))


class QuarantineNotificationsTest(_NotificationsTestCase):

    def quarantine_events(self):
        return [n for n in self.listener.received
                if n.event_type.startswith(QUARANTINE_PREFIX)]

    def wait_for_event(self, event_type, **payload):
        def arrived(received):
            return [n for n in received if n.event_type == event_type and
                    all(n.payload.get(k) == v for k, v in payload.items())]
        if not self.listener.wait_for(arrived, ARRIVAL_TIMEOUT):
            self.fail('no %s %s within %d s; received %s' % (
                event_type, payload, ARRIVAL_TIMEOUT,
                self.listener.received))
        return arrived(self.listener.received)[0]

    def test_a_quarantine_and_its_lift_are_notified(self):
        self.start()
        held = self.create_image()
        resp = self.client.request(
            'POST', self.server.url + '/v2/quarantines',
            dict(fixtures.ADMIN, **fixtures.JSON),
            json={'image_id': held, 'reason': REASON})
        self.assertEqual(201, resp.status_code, resp.text)
        qid = resp.json()['id']
        request_id = resp.headers['x-openstack-request-id']
        start = self.wait_for_event(QUARANTINE_START)
        deactivated = self.wait_for_event(notifications.DEACTIVATE,
                                          image_id=held, quarantine_id=qid)
        self.assertEqual(
            ('owner-project', REASON, request_id),
            (deactivated.payload['owner'], deactivated.payload['reason'],
             deactivated.payload['request_id']))
        self.assertEqual(
            (qid, 'live', REASON, held, fixtures.ADMIN['X-User-Id']),
            (start.payload['id'], start.payload['status'],
             start.payload['reason'], start.payload['source_image_id'],
             start.payload['created_by']['user_id']))
        # One sender per worker sends in order: the image's notification
        # went first.
        order = [n.event_type for n in self.listener.received]
        self.assertLess(order.index(notifications.DEACTIVATE),
                        order.index(QUARANTINE_START))

        # A copy uploaded later is found at its first download.
        late = self.create_image()
        resp = fixtures.download_state(self.client.request(
            'GET', self.server.url + '/v2/images/%s/file' % late,
            fixtures.OWNER))
        self.assertEqual('deactivated', resp)
        self.wait_for_event(notifications.DEACTIVATE, image_id=late,
                            quarantine_id=qid)

        resp = self.client.request(
            'POST', self.server.url + '/v2/quarantines/%s/actions/lift' % qid,
            dict(fixtures.ADMIN, **fixtures.JSON),
            json={'reason': 'false positive'})
        self.assertEqual(200, resp.status_code, resp.text)
        end = self.wait_for_event(QUARANTINE_END)
        self.assertEqual((qid, 'lifted', 'false positive'),
                         (end.payload['id'], end.payload['status'],
                          end.payload['lift_reason']))
        for image_id in (held, late):
            self.wait_for_event(notifications.REACTIVATE, image_id=image_id)
        self.assertEqual([QUARANTINE_START, QUARANTINE_END],
                         [n.event_type for n in self.quarantine_events()])
        deactivations = [n.payload['image_id'] for n in self.ours()
                         if n.event_type == notifications.DEACTIVATE]
        self.assertEqual(sorted([held, late]), sorted(deactivations))
        self.assertEqual(0, self.log_count(FAILURE))


class BrokerFaultsTest(_NotificationsTestCase):

    def start_behind_relay(self):
        self.relay = fixtures.TcpRelay((fixtures.HOST, fixtures.RABBIT_PORT))
        self.relay.start()
        self.addCleanup(self.relay.stop)
        self.start(broker_port=self.relay.port)
        self.image_id = self.create_image()
        # The broker answers: the first action is notified.
        self.wait_for_request(self.changed('deactivate', 'deactivated'))

    def changed(self, name, status):
        """``name`` answers 204 and leaves the image in ``status``."""
        resp = self.act(self.image_id, name)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual(status, self.status_of(self.image_id))
        return resp

    def check_outage_and_recovery(self, restore):
        # The broker fails: the actions still work, the failure is logged
        # once, not once per action.
        self.changed('reactivate', 'active')
        self.changed('deactivate', 'deactivated')
        self.changed('reactivate', 'active')
        self.assertEqual(1, self.wait_for_log(FAILURE))
        self.assertEqual(0, self.log_count(RECOVERY))
        restore()
        # Back: the next action's notification arrives.
        after = self.changed('deactivate', 'deactivated')
        arrived = self.wait_for_request(after, RECOVERY_TIMEOUT)
        self.assertEqual(notifications.DEACTIVATE, arrived.event_type)
        self.assertEqual(self.image_id, arrived.payload['image_id'])
        self.assertEqual(1, self.wait_for_log(RECOVERY))
        self.assertEqual(1, self.log_count(FAILURE))
        self.timings.append('lost during the outage: %d of 3' % (
            3 - (len(self.ours(self.image_id)) - 2)))

    def test_broker_down(self):
        self.start_behind_relay()
        self.relay.stop()  # connections cut; nothing listens on the port
        self.check_outage_and_recovery(self.relay.start)

    def test_broker_silent(self):
        self.start_behind_relay()
        self.relay.freeze()  # connections open; nothing answers
        self.check_outage_and_recovery(self.relay.thaw)
