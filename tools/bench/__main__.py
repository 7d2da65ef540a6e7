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


"""Benchmark glance-deactivate against the bare pipeline and native Glance.

Usage::

    tox -e bench                       # the full run (6 to 10 minutes)
    tox -e bench -- --quick            # under a minute; what CI runs
    cd tools && PYTHONPATH=.. python -m bench [--quick] [--json FILE]
        [--rounds N] [--images N] [--big-mib N] [--records N]
        [--no-postgresql] [--strict]
    tox -e bench -- --existence [--quick]   # timing of invisible images

It needs Glance 33 and gunicorn in the running interpreter's environment
(the ``bench`` tox environment installs them) and, for the PostgreSQL
look-ups, a PostgreSQL server on 127.0.0.1 that lets ``postgres`` create a
database (``--pg-host``, ``--pg-port``, ``--pg-user``; ``--no-postgresql``
skips them, and an unreachable server is reported as skipped).

One run starts three real Glance 33 APIs under gunicorn on 127.0.0.1, each
with ``--workers`` (2) workers and its own temporary directory (see
``tests.functional.devserver``):

``bare``    Glance's pipeline without the filter (the baseline);
``filter``  the same pipeline with ``deactivate`` after ``context``;
``native``  no filter, Glance's own deactivate (the peer).

Each gets the same catalogue through the API: ``--images`` (2,000) images
with a 16-byte body, every tenth deactivated (by the filter on ``filter``,
by Glance on ``bare`` and ``native``, so that every server is asked for
the same documents), and two images for the downloads.  The workloads:

1. pass-through: ``GET /versions``, ``GET /v2/schemas/image``;
2. ``GET /v2/images/{id}`` of active and of deactivated images;
3. ``GET /v2/images?limit=1000`` and
   ``GET /v2/images?status=deactivated&limit=1000``;
4. the throughput of a streamed 1 GiB download, counting bytes; the API
   processes' peak RSS (summed ``VmHWM`` of the gunicorn master and
   workers, reset through ``/proc/PID/clear_refs`` before each download)
   while downloading 64 MiB and 1 GiB images;
5. deactivate and reactivate latency, one request at a time, ours against
   Glance's;
6. ``DeactivationStore.get`` and ``deactivated_among`` (a page of 1,000
   ids, 10% recorded) with 1,000 and 1,000,000 records, in process, on
   SQLite and on PostgreSQL (a throw-away database
   ``glance_deactivate_bench``, dropped at the end); then the same API
   requests on the ``filter`` server and on a twin that shares its Glance
   database but whose state database holds 1,000,000 records.

Then content quarantine: ``GET /v2/images/{id}``, ``GET
/v2/images?limit=1000``, the download of a 16-byte image and ``GET
/v2/images?status=deactivated&limit=1000`` on ``filter`` with 0, 1 and 100
live quarantines, beside ``bare`` (see ``bench.quarantines``).

Then the read API, on ``filter`` only and as an admin (its default rule):
``GET /v2/images/{id}/deactivation`` beside ``GET /v2/images/{id}`` of the
same deactivated images, and ``GET /v2/deactivations?limit=1000`` beside
``GET /v2/images?status=deactivated&limit=1000`` (the same images), the
two alternating in each round.

Workloads 1-3, the read API and the API part of 6 run at
``--concurrency`` (2) client threads, each with its own ``requests``
session; 4 and 5 one request at a time, and the store calls of 6 one
after the other.  Every batch is bounded in requests and in seconds, and
the whole measuring phase by a time budget.  Each workload runs in many
short rounds; a round runs one batch on each server, in an order that
rotates from round to round, so that a change in the machine's load hits
the servers alike.  Ratios are
taken round by round and reported as median [IQR]; each target is printed
as MET or NOT MET by the median, with the 95% confidence interval of the
median, flagged when the limit lies inside it.  Latencies are taken on the
client and include its own overhead, the same for every server; the
``bare/native`` column compares two servers running the same code and
shows the noise of the machine.

The report goes to stdout (its tables are reStructuredText, for
``doc/source/benchmarks.rst``), progress to stderr, every per-round figure
to ``--json FILE``.  The exit status is 0 whatever the figures
(``--strict``: 3 when a target is missed) and 1 when the tool itself
fails: a server does not start, a request errors or an answer is not what
the catalogue should give.  Servers, temporary directories and the
PostgreSQL database are removed on every exit, SIGTERM included.

``--existence`` runs another measurement instead, the timing of invisible
images (an invisible deactivated image, an invisible active one and a
missing id, on every guarded route, ours beside native Glance's); its
description is ``bench.existence``'s docstring.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

from bench import catalogue
from bench import existence
from bench import load
from bench import lookup
from bench import quarantines
from bench import report
from bench import summary
from bench import workloads

MODES = workloads.MODES
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
MIB = load.MIB

# Rounds and requests per round.  A round runs one batch on each server,
# in an order that rotates from round to round; the rounds are short so
# that a change in the machine's load hits the three servers alike.
PROFILES = {
    'full': {
        'images': 2000, 'small_mib': 64, 'big_mib': 1024,
        'reads': {'versions': (60, 50), 'schema': (60, 50),
                  'show_active': (60, 30), 'show_deactivated': (60, 30),
                  'list': (20, 2), 'list_deactivated': (40, 6)},
        'download_rounds': 20, 'memory_rounds': 3,
        'action_rounds': 40, 'actions_per_round': 2,
        'records_small': 1000, 'records_large': 1000000,
        'lookup_rounds': 30,
        'loaded_reads': {'show_active': (30, 30),
                         'show_deactivated': (30, 30), 'list': (10, 2)},
        'record_reads': {'record': (30, 30), 'records': (20, 6)},
        'quarantine_reads': {'show': (20, 30), 'list': (10, 2),
                             'download': (20, 30),
                             'list_deactivated': (10, 4)},
        'batch_seconds': 20, 'budget_seconds': 900,
    },
    'quick': {
        'images': 200, 'small_mib': 16, 'big_mib': 64,
        'reads': {'versions': (10, 20), 'schema': (10, 20),
                  'show_active': (10, 10), 'show_deactivated': (10, 10),
                  'list': (3, 2), 'list_deactivated': (6, 4)},
        'download_rounds': 6, 'memory_rounds': 1,
        'action_rounds': 6, 'actions_per_round': 1,
        'records_small': 1000, 'records_large': 10000,
        'lookup_rounds': 8,
        'loaded_reads': {'show_active': (4, 10),
                         'show_deactivated': (4, 10), 'list': (2, 2)},
        'record_reads': {'record': (6, 10), 'records': (6, 4)},
        'quarantine_reads': {'show': (4, 10), 'list': (3, 2),
                             'download': (4, 10),
                             'list_deactivated': (3, 2)},
        'batch_seconds': 4, 'budget_seconds': 60,
    },
}


# -- the run -------------------------------------------------------------

def log(message):
    print(message, file=sys.stderr, flush=True)


def run_servers(args, prof, root, raw):
    """Workloads 1-5; fills ``raw``."""
    sizes = (prof['small_mib'] * MIB, prof['big_mib'] * MIB)
    start = time.monotonic()
    servers = catalogue.start_servers(root, MODES, args.workers)
    try:
        log('servers up in %.1fs: %s' % (time.monotonic() - start, ', '.join(
            '%s %s' % (m, s.url) for m, s in servers.items())))
        start = time.monotonic()
        cats = catalogue.build_catalogues(servers, prof['images'],
                                          args.setup_concurrency, sizes)
        listed = prof['images'] + len(sizes)
        log('catalogues (%d images, %d deactivated, %s MiB) in %.1fs' % (
            listed, len(cats['filter'].deactivated),
            '+'.join(str(s // MIB) for s in sizes),
            time.monotonic() - start))
        reads = {mode: workloads.read_requests(cats[mode], listed)
                 for mode in MODES}
        records = workloads.record_requests(cats['filter'])
        client = load.Client(args.concurrency)
        single = load.Client(1)
        try:
            _rounds(args, prof, servers, cats, reads, client, single, sizes,
                    raw)
            _record_rounds(prof, servers['filter'], reads['filter'], records,
                           client, raw)
            start = time.monotonic()
            quarantines.run(prof, servers, cats, reads, client, raw, log)
            log('content quarantine in %.1fs' % (time.monotonic() - start))
            start = time.monotonic()
            servers['loaded'] = catalogue.start_loaded_filter(
                root, servers['filter'], cats['filter'].deactivated,
                prof['records_large'], args.workers)
            log('filter server with %d state records up in %.1fs' % (
                prof['records_large'], time.monotonic() - start))
            _loaded_rounds(prof, servers, reads['filter'], client, raw)
        finally:
            client.close()
            single.close()
    finally:
        catalogue.stop_servers(servers)


def _orders(rounds):
    """The server order of each round: rotating, A B C / B C A / C A B."""
    return [MODES[r % 3:] + MODES[:r % 3] for r in range(rounds)]


def _rounds(args, prof, servers, cats, reads, client, single, sizes, raw):
    session = single.sessions[0]
    small, big = sizes
    log('warm-up')
    for mode in MODES:
        for paths, check in reads[mode].values():
            client.batch(servers[mode].url, paths, catalogue.HEADERS,
                         max(2, args.concurrency), prof['batch_seconds'],
                         check=check)
        workloads.memory_round(session, servers[mode], cats[mode], sizes)
    for mode in ('filter', 'native'):
        workloads.actions_round(session, servers[mode],
                                cats[mode].active[-1:])
    deadline = time.monotonic() + prof['budget_seconds']

    def spent(what):
        if time.monotonic() > deadline:
            log('time budget spent: %s cut short' % what)
            return True
        return False

    for key, label, _target in workloads.READS:
        start = time.monotonic()
        rounds, count = prof['reads'][key]
        for rnd, order in enumerate(_orders(rounds)):
            if rnd > 2 and spent(label):
                break
            for mode in order:
                paths, check = reads[mode][key]
                result = client.batch(
                    servers[mode].url, paths, catalogue.HEADERS, count,
                    prof['batch_seconds'], check=check)
                raw['reads'][key][mode].append(
                    workloads.batch_figures(result))
        log('%s: %d rounds x %d requests in %.1fs' % (
            label, rnd + 1, count, time.monotonic() - start))
    start = time.monotonic()
    for rnd, order in enumerate(_orders(prof['download_rounds'])):
        if rnd > 2 and spent('download'):
            break
        for mode in order:
            raw['download'][mode].append(workloads.throughput(
                session, servers[mode], cats[mode], big))
    for order in _orders(prof['memory_rounds']):
        for mode in order:
            raw['memory'][mode].append(workloads.memory_round(
                session, servers[mode], cats[mode], sizes))
    log('downloads in %.1fs' % (time.monotonic() - start))
    start = time.monotonic()
    per_round = prof['actions_per_round']
    for rnd, order in enumerate(_orders(prof['action_rounds'])):
        for mode in [m for m in order if m != 'bare']:
            active = cats[mode].active
            ids = active[-per_round * (rnd % 5 + 1):][:per_round]
            raw['actions'][mode].append(workloads.actions_round(
                session, servers[mode], ids))
    log('actions in %.1fs' % (time.monotonic() - start))


def _record_rounds(prof, server, reads, records, client, raw):
    """The read API beside its reference read, on the filter server.

    Both as an admin (the read API's default rule); the order alternates
    from round to round.
    """
    start = time.monotonic()
    headers = workloads.ADMIN_HEADERS
    for key, _label, reference in workloads.RECORD_READS:
        for paths, check in (records[key], reads[reference]):
            client.batch(server.url, paths, headers, 4,
                         prof['batch_seconds'], check=check)
    for key, _label, reference in workloads.RECORD_READS:
        rounds, count = prof['record_reads'][key]
        batches = {'read_api': records[key], 'reference': reads[reference]}
        for rnd in range(rounds):
            order = ('read_api', 'reference') if rnd % 2 == 0 else (
                'reference', 'read_api')
            for name in order:
                paths, check = batches[name]
                result = client.batch(server.url, paths, headers, count,
                                      prof['batch_seconds'], check=check)
                raw['records'][key][name].append(
                    workloads.batch_figures(result))
    log('read API in %.1fs' % (time.monotonic() - start))


def _loaded_rounds(prof, servers, reads, client, raw):
    """The filter with few and with many state records, alternating."""
    start = time.monotonic()
    for key in prof['loaded_reads']:
        paths, check = reads[key]
        client.batch(servers['loaded'].url, paths, catalogue.HEADERS, 4,
                     prof['batch_seconds'], check=check)
    for key, (rounds, count) in prof['loaded_reads'].items():
        for rnd in range(rounds):
            order = ('filter', 'loaded') if rnd % 2 == 0 else (
                'loaded', 'filter')
            for name in order:
                paths, check = reads[key]
                result = client.batch(
                    servers[name].url, paths, catalogue.HEADERS, count,
                    prof['batch_seconds'], check=check)
                raw['loaded'][key][name].append(
                    workloads.batch_figures(result))
    log('few vs many state records in %.1fs' % (time.monotonic() - start))


# -- command line ------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='Benchmark glance-deactivate against Glance without '
                    'the filter and Glance native deactivate.')
    parser.add_argument('--quick', action='store_true',
                        help='small sizes and few rounds (< 2 minutes)')
    parser.add_argument('--json', metavar='FILE',
                        help='also write the figures, per round, as JSON')
    parser.add_argument('--rounds', type=int,
                        help='rounds of every workload (default: per '
                             'workload, see PROFILES)')
    parser.add_argument('--images', type=int,
                        help='catalogue size per server')
    parser.add_argument('--big-mib', type=int, help='large download, MiB')
    parser.add_argument('--small-mib', type=int, help='small download, MiB')
    parser.add_argument('--records', type=int, dest='records_large',
                        help='records in the large look-up database')
    parser.add_argument('--workers', type=int, default=2,
                        help='gunicorn workers per server (default 2)')
    parser.add_argument('--concurrency', type=int, default=2,
                        help='client threads for the read workloads '
                             '(default 2)')
    parser.add_argument('--setup-concurrency', type=int, default=1,
                        help='client threads per server while building '
                             'the catalogues (default 1: Glance on SQLite '
                             'answers "database is locked" when its '
                             'workers write at once)')
    parser.add_argument('--only', choices=('servers', 'lookup'),
                        help='run only the server workloads (1-5) or only '
                             'the look-up workload (6)')
    parser.add_argument('--no-postgresql', action='store_true',
                        help='skip the PostgreSQL look-ups')
    parser.add_argument('--pg-host', default='127.0.0.1')
    parser.add_argument('--pg-port', type=int, default=5432)
    parser.add_argument('--pg-user', default='postgres')
    parser.add_argument('--strict', action='store_true',
                        help='exit 3 when a target is missed')
    parser.add_argument('--existence', action='store_true',
                        help='measure instead the timing of invisible '
                             'images (see tools/bench/existence.py); '
                             '--rounds sets the requests per cell')
    args = parser.parse_args(argv)
    if args.pg_host not in ('127.0.0.1', 'localhost', '::1'):
        parser.error('--pg-host must be a loopback address')
    return args


def _sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _profile(args):
    prof = dict(PROFILES['quick' if args.quick else 'full'])
    prof['reads'] = dict(prof['reads'])
    for name in ('images', 'big_mib', 'small_mib', 'records_large'):
        if getattr(args, name) is not None:
            prof[name] = getattr(args, name)
    if args.rounds is not None:
        prof['reads'] = {key: (args.rounds, count)
                         for key, (_r, count) in prof['reads'].items()}
        for name in ('download_rounds', 'action_rounds', 'lookup_rounds'):
            prof[name] = args.rounds
        prof['loaded_reads'] = {
            key: (args.rounds, count)
            for key, (_r, count) in prof['loaded_reads'].items()}
        prof['record_reads'] = {
            key: (args.rounds, count)
            for key, (_r, count) in prof['record_reads'].items()}
        prof['quarantine_reads'] = {
            key: (args.rounds, count)
            for key, (_r, count) in prof['quarantine_reads'].items()}
    if prof['small_mib'] >= prof['big_mib']:
        raise SystemExit('--small-mib must be below --big-mib')
    return prof


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _sigterm)
    if args.existence:
        return existence.run(args, REPO, log)
    prof = _profile(args)
    machine = report.machine(REPO)
    raw = {'reads': {key: {m: [] for m in MODES}
                     for key, _l, _t in workloads.READS},
           'download': {m: [] for m in MODES},
           'memory': {m: [] for m in MODES},
           'actions': {m: [] for m in ('filter', 'native')},
           'loaded': {key: {'filter': [], 'loaded': []}
                      for key in prof['loaded_reads']},
           'records': {key: {'read_api': [], 'reference': []}
                       for key, _l, _r in workloads.RECORD_READS},
           'quarantine': quarantines.empty_raw()}
    lookup_raw = None
    root = tempfile.mkdtemp(prefix='glance-deactivate-bench-')
    started = time.monotonic()
    cpu = [report.cpu_snapshot()]
    try:
        if args.only != 'lookup':
            run_servers(args, prof, root, raw)
        cpu.append(report.cpu_snapshot())
        if args.only != 'servers':
            log('state store look-ups: %d and %d records' % (
                prof['records_small'], prof['records_large']))
            pg_dsn = None if args.no_postgresql else {
                'host': args.pg_host, 'port': args.pg_port,
                'user': args.pg_user}
            lookup_raw = lookup.run(
                root, prof['records_small'], prof['records_large'],
                prof['lookup_rounds'], pg_dsn=pg_dsn, log=log)
    except KeyboardInterrupt:
        log('interrupted')
        return 130
    except Exception as exc:  # the tool broke: say why, exit non-zero
        log('bench failed: %s: %s' % (type(exc).__name__, exc))
        traceback.print_exc()
        return 1
    finally:
        shutil.rmtree(root, ignore_errors=True)
    run = {'elapsed': time.monotonic() - started,
           'foreign_cpu': report.foreign_cpu(cpu[0], cpu[1]),
           'load_start': cpu[0]['load'], 'load_end': cpu[1]['load'],
           'postgresql': (lookup_raw or {}).get('postgresql', {}).get(
               'version', 'not used')}
    rows, lookup_rows, record_rows, targets, summ = summary.summarize(
        raw, lookup_raw, prof, args)
    quarantine_rows = quarantines.rows(raw, prof, args, summ)
    text = summary.render(machine, args, prof, rows, lookup_rows, targets,
                          run, record_rows, quarantine_rows)
    print(text)
    if args.json:
        with open(args.json, 'w') as out:
            json.dump({'machine': machine, 'profile': prof,
                       'argv': sys.argv[1:], 'run': run,
                       'summary': summ, 'targets': targets, 'raw': raw,
                       'lookup': lookup_raw, 'text': text}, out, indent=1,
                      sort_keys=True, default=str)
    missed = [t for t in targets if not t['met']]
    return 3 if args.strict and missed else 0


if __name__ == '__main__':
    sys.exit(main())
