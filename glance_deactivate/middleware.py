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

"""Image deactivation for a Glance-v2-compatible API, as a Paste filter.

A deactivated image keeps its metadata and its data, but nobody except an
administrator can fetch the data until it is reactivated: no new server or
volume can be built from it while an investigation runs.  The filter adds
Glance's two image actions to an image service that lacks them, without
changing that service:

``POST /v2/images/{image_id}/actions/deactivate``
    204; allowed from ``active`` (a deactivated image: 204, no change).
``POST /v2/images/{image_id}/actions/reactivate``
    204; allowed from ``deactivated`` (an active image: 204, no change).

While an image is deactivated, every answer shows ``"status":
"deactivated"`` (image show, PATCH, every page of the image list, which
also honours ``?status=deactivated``), ``GET /v2/images/{id}/file`` is
refused with 403 unless policy allows the caller, uploads, staging,
imports (``copy-image`` included), caching and new locations are refused,
and ``locations``/``direct_url`` are hidden.  Everything else passes
through to the image service unchanged and streamed.  Status codes and
messages are Glance 33's own; an image the caller cannot see gets the
service's own 404, never a 403.

Where it goes
-------------
After the auth and context filters (the filter asks the image service
about an image *as the caller*, and reads the caller's identity from the
request context or from ``auth_token``'s vouched-for headers) and after
``versionnegotiation`` (which rewrites ``/v2.1/`` to ``/v2/``); before
``cache`` (else a cached copy would be served around it) and the app.
In Glance's ``api-paste.ini``::

    [composite:api]
    paste.composite_factory = glance.api:pipeline_factory
    keystone = cors http_proxy_to_wsgi versionnegotiation osprofiler
        authtoken context deactivate rootapp
    keystone+caching = cors http_proxy_to_wsgi versionnegotiation osprofiler
        authtoken context deactivate cache rootapp

    [filter:deactivate]
    use = egg:glance-deactivate#deactivate

or, equivalently::

    [filter:deactivate]
    paste.filter_factory = glance_deactivate.middleware:filter_factory

``glance-deactivate-manage check-pipeline /etc/glance/glance-api-paste.ini``
checks the placement.

Configuration
-------------
Options are read from the ``[image_deactivation]`` group of the host's
configuration (``glance-api.conf``); with ``oslo_config_project = glance``
in the stanza (and optionally ``oslo_config_file``/``oslo_config_program``)
the filter parses that project's files itself, as oslo.middleware's
filters do.  Any option may also be set in the stanza, where it wins over
the file and is type-checked at start-up, e.g. ``fail_open = false``.

=======================  ===============================================
Option                   Meaning
=======================  ===============================================
``connection``           SQLAlchemy URL of the state database (default:
                         a SQLite file,
                         ``/var/lib/glance/glance-deactivate.sqlite``);
                         all API nodes must share one. oslo.db's pool and
                         retry options apply (``max_pool_size``,
                         ``max_retries``, ...).
``auto_create_schema``   Create the schema for SQLite at start-up
                         (default true); other databases need
                         ``glance-deactivate-manage db sync``.
``fail_open``            Pass checked requests through while the state
                         database is down (default false: 503).
``policy_file``          Policy file with the rules below (default: the
                         host's ``[oslo_policy] policy_file``).
``query_timeout``        Seconds to wait for the state database before
                         treating it as unavailable (default 10).
``max_rewrite_bytes``    Largest JSON answer rewritten (default 64 MiB).
=======================  ===============================================

Policy rules (oslo.policy; see ``glance_deactivate.policies``):
``image_deactivation:deactivate`` and ``image_deactivation:reactivate``
(admin or a member of the owning project),
``image_deactivation:download_deactivated`` and
``image_deactivation:get_deactivated_locations`` (admin).
"""

import json

from oslo_log import log as logging
from oslo_middleware import base
import webob
import webob.exc

from glance_deactivate import actions
from glance_deactivate import bounded_store
from glance_deactivate import config
from glance_deactivate import context as request_context
from glance_deactivate import guards
from glance_deactivate import listing
from glance_deactivate import opts
from glance_deactivate import policies
from glance_deactivate import rewrite
from glance_deactivate import routing
from glance_deactivate import store as state_store
from glance_deactivate import upstream

LOG = logging.getLogger(__name__)

MSG_UNAVAILABLE = ('The image deactivation database is unavailable. '
                   'Please retry later.')
MSG_TOO_LARGE = ('The image service answer is too large to be checked '
                 'for deactivated images.')
MSG_BAD_UPSTREAM = 'The image service answer could not be checked.'
MSG_METHOD_OVERRIDE = 'Method override (_method) is not supported.'

# At most this many image service pages are read to fill one page of a
# status-filtered listing; past it the page is returned short, with a
# ``next`` link that resumes where the scan stopped.
MAX_LIST_ROUNDS = 10


class DeactivateFilter(base.ConfigurableMiddleware):
    """The filter.  Build it with :func:`filter_factory`.

    :param application: the wrapped WSGI app (the image service).
    :param conf: paste settings (a dict) or a ``cfg.ConfigOpts``.
    :param store: a ``store.DeactivationStore`` (built from conf if None).
    :param policy: a ``policies.Policy`` (built from conf if None).
    :param mapper: a ``routes.Mapper`` from ``routing.build_mapper``.
    """

    def __init__(self, application, conf=None, store=None, policy=None,
                 mapper=None):
        super(DeactivateFilter, self).__init__(application, conf)
        config.prepare(self.oslo_conf, self.conf)
        self.options = self.oslo_conf[opts.GROUP]
        if store is None:
            store = self._build_store()
        self.store = store
        self.policy = policy or policies.Policy(self.oslo_conf)
        self.mapper = mapper or routing.build_mapper()
        self.actions = actions.ActionController(self.store, self.policy,
                                                self._lookup)
        self._warned_anonymous = False
        # Schemas the image service was seen to list 'deactivated' in.
        self._schemas_ok = set()
        self._handlers = {
            routing.ACTION: self._action,
            routing.REJECT: self._reject,
            routing.DATA: self._guarded,
            routing.STAGE: self._guarded,
            routing.IMPORT: self._guarded,
            routing.LOCATIONS: self._guarded,
            routing.CACHE: self._guarded,
            routing.IMAGE: self._image,
            routing.IMAGES: self._images,
            routing.SCHEMA: self._schema,
        }

    def __call__(self, environ, start_response):
        route = routing.match(self.mapper, environ)
        if route is None:
            return self.application(environ, start_response)
        if not self._warned_anonymous and not request_context.is_vouched(
                environ):
            self._warned_anonymous = True
            LOG.warning('A request reached glance-deactivate without an '
                        'authenticated context: the filter must sit after '
                        'the auth and context filters (see '
                        'glance-deactivate-manage check-pipeline).')
        if routing.method_override(environ) and not (
                route['handler'] == routing.ACTION and
                actions.has_body(webob.Request(environ))):
            # (An action with a body gets Glance's own 400 for the body.)
            LOG.debug('Refused a method override on %s %s',
                      environ.get('REQUEST_METHOD'), environ.get('PATH_INFO'))
            return webob.exc.HTTPBadRequest(
                explanation=MSG_METHOD_OVERRIDE)(environ, start_response)
        handler = self._handlers[route['handler']]
        try:
            return handler(environ, start_response, route)
        except state_store.StoreUnavailable as e:
            LOG.error('Deactivation database unavailable: %s', e)
            return webob.exc.HTTPServiceUnavailable(
                explanation=MSG_UNAVAILABLE)(environ, start_response)
        except upstream.ResponseTooLarge:
            LOG.warning('Answer to %s %s over max_rewrite_bytes (%d)',
                        environ.get('REQUEST_METHOD'),
                        environ.get('PATH_INFO'),
                        self.options.max_rewrite_bytes)
            return webob.exc.HTTPBadGateway(
                explanation=MSG_TOO_LARGE)(environ, start_response)

    # -- helpers ----------------------------------------------------------

    def _build_store(self):
        store = state_store.DeactivationStore(self.oslo_conf)
        if self.options.auto_create_schema and store.is_sqlite:
            try:
                store.ensure_schema()
            except state_store.StoreUnavailable as e:
                # The store tries again on its first use; the filter starts
                # and fails closed (or open) until then.
                LOG.error('Could not create the deactivation schema at '
                          'start-up: %s', e)
        if self.options.query_timeout and not store.is_sqlite:
            # A local SQLite file cannot hang like a server; its own busy
            # timeout bounds the wait, and the thread hop would be pure
            # cost on every checked request.
            store = bounded_store.BoundedStore(store,
                                               self.options.query_timeout)
        return store

    def _lookup(self, req, image_id):
        return upstream.get_image(self.application, req.environ, image_id,
                                  self.options.max_rewrite_bytes)

    def _checked(self, query, *args):
        """Run a store query; None when it fails and fail_open is set."""
        try:
            return query(*args)
        except state_store.StoreUnavailable:
            if not self.options.fail_open:
                raise
            LOG.warning('Deactivation database unavailable; fail_open set, '
                        'request passed through unchecked')
            return None

    def _hidden_locations(self, environ, images, deactivated):
        """Ids of deactivated images the caller may not see locations of.

        Only images that show locations or a direct_url are asked about,
        and the policy is asked once per distinct target (owner,
        visibility, status) rather than once per image.
        """
        context = None
        hidden = set()
        decisions = {}
        for image in images:
            image_id = rewrite.canonical_id(image.get('id'))
            if image_id not in deactivated or not (
                    image.get('locations') or 'direct_url' in image):
                continue
            key = (image.get('owner'), image.get('visibility'),
                   image.get('status'))
            if key not in decisions:
                if context is None:
                    context = request_context.from_environ(environ)
                decisions[key] = self.policy.allows(
                    policies.GET_DEACTIVATED_LOCATIONS, context, image)
            if not decisions[key]:
                hidden.add(image_id)
        return hidden

    def _respond_json(self, environ, start_response, response, document):
        response.body = json.dumps(document).encode('utf-8')
        return response(environ, start_response)

    def _read_document(self, response):
        """The JSON document of a 2xx JSON answer, else None."""
        if not (200 <= response.status_int < 300 and
                upstream.is_json(response)):
            return None, None
        body, document = upstream.read_json(
            response, self.options.max_rewrite_bytes)
        response.app_iter = [body]
        return body, document

    # -- actions ------------------------------------------------------------

    def _action(self, environ, start_response, route):
        req = webob.Request(environ)
        response = self.actions(req, route['image_id'], route['action'])
        return response(environ, start_response)

    def _reject(self, environ, start_response, route):
        return webob.exc.HTTPMethodNotAllowed(
            headers=[('Allow', 'POST')])(environ, start_response)

    # -- data -------------------------------------------------------------

    def _guarded(self, environ, start_response, route):
        guard = guards.find(route['handler'], environ['REQUEST_METHOD'])
        if guard is None:
            return self.application(environ, start_response)
        image_id = rewrite.canonical_id(route['image_id'])
        record = self._checked(self.store.get, image_id)
        if record is None:
            return self.application(environ, start_response)
        image, refusal = upstream.get_image(
            self.application, environ, route['image_id'],
            self.options.max_rewrite_bytes)
        if refusal is not None:
            return self._as_for_missing(environ, start_response, refusal)
        if image.get('status') != rewrite.ACTIVE:
            return self.application(environ, start_response)
        context = request_context.from_environ(environ)
        if route['handler'] == routing.IMPORT:
            response = guards.import_refusal(
                upstream.buffer_body(environ, guards.MAX_IMPORT_BODY))
        else:
            allowed = guard.rule is not None and self.policy.allows(
                guard.rule, context, image)
            response = guards.refusal(guard, allowed)
        if response is None:
            LOG.info('Image %s is deactivated; %s %s allowed by policy %s',
                     image_id, environ['REQUEST_METHOD'],
                     environ['PATH_INFO'], guard.rule)
            return self.application(environ, start_response)
        LOG.debug('Image %s is deactivated; %s %s refused',
                  image_id, environ['REQUEST_METHOD'], environ['PATH_INFO'])
        return response(environ, start_response)

    def _as_for_missing(self, environ, start_response, refusal):
        """Answer as the image service does for an image it does not show.

        The caller cannot see the image, so the service's own answer to the
        very request is the one it gives for a missing id (status, message,
        ``Allow``), and the answer tells nothing more.  Should the service
        accept the request all the same, its answer is closed unread and
        the look-up's refusal is sent instead.
        """
        response = upstream.call(self.application, environ)
        if 200 <= response.status_int < 300:
            upstream.close(response.app_iter)
            return refusal(environ, start_response)
        return response(environ, start_response)

    # -- metadata -------------------------------------------------------

    def _image(self, environ, start_response, route):
        method = environ['REQUEST_METHOD']
        image_id = rewrite.canonical_id(route['image_id'])
        if method == 'DELETE':
            return self._delete(environ, start_response, image_id)
        if method not in ('GET', 'PATCH'):
            return self.application(environ, start_response)
        record = self._checked(self.store.get, image_id)
        if record is None:
            return self.application(environ, start_response)
        response = upstream.call(self.application, environ)
        _body, document = self._read_document(response)
        if not isinstance(document, dict):
            return response(environ, start_response)
        deactivated = {image_id}
        hidden = self._hidden_locations(environ, [document],
                                        deactivated)
        if rewrite.overlay_image(document, deactivated, hidden):
            return self._respond_json(environ, start_response, response,
                                      document)
        return response(environ, start_response)

    def _delete(self, environ, start_response, image_id):
        response = upstream.call(self.application, environ)
        if 200 <= response.status_int < 300:
            self._forget(image_id, 'deleted')
        return response(environ, start_response)

    def _forget(self, image_id, why):
        """Clear a record the image service no longer backs."""
        try:
            if self.store.remove(image_id):
                LOG.info('Image %s %s: its deactivation record is cleared',
                         image_id, why)
        except state_store.StoreUnavailable as e:
            LOG.error('Image %s %s but its deactivation record could not be '
                      'cleared (database unavailable: %s); it is cleared '
                      'when an image with that id is created again',
                      image_id, why, e)

    # -- listings ----------------------------------------------------------

    def _images(self, environ, start_response, route):
        method = environ['REQUEST_METHOD']
        if method == 'POST':
            return self._create(environ, start_response)
        if method != 'GET':
            return self.application(environ, start_response)
        pairs = upstream.query_pairs(environ)
        plan = self._checked(listing.plan, pairs, self.store.list_ids)
        if plan is None:
            return self._overlay_list(environ, start_response)
        return self._planned_list(environ, start_response, pairs, plan)

    def _create(self, environ, start_response):
        response = upstream.call(self.application, environ)
        if response.status_int == 201:
            _body, document = self._read_document(response)
            if isinstance(document, dict) and document.get('id'):
                self._forget(rewrite.canonical_id(document['id']),
                             'created anew')
        return response(environ, start_response)

    def _overlay_list(self, environ, start_response):
        response = upstream.call(self.application, environ)
        _body, document = self._read_document(response)
        images = document.get('images') if isinstance(
            document, dict) else None
        if not isinstance(images, list):
            return response(environ, start_response)
        ids = [image.get('id') for image in images]
        deactivated = self._checked(self.store.deactivated_among, ids)
        if not deactivated:
            return response(environ, start_response)
        hidden = self._hidden_locations(environ, images,
                                        deactivated)
        rewrite.overlay_images(images, deactivated, hidden)
        return self._respond_json(environ, start_response, response,
                                  document)

    def _planned_list(self, environ, start_response, pairs, plan):
        limit = _int_param(pairs, 'limit')
        store_pairs = list(plan.store_pairs)
        kept, deactivated, marker = [], set(), None
        for _round in range(MAX_LIST_ROUNDS):
            response = upstream.call(self.application, upstream.sub_environ(
                environ, 'GET', '/v2/images',
                upstream.encode_query(store_pairs)))
            if response.status_int != 200:
                return response(environ, start_response)
            _body, document = self._read_document(response)
            images = document.get('images') if isinstance(
                document, dict) else None
            if not isinstance(images, list):
                return webob.exc.HTTPBadGateway(
                    explanation=MSG_BAD_UPSTREAM)(environ, start_response)
            if document.get('next') and (limit is None or
                                         len(images) < limit):
                # The store's own page size (or its api_limit_max cap).
                limit = len(images)
            page_deactivated = self._checked(
                self.store.deactivated_among,
                [image.get('id') for image in images]) or set()
            deactivated |= page_deactivated
            marker = listing.next_marker(document)
            for index, image in enumerate(images):
                status = rewrite.effective_status(image, page_deactivated)
                if plan.needs_filter and status not in plan.wanted:
                    continue
                kept.append(image)
                if limit is not None and len(kept) >= limit:
                    if index < len(images) - 1:
                        marker = image.get('id')
                    break
            full = limit is not None and len(kept) >= limit
            if full or marker is None or not plan.needs_filter:
                break
            store_pairs = [(k, v) for k, v in store_pairs
                           if k != 'marker'] + [('marker', marker)]
        hidden = self._hidden_locations(environ, kept,
                                        deactivated)
        rewrite.overlay_images(kept, deactivated, hidden)
        document['images'] = kept
        document['first'] = listing.link(pairs)
        if marker is None:
            document.pop('next', None)
        else:
            document['next'] = listing.link(pairs, marker)
        return self._respond_json(environ, start_response, response,
                                  document)

    # -- schemas ------------------------------------------------------------

    def _schema(self, environ, start_response, route):
        schema = route['schema']
        if environ['REQUEST_METHOD'] != 'GET' or schema in self._schemas_ok:
            return self.application(environ, start_response)
        response = upstream.call(self.application, environ)
        _body, document = self._read_document(response)
        if not isinstance(document, dict):
            return response(environ, start_response)
        if rewrite.add_deactivated_status(document):
            return self._respond_json(environ, start_response, response,
                                      document)
        # The image service lists the status itself (Glance since Kilo):
        # its later answers pass through unread.
        self._schemas_ok.add(schema)
        return response(environ, start_response)


def _int_param(pairs, name):
    values = [v for k, v in pairs if k == name]
    try:
        return int(values[-1]) if values else None
    except ValueError:
        return None


def filter_factory(global_conf, **local_conf):
    """Paste filter factory: configuration and parts are built once here.

    A bad option value fails the deployment at start-up with the option's
    name, rather than at the first request.
    """
    conf = dict(global_conf or {})
    conf.update(local_conf)
    config.warn_unknown(local_conf)
    prototype = DeactivateFilter(None, conf)
    if prototype.options.fail_open:
        LOG.warning('[%s] fail_open is set: while the deactivation database '
                    'is unreachable, deactivated images can be downloaded',
                    opts.GROUP)

    def _filter(app):
        return DeactivateFilter(app, prototype.oslo_conf,
                                store=prototype.store,
                                policy=prototype.policy,
                                mapper=prototype.mapper)
    return _filter
