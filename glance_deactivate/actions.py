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

"""The deactivate and reactivate actions.

Checks run in Glance 33's order, with its status codes and messages:

1. a request body, even ``{}`` -> 400 ``A body is not expected with this
   request.``; the one exception is a reason, ``{"reason": "..."}`` sent
   as ``application/json`` (see ``glance_deactivate.reason``), and a
   reason that breaks one of its rules gets a 400 that names the rule
2. a read-only (anonymous) context -> 403 ``Read-only access``
3. the image as the caller sees it, from the image service -> its own 404
   for an image the caller cannot see
4. the policy rule, whose target carries ``held`` -> 403 ``You are not
   authorized to complete deactivate action.``; a reactivation refused
   only because an administrator's deactivation holds the image -> 403
   ``This image was deactivated by an operator and is held: only an
   administrator can reactivate it.``, recorded as a ``refused`` event
   (decided in the transaction that reads the hold, so that a hold set a
   moment after the look-up stands too)
4a. a reactivation of an image whose content matches a live quarantine
   (``glance_deactivate.quarantine``) -> 403 ``This image's content is
   quarantined (quarantine <id>): it stays deactivated until the
   quarantine is lifted.``, recorded as a ``refused`` event carrying the
   quarantine's id; nothing changes, not even the image's own record.
   (A deactivation of such an image records one as usual, so that the
   image stays deactivated after the lift.)
5. an image the image service itself holds deactivated (a store with the
   feature): ``reactivate`` goes to the store's own action, as the caller
   (``glance_deactivate.native``); its refusal is the answer.  A caller
   the hold refuses is refused (and recorded) before the store is asked,
   so that the store's own deactivation is not lifted on the way
6. the status -> 403 ``Not allowed to deactivate image in status 'queued'``
7. the change and its event are recorded in one transaction -> 204;
   already in the target status -> 204, nothing changes and a ``no-op``
   event is recorded

Every event names the caller (user, project, roles, whether an admin by
``image_deactivation:admin``, the request id), the reason and the image's
owner as the image service reported it.  After a change is committed,
and only then, the notifier is told (``image.deactivate`` or
``image.reactivate``); never for a no-op or a refusal.
"""

import collections

from oslo_log import log as logging
import webob
import webob.exc

from glance_deactivate import context as request_context
from glance_deactivate import images
from glance_deactivate import overlay
from glance_deactivate import policies
from glance_deactivate import reading
from glance_deactivate import reason as reasons
from glance_deactivate import store as state_store

LOG = logging.getLogger(__name__)

MSG_BODY = reasons.MSG_BODY
MSG_READ_ONLY = 'Read-only access'
MSG_NOT_AUTHORIZED = 'You are not authorized to complete %s action.'
MSG_HELD = ('This image was deactivated by an operator and is held: only '
            'an administrator can reactivate it.')
MSG_QUARANTINED = ("This image's content is quarantined (quarantine %s): it "
                   "stays deactivated until the quarantine is lifted.")
MSG_BAD_STATUS = "Not allowed to %s image in status '%s'"
MSG_UNRECORDABLE = 'This image cannot be deactivated here: %s.'
MSG_METHOD_OVERRIDE = 'Method override (_method) is not supported.'

# The time format of notification payloads: ISO 8601, UTC, microseconds.
TIME_FORMAT = '%Y-%m-%dT%H:%M:%S.%fZ'

Transition = collections.namedtuple(
    'Transition', 'action rule from_status to_status')

TRANSITIONS = {
    'deactivate': Transition('deactivate', policies.DEACTIVATE,
                             images.ACTIVE, images.DEACTIVATED),
    'reactivate': Transition('reactivate', policies.REACTIVATE,
                             images.DEACTIVATED, images.ACTIVE),
}


class NullNotifier(object):
    """A notifier that sends nothing (notifications are off)."""

    def emit(self, event_type, payload):
        """Send nothing."""


def payload(event):
    """The notification payload of a ``changed`` event (a dict)."""
    return {
        'image_id': event.image_id,
        'owner': event.owner,
        'user_id': event.user_id,
        'project_id': event.project_id,
        'reason': event.reason,
        'held': event.held,
        'event_id': event.id,
        'created_at': event.created_at.strftime(TIME_FORMAT),
        'request_id': event.request_id,
    }


class ActionController(object):
    """Deactivate and reactivate, written once.

    :param store: a DeactivationStore.
    :param policy: a policies.Policy.
    :param lookup: ``lookup(environ, image_id)`` returning ``(image, None)``
        with the image as the caller sees it, or ``(None, response)`` with
        the image service's own refusal.
    :param notifier: has ``emit(event_type, payload)``, called after a
        change is committed; it must neither block for long nor raise
        (default: ``NullNotifier``).
    """

    def __init__(self, store, policy, lookup, notifier=None, native=None):
        self.store = store
        self.policy = policy
        self.lookup = lookup
        self.notifier = notifier if notifier is not None else NullNotifier()
        # glance_deactivate.native.StoreActions: a store with the feature.
        self.native = native

    def __call__(self, req, image_id, action):
        transition = TRANSITIONS[action]
        try:
            reason = reasons.read(req)
        except reasons.BadBody as e:
            return webob.exc.HTTPBadRequest(explanation=str(e))
        if reason is not None and reading.method_override(req.environ):
            # Glance would have refused the body; the filter refuses
            # overrides on its routes.
            return webob.exc.HTTPBadRequest(explanation=MSG_METHOD_OVERRIDE)
        context = request_context.from_environ(req.environ)
        if getattr(context, 'read_only', False):
            return webob.exc.HTTPForbidden(explanation=MSG_READ_ONLY)
        image, refusal = self.lookup(req.environ, image_id)
        if refusal is not None:
            return refusal
        return self.transition(transition, context, image, reason=reason,
                               request_id=request_context.request_id(
                                   req.environ), environ=req.environ)

    def actor(self, context, request_id=None):
        """The ``store.Actor`` of a caller, for its events."""
        user_id, project_id, _host_admin = request_context.describe(context)
        return state_store.Actor(
            user_id=user_id, project_id=project_id,
            roles=request_context.roles(context),
            is_admin=self.policy.is_admin(context), request_id=request_id)

    def transition(self, transition, context, image, reason=None,
                   request_id=None, environ=None):
        # The exact id the image service reports: never the path's spelling.
        image_id = str(image['id'])
        state = self.store.state(image_id)
        record = next((r for r in state.records if r.applies_to(image_id)),
                      None)
        held = bool(record is not None and record.held)
        lift_hold = True
        if transition.to_status == images.DEACTIVATED:
            allowed = self.policy.allows(transition.rule, context, image,
                                         held)
        else:
            # Whether the caller may lift a hold, and may reactivate an
            # image that is not held.  A caller refused only by the hold
            # goes on: the store refuses it in the transaction that reads
            # the hold (and so does it for a hold set after this look-up).
            lift_hold = self.policy.allows(transition.rule, context, image,
                                           True)
            allowed = (held and lift_hold) or self.policy.allows(
                transition.rule, context, image, False)
        if not allowed:
            LOG.debug('Policy %s refused %s of image %s',
                      transition.rule, transition.action, image_id)
            return webob.exc.HTTPForbidden(
                explanation=MSG_NOT_AUTHORIZED % transition.action)
        quarantined = self._quarantine_of(transition, image, state.live)
        if quarantined is not None:
            # Nothing the caller may do lifts it: only the quarantine's
            # lift does (its record, if any, stays as it is).
            event = self.store.append_event(
                image_id, transition.action, state_store.REFUSED,
                self.actor(context, request_id), reason=reason,
                owner=image.get('owner'), held=held,
                quarantine_id=quarantined.id)
            LOG.info('Reactivation of image %s refused: its content is '
                     'quarantined (quarantine %s, event %s)', image_id,
                     quarantined.id, event.id)
            return webob.exc.HTTPForbidden(
                explanation=MSG_QUARANTINED % quarantined.id)
        if (held and not lift_hold and
                image.get('status') == images.DEACTIVATED):
            # The store holds it deactivated too: refuse for the hold before
            # its own action lifts its deactivation on the way to the 403.
            # (Otherwise the store's transaction decides, below.)
            event = self.store.append_event(
                image_id, transition.action, state_store.REFUSED,
                self.actor(context, request_id), reason=reason,
                owner=image.get('owner'), held=True)
            LOG.debug('Reactivation of held image %s refused (event %s)',
                      image_id, event.id)
            return webob.exc.HTTPForbidden(explanation=MSG_HELD)
        if self.native is not None and environ is not None:
            # A store's own deactivation is lifted by the store itself.
            refusal, image = self.native(environ, image, transition.action)
            if refusal is not None:
                return refusal
        status = overlay.effective_status(
            image, {image_id} if record else frozenset())
        if status not in (transition.from_status, transition.to_status):
            LOG.debug("Not allowed to %s image %s in status '%s'",
                      transition.action, image_id, status)
            return webob.exc.HTTPForbidden(
                explanation=MSG_BAD_STATUS % (transition.action, status))
        actor = self.actor(context, request_id)
        if (transition.to_status == images.DEACTIVATED and record is None
                and status == images.DEACTIVATED):
            # The image service itself holds it deactivated
            # (glance_deactivate.native): as Glance, nothing changes.
            event = self.store.append_event(
                image_id, transition.action, state_store.NO_OP, actor,
                reason=reason, owner=image.get('owner'))
            LOG.debug('Image %s is deactivated by the image service itself: '
                      'nothing to do (event %s)', image_id, event.id)
            return webob.Response(status=204)
        try:
            if transition.to_status == images.DEACTIVATED:
                changed, event = self.store.deactivate(
                    image_id, actor, reason=reason, owner=image.get('owner'))
            else:
                changed, event = self.store.reactivate(
                    image_id, actor, reason=reason, owner=image.get('owner'),
                    lift_hold=lift_hold)
        except ValueError as e:
            # An id this package cannot record (longer than any Glance
            # id): refuse rather than pretend it is deactivated.  Such an
            # image has no record to reactivate.
            LOG.warning('Cannot record the %s of image %s: %s',
                        transition.action, image_id, e)
            if transition.to_status == images.ACTIVE:
                return webob.Response(status=204)
            return webob.exc.HTTPBadRequest(explanation=MSG_UNRECORDABLE % e)
        if event.outcome == state_store.REFUSED:
            LOG.debug('Reactivation of held image %s refused (event %s)',
                      image_id, event.id)
            return webob.exc.HTTPForbidden(explanation=MSG_HELD)
        if not changed:
            LOG.debug('Image %s: %s changed nothing (event %s)', image_id,
                      transition.action, event.id)
            return webob.Response(status=204)
        LOG.info('Image %(image)s %(action)sd by user %(user)s of project '
                 '%(project)s (event %(event)s, held %(held)s)',
                 {'image': image_id, 'user': event.user_id,
                  'action': transition.action, 'project': event.project_id,
                  'event': event.id, 'held': event.held})
        self._notify(transition, event)
        return webob.Response(status=204)

    @staticmethod
    def _quarantine_of(transition, image, live):
        """The live quarantine that refuses ``transition`` of ``image``.

        Only a reactivation is refused, of an image holding data (shown
        ``active`` or ``deactivated`` by the service) that matches one.
        """
        if transition.to_status != images.ACTIVE or image.get(
                'status') not in (images.ACTIVE, images.DEACTIVATED):
            return None
        return live.match(image)

    def _notify(self, transition, event):
        try:
            self.notifier.emit('image.%s' % transition.action,
                               payload(event))
        except Exception:
            # The change is committed and the caller gets its 204 whatever
            # the notifier does.
            LOG.exception('Notification of event %s failed', event.id)
