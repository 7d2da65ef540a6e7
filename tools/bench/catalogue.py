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


"""The Glance servers and the catalogue each one holds.

Every server gets the same catalogue through the API (no row is written
into Glance's database behind its back): ``count`` images created with
``POST /v2/images`` and given a 16-byte body, so that all are ``active``;
every tenth one is deactivated (by our filter on the ``filter`` server, by
Glance itself on ``bare`` and ``native``, so that every read workload asks
each server for the same documents); plus two images for the download
workload, uploaded from a generator.  A fourth server, started last, is a
twin of ``filter`` with a much larger state database.
"""

import concurrent.futures
import os
import random
import threading
import time

from bench import load
from bench import lookup
import requests

from tests.functional import devserver

HEADERS = devserver.identity_headers('bench-project')
OCTET = dict(HEADERS, **{'Content-Type': 'application/octet-stream'})
TINY_BODY = b'glance-deactivate bench image\n'[:16]
DEACTIVATED_EVERY = 10
RETRIES = 3


class SetupError(Exception):
    """A server did not start or refused to build its catalogue."""


def start_servers(root, modes, workers):
    """Start one GlanceServer per mode, in parallel; {mode: server}."""
    servers = {mode: devserver.GlanceServer(
        mode=mode, workdir=os.path.join(root, mode), workers=workers)
        for mode in modes}
    errors = {}

    def start(mode):
        try:
            servers[mode].start(timeout=180)
        except Exception as exc:  # reported below, with the log tail
            errors[mode] = '%s\n%s' % (exc, servers[mode].log_tail())

    threads = [threading.Thread(target=start, args=(mode,), daemon=True)
               for mode in modes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    if errors or any(thread.is_alive() for thread in threads):
        stop_servers(servers)
        raise SetupError('servers failed to start: %s' % (
            errors or 'timeout'))
    return servers


def stop_servers(servers):
    for server in servers.values():
        try:
            server.stop(remove=False)
        except Exception as exc:  # keep stopping the others
            print('warning: stopping %s: %s' % (server.mode, exc))


_local = threading.local()


def _session():
    if getattr(_local, 'session', None) is None:
        _local.session = requests.Session()
    return _local.session


def _call(method, url, expect, retries=RETRIES, **kwargs):
    """One request, retried on 5xx and transport errors (setup only)."""
    expect = expect if isinstance(expect, tuple) else (expect,)
    last = None
    for attempt in range(retries):
        try:
            resp = _session().request(method, url, timeout=120, **kwargs)
        except requests.RequestException as exc:
            last = str(exc)
        else:
            if resp.status_code in expect:
                return resp
            last = '%s %s' % (resp.status_code, resp.text[:300])
            if resp.status_code < 500:
                break
        time.sleep(0.2 * (attempt + 1))
    raise SetupError('%s %s: %s' % (method, url, last))


def create_image(url, name, body=TINY_BODY):
    """Create an image and upload ``body``; its id.

    Glance on SQLite answers "database is locked" (500) now and then when
    its workers write at the same time; an upload that failed leaves the
    image in ``saving``, so the image is deleted and made again.
    """
    last = None
    for attempt in range(RETRIES):
        resp = _call('POST', url + '/v2/images', 201, retries=1,
                     headers=HEADERS, json={'name': name, 'disk_format': 'raw',
                                            'container_format': 'bare'})
        image_id = resp.json()['id']
        try:
            _call('PUT', '%s/v2/images/%s/file' % (url, image_id), 204,
                  headers=OCTET, data=body, retries=1)
            return image_id
        except SetupError as exc:
            last = exc
            if not isinstance(body, bytes):
                break  # a generator cannot be sent twice
            # Glance may have deleted it already (then 400 or 404).
            _call('DELETE', '%s/v2/images/%s' % (url, image_id),
                  (204, 400, 404), headers=HEADERS)
    raise last


def action(url, image_id, name):
    _call('POST', '%s/v2/images/%s/actions/%s' % (url, image_id, name), 204,
          headers=HEADERS)


class Catalogue(object):
    """What one server holds: ids by role."""

    def __init__(self, server):
        self.server = server
        self.url = server.url
        self.ids = []
        self.deactivated = []
        self.active = []
        self.downloads = {}

    def populate(self, count, concurrency, sizes):
        """Create ``count`` small images and one per download size."""
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            names = ['bench-%05d' % i for i in range(count)]
            self.ids = list(pool.map(
                lambda name: create_image(self.url, name), names))
            self.deactivated = self.ids[::DEACTIVATED_EVERY]
            chosen = set(self.deactivated)
            self.active = [i for i in self.ids if i not in chosen]
            list(pool.map(lambda i: action(self.url, i, 'deactivate'),
                          self.deactivated))
        for size in sizes:
            self.downloads[size] = create_image(
                self.url, 'bench-%dMiB' % (size // load.MIB),
                body=load.body_chunks(size))
        self.validate()

    def validate(self):
        """The server answers as the benchmark expects, or SetupError."""
        resp = _call('GET', self.url + '/v2/images?status=deactivated'
                     '&limit=1000', 200, headers=HEADERS)
        found = {image['id'] for image in resp.json()['images']}
        if found != set(self.deactivated):
            raise SetupError('%s: ?status=deactivated lists %d images, '
                             'expected %d' % (self.server.mode, len(found),
                                              len(self.deactivated)))
        for image_id, status in ((self.deactivated[0], 'deactivated'),
                                 (self.active[0], 'active')):
            resp = _call('GET', '%s/v2/images/%s' % (self.url, image_id),
                         200, headers=HEADERS)
            if resp.json()['status'] != status:
                raise SetupError('%s: image %s is %s, expected %s' % (
                    self.server.mode, image_id, resp.json()['status'],
                    status))
        for size, image_id in self.downloads.items():
            resp = _call('GET', '%s/v2/images/%s' % (self.url, image_id),
                         200, headers=HEADERS)
            if resp.json()['size'] != size:
                raise SetupError('%s: image %s has size %s, expected %d' % (
                    self.server.mode, image_id, resp.json()['size'], size))


def start_loaded_filter(root, twin, deactivated, records, workers):
    """A second ``filter`` server whose state database holds ``records``.

    It shares the Glance database of ``twin`` (the ``filter`` server), so
    it sees the same catalogue, and its own SQLite state database holds
    the same deactivated ids plus random ids of images that do not exist,
    up to ``records``: the same answers, only a larger table to look in.
    """
    workdir = os.path.join(root, 'filter-loaded')
    os.makedirs(workdir)
    url = 'sqlite:///%s' % os.path.join(workdir, 'deactivate.sqlite')
    lookup.state_store.DeactivationStore.from_url(url).ensure_schema()
    extra = lookup.make_ids(random.Random(7),
                            max(0, records - len(deactivated)))
    lookup.fill_sqlite(url, list(deactivated) + extra)
    server = devserver.GlanceServer(
        mode='filter', workdir=workdir, glance_db=twin.glance_db,
        state_db=url, workers=workers, sync_db=False)
    try:
        server.start(timeout=180)
    except Exception as exc:
        server.stop(remove=False)
        raise SetupError('loaded filter server failed: %s\n%s' % (
            exc, server.log_tail()))
    return server


def build_catalogues(servers, count, concurrency, sizes):
    """Populate every server's catalogue in parallel; {mode: Catalogue}."""
    catalogues = {mode: Catalogue(server) for mode, server in servers.items()}
    with concurrent.futures.ThreadPoolExecutor(len(catalogues)) as pool:
        futures = [pool.submit(cat.populate, count, concurrency, sizes)
                   for cat in catalogues.values()]
        for future in futures:
            future.result()
    return catalogues
