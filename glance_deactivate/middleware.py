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
service's own 404, never a 403, for the same work as a missing id.

An image whose data matches a live *content quarantine* (by its hash, in
any project, uploaded before or after the quarantine; see
``glance_deactivate.quarantine``) is deactivated in every one of these
senses until the quarantine is lifted, and reactivating it is refused
with a 403 that names the quarantine.  Which images are deactivated is
decided in one place, on the image documents the service returns
(``glance_deactivate.deactivation_view``); with no quarantine live a
request costs what it did before quarantines existed.

In front of an image service that has the feature itself (Glance since
Kilo), an image the *service* holds deactivated is left to it: its own
``reactivate`` action lifts it, asked as the caller, and the filter never
answers 204 unless the image ends in the named state (see
``glance_deactivate.native``).

The filter reads every request as Glance does (``glance_deactivate.
reading``: WebOb's query parser, Routes' method override, Glance's body
test) and refuses any ``_method`` override on its routes (400); any
method Glance does not route on an image's resource path gets Glance's
own 405 from the filter.  Records change only on what the image service
confirmed: the exact id in its answer (``glance_deactivate.images``), and
for a DELETE, a look-up that then answers 404.

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

========================  ===============================================
Option                    Meaning
========================  ===============================================
``connection``            SQLAlchemy URL of the state database (default:
                          a SQLite file,
                          ``/var/lib/glance/glance-deactivate.sqlite``);
                          all API nodes must share one. oslo.db's pool and
                          retry options apply (``max_pool_size``,
                          ``max_retries``, ...).
``auto_create_schema``    Create the schema for SQLite at start-up
                          (default true); other databases need
                          ``glance-deactivate-manage db sync``.
``fail_open``             Pass checked requests through while the state
                          database is down (default false: 503).
``policy_file``           Policy file with the rules below (default: the
                          host's ``[oslo_policy] policy_file``).
``query_timeout``         Seconds to wait for the state database before
                          treating it as unavailable (default 10).
``max_rewrite_bytes``     Largest JSON answer rewritten (default 64 MiB).
``notification_timeout``  Seconds an action waits for its notification
                          to reach the message broker (default 2; see
                          ``glance_deactivate.notifications``).
========================  ===============================================

Policy rules (oslo.policy; see ``glance_deactivate.policies``):
``image_deactivation:deactivate`` (admin or a member of the owning
project), ``image_deactivation:reactivate`` (the same, but only an admin
may lift an admin's deactivation: the hold),
``image_deactivation:download_deactivated`` and
``image_deactivation:get_deactivated_locations`` (admin).

Every action, the hold's refusals and the deletion of a deactivated image
are recorded in an append-only history with the caller, the request id
and an optional reason (``{"reason": "..."}``); see
``glance_deactivate.store`` and ``doc/source/incident.rst``.
``GET /v2/images/{image_id}/deactivation`` and ``GET /v2/deactivations``
read the records and the history (rules
``image_deactivation:get_deactivation`` and
``image_deactivation:list_deactivations``, admin by default); see
``glance_deactivate.records_api``.

Content quarantines are made, read and lifted through
``POST /v2/quarantines``, ``GET /v2/quarantines[/{id}]`` and
``POST /v2/quarantines/{id}/actions/lift`` (rules
``image_deactivation:quarantine``, ``list_quarantines``,
``get_quarantine`` and ``lift_quarantine``, admin by default); see
``glance_deactivate.quarantines_api`` and ``doc/source/quarantine.rst``.
"""

import importlib.metadata
import json

from oslo_log import log as logging
from oslo_middleware import base
import webob
import webob.exc

from glance_deactivate import actions
from glance_deactivate import bounded_store
from glance_deactivate import config
from glance_deactivate import context as request_context
from glance_deactivate import deactivation_view
from glance_deactivate import guards
from glance_deactivate import listing
from glance_deactivate import matching
from glance_deactivate import native
from glance_deactivate import notifications
from glance_deactivate import opts
from glance_deactivate import overlay
from glance_deactivate import policies
from glance_deactivate import quarantines_api
from glance_deactivate import reading
from glance_deactivate import records_api
from glance_deactivate import routing
from glance_deactivate import status_ties
from glance_deactivate import store as state_store
from glance_deactivate import upstream

LOG = logging.getLogger(__name__)

MSG_UNAVAILABLE = ('The image deactivation database is unavailable. '
                   'Please retry later.')
MSG_TOO_LARGE = ('The image service answer is too large to be checked '
                 'for deactivated images.')
MSG_BAD_UPSTREAM = 'The image service answer could not be checked.'
MSG_METHOD_OVERRIDE = 'Method override (_method) is not supported.'
MSG_BAD_QUERY = 'The query string is not valid UTF-8.'


class DeactivateFilter(base.ConfigurableMiddleware):
    """The filter.  Build it with :func:`filter_factory`.

    :param application: the wrapped WSGI app (the image service).
    :param conf: paste settings (a dict) or a ``cfg.ConfigOpts``.
    :param store: a ``store.DeactivationStore`` (built from conf if None).
    :param policy: a ``policies.Policy`` (built from conf if None).
    :param mapper: a ``routes.Mapper`` from ``routing.build_mapper``.
    :param notifier: a ``notifications.Notifier`` (built from conf if None:
        it sends nothing unless the host configures notifications).
    :param sightings: a ``deactivation_view.Sightings``, shared by the
        filters of one process (a new one if None).
    """

    def __init__(self, application, conf=None, store=None, policy=None,
                 mapper=None, notifier=None, sightings=None):
        super(DeactivateFilter, self).__init__(application, conf)
        config.prepare(self.oslo_conf, self.conf)
        self.options = self.oslo_conf[opts.GROUP]
        if store is None:
            store = self._build_store()
        self.store = store
        self.policy = policy or policies.Policy(self.oslo_conf)
        self.mapper = mapper or routing.build_mapper()
        if notifier is None:
            notifier = notifications.Notifier(self.oslo_conf)
        self.notifier = notifier
        self.actions = actions.ActionController(
            self.store, self.policy, self._get_image, notifier=self.notifier,
            native=native.StoreActions(application, self._get_image,
                                       self.options.max_rewrite_bytes))
        self.sightings = sightings or deactivation_view.Sightings(
            self.notifier, self._actor)
        self.data_guard = guards.DataGuard(
            application, self._view, self._get_image, self._allows)
        self.records = records_api.RecordsController(
            self.store, self.policy, self._get_image, self.oslo_conf)
        self.quarantines = quarantines_api.QuarantinesController(
            self.store, self.policy, self._get_image,
            matching.Scanner(application, self.options.max_rewrite_bytes),
            notifier=self.notifier, conf=self.oslo_conf)
        self._warned_anonymous = False
        # Schemas the image service was seen to list 'deactivated' in.
        self._schemas_ok = set()
        self._handlers = {
            routing.ACTION: self._action,
            routing.REJECT: self._reject,
            routing.DOWNLOAD: self._guarded,
            routing.UPLOAD: self._guarded,
            routing.STAGE: self._guarded,
            routing.IMPORT: self._guarded,
            routing.ADD_LOCATION: self._guarded,
            routing.GET_LOCATIONS: self._guarded,
            routing.CACHE_QUEUE: self._guarded,
            routing.SHOW: self._image,
            routing.PATCH: self._image,
            routing.DELETE: self._delete,
            routing.LIST: self._list,
            routing.CREATE: self._create,
            routing.SCHEMA: self._schema,
            routing.PASS: self._pass,
            routing.DEACTIVATION: self.records,
            routing.DEACTIVATIONS: self.records,
            routing.RECORD_SCHEMA: self.records,
            routing.QUARANTINES: self.quarantines,
            routing.QUARANTINE_NEW: self.quarantines,
            routing.QUARANTINE: self.quarantines,
            routing.QUARANTINE_LIFT: self.quarantines,
            routing.QUARANTINE_SCHEMA: self.quarantines,
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
        if reading.method_override(environ) and not (
                route['handler'] == routing.ACTION and
                reading.has_body(environ)):
            # (An action with a body gets Glance's own 400 for the body.)
            LOG.debug('Refused a method override on %s %s',
                      environ.get('REQUEST_METHOD'), environ.get('PATH_INFO'))
            return webob.exc.HTTPBadRequest(
                explanation=MSG_METHOD_OVERRIDE)(environ, start_response)
        handler = self._handlers[route['handler']]
        try:
            return handler(environ, start_response, route)
        except state_store.StoreUnavailable as e:
            # The store logs the outage once (WARNING) and its end (INFO).
            LOG.debug('Deactivation database unavailable: %s', e)
            return webob.exc.HTTPServiceUnavailable(
                explanation=MSG_UNAVAILABLE)(environ, start_response)
        except upstream.ResponseTooLarge:
            LOG.warning('Answer to %s %s over max_rewrite_bytes (%d)',
                        environ.get('REQUEST_METHOD'),
                        environ.get('PATH_INFO'),
                        self.options.max_rewrite_bytes)
            return webob.exc.HTTPBadGateway(
                explanation=MSG_TOO_LARGE)(environ, start_response)
        except reading.BadQuery:
            return webob.exc.HTTPBadRequest(
                explanation=MSG_BAD_QUERY)(environ, start_response)

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

    def _get_image(self, environ, image_id):
        return upstream.get_image(self.application, environ, image_id,
                                  self.options.max_rewrite_bytes)

    def _allows(self, rule, environ, image):
        return self.policy.allows(
            rule, request_context.from_environ(environ), image)

    def _checked(self, query, *args):
        """Run a store query; None when it fails and fail_open is set."""
        try:
            return query(*args)
        except state_store.StoreUnavailable:
            if not self.options.fail_open:
                raise
            LOG.debug('Deactivation database unavailable; fail_open set, '
                      'request passed through unchecked')
            return None

    def _view(self, environ):
        """This request's ``deactivation_view.View``."""
        return deactivation_view.View(self.store, self._checked,
                                      self.sightings, environ)

    def _actor(self, environ):
        return self.actions.actor(request_context.from_environ(environ),
                                  request_context.request_id(environ))

    def _hidden_locations(self, environ, images, deactivated):
        """Ids of deactivated images the caller may not see locations of.

        Only images that show locations or a direct_url are asked about,
        and the policy is asked once per distinct policy target (a rule may
        name any of its fields, the id included).
        """
        context = None
        hidden = set()
        decisions = {}
        for image in images:
            image_id = image.get('id')
            if image_id not in deactivated or not (
                    image.get('locations') or 'direct_url' in image or
                    'stores' in image):
                continue
            key = tuple(sorted(policies.image_target(image).items()))
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

    # -- actions and refusals ---------------------------------------------

    def _action(self, environ, start_response, route):
        req = webob.Request(environ)
        response = self.actions(req, route['image_id'], route['action'])
        return response(environ, start_response)

    def _reject(self, environ, start_response, route):
        return webob.exc.HTTPMethodNotAllowed(
            headers=[('Allow', route['allow'])])(environ, start_response)

    def _pass(self, environ, start_response, route):
        return self.application(environ, start_response)

    # -- data -------------------------------------------------------------

    def _guarded(self, environ, start_response, route):
        return self.data_guard(route['handler'], environ, start_response,
                               route['image_id'])

    # -- metadata -------------------------------------------------------

    def _image(self, environ, start_response, route):
        view = self._view(environ)
        state = view.state(route['image_id'])
        if state is None or not (state.records or state.live):
            # Nothing can deactivate it: the answer passes unread.
            return self.application(environ, start_response)
        response = upstream.call(self.application, environ)
        _body, document = self._read_document(response)
        if not isinstance(document, dict):
            return response(environ, start_response)
        image_id = document.get('id')
        deactivated = {image_id} if view.deactivated(
            document, state.records, state.live) else set()
        hidden = self._hidden_locations(environ, [document], deactivated)
        if overlay.overlay_image(document, deactivated, hidden):
            return self._respond_json(environ, start_response, response,
                                      document)
        return response(environ, start_response)

    def _delete(self, environ, start_response, route):
        response = upstream.call(self.application,
                                 upstream.isolated(environ))
        if 200 <= response.status_int < 300:
            self._forget_deleted(environ, route['image_id'])
        return response(environ, start_response)

    def _forget_deleted(self, environ, image_id):
        """Clear the record of ``image_id`` once the service says it is gone.

        Only the record of exactly this id: another spelling's record may
        be another image's (on a case-insensitive Glance database it may
        be this one's, and is kept: a stale record blocks nothing that
        exists).  The removal appends a ``deleted`` event naming the
        caller, in the same transaction.
        """
        try:
            records = self.store.find(image_id)
            if not any(record.image_id == image_id for record in records):
                return
            _image, refusal = self._get_image(environ, image_id)
            if refusal is None or refusal.status_int != 404:
                LOG.warning('Image %s: the image service accepted a DELETE '
                            'but still shows the image; its deactivation '
                            'record is kept', image_id)
                return
            actor = self.actions.actor(
                request_context.from_environ(environ),
                request_context.request_id(environ))
            if self.store.forget(image_id, actor=actor):
                LOG.info('Image %s deleted: its deactivation record is '
                         'cleared', image_id)
        except state_store.StoreUnavailable as e:
            LOG.error('Image %s deleted but its deactivation record could '
                      'not be cleared (database unavailable: %s); it is '
                      'cleared when an image with that id is created again',
                      image_id, e)

    # -- listings ----------------------------------------------------------

    def _list(self, environ, start_response, route):
        pairs = reading.query_pairs(environ)
        view = self._view(environ)
        ids = self._deactivated_ids(environ, pairs, view)
        if listing.sorted_by_status(pairs) and self._any_deactivated(view):
            segments = self._checked(listing.status_segments, pairs, ids)
            if segments is not None:
                return self._status_sorted_list(environ, start_response,
                                                pairs, segments, view)
        order = status_ties.plan(pairs)
        if order is not None and self._any_deactivated(view):
            return self._later_status_list(environ, start_response, pairs,
                                           order, ids, view)
        plan = self._checked(listing.plan, pairs, ids)
        if plan is None:
            return self._overlay_list(environ, start_response, view)
        return self._planned_list(environ, start_response, pairs, plan,
                                  view)

    def _any_deactivated(self, view):
        """True when a record or a live quarantine may deactivate one.

        Without either, the store's own order is Glance's.
        """
        return bool(self._checked(self.store.list_ids, 1) or view.live())

    def _deactivated_ids(self, environ, pairs, view):
        """A callable: every deactivated id the listing may show.

        The filter's records, the store's own deactivated images
        (``native``) and, while quarantines are live, the images matching
        them that the caller can list (one sub-listing per quarantined
        hash, as the caller, with the caller's ``pairs`` scope; see
        ``deactivation_view.quarantined_ids``).  Asked once per request at
        most.
        """
        known = []

        def ids():
            if not known:
                found = set(self.store.list_ids()) | native.deactivated_ids(
                    self.application, environ,
                    self.options.max_rewrite_bytes)
                found |= deactivation_view.quarantined_ids(
                    view.live(), pairs, self._sub_listing(environ))
                known.append(found)
            return known[0]
        return ids

    def _sub_listing(self, environ):
        """``fetch(pairs)``: the service's listing for a query, as the caller.

        See ``matching.listing`` (it raises ``matching.ScanFailed`` for an
        answer that is not a listing).
        """
        def fetch(pairs):
            return matching.listing(self.application, environ, pairs,
                                    self.options.max_rewrite_bytes)
        return fetch

    def _create(self, environ, start_response, route):
        response = upstream.call(self.application, environ)
        if response.status_int == 201:
            _body, document = self._read_document(response)
            if isinstance(document, dict) and document.get('id'):
                self._created(str(document['id']))
        return response(environ, start_response)

    def _created(self, image_id):
        """A new image ``image_id`` exists: a record of that id is stale."""
        try:
            if self.store.forget(image_id):
                LOG.info('Image %s created anew: its deactivation record is '
                         'cleared', image_id)
            self.store.pin_spellings(image_id)
        except state_store.StoreUnavailable as e:
            LOG.error('Image %s created but a stale deactivation record of '
                      'that id could not be checked (database unavailable: '
                      '%s)', image_id, e)

    def _overlay_list(self, environ, start_response, view):
        response = upstream.call(self.application, environ)
        _body, document = self._read_document(response)
        images = document.get('images') if isinstance(
            document, dict) else None
        if not isinstance(images, list):
            return response(environ, start_response)
        deactivated = view.among(images)
        if not deactivated:
            return response(environ, start_response)
        hidden = self._hidden_locations(environ, images,
                                        deactivated)
        overlay.overlay_images(images, deactivated, hidden)
        return self._respond_json(environ, start_response, response,
                                  document)

    def _planned_list(self, environ, start_response, pairs, plan, view):
        def run(fetch, among):
            return listing.planned_page(pairs, plan, fetch, among)
        return self._listed(environ, start_response, view, run)

    def _marker_image(self, environ, pairs):
        """``(found, image)`` for the caller's marker, asked as the caller.

        ``found`` is False when the store refuses the marker: the listing
        then goes to the store as it is, for its own answer.  ``image`` is
        None without a marker.
        """
        marker = reading.first(pairs, 'marker')
        if marker is None:
            return True, None
        image, refusal = self._get_image(environ, marker)
        if refusal is not None:
            upstream.close(refusal.app_iter)
            return False, None
        return True, image

    def _status_sorted_list(self, environ, start_response, pairs, segments,
                            view):
        found, image = self._marker_image(environ, pairs)
        if not found:
            return self._overlay_list(environ, start_response, view)
        marker_status = None
        if image is not None:
            marker_status = overlay.effective_status(image,
                                                     view.among([image]))

        def run(fetch, among):
            return listing.segmented_page(pairs, segments, marker_status,
                                          fetch, among)
        return self._listed(environ, start_response, view, run)

    def _later_status_list(self, environ, start_response, pairs, order,
                           ids, view):
        found, image = self._marker_image(environ, pairs)
        if not found:
            return self._overlay_list(environ, start_response, view)

        def run(fetch, among):
            return status_ties.page(pairs, order, image, fetch,
                                    self._checked(ids) or set(), among)
        return self._listed(environ, start_response, view, run)

    def _listed(self, environ, start_response, view, run):
        """Answer with ``run(fetch, deactivated_among)``'s listing.Page.

        ``deactivated_among`` is ``view.among``: decided on the documents.
        """
        answers = []

        def fetch(store_pairs):
            response = upstream.call(self.application, upstream.sub_environ(
                environ, 'GET', '/v2/images',
                upstream.encode_query(store_pairs)))
            answers.append(response)
            if response.status_int != 200:
                raise _Answer(response)
            _body, document = self._read_document(response)
            if not (isinstance(document, dict) and
                    isinstance(document.get('images'), list)):
                raise _Answer(webob.exc.HTTPBadGateway(
                    explanation=MSG_BAD_UPSTREAM))
            return document

        try:
            page = run(fetch, view.among)
        except _Answer as answer:
            return answer.response(environ, start_response)
        images = page.document['images']
        hidden = self._hidden_locations(environ, images, page.deactivated)
        overlay.overlay_images(images, page.deactivated, hidden)
        # The last store page's answer carries the caller's page.
        return self._respond_json(environ, start_response, answers[-1],
                                  page.document)

    # -- schemas ------------------------------------------------------------

    def _schema(self, environ, start_response, route):
        schema = route['schema']
        if schema in self._schemas_ok:
            return self.application(environ, start_response)
        response = upstream.call(self.application, environ)
        _body, document = self._read_document(response)
        if not isinstance(document, dict):
            return response(environ, start_response)
        if overlay.add_deactivated_status(document):
            return self._respond_json(environ, start_response, response,
                                      document)
        # The image service lists the status itself (Glance since Kilo):
        # its later answers pass through unread.
        self._schemas_ok.add(schema)
        return response(environ, start_response)


def _version():
    try:
        return importlib.metadata.version('glance-deactivate')
    except importlib.metadata.PackageNotFoundError:
        return 'unknown version'


class _Answer(Exception):
    """A store page that is not a listing: this response goes back."""

    def __init__(self, response):
        super(_Answer, self).__init__(response.status)
        self.response = response


def filter_factory(global_conf, **local_conf):
    """Paste filter factory: configuration and parts are built once here.

    A bad option value fails the deployment at start-up with the option's
    name, rather than at the first request.
    """
    conf = dict(global_conf or {})
    conf.update(local_conf)
    config.warn_unknown(local_conf)
    prototype = DeactivateFilter(None, conf)
    LOG.info('glance-deactivate %s: state database %s, fail_open %s, '
             'policy file %s, notifications %s', _version(),
             prototype.store.safe_url, prototype.options.fail_open,
             prototype.policy.enforcer.policy_file or '(none: defaults)',
             'on' if prototype.notifier.enabled else 'off')
    if prototype.options.fail_open:
        LOG.warning('[%s] fail_open is set: while the deactivation database '
                    'is unreachable, deactivated images can be downloaded',
                    opts.GROUP)

    def _filter(app):
        return DeactivateFilter(app, prototype.oslo_conf,
                                store=prototype.store,
                                policy=prototype.policy,
                                mapper=prototype.mapper,
                                notifier=prototype.notifier,
                                sightings=prototype.sightings)
    return _filter
