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


"""What live content quarantines cost: 0, 1 and 100, against bare Glance.

On the ``filter`` server, live quarantines are created directly in its
state database (``DeactivationStore.create_quarantine``), with random
SHA-512 values that no image of the catalogue has: the answers stay the
same, only the work of finding that nothing matches is added.  With 0,
then 1, then 100 live quarantines, each round runs one batch on ``bare``
and one on ``filter`` (the order alternating from round to round) of:

``show``      ``GET /v2/images/{id}`` of active images;
``list``      ``GET /v2/images?limit=1000``;
``download``  ``GET /v2/images/{id}/file`` of active 16-byte images (with
              a live quarantine the filter makes one metadata look-up
              before it lets the data through);
``list_deactivated``
              ``GET /v2/images?status=deactivated&limit=1000`` (the
              filter adds one sub-listing per quarantined hash, as the
              caller, to find the images that match).

The figure is the ratio filter/bare of each round's median latency,
reported as median [IQR] over rounds.  The quarantines are lifted at the
end (``lift_quarantine``), so that what runs after is measured as before.
"""

import os

from bench import catalogue
from bench import load
from bench import report
from bench import stats

from glance_deactivate import quarantine
from glance_deactivate import store as state_store
from glance_deactivate import store_types

COUNTS = (0, 1, 100)
SHOW_IDS = 50
WORKLOADS = (
    ('show', 'GET /v2/images/{id} (active)'),
    ('list', 'GET /v2/images?limit=1000'),
    ('download', 'GET /v2/images/{id}/file (16 bytes)'),
    ('list_deactivated', 'GET /v2/images?status=deactivated&limit=1000'),
)
HEADER = ['Workload', 'Live quarantines', 'Conc.', 'Rounds', 'bare, ms',
          'filter, ms', 'filter/bare']
ACTOR = store_types.Actor(user_id='bench', project_id='bench-admin',
                          roles=('admin',), is_admin=True)


def _check_body(path, resp):
    if resp.content != catalogue.TINY_BODY:
        raise load.LoadError('GET %s: %d bytes, not the image' % (
            path, len(resp.content)))


def requests_of(cat, reads):
    """{key: (paths, check)} on one server's catalogue."""
    ids = cat.active[:SHOW_IDS]
    return {
        'show': reads['show_active'],
        'list': reads['list'],
        'download': (['/v2/images/%s/file' % i for i in ids], _check_body),
        'list_deactivated': reads['list_deactivated'],
    }


def _add_quarantines(store, count, made):
    while len(made) < count:
        content = quarantine.Content('sha512', os.urandom(64).hex(), None)
        made.append(store.create_quarantine(
            content, ACTOR, 'bench: matches no image'))


def run(prof, servers, cats, reads, client, raw, log):
    """Fill ``raw['quarantine']`` ({key: {count: {mode: [figures]}}})."""
    rounds = prof['quarantine_reads']
    store = state_store.DeactivationStore.from_url(
        servers['filter'].state_db, max_retries=0)
    made = []
    batches = {mode: requests_of(cats[mode], reads[mode])
               for mode in ('bare', 'filter')}
    try:
        for count in COUNTS:
            _add_quarantines(store, count, made)
            live = len(store.live_quarantines())
            if live != count:
                raise load.LoadError('%d live quarantines, expected %d' % (
                    live, count))
            for key, _label in WORKLOADS:
                n_rounds, n_requests = rounds[key]
                for mode in ('bare', 'filter'):  # warm-up
                    paths, check = batches[mode][key]
                    client.batch(servers[mode].url, paths, catalogue.HEADERS,
                                 2, prof['batch_seconds'], check=check)
                for rnd in range(n_rounds):
                    order = ('bare', 'filter') if rnd % 2 == 0 else (
                        'filter', 'bare')
                    for mode in order:
                        paths, check = batches[mode][key]
                        result = client.batch(
                            servers[mode].url, paths, catalogue.HEADERS,
                            n_requests, prof['batch_seconds'], check=check)
                        lat = sorted(result['latencies'])
                        raw['quarantine'][key][count][mode].append(
                            1000 * stats.median(lat))
            log('%d live quarantines measured' % count)
    finally:
        for q in made:
            store.lift_quarantine(q.id, ACTOR, 'bench done')
        store.dispose()


def empty_raw():
    return {key: {count: {'bare': [], 'filter': []} for count in COUNTS}
            for key, _label in WORKLOADS}


def rows(raw, prof, args, summ):
    """The table rows; the ratios go into ``summ`` too."""
    out = []
    for key, label in WORKLOADS:
        for count in COUNTS:
            per = raw.get('quarantine', {}).get(key, {}).get(count)
            if not per or not per['filter']:
                continue
            ratio = report.summarize_ratio(per['filter'], per['bare'])
            summ['quarantine_%s_%d' % (key, count)] = {
                'filter/bare': ratio,
                'median': {m: stats.median(per[m]) for m in per}}
            out.append([label, count, args.concurrency,
                        '%dx%d' % (len(per['filter']),
                                   prof['quarantine_reads'][key][1]),
                        '%.2f' % stats.median(per['bare']),
                        '%.2f' % stats.median(per['filter']),
                        report.ratio_cell(ratio)])
    return out


def render(table_rows):
    if not table_rows:
        return []
    return ['Content quarantine (``filter`` against ``bare``): with 0, 1 '
            'and 100 live quarantines whose hashes no image has, created '
            'in the state database; median over rounds of each batch\'s '
            'median, ratio filter/bare median [IQR] over rounds.', '',
            report.table(HEADER, table_rows), '']
