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


"""Timing of invisible images: does time tell what the answer does not?

Usage::

    tox -e bench -- --existence            # 200 requests per cell, 2-3 min
    tox -e bench -- --existence --quick    # 20 requests per cell, < 1 min
    cd tools && PYTHONPATH=.. python -m bench --existence [--quick]
        [--rounds N] [--json FILE] [--workers N]

For an image id the caller cannot see, Glance answers 404 whether the image
exists or not; the filter must answer the same, and must not take longer
when the id belongs to a deactivated image than when it belongs to an
active one or to nothing, or the clock tells the caller which ids exist
and are deactivated.  This mode *measures* that channel; it asserts
nothing about time.

One run starts two real Glance 33 APIs under gunicorn on 127.0.0.1, each
in its own temporary directory (``tests.functional.devserver``): a
``filter`` server (our filter) and a ``native`` one (Glance's own
deactivate, the reference).  On each, project ``bench-owner`` creates two
private images with a 16-byte body; its admin deactivates one.  A random
uuid that names no image is the third id.  Then project ``bench-other``,
which sees none of them, sends on every route the filter guards:

``POST actions/deactivate`` and ``POST actions/reactivate``;
``GET /file``, ``GET /file`` with ``Range``, ``HEAD /file``;
``PUT /file`` and ``PUT /stage`` (``application/octet-stream``);
``POST /import`` (``copy-image`` and ``glance-direct`` JSON bodies);
``GET /locations`` and ``POST /locations``; ``PUT /v2/cache/{id}``;
``GET``, ``PATCH`` (json-patch) and ``DELETE /v2/images/{id}``

(paths are under ``/v2/images/{id}`` unless spelled out), ``--rounds``
cycles per route (200; ``--quick`` 20) after 3 unrecorded warm-up
cycles.  A cycle sends one request per id kind (deactivated, active,
missing) to each server, alternating between the servers request by
request; the order of the kinds rotates from cycle to cycle and the
server that goes first alternates, so that a drift of the machine's load
or a position in the cycle falls on every cell alike.  One request at a
time, one ``requests`` session per server; the time is the client's, from
sending to the last byte of the answer.

Reading the output
------------------
The first table gives, per route and server, the median latency with
its 10th-90th percentile range, in ms, for each id kind, and the ratios
``d/m`` (deactivated/missing) and ``a/m`` (active/missing), taken cycle
by cycle (the three requests of one cycle on one server are a pair) and
shown as median [IQR].  A channel shows as a ``d/m`` above 1 on the
``filter`` columns where ``native`` stays at 1.  The second table gives the
answers each cell got, as ``status (body bytes) xcount``: they should be
the same for the three kinds (otherwise the answer itself tells, and time
hardly matters) and match native Glance's.

Then one verdict line per route and server: ``no class difference`` when
the 95% confidence intervals of the medians (distribution-free, from the
order statistics: ``bench.stats.median_ci``) of every pair of kinds
overlap; otherwise which kind is how many ms slower or faster at the
median than which.  Read ours beside native's: a difference native shows
too (e.g. an existing row Glance loads before refusing) is the image
service's own and no work of the filter.  With ``--quick`` the intervals
are wide; only the full run resolves differences of a fraction of a ms.

The report goes to stdout, progress to stderr, every latency to
``--json FILE``.  The exit status is 0 whatever the figures; 1 when the
tool fails (a server does not start, a request errors) or when an image
was changed by the other project's requests (the owner no longer sees it
as it was made: the figures after that point are not about the images
described).  Servers and temporary directories are removed on every
exit.
"""

import json
import shutil
import statistics
import sys
import tempfile
import time
import traceback
import uuid

from bench import catalogue
from bench import report
from bench import stats
import requests

from tests.functional import devserver

SERVERS = ('filter', 'native')
KINDS = ('deactivated', 'active', 'missing')
OWNER = devserver.identity_headers('bench-owner')
ADMIN = devserver.identity_headers('bench-owner',
                                   roles=('admin', 'member', 'reader'))
OTHER = devserver.identity_headers('bench-other')
BODY = catalogue.TINY_BODY
WARMUP = 3
REQUESTS = {'full': 200, 'quick': 20}
# Which pairs of kinds the verdicts compare, in this order.
PAIRS = (('deactivated', 'missing'), ('deactivated', 'active'),
         ('active', 'missing'))

_OCTET = {'Content-Type': 'application/octet-stream'}
_JSON = {'Content-Type': 'application/json'}
_PATCH = {'Content-Type': 'application/openstack-images-v2.1-json-patch'}
_IMAGE = '/v2/images/%s'


def _json(document):
    return json.dumps(document).encode('utf-8')


# (label, method, path template, extra headers, body) of each guarded route.
ROUTES = (
    ('POST actions/deactivate', 'POST', _IMAGE + '/actions/deactivate',
     {}, None),
    ('POST actions/reactivate', 'POST', _IMAGE + '/actions/reactivate',
     {}, None),
    ('GET /file', 'GET', _IMAGE + '/file', {}, None),
    ('GET /file, Range', 'GET', _IMAGE + '/file', {'Range': 'bytes=0-3'},
     None),
    ('HEAD /file', 'HEAD', _IMAGE + '/file', {}, None),
    ('PUT /file', 'PUT', _IMAGE + '/file', _OCTET, BODY),
    ('PUT /stage', 'PUT', _IMAGE + '/stage', _OCTET, BODY),
    ('POST /import, copy-image', 'POST', _IMAGE + '/import', _JSON,
     _json({'method': {'name': 'copy-image'}, 'stores': ['fs']})),
    ('POST /import, glance-direct', 'POST', _IMAGE + '/import', _JSON,
     _json({'method': {'name': 'glance-direct'}})),
    ('GET /locations', 'GET', _IMAGE + '/locations', {}, None),
    ('POST /locations', 'POST', _IMAGE + '/locations', _JSON,
     _json({'url': 'file:///var/lib/glance/images/bench',
            'validation_data': {}})),
    ('PUT /v2/cache/{id}', 'PUT', '/v2/cache/%s', {}, None),
    ('GET /v2/images/{id}', 'GET', _IMAGE, {}, None),
    ('PATCH /v2/images/{id}', 'PATCH', _IMAGE, _PATCH,
     _json([{'op': 'replace', 'path': '/name', 'value': 'bench-renamed'}])),
    ('DELETE /v2/images/{id}', 'DELETE', _IMAGE, {}, None),
)


# -- the images --------------------------------------------------------------

def _image(server, name):
    """A private image of the owner with ``BODY`` as data; its id."""
    resp = catalogue._call(
        'POST', server.url + '/v2/images', 201, headers=OWNER,
        json={'name': name, 'disk_format': 'raw', 'container_format': 'bare',
              'visibility': 'private'})
    image_id = resp.json()['id']
    catalogue._call('PUT', '%s/v2/images/%s/file' % (server.url, image_id),
                    204, headers=dict(OWNER, **_OCTET), data=BODY)
    return image_id


def make_ids(server):
    """{kind: id} on ``server``: deactivated, active and missing."""
    ids = {'deactivated': _image(server, 'bench-existence-deactivated'),
           'active': _image(server, 'bench-existence-active'),
           'missing': str(uuid.uuid4())}
    catalogue._call('POST', '%s/v2/images/%s/actions/deactivate' % (
        server.url, ids['deactivated']), 204, headers=ADMIN)
    return ids


def check_ids(server, ids):
    """What the owner sees is what was made: [] or a list of problems."""
    problems = []
    for kind, image_id in ids.items():
        resp = requests.get(server.url + _IMAGE % image_id, headers=OWNER,
                            timeout=60)
        if kind == 'missing':
            if resp.status_code != 404:
                problems.append('%s: the missing id %s answers %s to its '
                                'owner' % (server.mode, image_id,
                                           resp.status_code))
            continue
        status = resp.json().get('status') if resp.ok else None
        if resp.status_code != 200 or status != kind:
            problems.append('%s: the %s image %s answers %s, status %s' % (
                server.mode, kind, image_id, resp.status_code, status))
    return problems


# -- measuring ---------------------------------------------------------------

def _send(session, server, image_id, route):
    """One request as the other project: (ms, 'status (bytes)')."""
    _label, method, path, headers, body = route
    start = time.perf_counter()
    resp = session.request(method, server.url + path % image_id,
                           headers=dict(OTHER, **headers), data=body,
                           timeout=60, allow_redirects=False)
    length = len(resp.content)
    elapsed = time.perf_counter() - start
    return 1000 * elapsed, '%d (%d B)' % (resp.status_code, length)


def _cycle_order(cycle):
    """The (server, kind) order of one cycle."""
    shift = cycle % len(KINDS)
    kinds = KINDS[shift:] + KINDS[:shift]
    servers = SERVERS if cycle % 2 == 0 else SERVERS[::-1]
    return [(server, kind) for kind in kinds for server in servers]


def measure_route(sessions, servers, ids, route, count):
    """{server: {kind: [ms, ...]}} and {server: {kind: {answer: n}}}."""
    lat = {s: {k: [] for k in KINDS} for s in SERVERS}
    answers = {s: {k: {} for k in KINDS} for s in SERVERS}
    for cycle in range(-WARMUP, count):
        for name, kind in _cycle_order(cycle):
            elapsed, answer = _send(sessions[name], servers[name],
                                    ids[name][kind], route)
            if cycle < 0:
                continue
            lat[name][kind].append(elapsed)
            seen = answers[name][kind]
            seen[answer] = seen.get(answer, 0) + 1
    return lat, answers


# -- figures -----------------------------------------------------------------

def deciles(values):
    """(p10, p90) of ``values``; the value twice if one."""
    if len(values) < 2:
        return (values[0],) * 2 if values else (float('nan'),) * 2
    cuts = statistics.quantiles(values, n=10, method='inclusive')
    return cuts[0], cuts[-1]


def summarize(lat):
    """Per server: each kind's stats.summary plus p10/p90, and ratios."""
    out = {}
    for name in SERVERS:
        per = lat[name]
        cell = {}
        for kind in KINDS:
            cell[kind] = stats.summary(per[kind])
            cell[kind]['p10'], cell[kind]['p90'] = deciles(per[kind])
        cell['d/m'] = report.summarize_ratio(per['deactivated'],
                                             per['missing'])
        cell['a/m'] = report.summarize_ratio(per['active'], per['missing'])
        out[name] = cell
    return out


def verdict(cell):
    """``no class difference`` or which kind is slower, by how much.

    Two kinds differ when the 95% confidence intervals of their medians
    are disjoint; the figure is the difference of the medians.
    """
    found = {}
    for first, second in PAIRS:
        a, b = cell[first], cell[second]
        if a['ci_low'] <= b['ci_high'] and b['ci_low'] <= a['ci_high']:
            continue
        diff = a['median'] - b['median']
        found.setdefault(first, []).append('%.2f ms %s than %s' % (
            abs(diff), 'slower' if diff > 0 else 'faster', second))
    if not found:
        return 'no class difference'
    return '; '.join('%s is %s at the median' % (kind, ', '.join(parts))
                     for kind, parts in found.items())


def _latency_cell(summ):
    return '%.2f (%.2f-%.2f)' % (summ['median'], summ['p10'], summ['p90'])


def _answers_cell(seen):
    return ', '.join('%s x%d' % (answer, n)
                     for answer, n in sorted(seen.items()))


def render(machine, args, count, results, run):
    """The report: header, latency table, answers table, verdicts."""
    workers = args.workers
    out = [
        'Machine: %(nproc)d CPUs (nproc), %(cpu)s, %(memory)s RAM, '
        'Linux %(kernel)s; Python %(python)s, Glance %(glance)s, '
        'gunicorn %(gunicorn)s; glance-deactivate '
        '%(glance_deactivate_commit)s.' % machine,
        'Run: timing of invisible images, %s mode: %d requests per route, '
        'id kind and server (after %d warm-up cycles), one at a time; '
        '%d gunicorn workers per server; %.0f s in all; other processes '
        'used %.0f%% of the CPUs meanwhile (load average %.2f at the '
        'start, %.2f at the end).' % (
            'quick' if args.quick else 'full', count, WARMUP, workers,
            run['elapsed'], 100 * run['foreign_cpu'], run['load_start'],
            run['load_end']),
        '',
        'Latency as project bench-other, which sees none of the three '
        'ids: median (p10-p90) in ms per id kind; d/m, a/m: '
        'deactivated/missing and active/missing, cycle by cycle, median '
        '[IQR].', '',
    ]
    header = ['Route']
    for name in SERVERS:
        header += ['%s %s' % (name, kind) for kind in KINDS]
        header += ['%s d/m' % name, '%s a/m' % name]
    rows, answer_rows, verdicts = [], [], []
    for label, result in results.items():
        row = [label]
        answer_row = [label]
        for name in SERVERS:
            cell = result['summary'][name]
            row += [_latency_cell(cell[kind]) for kind in KINDS]
            row += [report.ratio_cell(cell['d/m']),
                    report.ratio_cell(cell['a/m'])]
            answer_row += [_answers_cell(result['answers'][name][kind])
                           for kind in KINDS]
        rows.append(row)
        answer_rows.append(answer_row)
        verdicts.append('- %s: ours: %s; native: %s' % (
            label, result['verdict']['filter'], result['verdict']['native']))
    out += [report.table(header, rows), '',
            'Answers: status (body bytes) x count, per id kind.', '',
            report.table(['Route'] + ['%s %s' % (name, kind)
                                      for name in SERVERS for kind in KINDS],
                         answer_rows), '',
            'Verdicts (95% confidence intervals of the medians disjoint or '
            'not; measured, not asserted):', '']
    out += verdicts
    if run['problems']:
        out += ['', 'The images changed during the run; the figures after '
                'the change are not about the images described:', '']
        out += ['- ' + problem for problem in run['problems']]
    return '\n'.join(out)


# -- the run -----------------------------------------------------------------

def _collect(servers, ids, count, log):
    sessions = {name: requests.Session() for name in SERVERS}
    results = {}
    try:
        for route in ROUTES:
            start = time.monotonic()
            lat, answers = measure_route(sessions, servers, ids, route,
                                         count)
            summary = summarize(lat)
            results[route[0]] = {
                'raw': lat, 'answers': answers, 'summary': summary,
                'verdict': {name: verdict(summary[name])
                            for name in SERVERS}}
            log('%s: %d x %d requests in %.1fs' % (
                route[0], count, 2 * len(KINDS),
                time.monotonic() - start))
    finally:
        for session in sessions.values():
            session.close()
    return results


def _measure(args, root, count, log):
    """Start the servers, make the images, measure; always stop them."""
    servers = {}
    try:
        servers = catalogue.start_servers(root, SERVERS, args.workers)
        log('servers up: %s' % ', '.join(
            '%s %s' % (name, servers[name].url) for name in SERVERS))
        ids = {name: make_ids(servers[name]) for name in SERVERS}
        problems = [p for name in SERVERS
                    for p in check_ids(servers[name], ids[name])]
        if problems:
            raise catalogue.SetupError('; '.join(problems))
        log('images: %s' % '; '.join('%s %s' % (name, ids[name])
                                     for name in SERVERS))
        results = _collect(servers, ids, count, log)
        problems = [p for name in SERVERS
                    for p in check_ids(servers[name], ids[name])]
    finally:
        catalogue.stop_servers(servers)
    return ids, results, problems


def run(args, repo, log):
    """The ``--existence`` mode of the benchmark; its exit status."""
    count = args.rounds or REQUESTS['quick' if args.quick else 'full']
    if count < 1:
        raise SystemExit('--rounds must be positive')
    machine = report.machine(repo)
    root = tempfile.mkdtemp(prefix='glance-deactivate-existence-')
    started = time.monotonic()
    cpu = [report.cpu_snapshot()]
    try:
        ids, results, problems = _measure(args, root, count, log)
        # After the servers stopped: their CPU time is then this run's own.
        cpu.append(report.cpu_snapshot())
    except KeyboardInterrupt:
        log('interrupted')
        return 130
    except Exception as exc:  # the tool broke: say why, exit non-zero
        log('bench failed: %s: %s' % (type(exc).__name__, exc))
        traceback.print_exc()
        return 1
    finally:
        shutil.rmtree(root, ignore_errors=True)
    facts = {'elapsed': time.monotonic() - started,
             'foreign_cpu': report.foreign_cpu(cpu[0], cpu[1]),
             'load_start': cpu[0]['load'], 'load_end': cpu[1]['load'],
             'problems': problems}
    text = render(machine, args, count, results, facts)
    print(text)
    if args.json:
        with open(args.json, 'w') as out:
            json.dump({'mode': 'existence', 'machine': machine,
                       'profile': {'requests': count, 'warmup': WARMUP,
                                   'workers': args.workers},
                       'argv': sys.argv[1:], 'run': facts, 'ids': ids,
                       'routes': [list(r[:3]) for r in ROUTES],
                       'results': results, 'text': text}, out, indent=1,
                      sort_keys=True, default=str)
    return 1 if problems else 0
