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

"""glance_deactivate.notifications: configuration, delivery, outages.

Configuration is parsed from real files into a private ``ConfigOpts``, and
notifications go through oslo.messaging's own ``test`` driver on its
``fake:`` transport; the outage tests use a sender that blocks or fails on
command, and one with oslo.messaging's RabbitMQ driver pointed at a closed
port on 127.0.0.1.  The real broker is in tests/functional.
"""

import logging
import os
import socket
import subprocess
import sys
import threading

import fixtures
from oslo_config import cfg
import testtools

from glance_deactivate import middleware
from glance_deactivate import notifications
from glance_deactivate import opts
from tests.unit import fakes

PAYLOAD = {'image_id': 'f1e2d3c4-0000-4000-8000-000000000001',
           'owner': 'owner-project'}
WAIT = 30  # seconds a test waits for something that must happen

FailureMessage = 'Notifications cannot be sent to the message broker'
RecoveryMessage = 'The message broker takes notifications again'


class _Gate(object):
    """A sender that blocks until opened, or fails while ``failing``."""

    def __init__(self, open_=False):
        self.opened = threading.Event()
        if open_:
            self.opened.set()
        self.entered = threading.Event()
        self.failing = False
        self.sent = []
        self.calls = 0

    def info(self, ctxt, event_type, payload):
        self.calls += 1
        self.entered.set()
        if not self.opened.wait(WAIT):
            raise AssertionError('the gate was never opened')
        if self.failing:
            raise IOError('broker refused')
        self.sent.append((event_type, payload))


class _Base(testtools.TestCase):

    def setUp(self):
        super(_Base, self).setUp()
        self.log = self.useFixture(fixtures.FakeLogger(
            name='glance_deactivate.notifications', level=logging.INFO))
        self.dir = self.useFixture(fixtures.TempDir()).path

    def conf(self, text=''):
        path = os.path.join(self.dir, 'glance-api.conf')
        with open(path, 'w') as out:
            out.write(text)
        conf = cfg.ConfigOpts()
        conf([], project='glance', default_config_files=[path])
        self.addCleanup(conf.reset)
        return conf

    def notifier(self, conf=None, **kwargs):
        notifier = notifications.Notifier(
            conf if conf is not None else self.conf(), **kwargs)
        self.addCleanup(notifier.close, WAIT)
        return notifier

    def count(self, message):
        return self.log.output.count(message)


class ConfigurationTest(_Base):

    def setUp(self):
        super(ConfigurationTest, self).setUp()
        from oslo_messaging.notify import _impl_test
        self.sent = _impl_test
        _impl_test.reset()
        self.addCleanup(_impl_test.reset)

    def test_nothing_configured_sends_nothing(self):
        notifier = self.notifier()
        self.assertFalse(notifier.enabled)
        self.assertIsNone(notifier.sender)
        notifier.emit(notifications.DEACTIVATE, PAYLOAD)
        self.assertEqual([], self.sent.NOTIFICATIONS)

    def test_no_driver_does_not_import_oslo_messaging(self):
        # A fresh interpreter: this one has imported it for other tests.
        code = (
            'import sys\n'
            'from oslo_config import cfg\n'
            'from glance_deactivate import notifications\n'
            'conf = cfg.ConfigOpts()\n'
            'conf([], default_config_files=[sys.argv[1]])\n'
            'n = notifications.Notifier(conf)\n'
            'n.emit(notifications.DEACTIVATE, {"image_id": "x"})\n'
            'print(n.enabled, "oslo_messaging" in sys.modules)\n')
        path = os.path.join(self.dir, 'plain.conf')
        with open(path, 'w') as out:
            out.write('[image_deactivation]\nfail_open = false\n')
        out = subprocess.run([sys.executable, '-c', code, path], check=True,
                             capture_output=True, text=True).stdout
        self.assertEqual('False False', out.strip())

    def test_empty_and_noop_drivers_send_nothing(self):
        for driver in ('', 'noop'):
            notifier = self.notifier(self.conf(
                '[oslo_messaging_notifications]\ndriver = %s\n'
                'transport_url = fake:/\n' % driver))
            self.assertFalse(notifier.enabled, driver)
            notifier.emit(notifications.DEACTIVATE, PAYLOAD)
        self.assertEqual([], self.sent.NOTIFICATIONS)

    def test_configured_driver_sends_at_info_as_glance_would(self):
        notifier = self.notifier(self.conf(
            '[oslo_messaging_notifications]\ndriver = test\n'
            'transport_url = fake:/\n'))
        notifier.emit(notifications.DEACTIVATE, PAYLOAD)
        notifier.emit(notifications.REACTIVATE, dict(PAYLOAD, held=False))
        self.assertTrue(notifier.close(WAIT))
        sent = [(message['event_type'], message['publisher_id'],
                 message['payload'], priority)
                for _ctxt, message, priority, _retry
                in self.sent.NOTIFICATIONS]
        self.assertEqual([
            ('image.deactivate', 'image.localhost', PAYLOAD, 'INFO'),
            ('image.reactivate', 'image.localhost',
             dict(PAYLOAD, held=False), 'INFO'),
        ], sent)

    def test_transport_url_from_default_section(self):
        notifier = self.notifier(self.conf(
            '[DEFAULT]\ntransport_url = fake:/\n'
            '[oslo_messaging_notifications]\ndriver = test\n'))
        notifier.emit(notifications.DEACTIVATE, PAYLOAD)
        self.assertTrue(notifier.close(WAIT))
        self.assertEqual(1, len(self.sent.NOTIFICATIONS))

    def test_glance_publisher_id_and_disabled_notifications(self):
        notifier = self.notifier(self.conf(
            '[DEFAULT]\ndefault_publisher_id = image.node7\n'
            'disabled_notifications = image.reactivate\n'
            '[oslo_messaging_notifications]\ndriver = test\n'
            'transport_url = fake:/\n'))
        notifier.emit(notifications.DEACTIVATE, PAYLOAD)
        notifier.emit(notifications.REACTIVATE, PAYLOAD)
        self.assertTrue(notifier.close(WAIT))
        sent = [(message['event_type'], message['publisher_id'])
                for _ctxt, message, _p, _r in self.sent.NOTIFICATIONS]
        self.assertEqual([('image.deactivate', 'image.node7')], sent)

    def test_the_hosts_global_configuration_gains_no_option(self):
        # A host (not Glance) without Glance's options: their defaults are
        # used and nothing is registered on its global configuration.
        self.assertNotIn('default_publisher_id', cfg.CONF)
        self.assertEqual('image.localhost', notifications._host_value(
            cfg.CONF, notifications.PUBLISHER_OPT))
        self.assertNotIn('default_publisher_id', cfg.CONF)

    def test_disabled_image_group_stops_both(self):
        notifier = self.notifier(self.conf(
            '[DEFAULT]\ndisabled_notifications = task,image\n'
            '[oslo_messaging_notifications]\ndriver = test\n'
            'transport_url = fake:/\n'))
        self.assertFalse(notifier.wanted(notifications.DEACTIVATE))
        self.assertFalse(notifier.wanted(notifications.REACTIVATE))
        notifier.emit(notifications.DEACTIVATE, PAYLOAD)
        self.assertEqual([], self.sent.NOTIFICATIONS)

    def test_the_timeout_is_an_option_of_our_group(self):
        conf = self.conf('[image_deactivation]\nnotification_timeout = 0.5\n')
        self.assertEqual(0.5, self.notifier(conf).timeout)
        self.assertEqual(2.0, self.notifier(self.conf()).timeout)
        self.assertIn('notification_timeout',
                      [opt.dest for _g, group in opts.list_opts()
                       for opt in group])


class DeliveryTest(_Base):

    def test_emit_waits_for_the_broker_when_it_answers(self):
        gate = _Gate(open_=True)
        notifier = self.notifier(sender=gate)
        notifier.emit(notifications.DEACTIVATE, PAYLOAD)
        # emit returned after the sender took it, not before.
        self.assertEqual([(notifications.DEACTIVATE, PAYLOAD)], gate.sent)

    def test_silent_broker_never_blocks_and_is_logged_once(self):
        gate = _Gate()
        notifier = self.notifier(self.conf(
            '[image_deactivation]\nnotification_timeout = 0.05\n'),
            sender=gate)
        for _ in range(5):
            notifier.emit(notifications.DEACTIVATE, PAYLOAD)
        # Every emit returned while the first notification is still held.
        self.assertTrue(gate.entered.is_set())
        self.assertEqual([], gate.sent)
        self.assertEqual(1, self.count(FailureMessage), self.log.output)
        self.assertIn('no answer within 0.05 s', self.log.output)
        self.assertEqual(0, self.count(RecoveryMessage))
        gate.opened.set()
        self.assertTrue(notifier.close(WAIT))
        self.assertEqual(5, len(gate.sent))
        self.assertEqual(1, self.count(RecoveryMessage), self.log.output)
        self.assertIn('0 notifications were lost', self.log.output)

    def test_a_new_outage_is_logged_again(self):
        gate = _Gate(open_=True)
        notifier = self.notifier(self.conf(
            '[image_deactivation]\nnotification_timeout = 0.05\n'),
            sender=gate)
        for outage in (1, 2):
            gate.failing = True
            notifier.emit(notifications.DEACTIVATE, PAYLOAD)
            notifier.emit(notifications.DEACTIVATE, PAYLOAD)
            self.assertTrue(_wait_for(lambda: gate.calls == 3 * outage - 1))
            gate.failing = False
            notifier.emit(notifications.REACTIVATE, PAYLOAD)
            self.assertTrue(_wait_for(
                lambda: self.count(RecoveryMessage) == outage))
            self.assertEqual(outage, self.count(FailureMessage))
        self.assertEqual([(notifications.REACTIVATE, PAYLOAD)] * 2,
                         gate.sent)
        self.assertEqual(2, self.count(FailureMessage), self.log.output)
        self.assertIn('OSError: broker refused', self.log.output)
        self.assertIn('2 notifications were lost meanwhile',
                      self.log.output)

    def test_full_queue_drops_and_counts_without_blocking(self):
        gate = _Gate()
        notifier = self.notifier(self.conf(
            '[image_deactivation]\nnotification_timeout = 0\n'),
            sender=gate, queue_size=2)
        notifier.emit(notifications.DEACTIVATE, PAYLOAD)
        self.assertTrue(gate.entered.wait(WAIT))
        for _ in range(6):  # 2 fit in the queue, 4 are dropped
            notifier.emit(notifications.DEACTIVATE, PAYLOAD)
        self.assertEqual(1, self.count('the notification queue is full'),
                         self.log.output)
        gate.opened.set()
        self.assertTrue(notifier.close(WAIT))
        self.assertEqual(3, len(gate.sent))
        self.assertIn('4 notifications were lost', self.log.output)

    def test_oslo_messaging_giving_up_is_a_failure(self):
        # oslo.messaging's RabbitMQ driver on a port that refuses, no retry:
        # its Notifier logs the failure and returns; the sender sees it.
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))  # bound, not listening: refused
            port = sock.getsockname()[1]
            notifier = self.notifier(self.conf(
                '[oslo_messaging_notifications]\ndriver = messagingv2\n'
                'transport_url = rabbit://guest:guest@127.0.0.1:%d/\n'
                'retry = 0\n[image_deactivation]\n'
                'notification_timeout = %d\n' % (port, WAIT)))
            # (Captured, not silenced: the failure is seen in its record.)
            self.useFixture(fixtures.FakeLogger(
                name='oslo_messaging', level=logging.INFO))
            notifier.emit(notifications.DEACTIVATE, PAYLOAD)
            self.assertTrue(_wait_for(
                lambda: self.count(FailureMessage) == 1), self.log.output)
        self.assertNotIn('no answer within', self.log.output)

    def test_emit_never_raises(self):
        class Broken(object):
            def info(self, ctxt, event_type, payload):
                raise RuntimeError('bug')

        notifier = self.notifier(sender=Broken())
        notifier._running_queue = None  # queueing itself fails
        notifier.emit(notifications.DEACTIVATE, PAYLOAD)
        self.assertIn('the image.deactivate notification could not be '
                      'queued', self.log.output)
        self.assertIn(PAYLOAD['image_id'], self.log.output)


class FilterWiringTest(_Base):
    """The filter's factory builds one Notifier from the host's options."""

    def build(self, conf_text):
        path = os.path.join(self.dir, 'glance-api.conf')
        with open(path, 'w') as out:
            out.write(conf_text)
        factory = middleware.filter_factory(
            {}, oslo_config_project='glance', oslo_config_file=path,
            connection='sqlite:///%s/state.sqlite' % self.dir)
        filters = [factory(fakes.FakeImageApp()) for _ in range(2)]
        for one in filters:
            self.addCleanup(one.notifier.close, WAIT)
        return filters

    def test_one_notifier_for_every_filter_of_the_factory(self):
        first, second = self.build(
            '[oslo_messaging_notifications]\ndriver = test\n'
            'transport_url = fake:/\n'
            '[image_deactivation]\nnotification_timeout = 0.5\n')
        self.assertIs(first.notifier, second.notifier)
        self.assertTrue(first.notifier.enabled)
        self.assertEqual(0.5, first.notifier.timeout)

    def test_without_notification_options_nothing_is_sent(self):
        first, _second = self.build('[image_deactivation]\n')
        self.assertFalse(first.notifier.enabled)


class ThroughTheFilterTest(fakes.FilterTestCase):
    """The filter tells the notifier of changes only, after the commit."""

    def setUp(self):
        from oslo_messaging.notify import _impl_test
        self.sent = _impl_test
        _impl_test.reset()
        self.addCleanup(_impl_test.reset)
        super(ThroughTheFilterTest, self).setUp()
        self.addCleanup(self.filter.notifier.close, WAIT)

    def build(self, **settings):
        path = os.path.join(self.tmp, 'notify.conf')
        with open(path, 'w') as out:
            out.write('[oslo_messaging_notifications]\ndriver = test\n'
                      'transport_url = fake:/\n')
        return super(ThroughTheFilterTest, self).build(
            oslo_config_file=path, **settings)

    def sent_events(self):
        return [(message['event_type'], message['payload']['image_id'])
                for _c, message, _p, _r in self.sent.NOTIFICATIONS]

    def test_changes_only(self):
        image_id = self.app.add(fakes.new_id(), owner='p1')
        self.assertEqual(403, self.action(image_id,
                                          roles=('reader',)).status_int)
        self.assertEqual(204, self.action(image_id, **fakes.ADMIN).status_int)
        # The record is committed before the notification is sent.
        self.assertTrue(self.filter.store.find(image_id))
        self.assertEqual(204, self.action(image_id, **fakes.ADMIN).status_int)
        self.assertEqual(204, self.action(image_id, 'reactivate',
                                          **fakes.ADMIN).status_int)
        self.assertEqual(204, self.action(image_id, 'reactivate',
                                          **fakes.ADMIN).status_int)
        self.assertEqual([(notifications.DEACTIVATE, image_id),
                          (notifications.REACTIVATE, image_id)],
                         self.sent_events())
        payload = self.sent.NOTIFICATIONS[0][1]['payload']
        self.assertEqual(set(notifications.PAYLOAD_KEYS), set(payload))
        self.assertEqual('u-admin-project', payload['user_id'])
        self.assertRegex(payload['created_at'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$')

    def test_sent_after_the_commit(self):
        seen = []
        store = self.filter.store

        class Recording(object):
            def info(self, ctxt, event_type, payload):
                # In the sender thread, while the request waits for it.
                seen.append((event_type, bool(store.find(
                    payload['image_id']))))

        self.filter.notifier.close(WAIT)
        self.filter.notifier.sender = Recording()
        image_id = self.app.add(fakes.new_id(), owner='p1')
        for action in ('deactivate', 'reactivate'):
            self.assertEqual(204, self.action(image_id, action,
                                              **fakes.ADMIN).status_int)
        self.assertTrue(self.filter.notifier.close(WAIT))
        self.assertEqual([(notifications.DEACTIVATE, True),
                          (notifications.REACTIVATE, False)], seen)

    def test_a_broken_broker_never_fails_the_action(self):
        class Refusing(object):
            def info(self, ctxt, event_type, payload):
                raise IOError('broker refused')

        self.filter.notifier.close(WAIT)
        self.filter.notifier.sender = Refusing()
        log = self.useFixture(fixtures.FakeLogger(
            name='glance_deactivate.notifications', level=logging.INFO))
        image_id = self.app.add(fakes.new_id(), owner='p1')
        for action in ('deactivate', 'reactivate', 'deactivate'):
            self.assertEqual(204, self.action(image_id, action,
                                              **fakes.ADMIN).status_int)
        self.assertTrue(self.filter.store.find(image_id))
        self.assertEqual(1, log.output.count(FailureMessage), log.output)


def _wait_for(predicate, timeout=WAIT):
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return True
        done.wait(0.01)
    return predicate()
