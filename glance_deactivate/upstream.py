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

"""Ask the wrapped image service about an image, as the caller.

The filter never decides on its own whether a caller may see an image: it
sends the image service a ``GET /v2/images/{id}`` carrying the caller's own
environ (identity headers and the host's request context), so an image the
caller cannot see gets the very 404 (status, message, headers) the service
gives for a missing one, and the filter learns nothing the caller could not.

The sub-request has no body, no conditional or range headers and no query
string; everything else in the environ is the caller's.
"""

import io
import json
from urllib import parse

import webob

# Environ keys that describe the caller's request body or ask for a partial
# or conditional answer: none of them belongs on a metadata sub-request.
_DROP_KEYS = ('CONTENT_TYPE', 'HTTP_TRANSFER_ENCODING', 'HTTP_RANGE',
              'HTTP_IF_MATCH', 'HTTP_IF_NONE_MATCH', 'HTTP_IF_RANGE',
              'HTTP_IF_MODIFIED_SINCE', 'HTTP_IF_UNMODIFIED_SINCE',
              'HTTP_CONTENT_MD5', 'HTTP_EXPECT')


class ResponseTooLarge(Exception):
    """A JSON answer from the image service is larger than we may parse."""


def sub_environ(environ, method, path, query=''):
    """A copy of the caller's environ for a body-less sub-request."""
    # webob's cached views of the caller's request (parsed body, query,
    # seekable input) do not describe the sub-request: only the adhoc
    # attributes (the host's request context) are carried over, as a copy.
    env = {key: value for key, value in environ.items()
           if key not in _DROP_KEYS and not key.startswith('webob.')}
    adhoc = environ.get('webob.adhoc_attrs')
    if adhoc is not None:
        env['webob.adhoc_attrs'] = dict(adhoc)
    env.update({
        'REQUEST_METHOD': method,
        'PATH_INFO': path,
        'QUERY_STRING': query,
        'CONTENT_LENGTH': '0',
        'wsgi.input': io.BytesIO(b''),
    })
    return env


def buffer_body(environ, limit):
    """Read the caller's (small) request body and put it back in ``environ``.

    :returns: the body, or None when it is larger than ``limit``; such a
        request must not be passed on (its body may now be cut short).
    """
    stream = environ.get('wsgi.input')
    if stream is None:
        return b''
    length = environ.get('CONTENT_LENGTH')
    try:
        length = int(length) if length else None
    except ValueError:
        length = None
    if length is not None and length > limit:
        return None
    body = stream.read(limit + 1 if length is None else length)
    environ['wsgi.input'] = io.BytesIO(body)
    environ['CONTENT_LENGTH'] = str(len(body))
    environ.pop('HTTP_TRANSFER_ENCODING', None)
    if len(body) > limit:
        return None
    return body


def call(app, environ: dict) -> webob.Response:
    """Run ``environ`` through ``app``; a webob Response (body unread)."""
    return webob.Request(environ).get_response(app)


def isolated(environ: dict) -> dict:
    """A shallow copy of the caller's environ to pass to the service.

    For a request after whose answer the filter asks the service again
    (``sub_environ``): what the service's own filters write into the
    environ stays in the copy.  Glance's ``cache`` filter, after ours,
    marks a download it serves with ``api.cache.*`` keys and caches the
    answer of any request that carries them (``glance/api/middleware/
    cache.py`` ``_stash_request_info``/``process_response``): a look-up
    built from the marked environ would be cached as the image's data.
    """
    return dict(environ)


def read_body(response, limit):
    """The whole body of ``response``, at most ``limit`` bytes.

    Raises ResponseTooLarge (after closing the upstream iterator) when the
    body is larger; the iterator is closed in every case.
    """
    if response.content_length is not None and (
            response.content_length > limit):
        close(response.app_iter)
        raise ResponseTooLarge()
    chunks = []
    size = 0
    try:
        for chunk in response.app_iter:
            size += len(chunk)
            if size > limit:
                raise ResponseTooLarge()
            chunks.append(chunk)
    finally:
        close(response.app_iter)
    return b''.join(chunks)


def close(app_iter):
    """Close an app_iter, as a WSGI server would."""
    closer = getattr(app_iter, 'close', None)
    if closer is not None:
        closer()


def is_json(response):
    return (response.content_type or '').split(';')[0].strip() in (
        'application/json', 'application/schema+json')


def read_json(response, limit):
    """(body bytes, parsed JSON or None when it does not parse)."""
    body = read_body(response, limit)
    try:
        return body, json.loads(body)
    except ValueError:
        return body, None


def get_image(app, environ: dict, image_id: str,
              limit: int) -> tuple[dict | None, webob.Response | None]:
    """The image as the caller sees it.

    :returns: ``(image, None)`` with the image as a dict when the service
        answers 200 with JSON, else ``(None, response)`` with the service's
        own response (404, 403, ...) ready to be returned to the caller.
    """
    path = '/v2/images/%s' % image_id
    response = call(app, sub_environ(environ, 'GET', path))
    if response.status_int != 200 or not is_json(response):
        return None, response
    body, image = read_json(response, limit)
    response.app_iter = [body]
    if not isinstance(image, dict):
        return None, response
    return image, None


def encode_query(pairs):
    return parse.urlencode(pairs)
