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

"""The raw wire of the security functional tests: requests, leak detection.

:func:`send` puts the request target on the wire exactly as given (no
normalisation of ``//``, ``/./``, ``%2F`` or case, no ``Accept-Encoding``
added), which is what the bypass and fuzz tests need; ``requests`` would
rewrite some of these.

:class:`Fingerprint` recognises any 8 consecutive bytes of an image's data
in a response body, so that a partial (``Range``) answer, a chunk inside an
error page or a whole download are all caught.  The data is random, so a
match by chance is out of the question.

:func:`send_framed` is :func:`send` with control over the body's framing:
``Content-Length`` (exact, zero, zero-padded), none at all, or
``Transfer-Encoding: chunked`` in any spelling with a correctly chunked
body on the wire; :class:`Prints` tells several images' data apart, and
:func:`image_docs` reads the image documents of an answer.

Servers, databases and image set-up are in :mod:`tests.functional.fixtures`.
"""

import collections
import http.client
import json
import os
import socket
import time
import urllib.parse

Response = collections.namedtuple('Response', 'status headers body seconds')

WINDOW = 8
FRAMED_TIMEOUT = 30
# A ``status`` of a Response that never came (timeout, connection dropped).
NO_ANSWER = 0


def send(url, method, target, headers=None, body=None, timeout=60):
    """Send one request with ``target`` verbatim; a :class:`Response`."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port,
                                      timeout=timeout)
    try:
        started = time.monotonic()
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader('Content-Length', str(len(body)))
        try:
            conn.endheaders(body)
        except (BrokenPipeError, ConnectionResetError):
            # The server answered (and closed) before reading the whole
            # body, as it may for a request it refuses: read that answer.
            pass
        resp = conn.getresponse()
        data = resp.read()
        seconds = time.monotonic() - started
        return Response(resp.status, dict(resp.getheaders()), data, seconds)
    finally:
        conn.close()


class Fingerprint(object):
    """Recognise any ``WINDOW`` consecutive bytes of ``data``."""

    def __init__(self, data):
        self.data = data
        self._windows = {data[i:i + WINDOW]
                         for i in range(len(data) - WINDOW + 1)}

    def found_in(self, body):
        """True when ``body`` holds any ``WINDOW`` bytes of the data."""
        return any(body[i:i + WINDOW] in self._windows
                   for i in range(len(body) - WINDOW + 1))


def random_data(size=32 * 1024):
    return os.urandom(size)


def message(body):
    """The explanation of a Glance/webob error page, on one line."""
    text = body.decode('utf-8', 'replace')
    for tag in ('<br />', '<html>', '</html>', '<body>', '</body>',
                '<head>', '</head>'):
        text = text.replace(tag, ' ')
    return ' '.join(text.split())


def chunked(body, pieces=2):
    """``body`` in (at most) ``pieces`` chunks plus the last-chunk."""
    out = []
    if body:
        size = max(1, -(-len(body) // pieces))
        for start in range(0, len(body), size):
            part = body[start:start + size]
            out.append(b'%x\r\n%s\r\n' % (len(part), part))
    out.append(b'0\r\n\r\n')
    return b''.join(out)


def send_framed(url, method, target, headers=None, body=None,
                framing='length', timeout=FRAMED_TIMEOUT):
    """Send one request, ``target`` verbatim; a :class:`Response`.

    ``framing`` says how the body goes on the wire: ``length`` (an exact
    ``Content-Length``, none without a body), ``padded`` (the length with
    leading zeros), ``zero`` (``Content-Length: 0`` and no body), ``none``
    (no framing header and no body), or any other value, which is sent as
    the ``Transfer-Encoding`` header with the body chunked.  An answer that
    never comes is a Response with status :data:`NO_ANSWER`.
    """
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port,
                                      timeout=timeout)
    started = time.monotonic()
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        payload = None
        if framing == 'length':
            if body is not None:
                conn.putheader('Content-Length', str(len(body)))
                payload = body
        elif framing == 'padded':
            conn.putheader('Content-Length', '00%d' % len(body or b''))
            payload = body or None
        elif framing == 'zero':
            conn.putheader('Content-Length', '0')
        elif framing != 'none':
            conn.putheader('Transfer-Encoding', framing)
            payload = chunked(body or b'')
        try:
            conn.endheaders(payload)
        except (BrokenPipeError, ConnectionResetError):
            # Answered (and closed) before the whole body was read.
            pass
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, dict(resp.getheaders()), data,
                        time.monotonic() - started)
    except (socket.timeout, http.client.HTTPException, ConnectionError):
        return Response(NO_ANSWER, {}, b'',
                        time.monotonic() - started)
    finally:
        conn.close()


class Prints(object):
    """Recognise 8 consecutive bytes of any of several images' data."""

    def __init__(self):
        self._windows = {}

    def add(self, name, data):
        for i in range(len(data) - WINDOW + 1):
            self._windows[data[i:i + WINDOW]] = name

    def found_in(self, body):
        """The names whose data ``body`` holds (a set)."""
        found = set()
        windows = self._windows
        for i in range(len(body) - WINDOW + 1):
            name = windows.get(body[i:i + WINDOW])
            if name is not None:
                found.add(name)
        return found


def image_docs(body):
    """The image documents in a JSON answer, and the kind of answer.

    Returns ({id: document}, True for a listing / False for one image /
    None when the answer is neither).
    """
    try:
        doc = json.loads(body)
    except ValueError:
        return {}, None
    if not isinstance(doc, dict):
        return {}, None
    if isinstance(doc.get('images'), list):
        return ({image['id']: image for image in doc['images']
                 if isinstance(image, dict) and
                 isinstance(image.get('id'), str)}, True)
    if isinstance(doc.get('id'), str) and 'status' in doc:
        return {doc['id']: doc}, False
    return {}, None


def mixed_case(image_id):
    return ''.join(c.upper() if i % 2 else c for i, c in enumerate(image_id))
