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

"""The optional reason of a deactivate or reactivate request.

Glance's actions take no body: any body, even ``{}``, is answered 400 ``A
body is not expected with this request.``  This filter accepts exactly one
kind of body more, and keeps Glance's answer for every other::

    POST /v2/images/{image_id}/actions/deactivate
    Content-Type: application/json

    {"reason": "CVE-2026-0001 found in the kernel package"}

The rules, each with its own 400 once the body is a JSON object with a
``reason`` key:

* ``Content-Type: application/json`` (parameters such as ``charset`` are
  ignored: JSON is UTF-8);
* no key but ``reason``, and that key once;
* the reason is a string;
* not empty once leading and trailing white space is trimmed (the trimmed
  text is what is recorded);
* at most 255 characters (Unicode code points, any plane) after trimming;
* no control characters (tab and newline included: a reason is one line
  in logs and tables), no line or paragraph separators (U+2028, U+2029),
  no bidirectional embeddings, overrides or isolates (U+202A to U+202E,
  U+2066 to U+2069: they reorder what an operator reads around them) and
  no lone surrogates (not Unicode text).

A body that is not UTF-8, not JSON, not an object, an object without
``reason``, or larger than ``MAX_BODY_BYTES`` gets Glance's own 400.  A
request without a body (what glanceclient, openstackclient and
openstacksdk send) has no reason.  Whether there is a body at all is
Glance's own test (``glance_deactivate.reading.has_body``).
"""

import json
import unicodedata

from glance_deactivate import reading

MAX_LENGTH = 255

# Largest body read: far more than any reason needs (255 characters written
# as JSON escapes of surrogate pairs take 3 KiB).
MAX_BODY_BYTES = 64 * 1024

CONTENT_TYPE = 'application/json'

MSG_BODY = 'A body is not expected with this request.'
MSG_CONTENT_TYPE = ('A reason must be sent with Content-Type: '
                    'application/json.')
MSG_OTHER_KEYS = 'The request body may hold only one key: reason.'
MSG_NOT_STRING = 'The reason must be a string.'
MSG_EMPTY = 'The reason must not be empty.'
MSG_TOO_LONG = 'The reason must be at most %d characters long.' % MAX_LENGTH
MSG_NOT_TEXT = ('The reason must be Unicode text without control '
                'characters.')

# Unicode categories refused in a reason: controls, lone surrogates, and
# the line and paragraph separators (line breaks to str.splitlines).
_REFUSED_CATEGORIES = frozenset(['Cc', 'Cs', 'Zl', 'Zp'])
# Bidirectional embeddings, overrides and isolates (Unicode's bidi classes
# LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI).
_REFUSED_BIDI = frozenset(['LRE', 'RLE', 'PDF', 'LRO', 'RLO', 'LRI', 'RLI',
                           'FSI', 'PDI'])


class BadBody(ValueError):
    """The body is not an acceptable reason; ``str()`` is the 400's text."""


class _Object(list):
    """A JSON object as its list of (key, value) pairs, duplicates kept."""


def read(req) -> str | None:
    """The trimmed reason a request carries, or None without a body.

    :param req: a ``webob.Request``; its body is consumed.
    :raises BadBody: with the message of the 400 to answer.
    """
    if not reading.has_body(req.environ):
        return None
    pairs = _object(req.body_file.read(MAX_BODY_BYTES + 1))
    if pairs is None or 'reason' not in [key for key, _value in pairs]:
        raise BadBody(MSG_BODY)
    if (req.content_type or '').lower() != CONTENT_TYPE:
        raise BadBody(MSG_CONTENT_TYPE)
    if len(pairs) != 1:
        raise BadBody(MSG_OTHER_KEYS)
    return check(pairs[0][1])


def check(value) -> str:
    """The trimmed reason ``value``; BadBody naming the rule it breaks."""
    if not isinstance(value, str):
        raise BadBody(MSG_NOT_STRING)
    value = value.strip()
    if not value:
        raise BadBody(MSG_EMPTY)
    if len(value) > MAX_LENGTH:
        raise BadBody(MSG_TOO_LONG)
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES or
           unicodedata.bidirectional(char) in _REFUSED_BIDI
           for char in value):
        raise BadBody(MSG_NOT_TEXT)
    return value


def _object(raw):
    """The top-level JSON object of ``raw`` as pairs, else None."""
    if len(raw) > MAX_BODY_BYTES:
        return None
    try:
        document = json.loads(raw.decode('utf-8'), object_pairs_hook=_Object)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return document if isinstance(document, _Object) else None
