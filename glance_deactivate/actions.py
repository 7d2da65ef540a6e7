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
   request.``
2. a read-only (anonymous) context -> 403 ``Read-only access``
3. the image as the caller sees it, from the image service -> its own 404
   for an image the caller cannot see
4. the policy rule -> 403 ``You are not authorized to complete deactivate
   action.``
5. an image the image service itself holds deactivated (a store with the
   feature): ``reactivate`` goes to the store's own action, as the caller
   (``glance_deactivate.native``); its refusal is the answer
6. the status -> 403 ``Not allowed to deactivate image in status 'queued'``;
   already in the target status -> 204 and nothing changes
7. the change is recorded -> 204
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

LOG = logging.getLogger(__name__)

MSG_BODY = 'A body is not expected with this request.'
MSG_READ_ONLY = 'Read-only access'
MSG_NOT_AUTHORIZED = 'You are not authorized to complete %s action.'
MSG_BAD_STATUS = "Not allowed to %s image in status '%s'"
MSG_UNRECORDABLE = 'This image cannot be deactivated here: %s.'

Transition = collections.namedtuple(
    'Transition', 'action rule from_status to_status')

TRANSITIONS = {
    'deactivate': Transition('deactivate', policies.DEACTIVATE,
                             images.ACTIVE, images.DEACTIVATED),
    'reactivate': Transition('reactivate', policies.REACTIVATE,
                             images.DEACTIVATED, images.ACTIVE),
}


class ActionController(object):
    """Deactivate and reactivate, written once.

    :param store: a DeactivationStore.
    :param policy: a policies.Policy.
    :param lookup: ``lookup(environ, image_id)`` returning ``(image, None)``
        with the image as the caller sees it, or ``(None, response)`` with
        the image service's own refusal.
    """

    def __init__(self, store, policy, lookup, native=None):
        self.store = store
        self.policy = policy
        self.lookup = lookup
        # glance_deactivate.native.StoreActions: a store with the feature.
        self.native = native

    def __call__(self, req, image_id, action):
        transition = TRANSITIONS[action]
        if reading.has_body(req.environ):
            return webob.exc.HTTPBadRequest(explanation=MSG_BODY)
        context = request_context.from_environ(req.environ)
        if getattr(context, 'read_only', False):
            return webob.exc.HTTPForbidden(explanation=MSG_READ_ONLY)
        image, refusal = self.lookup(req.environ, image_id)
        if refusal is not None:
            return refusal
        return self.transition(transition, context, image, req.environ)

    def transition(self, transition, context, image, environ=None):
        # The exact id the image service reports: never the path's spelling.
        image_id = str(image['id'])
        if not self.policy.allows(transition.rule, context, image):
            LOG.debug('Policy %s refused %s of image %s',
                      transition.rule, transition.action, image_id)
            return webob.exc.HTTPForbidden(
                explanation=MSG_NOT_AUTHORIZED % transition.action)
        if self.native is not None and environ is not None:
            # A store's own deactivation is lifted by the store itself.
            refusal, image = self.native(environ, image, transition.action)
            if refusal is not None:
                return refusal
        record = self.store.get(image_id)
        status = overlay.effective_status(
            image, {image_id} if record else frozenset())
        if status == transition.to_status:
            return webob.Response(status=204)
        if status != transition.from_status:
            LOG.debug("Not allowed to %s image %s in status '%s'",
                      transition.action, image_id, status)
            return webob.exc.HTTPForbidden(
                explanation=MSG_BAD_STATUS % (transition.action, status))
        user_id, project_id, is_admin = request_context.describe(context)
        if transition.to_status == images.DEACTIVATED:
            try:
                self.store.add(image_id, user_id=user_id,
                               project_id=project_id, by_admin=is_admin)
            except ValueError as e:
                # An id this package cannot record (longer than any Glance
                # id): refuse rather than pretend it is deactivated.
                LOG.warning('Cannot record the deactivation of image %s: %s',
                            image_id, e)
                return webob.exc.HTTPBadRequest(
                    explanation=MSG_UNRECORDABLE % e)
        else:
            self.store.remove(image_id)
        LOG.info('Image %(image)s %(action)sd by user %(user)s of project '
                 '%(project)s', {'image': image_id, 'user': user_id,
                                 'action': transition.action,
                                 'project': project_id})
        return webob.Response(status=204)
