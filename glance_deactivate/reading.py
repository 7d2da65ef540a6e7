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

"""Read a request exactly as the image service behind the filter reads it.

Every decision the filter takes from a request's query string, body or
method uses the parsers and rules of Glance's own stack, so that no
request can be classified one way here and run another way there:

* the query string is parsed by WebOb (``Request.GET``), which splits on
  ``&`` *and* ``;`` and decodes ``+`` and percent escapes; Python's
  ``urllib.parse.parse_qsl`` splits on ``&`` only, so ``?a=1;_method=GET``
  would read as one parameter;
* Glance's controllers take a parameter's *first* value when they ``pop``
  it (``limit``, ``marker``) and its *last* when they read it as a filter
  (``status``);
* Glance's router is Routes' ``RoutesMiddleware`` with method override on:
  ``_method`` in the query string (when the raw query contains the text
  ``_method``) or in a POSTed form body replaces the request method;
* whether a request has a body is Glance's ``JSONRequestDeserializer``
  test: a ``Transfer-Encoding`` of ``chunked``, ``compress``, ``deflate``,
  ``gzip`` or ``identity`` in any case on a POST, PUT or PATCH, or a
  positive ``Content-Length``.
"""

import webob

OVERRIDE_KEY = '_method'
FORM_TYPES = ('application/x-www-form-urlencoded', 'multipart/form-data')
BODY_ENCODINGS = frozenset(['chunked', 'compress', 'deflate', 'gzip',
                            'identity'])
BODY_METHODS = frozenset(['POST', 'PUT', 'PATCH'])


class BadQuery(ValueError):
    """The query string cannot be decoded (it is not UTF-8)."""


def query_pairs(environ: dict) -> list[tuple[str, str]]:
    """The query string as WebOb parses it: a list of (key, value).

    :raises BadQuery: when a key or value is not UTF-8 once unquoted (the
        image service cannot read it either).
    """
    if not environ.get('QUERY_STRING'):
        return []
    try:
        return list(webob.Request(environ).GET.items())
    except UnicodeDecodeError as exc:
        raise BadQuery(str(exc)) from exc


def first(pairs, name):
    """The first value of ``name`` (Glance pops it), or None."""
    for key, value in pairs:
        if key == name:
            return value
    return None


def last(pairs, name):
    """The last value of ``name`` (Glance's filters keep it), or None."""
    value = None
    for key, candidate in pairs:
        if key == name:
            value = candidate
    return value


def content_length(environ):
    """``Content-Length`` as WebOb reads it (None when absent or invalid)."""
    try:
        return int(environ.get('CONTENT_LENGTH') or '')
    except ValueError:
        return None


def has_body(environ: dict) -> bool:
    """Glance's test for "this request has a body"."""
    encoding = (environ.get('HTTP_TRANSFER_ENCODING') or '').lower()
    method = (environ.get('REQUEST_METHOD') or '').upper()
    if encoding in BODY_ENCODINGS and method in BODY_METHODS:
        return True
    length = content_length(environ)
    return length is not None and length > 0


def is_form_post(environ):
    """Routes' test for a POSTed HTML form (content type, any case)."""
    if environ.get('REQUEST_METHOD') != 'POST':
        return False
    content_type = (environ.get('CONTENT_TYPE') or '').lower()
    return content_type.split(';', 1)[0].strip() in FORM_TYPES


def method_override(environ: dict) -> bool:
    """True when Glance's router could run another method than ours.

    A superset of what Routes honours, so that nothing it honours is
    missed:

    * a query string whose WebOb parse has a ``_method`` key (any value,
      even empty; a percent-encoded key too, which Routes would not
      honour), or that cannot be decoded while it mentions the word (a
      value that merely contains it, ``?name=my_method``, is no override);
    * a POSTed form (Routes' content-type test) that may carry a body:
      chunked in any case, any other ``Transfer-Encoding``, or a
      ``Content-Length`` that is not zero (the body is not read here).
    """
    query = environ.get('QUERY_STRING') or ''
    try:
        pairs = query_pairs(environ)
    except BadQuery:
        return OVERRIDE_KEY in query
    if any(key == OVERRIDE_KEY for key, _value in pairs):
        return True
    if not is_form_post(environ):
        return False
    if environ.get('HTTP_TRANSFER_ENCODING'):
        return True
    return (environ.get('CONTENT_LENGTH') or '0').strip() not in ('', '0')
