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

"""The read API: deactivation records and their history, as JSON.

``GET /v2/images/{image_id}/deactivation``
    Whether the image is deactivated now, since when, by whom (user,
    project, whether as an administrator), the reason, the hold and the
    event that made the deactivation; the live content quarantine its data
    matches, if any (``quarantine_id``: the image is then deactivated
    whether or not it has a record of its own); and the image's history, newest
    first, one page of it (``limit``, ``marker`` = an event id; the answer
    has ``first`` and, unless it is the last page, ``next``).  Policy
    rule ``image_deactivation:get_deactivation`` (default: admin).

``GET /v2/deactivations``
    The images deactivated now, newest deactivation first, paged as
    Glance pages its image list (``limit``, ``marker`` = an image id,
    ``first``, ``next``) and filtered by ``owner`` (the image's owner when
    it was deactivated), ``deactivated_by`` (a user id or a project id),
    ``hold`` (``true``/``false``), ``since`` and ``until`` (ISO 8601; UTC
    when no offset is given).  Policy rule
    ``image_deactivation:list_deactivations`` (default: admin).

``GET /v2/schemas/deactivation``, ``GET /v2/schemas/deactivations``
    The JSON schemas of the two documents
    (``glance_deactivate.records_schema``), to every caller, as Glance
    serves its own.

Checks run in Glance's order: the query string first (400), then the
image as the caller sees it (the image service's own 404 for an image the
caller cannot see, never a 403, for the same work as a missing id), then
the policy rule (403 ``You are not authorized to complete get_deactivation
action.``), then the store (400 for a marker it does not know).  Any other
method on these paths is a 405 with ``Allow: GET`` (``glance_deactivate.
routing``); a ``_method`` override is refused (400) by the filter.

Query parameters are read as Glance's ``RequestDeserializer`` reads them
(``glance/api/v2/images.py``): ``limit`` and ``marker`` are its *first*
value (Glance pops them), a filter its *last* (Glance reads filters from a
MultiDict), with Glance's messages:

* ``limit`` not an integer: ``limit param must be an integer``; negative:
  ``limit param must be positive`` (``_validate_limit``); it defaults to
  the host's ``limit_param_default`` and is cut to its ``api_limit_max``
  (Glance's options, when the host registered them, else Glance's
  defaults, 25 and 1000);
* an unknown marker: Glance's ``No image found with ID <marker>`` for the
  list (``glance/db/sqlalchemy/api.py`` ``_image_get``; with ``owner``,
  also the record of another owner's image), ``No deactivation event
  found with ID <marker>`` for a history;
* ``since``/``until`` not ISO 8601: ``Bad "since" query filter format.
  Use ISO 8601 DateTime notation.`` (Glance's ``created_at`` filter);
* ``hold`` neither ``true`` nor ``false``: ``Invalid value 'x' for 'hold'
  filter. Valid values are 'true' or 'false'.`` (Glance's ``protected``);
* any other parameter: ``Unknown query parameter: x.`` (a mistyped filter
  must not answer with every record).

The history of a deleted image outlives it but is not reachable here (the
image service answers 404 for it):
``glance-deactivate-manage history --image ID`` reads it.
"""

import datetime
import json
from urllib import parse

from oslo_log import log as logging
from oslo_utils import timeutils
import webob
import webob.exc

from glance_deactivate import context as request_context
from glance_deactivate import images
from glance_deactivate import overlay
from glance_deactivate import policies
from glance_deactivate import reading
from glance_deactivate import records_schema
from glance_deactivate import routing

LOG = logging.getLogger(__name__)

# Glance 33, glance/api/v2/images.py RequestDeserializer._validate_limit.
MSG_LIMIT_INTEGER = 'limit param must be an integer'
MSG_LIMIT_POSITIVE = 'limit param must be positive'
# Glance 33, glance/db/sqlalchemy/api.py _image_get (a bad list marker).
MSG_IMAGE_MARKER = 'No image found with ID %s'
MSG_EVENT_MARKER = 'No deactivation event found with ID %s'
# Glance 33, glance/db/sqlalchemy/api.py (the created_at filter).
MSG_TIME = 'Bad "%s" query filter format. Use ISO 8601 DateTime notation.'
# Glance 33, glance/api/v2/images.py ImagesController.index (protected).
MSG_BOOLEAN = ("Invalid value '%s' for '%s' filter. Valid values are "
               "'true' or 'false'.")
MSG_UNKNOWN = 'Unknown query parameter: %s.'
MSG_BAD_UPSTREAM = 'The image service answer could not be checked.'
# Glance 33, glance/common/exception.py Forbidden.
MSG_NOT_AUTHORIZED = 'You are not authorized to complete %s action.'

# Glance's defaults of limit_param_default and api_limit_max.
DEFAULT_LIMIT = 25
MAX_LIMIT = 1000

IMAGES_PATH = '/v2/images/%s'
RECORD_PATH = '/v2/images/%s/deactivation'
LIST_PATH = '/v2/deactivations'

PAGE = ('limit', 'marker')
FILTERS = ('owner', 'deactivated_by', 'hold', 'since', 'until')


class BadRequest(Exception):
    """A query parameter Glance would refuse: 400 with this message."""


def page_limits(conf):
    """(default, maximum) page size: the host's Glance options, if any.

    In ``glance-api`` with the global configuration, ``limit_param_default``
    and ``api_limit_max`` are registered (``glance/common/config.py``), and
    the read API pages as Glance's image list does.
    """
    def option(name, default):
        try:
            return int(getattr(conf, name))
        except (AttributeError, TypeError, ValueError):
            # oslo.config's NoSuchOptError is an AttributeError.
            return default
    maximum = option('api_limit_max', MAX_LIMIT)
    return min(option('limit_param_default', DEFAULT_LIMIT), maximum), maximum


def parse_limit(value):
    """Glance's ``_validate_limit``: an integer, not negative."""
    try:
        limit = int(value)
    except ValueError:
        raise BadRequest(MSG_LIMIT_INTEGER)
    if limit < 0:
        raise BadRequest(MSG_LIMIT_POSITIVE)
    return limit


def parse_time(name, value):
    """An ISO 8601 time as a UTC-aware datetime, as Glance parses one.

    ``oslo_utils.timeutils.parse_isotime`` then ``normalize_time``, as
    Glance's ``created_at`` filter does; a time without an offset is UTC.
    """
    try:
        parsed = timeutils.normalize_time(timeutils.parse_isotime(value))
    except (ValueError, OverflowError):
        # OverflowError: an offset pushing year 1 or 9999 out of range.
        raise BadRequest(MSG_TIME % name)
    return parsed.replace(tzinfo=datetime.timezone.utc)


def parse_boolean(name, value):
    """``true`` or ``false``, exactly, as Glance's ``protected`` filter."""
    if value not in ('true', 'false'):
        raise BadRequest(MSG_BOOLEAN % (value, name))
    return value == 'true'


def isotime(moment):
    """A datetime as ISO 8601 UTC with microseconds and ``Z``."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def record_path(image_id):
    return RECORD_PATH % parse.quote(str(image_id), safe='')


def link(path, params, marker=None):
    """``path`` with ``params`` (a list of pairs) and ``marker`` if given."""
    pairs = list(params)
    if marker is not None:
        pairs.append(('marker', marker))
    if not pairs:
        return path
    return '%s?%s' % (path, parse.urlencode(pairs))


def record_view(image_id, record, deactivated, quarantine_id=None):
    """The current state of ``image_id`` (``record`` may be None).

    :param quarantine_id: the live quarantine the image's content matches
        (None: none).
    """
    view = {
        'image_id': image_id,
        'deactivated': deactivated,
        'quarantine_id': quarantine_id,
        'deactivated_at': None,
        'deactivated_by': None,
        'reason': None,
        'hold': False,
        'event_id': None,
        'owner': None,
        'self': record_path(image_id),
    }
    if record is not None:
        view.update({
            'deactivated_at': isotime(record.deactivated_at),
            'deactivated_by': {'user_id': record.user_id,
                               'project_id': record.project_id,
                               'is_admin': bool(record.by_admin)},
            'reason': record.reason,
            # The hold is the record's by_admin (the shared design).
            'hold': bool(record.by_admin),
            'event_id': record.event_id,
            'owner': record.owner,
        })
    return view


def event_view(event):
    return {
        'id': event.id,
        'image_id': event.image_id,
        'action': event.action,
        'outcome': event.outcome,
        'created_at': isotime(event.created_at),
        'user_id': event.user_id,
        'project_id': event.project_id,
        'roles': list(event.roles or []),
        'is_admin': bool(event.is_admin),
        'request_id': event.request_id,
        'reason': event.reason,
        'owner': event.owner,
        'hold': bool(event.held),
        'quarantine_id': event.quarantine_id,
    }


def json_response(document, status=200):
    # As Glance's JSONResponseSerializer: UTF-8, not ASCII-escaped.
    response = webob.Response(status=status,
                              content_type='application/json',
                              charset='UTF-8')
    response.body = json.dumps(document, ensure_ascii=False).encode('utf-8')
    return response


class PagedController(object):
    """What the filter's own JSON APIs share: query, limits, policy, pages.

    Subclasses set ``self._routes`` (route name -> method taking ``req``
    and ``route``); a ``BadRequest`` raised by a method is a 400 with its
    message.  ``glance_deactivate.quarantines_api`` is the other user.

    :param policy: a policies.Policy.
    :param conf: the filter's ConfigOpts (for the host's page limits).
    """

    def __init__(self, policy, conf=None):
        self.policy = policy
        self.default_limit, self.max_limit = page_limits(conf)
        self._routes = {}

    def __call__(self, environ, start_response, route):
        """The filter's handler for the controller's routes."""
        req = webob.Request(environ)
        try:
            response = self._routes[route['handler']](req, route)
        except BadRequest as e:
            LOG.debug('Refused %s %s: %s', req.method, req.path_info, e)
            response = webob.exc.HTTPBadRequest(explanation=str(e))
        return response(environ, start_response)

    # -- parameters ---------------------------------------------------------

    def _query(self, req, allowed):
        """{name: value}: ``limit``/``marker`` first, filters last.

        :raises BadQuery: for a query string that is not UTF-8.
        """
        pairs = reading.query_pairs(req.environ)
        for key, _value in pairs:
            if key not in allowed:
                raise BadRequest(MSG_UNKNOWN % key)
        params = {name: reading.first(pairs, name) for name in PAGE}
        params.update({name: reading.last(pairs, name)
                       for name in allowed if name not in PAGE})
        return {name: value for name, value in params.items()
                if value is not None}

    def _limit(self, params):
        if 'limit' not in params:
            return self.default_limit
        return min(parse_limit(params['limit']), self.max_limit)

    @staticmethod
    def _link_params(params, names):
        """The parameters a ``first``/``next`` link carries, in order."""
        return [(name, params[name]) for name in names
                if name in params and name != 'marker']

    def _refused(self, rule, context, target, what):
        if self.policy.allows(rule, context, target):
            return None
        LOG.debug('Policy %s refused %s', rule, what)
        return webob.exc.HTTPForbidden(
            explanation=MSG_NOT_AUTHORIZED % rule[len(policies.PREFIX):])

    @staticmethod
    def _page(message, marker, query, **kwargs):
        """``query(marker=marker, **kwargs)``; 400 for an unknown marker.

        The store raises ValueError for a marker it does not know; an empty
        one is refused here, whatever the store would make of it.
        """
        if marker == '':
            raise BadRequest(message % marker)
        try:
            return query(marker=marker, **kwargs)
        except ValueError as e:
            if marker is None:
                raise BadRequest(str(e))
            raise BadRequest(message % marker)


class RecordsController(PagedController):
    """The read API's three routes.

    :param store: a DeactivationStore (``get``, ``history``,
        ``list_records``).
    :param policy: a policies.Policy.
    :param lookup: ``lookup(environ, image_id)`` returning ``(image, None)``
        with the image as the caller sees it, or ``(None, response)`` with
        the image service's own refusal (``upstream.get_image``).
    :param conf: the filter's ConfigOpts (for the host's page limits).
    """

    def __init__(self, store, policy, lookup, conf=None):
        super(RecordsController, self).__init__(policy, conf)
        self.store = store
        self.lookup = lookup
        self._routes = {
            routing.DEACTIVATION: self.show,
            routing.DEACTIVATIONS: self.index,
            routing.RECORD_SCHEMA: self.schema,
        }

    # -- GET /v2/images/{image_id}/deactivation ------------------------------

    def show(self, req, route):
        params = self._query(req, PAGE)
        limit = self._limit(params)
        marker = params.get('marker')
        image, refusal = self.lookup(req.environ, route['image_id'])
        if refusal is not None:
            return refusal
        if not image.get('id'):
            return webob.exc.HTTPBadGateway(explanation=MSG_BAD_UPSTREAM)
        # The exact id the image service reports: never the path's spelling.
        image_id = str(image['id'])
        refused = self._refused(
            policies.GET_DEACTIVATION,
            request_context.from_environ(req.environ), image,
            'reading the deactivation of image %s' % image_id)
        if refused is not None:
            return refused
        state = self.store.state(image_id)
        record = next((r for r in state.records if r.applies_to(image_id)),
                      None)
        quarantined = state.live.match(image)
        status = overlay.effective_status(
            image, {image_id} if record is not None or quarantined
            else frozenset())
        if status != images.DEACTIVATED:
            quarantined = None
        events = self._page(MSG_EVENT_MARKER, marker, self.store.history,
                            image_id=image_id, limit=limit + 1)
        document = record_view(image_id, record,
                               status == images.DEACTIVATED,
                               quarantined.id if quarantined else None)
        path = document['self']
        link_params = self._link_params(params, PAGE)
        document.update({
            'history': [event_view(event) for event in events[:limit]],
            'image': IMAGES_PATH % parse.quote(image_id, safe=''),
            'first': link(path, link_params),
            'schema': records_schema.DEACTIVATION_SCHEMA_PATH,
        })
        if limit and len(events) > limit:
            document['next'] = link(path, link_params,
                                    events[limit - 1].id)
        return json_response(document)

    # -- GET /v2/deactivations ---------------------------------------------

    def index(self, req, route):
        params = self._query(req, PAGE + FILTERS)
        limit = self._limit(params)
        marker = params.get('marker')
        held = (parse_boolean('hold', params['hold'])
                if 'hold' in params else None)
        since = parse_time('since', params['since']) if (
            'since' in params) else None
        until = parse_time('until', params['until']) if (
            'until' in params) else None
        owner = params.get('owner')
        # The target's owner/project_id is the owner filter, so that an
        # operator may let a project list the records of its own images.
        refused = self._refused(
            policies.LIST_DEACTIVATIONS,
            request_context.from_environ(req.environ), {'owner': owner},
            'listing deactivations')
        if refused is not None:
            return refused
        if marker is not None and owner is not None:
            # The rule was asked about ``owner`` only: a marker outside that
            # filter is unknown, as a missing one (else a project allowed
            # ?owner=<its id> learns whether any image is deactivated, and
            # when, from another project's id).
            record = self.store.get(marker)
            if record is None or record.owner != owner:
                raise BadRequest(MSG_IMAGE_MARKER % marker)
        records = self._page(
            MSG_IMAGE_MARKER, marker, self.store.list_records, owner=owner,
            deactivated_by=params.get('deactivated_by'), held=held,
            since=since, until=until, limit=limit + 1)
        link_params = self._link_params(params, PAGE + FILTERS)
        document = {
            'deactivations': [record_view(record.image_id, record, True)
                              for record in records[:limit]],
            'first': link(LIST_PATH, link_params),
            'schema': records_schema.DEACTIVATIONS_SCHEMA_PATH,
        }
        if limit and len(records) > limit:
            document['next'] = link(LIST_PATH, link_params,
                                    records[limit - 1].image_id)
        return json_response(document)

    # -- GET /v2/schemas/deactivation(s) -----------------------------------

    def schema(self, req, route):
        return json_response(records_schema.get(route['schema']))
