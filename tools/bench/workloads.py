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


"""The workloads measured on the three servers, one batch at a time."""

import time

from bench import catalogue
from bench import load
from bench import stats

from tests.functional import devserver

MODES = ('bare', 'filter', 'native')
MIB = load.MIB
SHOW_IDS = 50

# (key, label, target class) of the read workloads, in measuring order.
READS = (
    ('versions', 'GET /versions', 'pass-through'),
    ('schema', 'GET /v2/schemas/image', 'pass-through'),
    ('show_active', 'GET /v2/images/{id} (active)', 'show'),
    ('show_deactivated', 'GET /v2/images/{id} (deactivated)', 'show'),
    ('list', 'GET /v2/images?limit=1000', 'list'),
    ('list_deactivated', 'GET /v2/images?status=deactivated&limit=1000',
     'list'),
)


# The read API (filter only; default rules: admin).  Each is measured beside
# a reference on the same server, in the same round: (key, label,
# reference key in READS).
ADMIN_HEADERS = devserver.identity_headers(
    'admin-project', roles=('admin', 'member', 'reader'))
RECORD_READS = (
    ('record', 'GET /v2/images/{id}/deactivation (deactivated)',
     'show_deactivated'),
    ('records', 'GET /v2/deactivations?limit=1000', 'list_deactivated'),
)


def _check_record(path, resp):
    doc = resp.json()
    if not doc.get('deactivated') or not doc.get('history'):
        raise load.LoadError('GET %s: not deactivated or no history: %s' % (
            path, resp.text[:300]))


def _check_records(expected):
    def check(path, resp):
        records = resp.json().get('deactivations', [])
        if len(records) != expected:
            raise load.LoadError('GET %s: %d records, expected %d' % (
                path, len(records), expected))
    return check


def record_requests(cat):
    """{key: (paths, check)} of the read-API workloads (filter only)."""
    return {
        'record': (['/v2/images/%s/deactivation' % i
                    for i in cat.deactivated[:SHOW_IDS]], _check_record),
        'records': (['/v2/deactivations?limit=1000'],
                    _check_records(len(cat.deactivated))),
    }


def _check_list(expected, status=None):
    def check(path, resp):
        images = resp.json().get('images', [])
        if len(images) != expected or (
                status and any(i['status'] != status for i in images)):
            raise load.LoadError('GET %s: %d images, expected %d%s' % (
                path, len(images), expected,
                ' %s' % status if status else ''))
    return check


def _check_status(status):
    def check(path, resp):
        if resp.json().get('status') != status:
            raise load.LoadError('GET %s: status %s, expected %s' % (
                path, resp.json().get('status'), status))
    return check


def read_requests(cat, listed):
    """{key: (paths, check)} of the read workloads for one catalogue."""
    show = '/v2/images/%s'
    return {
        'versions': (['/versions'], None),
        'schema': (['/v2/schemas/image'], None),
        'show_active': ([show % i for i in cat.active[:SHOW_IDS]],
                        _check_status('active')),
        'show_deactivated': ([show % i for i in cat.deactivated[:SHOW_IDS]],
                             _check_status('deactivated')),
        'list': (['/v2/images?limit=1000'], _check_list(min(1000, listed))),
        'list_deactivated': (['/v2/images?status=deactivated&limit=1000'],
                             _check_list(len(cat.deactivated),
                                         'deactivated')),
    }


def batch_figures(result):
    lat = sorted(result['latencies'])
    return {
        'median_ms': 1000 * stats.median(lat),
        'p90_ms': 1000 * lat[int(0.9 * (len(lat) - 1))],
        'rps': result['done'] / result['wall'],
        'n': result['done'],
    }


def throughput(session, server, cat, size):
    """MiB/s of one streamed download of the ``size`` image."""
    url = '%s/v2/images/%s/file' % (server.url, cat.downloads[size])
    received, seconds = load.download(session, url, catalogue.HEADERS, size)
    return received / seconds / MIB


def memory_round(session, server, cat, sizes):
    """The API processes' RSS before and peak RSS during each download.

    The peak is the summed ``VmHWM`` of the gunicorn master and workers,
    reset to the current RSS just before the download; where the kernel
    refuses the reset, the peak of ``VmRSS`` sampled every 20 ms.
    """
    pids = load.process_tree(server.process.pid)
    out = {'before': {}, 'peak': {}, 'sampled_peak': {}}
    for size in sizes:
        url = '%s/v2/images/%s/file' % (server.url, cat.downloads[size])
        reset = load.reset_peaks(pids)
        out['before'][size] = load.rss_bytes(pids)
        with load.RssSampler(pids, interval=0.02) as sampler:
            load.download(session, url, catalogue.HEADERS, size)
        out['peak'][size] = load.peak_bytes(pids) if reset else None
        out['sampled_peak'][size] = sampler.peak
    return out


def actions_round(session, server, ids):
    """Median latency (ms) of deactivate and of reactivate over ``ids``."""
    lat = {'deactivate': [], 'reactivate': []}
    for image_id in ids:
        for name in ('deactivate', 'reactivate'):
            url = '%s/v2/images/%s/actions/%s' % (server.url, image_id, name)
            start = time.perf_counter()
            resp = session.post(url, headers=catalogue.HEADERS, timeout=60)
            elapsed = time.perf_counter() - start
            if resp.status_code != 204:
                raise load.LoadError('POST %s: %s %s' % (
                    url, resp.status_code, resp.text[:300]))
            lat[name].append(elapsed)
    return {name: 1000 * stats.median(values) for name, values in lat.items()}
