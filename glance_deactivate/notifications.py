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

"""Notifications of image deactivation and reactivation (oslo.messaging).

When the host's configuration enables notifications, every deactivation
and reactivation that changed an image is announced once the change is
committed; a repeat that changed nothing and a refused attempt are not
(they are in the image's history).  Event types, at priority ``INFO``:
``image.deactivate`` and ``image.reactivate``.  The payload::

    {"image_id": "1bea47ed-f6a9-463b-b423-14b9cca9ad27",
     "owner": "0ebd8e2a6c3c4d8d9e8f60a1b2c3d4e5",
     "user_id": "8b4c4e7cd1f84b3f9e1f3c1d2a3b4c5d",
     "project_id": "9f2c1d0e8b7a46f5a4b3c2d1e0f9a8b7",
     "reason": "CVE-2026-0001: compromised base image",
     "held": true,
     "event_id": "5d0f3e7a-2b1c-4d8e-9f6a-7b8c9d0e1f2a",
     "created_at": "2026-12-04T15:02:03.123456Z",
     "request_id": "req-4f1b6c1e-3a2d-4e5f-8a9b-0c1d2e3f4a5b"}

``owner`` is the image's owner at the time, ``user_id``/``project_id``
the caller, ``reason`` the caller's reason or null, ``held`` whether the
image is held by an operator after the event (a reactivation: false),
``event_id`` the event in the image's history, ``created_at`` its time
(UTC, microseconds).

Content quarantine (``glance_deactivate.quarantines_api``) adds
``image.content_quarantine.start`` (a quarantine made) and
``image.content_quarantine.end`` (one lifted), whose payload is the
quarantine's document without its links: ``id``, ``status``,
``os_hash_algo``, ``os_hash_value``, ``checksum``, ``reason``,
``created_at``, ``created_by``, ``source_image_id``, ``lifted_at``,
``lifted_by``, ``lift_reason``.  The ``image.deactivate`` of an image
found to match a quarantine and the ``image.reactivate`` of an image a
lift reactivated carry the payload above plus ``quarantine_id``.
``disabled_notifications`` stops them by name or by the group ``image``.

Configuration
-------------
The host's standard options, read as Glance reads them
(``glance/notifier.py``):

``[oslo_messaging_notifications] driver``
    Empty (the default, as Glance's): nothing is sent and oslo.messaging
    is not even imported.  ``messagingv2`` sends to the broker; ``log``
    writes to the log; ``noop`` sends nothing.
``[oslo_messaging_notifications] transport_url``, ``topics``, ``retry``
    The broker (else ``[DEFAULT] transport_url``), the topics (default
    ``notifications``), how often to retry (default: until the broker
    takes it).  The exchange is oslo.messaging's ``control_exchange``,
    which Glance sets to ``glance``.
``[DEFAULT] default_publisher_id``
    Glance's option: the publisher id (default ``image.localhost``).
``[DEFAULT] disabled_notifications``
    Glance's option: ``image.deactivate``, ``image.reactivate`` or the
    group ``image`` in it stop these notifications too.
``[image_deactivation] notification_timeout``
    Our own: how long a request waits for its notification (default 2 s).

Delivery
--------
Each API worker process sends its notifications in order from one
background thread and a queue of :data:`QUEUE_SIZE`.  The request that
caused a notification waits until the broker has taken it, but at most
``notification_timeout``: a broker that is down or silent never fails the
request and delays it by that much at most, and only once per outage,
since while the broker is known to be failing no request waits.  The
first failure of an outage is logged once (WARNING) by each worker
process, its end once (INFO, with the number of notifications lost
meanwhile).  Notifications wait in
the queue during an outage and are sent when the broker answers again;
when the queue is full, new ones are dropped (WARNING once, then counted).
Notifications still queued when the process exits are lost: delivery is
at most once, and the image's history, where ``event_id`` points, is the
record.  oslo.messaging's own messages (its RabbitMQ driver logs every
reconnection attempt, its Notifier every notification it gives up on)
appear as they do for Glance's own notifications; the sender learns of
a notification oslo.messaging gave up on from the ERROR record it logs
(so, with oslo.messaging's loggers set above ERROR, only from the wait).
"""

import logging as std_logging
import os
import queue
import threading
import time

from oslo_config import cfg
from oslo_log import log as logging

from glance_deactivate import opts

LOG = logging.getLogger(__name__)

DEACTIVATE = 'image.deactivate'
REACTIVATE = 'image.reactivate'
# Content quarantine (glance_deactivate.quarantines_api).
QUARANTINE_START = 'image.content_quarantine.start'
QUARANTINE_END = 'image.content_quarantine.end'

# The payload (built by glance_deactivate.actions.payload from the event).
PAYLOAD_KEYS = ('image_id', 'owner', 'user_id', 'project_id', 'reason',
                'held', 'event_id', 'created_at', 'request_id')

# Notifications waiting for the broker, per API worker process.
QUEUE_SIZE = 1000

MESSAGING_GROUP = 'oslo_messaging_notifications'

# oslo.messaging catches a failed delivery and only logs it, on one of
# these loggers: its messaging drivers (oslo_messaging/notify/messaging.py,
# MessagingDriver.notify) and its Notifier (oslo_messaging/notify/
# notifier.py, Notifier._notify).  That record is how the sender thread
# learns that a notification was lost.
MESSAGING_LOGGERS = ('oslo_messaging.notify.messaging',
                     'oslo_messaging.notify.notifier')

# Glance's own [DEFAULT] options (glance/notifier.py, same names and
# defaults).  Inside Glance, with the host's configuration, Glance's are
# read; a private configuration (oslo_config_project) gets these copies so
# that it reads the same lines of glance-api.conf.
PUBLISHER_OPT = cfg.StrOpt(
    'default_publisher_id', default='image.localhost',
    help="Glance's publisher_id of outgoing notifications.")
DISABLED_OPT = cfg.ListOpt(
    'disabled_notifications', default=[],
    help="Glance's list of notification types or groups not to send.")


def _host_value(conf, opt):
    """The value of the host's ``[DEFAULT]`` option ``opt``."""
    if opt.dest not in conf:
        if conf is cfg.CONF:
            # The host's own configuration lacks it (not Glance): its
            # options are not ours to add to.
            return opt.default
        conf.register_opt(opt)
    return conf[opt.dest]


def _sending(drivers):
    return [driver for driver in drivers or ()
            if driver and driver != 'noop']


def messaging_notifier(conf):
    """oslo.messaging's Notifier as the host configures it, or None.

    None when no driver is configured (nothing is to be sent); then
    oslo.messaging is not imported unless the host already did.
    """
    if MESSAGING_GROUP in conf:
        if not _sending(conf[MESSAGING_GROUP].driver):
            return None
    elif MESSAGING_GROUP not in conf.list_all_sections():
        return None
    # Imported here: it pulls in eventlet, which a host without
    # notifications has no use for.
    import oslo_messaging
    transport = oslo_messaging.get_notification_transport(conf)
    if not _sending(conf[MESSAGING_GROUP].driver):
        transport.cleanup()
        return None
    return oslo_messaging.Notifier(
        transport, publisher_id=_host_value(conf, PUBLISHER_OPT))


class _Delivery(object):
    """One notification on its way, and whether the broker has taken it."""

    def __init__(self, event_type, payload):
        self.event_type = event_type
        self.payload = payload
        self.done = threading.Event()


class _FailureWatch(std_logging.Filter):
    """Notes the delivery failures oslo.messaging logs from one thread.

    It lets every record through: oslo.messaging's message stays in the
    log as it is for Glance's own notifications.
    """

    def __init__(self):
        super(_FailureWatch, self).__init__()
        self.thread_id = None
        self.failure = None

    def filter(self, record):
        if (record.thread == self.thread_id and
                record.levelno >= std_logging.ERROR):
            exc = record.exc_info[1] if record.exc_info else None
            self.failure = (('%s: %s' % (type(exc).__name__, exc))
                            if exc is not None else 'delivery failed')
        return True


class Notifier(object):
    """Sends notifications in the background; never raises.

    :param conf: a ``cfg.ConfigOpts`` (the host's, or the filter's own).
    :param sender: what sends one notification: ``sender.info(ctxt,
        event_type, payload)`` (oslo.messaging's ``Notifier``).  Built from
        ``conf`` if None; None there means nothing is sent.
    :param queue_size: notifications that may wait for the broker.
    """

    def __init__(self, conf, sender=None, queue_size=QUEUE_SIZE):
        opts.register_opts(conf)
        self.timeout = conf[opts.GROUP].notification_timeout
        if sender is None:
            sender = messaging_notifier(conf)
        self.sender = sender
        self.disabled = frozenset(
            _host_value(conf, DISABLED_OPT) if sender is not None else ())
        self.queue_size = queue_size
        self._lock = threading.Lock()
        self._queue = None
        self._thread = None
        self._pid = None
        self._watch = _FailureWatch()
        self._outage_since = None
        self._lost = 0
        self._full_reported = False

    @property
    def enabled(self):
        return self.sender is not None

    def wanted(self, event_type):
        """Whether ``event_type`` is sent (Glance's disabled_notifications)."""
        return self.enabled and not (
            event_type in self.disabled or
            event_type.split('.', 1)[0] in self.disabled)

    def emit(self, event_type, payload):
        """Send ``event_type`` with ``payload`` at priority INFO.

        Waits at most ``notification_timeout`` for the broker to take it
        (not at all during a known outage).  Never raises.
        """
        if not self.wanted(event_type):
            return
        try:
            delivery = _Delivery(event_type, payload)
            with self._lock:
                deliveries = self._running_queue()
                waiting = self._outage_since is None and self.timeout > 0
            try:
                deliveries.put_nowait(delivery)
            except queue.Full:
                self._dropped(delivery)
                return
            if waiting and not delivery.done.wait(self.timeout):
                self._outage('no answer within %g s (notification_timeout)'
                             % self.timeout)
        except Exception:
            LOG.exception('Image %s: the %s notification could not be '
                          'queued', payload.get('image_id'), event_type)

    def close(self, timeout=None):
        """Stop the sender thread once it has sent what is queued.

        Returns False if it is still busy after ``timeout`` seconds.
        """
        with self._lock:
            deliveries, thread = self._queue, self._thread
            self._queue = self._thread = None
        if thread is None:
            return True
        try:
            deliveries.put(None, timeout=timeout)
        except queue.Full:
            return False
        thread.join(timeout)
        if thread.is_alive():
            return False
        for name in MESSAGING_LOGGERS:
            std_logging.getLogger(name).removeFilter(self._watch)
        return True

    # -- the sender thread --------------------------------------------------

    def _running_queue(self):
        """The queue of a running sender thread of this process (locked)."""
        if self._thread is None or self._pid != os.getpid():
            # First use, or a forked worker: threads do not survive a fork.
            self._pid = os.getpid()
            self._queue = queue.Queue(self.queue_size)
            self._thread = threading.Thread(
                target=self._run, args=(self._queue,),
                name='glance-deactivate-notifier', daemon=True)
            for name in MESSAGING_LOGGERS:
                std_logging.getLogger(name).addFilter(self._watch)
            self._thread.start()
        return self._queue

    def _run(self, deliveries):
        self._watch.thread_id = threading.get_ident()
        while True:
            delivery = deliveries.get()
            if delivery is None:
                return
            self._watch.failure = None
            try:
                self.sender.info({}, delivery.event_type, delivery.payload)
                failure = self._watch.failure
            except Exception as e:
                # oslo.messaging's Notifier raises nothing; a stand-in may.
                failure = '%s: %s' % (type(e).__name__, e)
            try:
                if failure is None:
                    self._delivered()
                else:
                    with self._lock:
                        self._lost += 1
                    self._outage(failure)
            finally:
                # Set last: the request that waits sees the outage known.
                delivery.done.set()

    # -- outages, logged once each -----------------------------------------

    def _outage(self, why):
        with self._lock:
            if self._outage_since is not None:
                return
            self._outage_since = time.monotonic()
        LOG.warning('Notifications cannot be sent to the message broker '
                    '(%s): image.deactivate and image.reactivate '
                    'notifications wait (at most %d) until it answers, '
                    'and requests no longer wait for it', why,
                    self.queue_size)

    def _delivered(self):
        with self._lock:
            since, lost = self._outage_since, self._lost
            self._outage_since = None
            self._lost = 0
            self._full_reported = False
        if since is not None:
            LOG.info('The message broker takes notifications again after '
                     '%.1f s; %d notifications were lost meanwhile',
                     time.monotonic() - since, lost)
        elif lost:
            LOG.info('The notification queue drains again; %d '
                     'notifications were lost', lost)

    def _dropped(self, delivery):
        with self._lock:
            self._lost += 1
            first = not self._full_reported
            self._full_reported = True
        if first:
            LOG.warning('Image %s: the notification queue is full (%d): '
                        'this %s notification and the next ones are dropped '
                        'until the message broker catches up (then counted '
                        'in the log)', delivery.payload.get('image_id'),
                        self.queue_size, delivery.event_type)
