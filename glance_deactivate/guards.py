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

"""What a request that reads, writes or copies a deactivated image's data gets.

Each data route (see ``routing``) has a guard: the answer Glance 33 gives
for a deactivated image, optionally after a policy rule that may let the
caller through.  The store behind the filter holds the image as ``active``
and would serve or accept all of these; the filter answers first.

=====================================  ======================================
Request                                Answer for a deactivated image
=====================================  ======================================
``GET /v2/images/{id}/file``           403 unless ``download_deactivated``
``PUT /v2/images/{id}/file``           409 (status transition to saving)
``PUT /v2/images/{id}/stage``          409 (status transition to uploading)
``POST /v2/images/{id}/import``        409 with the message Glance gives for
                                       the method named in the body; see
                                       below
``POST /v2/images/{id}/locations``     409
``GET /v2/images/{id}/locations``      200 with an empty list (to callers
                                       Glance's own locations policy lets
                                       through) unless
                                       ``get_deactivated_locations``
``PUT /v2/cache/{id}``                 400 (not queued for caching)
=====================================  ======================================

Every other method on these paths gets Glance's own 405 from the filter
(``routing``), whatever the image.

How a guard decides, with the same work whatever the image is
---------------------------------------------------------------
For an id the caller cannot see, the filter does exactly the work it does
for a missing id, so that neither the answer nor its time tells whether a
deactivated image hides behind it:

*Reads* (``GET`` file and locations) are decided on the image service's
own answer: the request goes to the service first, and only a 2xx answer
(the caller may read the image) is checked, before a byte of its body is
read; so is a download's 403 (Glance refuses a deactivated image's data
with its deactivation message before it asks its download policy, so a
caller its policy refuses still learns the image is deactivated).  Any
other answer (404, ...) is returned as it is, with no database query at
all.  A 2xx for an id with a candidate record then
costs one look-up of the image as the caller, to confirm its exact id
(``glance_deactivate.images``); the body is closed unread when refused.
While a content quarantine is live (``glance_deactivate.quarantine``), a
2xx for an id without a record costs that one look-up too: the image's
hash is in its metadata, and an image matching a live quarantine is
refused as a deactivated one.  With no quarantine live, the state query
says so in the same round trip, and nothing more is asked.

One 404 is read: Glance's database shows an image to some callers its
image policy does not name at all (a member of the owning project whose
only role is a custom one, an unscoped token on a public image), and
Glance 33 refuses them a deactivated image's data with its deactivation
403 before it asks its download policy.  The store behind the filter,
which holds the image as ``active``, answers them with its policy's bare
404 instead, which differs from its database's ``No image found with ID``
404 (a missing id, another project's private image).  A bare 404 costs
one state query, and for a deactivated id becomes the 403; every other
404 is returned unread, with no query, as before.  See
``DataGuard._policy_hidden``.  A quarantined image without a record of
its own keeps the bare 404 (where Glance, for an image it deactivated
itself, would answer its 403): such a caller cannot read the image's
metadata, so its hash cannot be known; the data is refused either way.
A store that serves data (2xx) to a caller it hides the metadata from
is refused while any quarantine is live, whatever the image: its hash
cannot be checked, so the filter denies rather than guesses.

*Writes* (upload, stage, import, new location, cache queue) must be
decided before the service acts, so every one costs one state query and
one look-up of the image as the caller, whether or not a record exists;
the looked-up document also says whether the image matches a live
quarantine.
An image the caller cannot see is then handed to the service unchanged,
which gives its own answer for it.

Imports are told apart by the method named in the request body (read up to
``MAX_IMPORT_BODY`` bytes).  A body that Glance's deserializer rejects
before it looks at the image (it does not parse, names no method, names a
method the service has not enabled, or has a non-boolean ``all_stores``)
is handed on unchanged, so the caller gets Glance's own 400 and message.
For a deactivated image every other import is refused, with the message
Glance 33 gives for its method (``copy-image``'s for a method the filter
does not know; a larger body gets the same).
"""

import json
import typing

from oslo_log import log as logging
import webob.exc

from glance_deactivate import context as request_context
from glance_deactivate import images
from glance_deactivate import policies
from glance_deactivate import routing
from glance_deactivate import upstream

LOG = logging.getLogger(__name__)

MSG_DOWNLOAD = ('The requested image has been deactivated. '
                'Image data download is forbidden.')
MSG_UPLOAD = ('Image status transition from deactivated to saving is not '
              'allowed')
MSG_STAGE = ('Image status transition from deactivated to uploading is not '
             'allowed')
MSG_COPY = 'Only images with status active can be targeted for copying'
MSG_ADD_LOCATION = ("It's not allowed to add locations if image status is "
                    "deactivated.")
MSG_CACHE = 'Only images with status active can be targeted for queueing'

MAX_IMPORT_BODY = 64 * 1024

# Glance 33's answers to an import of a deactivated image, by method.
MSG_IMPORT_QUEUED = "Image needs to be in 'queued' state to use '%s' method"
MSG_IMPORT_STAGED = ("Image needs to be staged before 'glance-direct' "
                     "method can be used")
IMPORT_MESSAGES = {
    'copy-image': MSG_COPY,
    'glance-direct': MSG_IMPORT_STAGED,
    'web-download': MSG_IMPORT_QUEUED % 'web-download',
    'glance-download': MSG_IMPORT_QUEUED % 'glance-download',
}


class Guard(typing.NamedTuple):
    """How one data route treats a deactivated image.

    ``refusal(environ, service)`` returns the error response, or None to
    let the request through (``service`` is the ``DataGuard``, for
    refusals that must ask the image service).  ``rule`` names a policy
    rule that lets a caller through (None: nobody).  ``reads`` is True
    for the routes decided on the service's answer.  ``before_policy`` is
    True where Glance checks the deactivation before its own policy, so
    that its 403 for a deactivated image becomes the deactivation's
    answer too.
    """

    refusal: typing.Callable
    rule: str | None = None
    reads: bool = False
    before_policy: bool = False


def _answer(error, message):
    def refusal(environ, service):
        return error(explanation=message)
    return refusal


def no_locations(environ, service):
    """A deactivated image's locations: 200 with an empty list.

    Glance 33's answer to a caller its own locations policy lets ask (the
    ``service`` role) but ``get_deactivated_locations`` does not.
    """
    return webob.Response(json_body=[], charset='UTF-8')


def import_method(body):
    """The import method named in a request body, or None."""
    try:
        name = json.loads(body)['method']['name']
    except (ValueError, TypeError, KeyError):
        return None
    return name if isinstance(name, str) else repr(name)


def import_refusal(environ, service):
    """The 409 for importing into a deactivated image, or None.

    Reads (and puts back) the request body; a body larger than
    ``MAX_IMPORT_BODY`` is refused as ``copy-image``.  None (the request
    goes on) only for a body that Glance's own deserializer rejects with
    400 before it looks at the image: one that does not parse or names no
    method, one whose method the service has not enabled (as its
    discovery API ``GET /v2/info/import`` lists them), or one whose
    ``all_stores`` or ``all_stores_must_succeed`` is not a boolean.

    :param service: has ``import_methods(environ)``, the enabled methods.
    """
    body = upstream.buffer_body(environ, MAX_IMPORT_BODY)
    if body is None:
        return webob.exc.HTTPConflict(explanation=MSG_COPY)
    try:
        document = json.loads(body)
    except ValueError:
        return None
    method = import_method(body)
    if method is None:
        return None
    flags = [document.get(name, default) for name, default in (
        ('all_stores', False), ('all_stores_must_succeed', True))]
    if not all(isinstance(flag, bool) for flag in flags):
        return None
    enabled = service.import_methods(environ)
    if enabled is not None and method not in enabled:
        return None
    return webob.exc.HTTPConflict(
        explanation=IMPORT_MESSAGES.get(method, MSG_COPY))


# The largest 404 body read to tell Glance's policy 404 from its database's.
MAX_NOT_FOUND_BODY = 4096


def _small_body(response):
    """The body of a short answer of known length (put back), else None."""
    length = response.content_length
    if length is None or length > MAX_NOT_FOUND_BODY:
        return None
    body = upstream.read_body(response, MAX_NOT_FOUND_BODY)
    response.app_iter = [body]
    return body


def _bare_not_found(environ):
    """The body of webob's ``HTTPNotFound()`` for this request's ``Accept``.

    What Glance answers when its policy hides an image its database shows
    the caller.  A translated or otherwise different body does not match,
    and is then treated as the database's 404 (the safe direction).
    """
    env = {key: environ[key] for key in ('HTTP_ACCEPT',) if key in environ}
    env.update({'REQUEST_METHOD': 'GET', 'PATH_INFO': '/',
                'SERVER_NAME': 'localhost', 'SERVER_PORT': '80',
                'wsgi.url_scheme': 'http'})
    return webob.Request(env).get_response(webob.exc.HTTPNotFound()).body


GUARDS = {
    routing.DOWNLOAD: Guard(_answer(webob.exc.HTTPForbidden, MSG_DOWNLOAD),
                            policies.DOWNLOAD_DEACTIVATED, reads=True,
                            before_policy=True),
    routing.GET_LOCATIONS: Guard(no_locations,
                                 policies.GET_DEACTIVATED_LOCATIONS,
                                 reads=True),
    routing.UPLOAD: Guard(_answer(webob.exc.HTTPConflict, MSG_UPLOAD)),
    routing.STAGE: Guard(_answer(webob.exc.HTTPConflict, MSG_STAGE)),
    routing.IMPORT: Guard(import_refusal),
    routing.ADD_LOCATION: Guard(_answer(webob.exc.HTTPConflict,
                                        MSG_ADD_LOCATION)),
    routing.CACHE_QUEUE: Guard(_answer(webob.exc.HTTPBadRequest,
                                       MSG_CACHE)),
}


class DataGuard(object):
    """Run the guards of the data routes.

    :param app: the wrapped image service.
    :param view: ``view(environ)``: the request's
        ``deactivation_view.View`` (whose ``state(image_id)`` is None when
        the state database is down and ``fail_open`` is set).
    :param lookup: ``lookup(environ, image_id)``: ``(image, None)`` as the
        caller sees it, or ``(None, refusal)``.
    :param allows: ``allows(rule, environ, image)``: the policy decision.
    """

    def __init__(self, app, view, lookup, allows):
        self.app = app
        self.view = view
        self.lookup = lookup
        self.allows = allows

    def import_methods(self, environ):
        """The import methods the service enables, asked as the caller.

        From Glance's discovery API (``GET /v2/info/import``); None when
        the service does not answer it (every method is then refused).
        """
        response = upstream.call(self.app, upstream.sub_environ(
            environ, 'GET', '/v2/info/import'))
        if response.status_int != 200 or not upstream.is_json(response):
            upstream.close(response.app_iter)
            return None
        _body, document = upstream.read_json(response, MAX_IMPORT_BODY)
        try:
            methods = document['import-methods']['value']
        except (KeyError, TypeError):
            return None
        return frozenset(m for m in methods if isinstance(m, str))

    def __call__(self, route, environ, start_response, image_id):
        guard = GUARDS[route]
        if guard.reads:
            return self._after(guard, environ, start_response, image_id)
        return self._before(guard, environ, start_response, image_id)

    def _before(self, guard, environ, start_response, image_id):
        view = self.view(environ)
        state = view.state(image_id)
        image, refusal = self.lookup(environ, image_id)
        if state is None or refusal is not None:
            # The database is down with fail_open set, or the caller cannot
            # see the image: the service's own answer.
            return self.app(environ, start_response)
        response = self._decide(guard, environ, image, view, state)
        if response is None:
            return self.app(environ, start_response)
        return response(environ, start_response)

    def _after(self, guard, environ, start_response, image_id):
        # The look-ups below are built from the caller's environ, unmarked.
        answer = upstream.call(self.app, upstream.isolated(environ))
        decided = 200 <= answer.status_int < 300 or (
            guard.before_policy and answer.status_int == 403)
        if guard.before_policy and answer.status_int == 404:
            return self._policy_hidden(guard, environ, start_response,
                                       image_id, answer)
        if not decided:
            return answer(environ, start_response)
        try:
            response = self._decide_answered(guard, environ, image_id)
        except BaseException:
            upstream.close(answer.app_iter)
            raise
        if response is None:
            return answer(environ, start_response)
        upstream.close(answer.app_iter)
        return response(environ, start_response)

    def _policy_hidden(self, guard, environ, start_response, image_id,
                       answer):
        """A 404 from the service: its policy's, or its database's?

        Glance 33 looks the image up in its database as the caller, then
        refuses a deactivated image, then asks its download policy
        (``glance/api/v2/image_data.py`` ``ImageDataController.download``;
        a policy refusal of a caller its ``get_image`` rule does not name
        either becomes a bare ``HTTPNotFound()``, ``glance/api/v2/
        policy.py`` ``ImageAPIPolicy._enforce``).  An id its database does
        not show the caller is ``No image found with ID ...`` instead
        (``glance/db/__init__.py`` ``ImageRepo.get``).  So only the bare
        404 is the answer to a caller the database shows the image to,
        and only that one, for a caller Glance's context does not treat as
        an admin (Glance skips the deactivation check for those), on a
        path Glance's router routes (not a trailing slash), becomes
        the deactivation's 403 (one state query,
        as for every bare 404); every other 404 is returned unread and
        unqueried, exactly as for a missing id.
        """
        if routing.folded(environ):
            # Glance's router does not route a trailing slash: its bare 404
            # is the router's, the same for every id, and says nothing of
            # the image (a caller who cannot see it would learn it is
            # deactivated from the 403).
            return answer(environ, start_response)
        body = _small_body(answer)
        if body is None or body != _bare_not_found(environ):
            return answer(environ, start_response)
        if getattr(request_context.from_environ(environ), 'is_admin', False):
            # Glance skips its deactivation check for a context it treats
            # as an admin (``not req.context.is_admin``; a system-scoped
            # admin token, say): its policy's bare 404 is the answer.
            return answer(environ, start_response)
        # Only a record can be known here: the caller cannot read the
        # image's hash, so a quarantined image keeps the service's 404.
        state = self.view(environ).state(image_id)
        if state is None or not any(record.applies_to(image_id)
                                    for record in state.records):
            return answer(environ, start_response)
        LOG.info('Image %s is deactivated; %s %s refused to a caller the '
                 'image policy does not name', image_id,
                 environ['REQUEST_METHOD'], environ['PATH_INFO'])
        return guard.refusal(environ, self)(environ, start_response)

    def _decide_answered(self, guard, environ, image_id):
        view = self.view(environ)
        state = view.state(image_id)
        if state is None or not (state.records or state.live):
            return None
        # A candidate record, or live quarantines: one look-up of the
        # image as the caller (its exact id, and its hash).
        image, refusal = self.lookup(environ, image_id)
        if refusal is not None:
            # The service answered the request itself (it knows the image)
            # but does not show the caller its metadata, so neither the
            # exact id nor the hash can be confirmed: deny, which may
            # over-match (a live quarantine alone is enough).
            LOG.info('Image %s may be deactivated and its metadata is '
                     'hidden from the caller; %s %s refused', image_id,
                     environ['REQUEST_METHOD'], environ['PATH_INFO'])
            return guard.refusal(environ, self)
        return self._decide(guard, environ, image, view, state)

    def _decide(self, guard, environ, image, view, state):
        """The refusal for ``image`` (None: let the request through).

        :param view: the request's ``deactivation_view.View``.
        :param state: the ``store.State`` of the requested id.
        """
        exact_id = image.get('id')
        if not view.deactivated(image, state.records, state.live):
            return None
        if image.get('status') != images.ACTIVE:
            # The service's own status (queued, killed, ...) wins.
            return None
        if guard.rule is not None and self.allows(guard.rule, environ,
                                                  image):
            LOG.info('Image %s is deactivated; %s %s allowed by policy %s',
                     exact_id, environ['REQUEST_METHOD'],
                     environ['PATH_INFO'], guard.rule)
            return None
        response = guard.refusal(environ, self)
        if response is not None:
            LOG.debug('Image %s is deactivated; %s %s refused', exact_id,
                      environ['REQUEST_METHOD'], environ['PATH_INFO'])
        return response
