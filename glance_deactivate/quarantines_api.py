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

"""Content quarantine's API: make, read, list and lift quarantines.

A quarantine names image data by its hash (``glance_deactivate.
quarantine``): while it is live, every image whose data has that hash, in
any project, is deactivated.  The routes are the filter's own; they never
reach the image service except to ask it, as the caller, for an image or
for the images with a hash.

``POST /v2/quarantines``
    Body ``{"image_id": "...", "reason": "..."}`` (the content of an
    image the caller can see) or ``{"os_hash_algo": "sha512",
    "os_hash_value": "...", "checksum": "...", "reason": "..."}`` (a
    multihash, a checksum, or both).  ``201`` with the quarantine, its
    ``images`` (those found now) and ``Location``.  Rule
    ``image_deactivation:quarantine``.
``GET /v2/quarantines``
    The quarantines, newest first, paged as Glance pages its image list
    (``limit``, ``marker`` = a quarantine id, ``first``, ``next``),
    filtered by ``status`` (``live`` or ``lifted``).  Rule
    ``image_deactivation:list_quarantines``.
``GET /v2/quarantines/{quarantine_id}``
    One quarantine, with the ``images`` it matches now among those the
    caller can see.  Rule ``image_deactivation:get_quarantine``.
``POST /v2/quarantines/{quarantine_id}/actions/lift``
    Body ``{"reason": "..."}``.  ``200`` with the quarantine, now
    ``lifted``; every image it held is reactivated unless it is
    deactivated on its own (or by another live quarantine).  Rule
    ``image_deactivation:lift_quarantine``.
``GET /v2/schemas/quarantine``, ``GET /v2/schemas/quarantines``
    The documents' JSON schemas (``glance_deactivate.quarantines_schema``),
    to every caller.

Checks run in Glance's order: the query string or the body (400), then
the image named as the caller sees it (the image service's own 404,
never a 403), then the policy rule (403), then the content (400 for an
image without a hash yet), then the store (409 for a content a live
quarantine already holds, or a quarantine already lifted; 400 for an
unknown marker).  A caller ``get_quarantine`` or ``lift_quarantine``
refuses gets the same ``404 No quarantine found with ID x`` as for a
quarantine that does not exist, after the same store look-up, so that
the answer does not tell whether it exists.  Any other method on these
paths is a 405 (``glance_deactivate.routing``).

Bodies are JSON objects of at most 64 KiB.  A hash is checked as Glance
would record it (``quarantine.check_content``: a known algorithm, a
hexadecimal value of its length, a checksum of 32 hexadecimal digits);
the reason follows the rules of an action's reason (``glance_deactivate.
reason``) and is required.  Query parameters, limits and markers are read
as the read API reads them (``glance_deactivate.records_api``).

When a quarantine is made, and when one is shown, each ``active`` image
found to match that the store had not yet recorded is recorded (an event
in its history with the quarantine's id) and announced with
``image.deactivate``; a quarantine made is announced with
``image.content_quarantine.start``, one lifted with
``image.content_quarantine.end`` and one ``image.reactivate`` per image
the lift reactivated (``glance_deactivate.notifications``).  A failure
there is logged and never fails the request: the filter records the
match again when it next sees the image.
"""

import json
from urllib import parse

from oslo_log import log as logging
import webob
import webob.exc

from glance_deactivate import actions
from glance_deactivate import context as request_context
from glance_deactivate import images
from glance_deactivate import matching
from glance_deactivate import notifications
from glance_deactivate import policies
from glance_deactivate import quarantine as quarantines
from glance_deactivate import quarantines_schema
from glance_deactivate import reading
from glance_deactivate import reason as reasons
from glance_deactivate import records_api
from glance_deactivate import routing
from glance_deactivate import store as state_store
from glance_deactivate import upstream

LOG = logging.getLogger(__name__)

# Glance 33, glance/common/wsgi.py JSONRequestDeserializer.from_json.
MSG_MALFORMED = 'Malformed JSON in request body.'
MSG_NOT_OBJECT = 'The request body must be a JSON object.'
MSG_TOO_LARGE = 'The request body must be at most %d bytes long.' % (
    reasons.MAX_BODY_BYTES)
MSG_DUPLICATE = "The request body names '%s' more than once."
# jsonschema's words, as Glance's schema validation answers them.
MSG_UNEXPECTED = ("Additional properties are not allowed ('%s' was "
                  "unexpected)")
MSG_REQUIRED = "'%s' is a required property"
MSG_IMAGE_ID = "'image_id' is not an image id."
MSG_NOT_FOUND = 'No quarantine found with ID %s'
MSG_NOT_AUTHORIZED = records_api.MSG_NOT_AUTHORIZED
MSG_EXISTS = 'This content is already quarantined: quarantine %s.'
MSG_LIFTED = 'Quarantine %s is already lifted.'
MSG_STATUS = ("Invalid value '%s' for 'status' filter. Valid values are "
              "'live' or 'lifted'.")
MSG_UNRECORDABLE = 'This quarantine cannot be recorded: %s.'
MSG_BAD_UPSTREAM = records_api.MSG_BAD_UPSTREAM

PATH = '/v2/quarantines'
ONE_PATH = '/v2/quarantines/%s'

CREATE_KEYS = ('image_id', 'os_hash_algo', 'os_hash_value', 'checksum',
               'reason')
LIFT_KEYS = ('reason',)
LIST_FILTERS = ('status',)

# Characters an image id taken from a body may hold: it becomes a path
# segment of the look-up, where '/', '?', '%' or '#' (or a segment of dots
# only) would name another resource.  Glance's ids are UUIDs.
_ID_CHARACTERS = frozenset(
    'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~')


class _Pairs(list):
    """A JSON object as its (key, value) pairs, duplicates kept."""


def quarantine_path(quarantine_id):
    return ONE_PATH % parse.quote(str(quarantine_id), safe='')


def _actor_view(user_id, project_id):
    return {'user_id': user_id, 'project_id': project_id}


def quarantine_view(q):
    """The quarantine document of ``q`` (a ``quarantine.Quarantine``)."""
    lifted_by = None
    if not q.live:
        lifted_by = _actor_view(q.lifted_by_user_id, q.lifted_by_project_id)
    return {
        'id': q.id,
        'status': (quarantines_schema.LIVE if q.live
                   else quarantines_schema.LIFTED),
        'os_hash_algo': q.content.os_hash_algo,
        'os_hash_value': q.content.os_hash_value,
        'checksum': q.content.checksum,
        'reason': q.reason,
        'created_at': records_api.isotime(q.created_at),
        'created_by': _actor_view(q.user_id, q.project_id),
        'source_image_id': q.source_image_id,
        'lifted_at': records_api.isotime(q.lifted_at),
        'lifted_by': lifted_by,
        'lift_reason': q.lift_reason,
        'self': quarantine_path(q.id),
        'schema': quarantines_schema.QUARANTINE_SCHEMA_PATH,
    }


def quarantine_payload(q):
    """The payload of ``image.content_quarantine.start``/``.end``."""
    document = quarantine_view(q)
    del document['self'], document['schema']
    return document


def event_payload(event):
    """``image.deactivate``/``image.reactivate`` of a quarantine's event."""
    document = actions.payload(event)
    document['quarantine_id'] = event.quarantine_id
    return document


def read_body(req, allowed):
    """The request body as a dict of the ``allowed`` keys.

    No body at all is ``{}``.

    :raises records_api.BadRequest: not JSON, not an object, a key twice
        or a key not ``allowed``, or larger than 64 KiB.
    """
    if not reading.has_body(req.environ):
        return {}
    raw = req.body_file.read(reasons.MAX_BODY_BYTES + 1)
    if len(raw) > reasons.MAX_BODY_BYTES:
        raise records_api.BadRequest(MSG_TOO_LARGE)
    try:
        document = json.loads(raw.decode('utf-8'), object_pairs_hook=_Pairs)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise records_api.BadRequest(MSG_MALFORMED)
    if not isinstance(document, _Pairs):
        raise records_api.BadRequest(MSG_NOT_OBJECT)
    body = {}
    for key, value in document:
        if key not in allowed:
            raise records_api.BadRequest(MSG_UNEXPECTED % key)
        if key in body:
            raise records_api.BadRequest(MSG_DUPLICATE % key)
        body[key] = value
    return body


def required_reason(body):
    """The trimmed reason of ``body``; BadRequest when missing or bad."""
    if 'reason' not in body:
        raise records_api.BadRequest(MSG_REQUIRED % 'reason')
    try:
        return reasons.check(body['reason'])
    except reasons.BadBody as e:
        raise records_api.BadRequest(str(e))


def body_image_id(value):
    """An image id from a body, safe as a path segment; else BadRequest."""
    if not isinstance(value, str):
        raise records_api.BadRequest(quarantines.MSG_NOT_STRING % 'image_id')
    if not (0 < len(value) <= state_store.MAX_IMAGE_ID_LENGTH and
            set(value) <= _ID_CHARACTERS and value.strip('.')):
        raise records_api.BadRequest(MSG_IMAGE_ID)
    return value


class QuarantinesController(records_api.PagedController):
    """The five routes of content quarantine.

    :param store: a DeactivationStore (``create_quarantine``,
        ``get_quarantine``, ``list_quarantines``, ``lift_quarantine``,
        ``record_match``).
    :param policy: a policies.Policy.
    :param lookup: ``lookup(environ, image_id)`` returning ``(image, None)``
        or ``(None, response)`` (``upstream.get_image``).
    :param scan: ``scan(environ, quarantine, page_size)`` returning ``{image
        id: image}`` of the matching images the caller can see
        (``glance_deactivate.matching.Scanner``).
    :param notifier: has ``emit(event_type, payload)``; it never raises.
    :param conf: the filter's ConfigOpts (for the host's page limits).
    """

    def __init__(self, store, policy, lookup, scan, notifier=None,
                 conf=None):
        super(QuarantinesController, self).__init__(policy, conf)
        self.store = store
        self.lookup = lookup
        self.scan = scan
        self.notifier = (notifier if notifier is not None
                         else actions.NullNotifier())
        self._routes = {
            routing.QUARANTINES: self.index,
            routing.QUARANTINE_NEW: self.create,
            routing.QUARANTINE: self.show,
            routing.QUARANTINE_LIFT: self.lift,
            routing.QUARANTINE_SCHEMA: self.schema,
        }

    # -- helpers ------------------------------------------------------------

    def _caller(self, req):
        """(context, store.Actor) of the caller."""
        context = request_context.from_environ(req.environ)
        user_id, project_id, _host_admin = request_context.describe(context)
        return context, state_store.Actor(
            user_id=user_id, project_id=project_id,
            roles=request_context.roles(context),
            is_admin=self.policy.is_admin(context),
            request_id=request_context.request_id(req.environ))

    def _emit(self, event_type, payload):
        try:
            self.notifier.emit(event_type, payload)
        except Exception:
            # Committed already: the caller gets its answer regardless.
            LOG.exception('Notification %s failed', event_type)

    def _visible_quarantine(self, req, route, rule):
        """(quarantine, None), or (None, the 404) for a missing or refused.

        The store is asked first in both cases (the same work), and the
        rule is asked about the quarantine found.
        """
        quarantine_id = route['quarantine_id']
        q = self.store.get_quarantine(quarantine_id)
        if q is not None and not self.policy.allows_target(
                rule, request_context.from_environ(req.environ),
                policies.quarantine_target(q)):
            LOG.debug('Policy %s refused quarantine %s', rule, q.id)
            q = None
        if q is None:
            return None, webob.exc.HTTPNotFound(
                explanation=MSG_NOT_FOUND % quarantine_id)
        return q, None

    def _matching(self, req, q, actor):
        """Ids of the images ``q`` matches; records the new active ones.

        :returns: the sorted ids, or None when the image service did not
            answer a listing.
        """
        try:
            found = self.scan(req.environ, q, self.max_limit)
        except (matching.ScanFailed, upstream.ResponseTooLarge) as e:
            LOG.warning('Quarantine %s: the images it matches could not be '
                        'listed (%s); the filter records them as it sees '
                        'them', q.id, e)
            return None
        if q.live:
            for image_id, image in sorted(found.items()):
                if image.get('status') == images.ACTIVE:
                    self._record(q, image_id, image, actor)
        return sorted(found)

    def _record(self, q, image_id, image, actor):
        try:
            event = self.store.record_match(q, image_id, image.get('owner'),
                                            actor)
        except (state_store.StoreUnavailable, ValueError) as e:
            LOG.warning('Image %s matches quarantine %s but the match could '
                        'not be recorded: %s', image_id, q.id, e)
            return
        if event is None:
            return
        LOG.info('Image %s deactivated: its content matches quarantine %s '
                 '(event %s)', image_id, q.id, event.id)
        self._emit(notifications.DEACTIVATE, event_payload(event))

    # -- POST /v2/quarantines -----------------------------------------------

    def create(self, req, route):
        body = read_body(req, CREATE_KEYS)
        try:
            content = quarantines.content_from_body(body)
        except quarantines.BadContent as e:
            raise records_api.BadRequest(str(e))
        image_id = None
        if content is None:
            image_id = body_image_id(body['image_id'])
        reason = required_reason(body)
        context, actor = self._caller(req)
        target = {}
        source_image_id = None
        if image_id is not None:
            image, refusal = self.lookup(req.environ, image_id)
            if refusal is not None:
                return refusal
            if not image.get('id'):
                return webob.exc.HTTPBadGateway(explanation=MSG_BAD_UPSTREAM)
            # The exact id the image service reports.
            source_image_id = str(image['id'])
            target = image
        if not self.policy.allows(policies.QUARANTINE, context, target):
            LOG.debug('Policy %s refused a quarantine', policies.QUARANTINE)
            return webob.exc.HTTPForbidden(
                explanation=MSG_NOT_AUTHORIZED % 'quarantine')
        if image_id is not None:
            try:
                content = quarantines.content_of_image(target)
            except quarantines.BadContent as e:
                raise records_api.BadRequest(str(e))
        try:
            q = self.store.create_quarantine(
                content, actor, reason, source_image_id=source_image_id)
        except state_store.QuarantineExists as e:
            return webob.exc.HTTPConflict(
                explanation=MSG_EXISTS % e.quarantine.id)
        except ValueError as e:
            return webob.exc.HTTPBadRequest(explanation=MSG_UNRECORDABLE % e)
        LOG.info('Quarantine %(id)s made by user %(user)s of project '
                 '%(project)s (multihash %(algo)s %(value)s, checksum '
                 '%(checksum)s, from image %(image)s)',
                 {'id': q.id, 'user': actor.user_id,
                  'project': actor.project_id,
                  'algo': q.content.os_hash_algo,
                  'value': q.content.os_hash_value,
                  'checksum': q.content.checksum,
                  'image': source_image_id})
        found = self._matching(req, q, actor)
        self._emit(notifications.QUARANTINE_START, quarantine_payload(q))
        document = quarantine_view(q)
        document['images'] = found or []
        response = records_api.json_response(document, status=201)
        response.location = document['self']
        return response

    # -- GET /v2/quarantines ------------------------------------------------

    def index(self, req, route):
        params = self._query(req, records_api.PAGE + LIST_FILTERS)
        limit = self._limit(params)
        marker = params.get('marker')
        live = None
        if 'status' in params:
            if params['status'] not in quarantines_schema.STATUSES:
                raise records_api.BadRequest(MSG_STATUS % params['status'])
            live = params['status'] == quarantines_schema.LIVE
        if not self.policy.allows_target(
                policies.LIST_QUARANTINES,
                request_context.from_environ(req.environ), {}):
            LOG.debug('Policy %s refused listing quarantines',
                      policies.LIST_QUARANTINES)
            return webob.exc.HTTPForbidden(
                explanation=MSG_NOT_AUTHORIZED % 'list_quarantines')
        found = self._page(MSG_NOT_FOUND, marker,
                           self.store.list_quarantines, live=live,
                           limit=limit + 1)
        link_params = self._link_params(params,
                                        records_api.PAGE + LIST_FILTERS)
        document = {
            'quarantines': [quarantine_view(q) for q in found[:limit]],
            'first': records_api.link(PATH, link_params),
            'schema': quarantines_schema.QUARANTINES_SCHEMA_PATH,
        }
        if limit and len(found) > limit:
            document['next'] = records_api.link(PATH, link_params,
                                                found[limit - 1].id)
        return records_api.json_response(document)

    # -- GET /v2/quarantines/{quarantine_id} --------------------------------

    def show(self, req, route):
        self._query(req, ())
        q, refusal = self._visible_quarantine(req, route,
                                              policies.GET_QUARANTINE)
        if refusal is not None:
            return refusal
        _context, actor = self._caller(req)
        found = self._matching(req, q, actor)
        if found is None:
            return webob.exc.HTTPBadGateway(explanation=MSG_BAD_UPSTREAM)
        document = quarantine_view(q)
        document['images'] = found
        return records_api.json_response(document)

    # -- POST /v2/quarantines/{quarantine_id}/actions/lift -----------------

    def lift(self, req, route):
        body = read_body(req, LIFT_KEYS)
        reason = required_reason(body)
        q, refusal = self._visible_quarantine(req, route,
                                              policies.LIFT_QUARANTINE)
        if refusal is not None:
            return refusal
        _context, actor = self._caller(req)
        try:
            q, events = self.store.lift_quarantine(q.id, actor, reason)
        except state_store.QuarantineNotFound:
            return webob.exc.HTTPNotFound(
                explanation=MSG_NOT_FOUND % route['quarantine_id'])
        except state_store.QuarantineLifted:
            return webob.exc.HTTPConflict(explanation=MSG_LIFTED % q.id)
        changed = [event for event in events
                   if event.outcome == state_store.CHANGED]
        LOG.info('Quarantine %s lifted by user %s of project %s: %d images '
                 'reactivated, %d stay deactivated', q.id, actor.user_id,
                 actor.project_id, len(changed), len(events) - len(changed))
        for event in changed:
            self._emit(notifications.REACTIVATE, event_payload(event))
        self._emit(notifications.QUARANTINE_END, quarantine_payload(q))
        return records_api.json_response(quarantine_view(q))

    # -- GET /v2/schemas/quarantine(s) --------------------------------------

    def schema(self, req, route):
        return records_api.json_response(
            quarantines_schema.get(route['schema']))
