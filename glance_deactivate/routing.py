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

The mapper is built once at start-up.  The two actions are connected with a
``POST`` condition, followed by a reject route that answers any other method
with 405 and ``Allow: POST``, as Glance's router does.  The other routes
name the image service's own resources whose requests or answers the
filter must check (data, metadata, listings, schemas); each route carries a
``handler`` name that the filter maps to one of its methods.

The path is matched after folding repeated slashes and dropping a trailing
one, so that no spelling of a path the image service might accept slips
past.  Version prefixes (``/v2.1/``) and media-type versioning are already
rewritten to ``/v2/`` by the host's ``versionnegotiation`` filter, which is
why the filter must come after it.  The mapper is asked directly
(``routematch``) rather than through ``RoutesMiddleware``, which would
write routing keys into the host's environ and honour ``_method``
overrides.
"""

import re
from urllib import parse

import routes

ACTION = 'action'
REJECT = 'reject'
DATA = 'data'
STAGE = 'stage'
IMPORT = 'import'
LOCATIONS = 'locations'
CACHE = 'cache'
IMAGE = 'image'
IMAGES = 'images'
SCHEMA = 'schema'

ACTIONS = ('deactivate', 'reactivate')

_SLASHES = re.compile('/{2,}')

FORM_TYPES = ('application/x-www-form-urlencoded', 'multipart/form-data')


def build_mapper():
    mapper = routes.Mapper()
    action_path = '/v2/images/{image_id}/actions/{action}'
    action_req = {'action': '|'.join(ACTIONS)}
    mapper.connect(action_path, requirements=action_req, handler=ACTION,
                   conditions={'method': ['POST']})
    mapper.connect(action_path, requirements=action_req, handler=REJECT)
    mapper.connect('/v2/images/{image_id}/file', handler=DATA)
    mapper.connect('/v2/images/{image_id}/stage', handler=STAGE)
    mapper.connect('/v2/images/{image_id}/import', handler=IMPORT)
    mapper.connect('/v2/images/{image_id}/locations', handler=LOCATIONS)
    mapper.connect('/v2/cache/{image_id}', handler=CACHE)
    mapper.connect('/v2/images/{image_id}', handler=IMAGE)
    mapper.connect('/v2/images', handler=IMAGES)
    mapper.connect('/v2/schemas/{schema}',
                   requirements={'schema': 'image|images'}, handler=SCHEMA)
    return mapper


def normalize_path(path):
    """Fold repeated slashes and drop a trailing one."""
    path = _SLASHES.sub('/', path)
    if len(path) > 1 and path.endswith('/'):
        path = path[:-1]
    return path


def method_override(environ):
    """True when the router behind us could take another method than ours.

    A superset of what Routes honours: a ``_method`` key in the query
    string (percent-encoded or not, empty or not), or a POST with a
    non-empty form body (whose ``_method`` field Routes would read).  A
    value that merely contains the word (``?name=my_method``) is no
    override, nor is a form content type without a body.
    """
    query = environ.get('QUERY_STRING') or ''
    if '_method' in parse.unquote_plus(query) and any(
            key == '_method' for key, _value in parse.parse_qsl(
                query, keep_blank_values=True)):
        return True
    content_type = (environ.get('CONTENT_TYPE') or '').lower()
    if (environ.get('REQUEST_METHOD') != 'POST' or
            not content_type.startswith(FORM_TYPES)):
        return False
    chunked = 'chunked' in (environ.get('HTTP_TRANSFER_ENCODING') or '')
    return chunked or (environ.get('CONTENT_LENGTH') or '0') not in ('', '0')


def match(mapper, environ):
    """The route's match dict (with ``handler``) or None."""
    path = environ.get('PATH_INFO') or ''
    if not path.startswith('/v2/') and not path.startswith('//'):
        return None
    method_only = {'REQUEST_METHOD': environ.get('REQUEST_METHOD', 'GET')}
    matched = mapper.routematch(normalize_path(path), method_only)
    if matched is None:
        return None
    return matched[0]
