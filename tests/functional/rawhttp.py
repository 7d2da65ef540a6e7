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

"""Helpers of the security functional tests: raw requests, leak detection.

:func:`send` puts the request target on the wire exactly as given (no
normalisation of ``//``, ``/./``, ``%2F`` or case, no ``Accept-Encoding``
added), which is what the bypass and fuzz tests need; ``requests`` would
rewrite some of these.

:class:`Fingerprint` recognises any 8 consecutive bytes of an image's data
in a response body, so that a partial (``Range``) answer, a chunk inside an
error page or a whole download are all caught.  The data is random, so a
match by chance is out of the question.
"""

import collections
import concurrent.futures
import http.client
import os
import shutil
import tempfile
import time
import urllib.parse
import uuid

import requests

from tests.functional import devserver

Response = collections.namedtuple('Response', 'status headers body seconds')

WINDOW = 8


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


def new_image(url, headers, data, visibility='private', name=None):
    """Create an image and upload ``data``; its id."""
    resp = requests.post(
        url + '/v2/images', headers=headers, timeout=60,
        json={'name': name or 'sec-%s' % uuid.uuid4().hex[:8],
              'disk_format': 'raw', 'container_format': 'bare',
              'visibility': visibility})
    if resp.status_code != 201:
        raise AssertionError('create: %s %s' % (resp.status_code, resp.text))
    image_id = resp.json()['id']
    if data is not None:
        resp = requests.put(
            url + '/v2/images/%s/file' % image_id, data=data, timeout=60,
            headers=dict(headers,
                         **{'Content-Type': 'application/octet-stream'}))
        if resp.status_code != 204:
            raise AssertionError('upload: %s %s' % (resp.status_code,
                                                    resp.text))
    return image_id


def deactivate(url, image_id, headers):
    resp = requests.post(url + '/v2/images/%s/actions/deactivate' % image_id,
                         headers=headers, timeout=60)
    if resp.status_code != 204:
        raise AssertionError('deactivate: %s %s' % (resp.status_code,
                                                    resp.text))


def message(body):
    """The explanation of a Glance/webob error page, on one line."""
    text = body.decode('utf-8', 'replace')
    for tag in ('<br />', '<html>', '</html>', '<body>', '</body>',
                '<head>', '</head>'):
        text = text.replace(tag, ' ')
    return ' '.join(text.split())


class Server(devserver.GlanceServer):
    """A GlanceServer whose glance-api.conf may carry extra sections.

    ``extra_conf`` (text) is appended to the file the devserver writes; set
    it before ``start()``.
    """

    extra_conf = ''

    def write_config(self):
        super(Server, self).write_config()
        if self.extra_conf:
            with open(self.config_file, 'a') as conf:
                conf.write('\n' + self.extra_conf)


class ServerDir(object):
    """A private work directory for a GlanceServer, removed on stop.

    The servers get a directory of our own rather than the devserver's
    default ``/tmp/glance-<mode>-*`` one, so that nothing cleaning those up
    can pull the SQLite files from under a running test class.
    """

    def __init__(self, prefix):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def server(self, mode, name=None, **kwargs):
        workdir = os.path.join(self.path, name or mode)
        os.makedirs(workdir)
        return Server(mode=mode, workdir=workdir, **kwargs)

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


def start_all(servers):
    """Start ``servers`` in parallel; on any failure stop them all."""
    with concurrent.futures.ThreadPoolExecutor(len(servers)) as pool:
        errors = [f.exception() for f in
                  [pool.submit(server.start) for server in servers]]
    failed = [e for e in errors if e is not None]
    if failed:
        stop_all(servers)
        raise failed[0]


def stop_all(servers):
    for server in servers:
        server.stop(remove=False)
