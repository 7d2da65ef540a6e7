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

"""Which requests the filter looks at, with one ``routes.Mapper``.

The mapper is built once at start-up.  Every route carries a method
condition and its own name, which is all the filter needs to pick the
handler (``DeactivateFilter`` maps each name to one method):

=====================  =========  ============================================
name                   method     path
=====================  =========  ============================================
``action``             POST       ``/v2/images/{id}/actions/{de,re}activate``
``download``           GET        ``/v2/images/{id}/file``
``upload``             PUT        ``/v2/images/{id}/file``
``stage``              PUT        ``/v2/images/{id}/stage``
``import``             POST       ``/v2/images/{id}/import``
``add_location``       POST       ``/v2/images/{id}/locations``
``get_locations``      GET        ``/v2/images/{id}/locations``
``cache_queue``        PUT        ``/v2/cache/{id}``
``show``               GET        ``/v2/images/{id}``
``patch``              PATCH      ``/v2/images/{id}``
``delete``             DELETE     ``/v2/images/{id}``
``list``               GET        ``/v2/images``
``create``             POST       ``/v2/images``
``schema``             GET        ``/v2/schemas/image``, ``/v2/schemas/images``
``pass``               DELETE     ``/v2/cache/{id}`` (no data involved)
``deactivation``       GET        ``/v2/images/{id}/deactivation``
``deactivations``      GET        ``/v2/deactivations``
``record_schema``      GET        ``/v2/schemas/deactivation``,
                                  ``/v2/schemas/deactivations``
``quarantines``        GET        ``/v2/quarantines``
``quarantine_new``     POST       ``/v2/quarantines``
``quarantine``         GET        ``/v2/quarantines/{quarantine_id}``
``quarantine_lift``    POST       ``/v2/quarantines/{quarantine_id}/``
                                  ``actions/lift``
``quarantine_schema``  GET        ``/v2/schemas/quarantine``,
                                  ``/v2/schemas/quarantines``
``reject``             any other  the resource paths above (not the listing)
=====================  =========  ============================================

``deactivation``, ``deactivations`` and ``record_schema`` are the
filter's own read API (``glance_deactivate.records_api``): they never
reach the image service, and any other method on them is a 405 with
``Allow: GET``.  So are the ``quarantine*`` routes, content quarantine
(``glance_deactivate.quarantines_api``): any other method on their paths
is a 405 whose ``Allow`` names the methods above (``GET, POST`` for
``/v2/quarantines``).

Deny by default: any other method on an image's resource path gets the
405 (and ``Allow``) Glance 33's router gives for it, from the filter
itself, for every image: Glance routes no other method there, so the
answer is the same, and a method the filter has no rule for never reaches
a deactivated image.

Paths are read as Glance reads them: Paste's ``urlmap`` (in front of
Glance's router) folds repeated slashes, and Routes matches the exact
path, so ``/v2/images/{id}/actions/deactivate/`` is no action (Glance
answers 404).  A data or metadata route (never an action or a reject) is
also matched with trailing slashes dropped, so that no spelling another
image service might accept reaches image bytes unchecked.  Version
prefixes (``/v2.1/``) and media-type versioning are already rewritten to
``/v2/`` by the host's ``versionnegotiation`` filter, which is why the
filter must come after it.  The mapper is asked directly (``routematch``)
rather than through ``RoutesMiddleware``, which would write routing keys
into the host's environ and honour ``_method`` overrides (the filter
refuses those instead: see ``glance_deactivate.reading``).
"""

import re

import routes

ACTION = 'action'
DOWNLOAD = 'download'
UPLOAD = 'upload'
STAGE = 'stage'
IMPORT = 'import'
ADD_LOCATION = 'add_location'
GET_LOCATIONS = 'get_locations'
CACHE_QUEUE = 'cache_queue'
SHOW = 'show'
PATCH = 'patch'
DELETE = 'delete'
LIST = 'list'
CREATE = 'create'
SCHEMA = 'schema'
PASS = 'pass'
REJECT = 'reject'
# The read API (glance_deactivate.records_api).
DEACTIVATION = 'deactivation'
DEACTIVATIONS = 'deactivations'
RECORD_SCHEMA = 'record_schema'
# Content quarantine (glance_deactivate.quarantines_api).
QUARANTINES = 'quarantines'
QUARANTINE_NEW = 'quarantine_new'
QUARANTINE = 'quarantine'
QUARANTINE_LIFT = 'quarantine_lift'
QUARANTINE_SCHEMA = 'quarantine_schema'

ACTIONS = ('deactivate', 'reactivate')

# Routes that may also be matched with trailing slashes dropped.
FOLDABLE = frozenset([DOWNLOAD, UPLOAD, STAGE, IMPORT, ADD_LOCATION,
                      GET_LOCATIONS, CACHE_QUEUE, SHOW, PATCH])

_SLASHES = re.compile('/{2,}')

_FILE = '/v2/images/{image_id}/file'
_IMAGE = '/v2/images/{image_id}'

# (path, {method: route name}, Allow header of Glance 33's reject route);
# the order is the order of connection.
_RESOURCES = (
    ('/v2/images/{image_id}/actions/{action}', {'POST': ACTION}, 'POST'),
    (_FILE, {'GET': DOWNLOAD, 'PUT': UPLOAD}, 'GET, PUT'),
    ('/v2/images/{image_id}/stage', {'PUT': STAGE}, 'PUT'),
    ('/v2/images/{image_id}/import', {'POST': IMPORT}, 'POST'),
    # Glance 33's own reject route names POST only.
    ('/v2/images/{image_id}/locations',
     {'POST': ADD_LOCATION, 'GET': GET_LOCATIONS}, 'POST'),
    ('/v2/cache/{image_id}', {'PUT': CACHE_QUEUE, 'DELETE': PASS},
     'DELETE, PUT'),
    (_IMAGE, {'GET': SHOW, 'PATCH': PATCH, 'DELETE': DELETE},
     'GET, PATCH, DELETE'),
    # The read API: ours alone, so deny every other method.
    ('/v2/images/{image_id}/deactivation', {'GET': DEACTIVATION}, 'GET'),
    ('/v2/deactivations', {'GET': DEACTIVATIONS}, 'GET'),
    ('/v2/schemas/{schema:deactivation|deactivations}',
     {'GET': RECORD_SCHEMA}, 'GET'),
    # Content quarantine: ours alone too.
    ('/v2/quarantines', {'GET': QUARANTINES, 'POST': QUARANTINE_NEW},
     'GET, POST'),
    ('/v2/quarantines/{quarantine_id}/actions/lift',
     {'POST': QUARANTINE_LIFT}, 'POST'),
    ('/v2/quarantines/{quarantine_id}', {'GET': QUARANTINE}, 'GET'),
    ('/v2/schemas/{schema:quarantine|quarantines}',
     {'GET': QUARANTINE_SCHEMA}, 'GET'),
)


def build_mapper():
    mapper = routes.Mapper()
    for path, methods, allow in _RESOURCES:
        requirements = {}
        if '{action}' in path:
            requirements = {'action': '|'.join(ACTIONS)}
        for method, name in methods.items():
            mapper.connect(path, requirements=requirements, handler=name,
                           conditions={'method': [method]})
        mapper.connect(path, requirements=requirements, handler=REJECT,
                       allow=allow)
    mapper.connect('/v2/images', handler=LIST,
                   conditions={'method': ['GET']})
    mapper.connect('/v2/images', handler=CREATE,
                   conditions={'method': ['POST']})
    mapper.connect('/v2/schemas/{schema}',
                   requirements={'schema': 'image|images'}, handler=SCHEMA,
                   conditions={'method': ['GET']})
    return mapper


def normalize_path(path):
    """Fold repeated slashes, as Paste's urlmap does in front of Glance."""
    return _SLASHES.sub('/', path)


def folded(environ):
    """True when the path only matches with trailing slashes dropped.

    Glance's router does not route such a path: whatever the image, it
    answers a bare ``HTTPNotFound()`` (``glance/common/wsgi.py``
    ``Router._dispatch``), which tells nothing about the image.
    """
    path = normalize_path(environ.get('PATH_INFO') or '')
    return len(path) > 1 and path.endswith('/')


def match(mapper, environ):
    """The route's match dict (with ``handler``) or None."""
    path = normalize_path(environ.get('PATH_INFO') or '')
    if not path.startswith('/v2/'):
        return None
    method_only = {'REQUEST_METHOD': environ.get('REQUEST_METHOD', 'GET')}
    matched = mapper.routematch(path, method_only)
    if matched is None and len(path) > 1 and path.endswith('/'):
        matched = mapper.routematch(path.rstrip('/'), method_only)
        if matched is not None and matched[0]['handler'] not in FOLDABLE:
            matched = None
    if matched is None:
        return None
    return matched[0]
