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


"""The benchmark's figures turned into tables and target verdicts.

Absolute figures are the median over rounds of each round's figure (the
median latency of a batch, the throughput of one download).  Ratios are
taken round by round, between batches that ran seconds apart, and
summarised as median [interquartile range]; the min-max is in the JSON.
The ``bare/native`` column compares two servers that run the same code
(an A/A test): its spread is the noise floor of the machine.
"""

from bench import load
from bench import quarantines
from bench import report
from bench import stats
from bench import workloads

MODES = workloads.MODES
LIMITS = {'pass-through': 1.02, 'show': 1.05, 'list': 1.10}
MAIN_HEADER = ['Workload', 'Conc.', 'Rounds', 'bare', 'filter', 'native',
               'filter/bare', 'filter/native', 'bare/native (A/A)',
               'Target']


def _abs(values, fmt='%.2f'):
    return fmt % stats.median(values) if values else '-'


def _ratios(per, summ_key, summ):
    """filter/bare, filter/native and bare/native summaries."""
    out = {
        'filter/bare': report.summarize_ratio(per['filter'], per['bare']),
        'filter/native': report.summarize_ratio(per['filter'],
                                                per['native']),
        'bare/native': report.summarize_ratio(per['bare'], per['native']),
    }
    summ[summ_key] = dict(out, median={m: stats.median(per[m])
                                       for m in MODES if per[m]})
    return out


def _read_rows(raw, prof, args, rows, targets, summ):
    for key, label, tclass in workloads.READS:
        if not raw['reads'][key]['bare']:
            continue
        per = {m: [r['median_ms'] for r in raw['reads'][key][m]]
               for m in MODES}
        ratio = _ratios(per, key, summ)
        rows.append([label + ', ms', args.concurrency,
                     '%dx%d' % (len(per['bare']), prof['reads'][key][1])] +
                    [_abs(per[m]) for m in MODES] +
                    [report.ratio_cell(ratio[k]) for k in (
                        'filter/bare', 'filter/native', 'bare/native')] +
                    ['filter/bare <= %.2f' % LIMITS[tclass]])
        targets.append(report.verdict('%s: filter/bare' % label,
                                      ratio['filter/bare'], '<=',
                                      LIMITS[tclass]))


def _download_rows(raw, prof, rows, targets, summ):
    per = raw['download']
    ratio = _ratios(per, 'download', summ)
    rows.append(['Download %d MiB, MiB/s' % prof['big_mib'], 1,
                 '%dx1' % len(per['bare'])] +
                [_abs(per[m], '%.0f') for m in MODES] +
                [report.ratio_cell(ratio[k]) for k in (
                    'filter/bare', 'filter/native', 'bare/native')] +
                ['filter/bare >= 0.98'])
    targets.append(report.verdict(
        'download %d MiB throughput: filter/bare' % prof['big_mib'],
        ratio['filter/bare'], '>=', 0.98))


def _memory_rows(raw, prof, rows, targets, summ):
    small, big = prof['small_mib'] * load.MIB, prof['big_mib'] * load.MIB

    def peaks(mode, size):
        out = []
        for r in raw['memory'][mode]:
            value = r['peak'][size]
            if value is None:
                value = r['sampled_peak'][size]
            out.append(value / load.MIB)
        return out

    rounds = '%dx1' % len(raw['memory']['bare'])
    for size, mib in ((small, prof['small_mib']), (big, prof['big_mib'])):
        rows.append(['Peak RSS, API master+workers, %d MiB download, MiB'
                     % mib, 1, rounds] +
                    [_abs(peaks(m, size), '%.1f') for m in MODES] +
                    ['-', '-', '-', ''])
    growth = {m: [b - s for s, b in zip(peaks(m, small), peaks(m, big))]
              for m in MODES}
    summ['rss_growth_mib'] = {m: stats.summary(growth[m]) for m in MODES}
    rows.append(['Peak RSS growth %d -> %d MiB download, MiB (worst round)'
                 % (prof['small_mib'], prof['big_mib']), 1, rounds] +
                ['%.1f' % max(growth[m]) for m in MODES] +
                ['-', '-', '-', 'filter <= 16 MiB'])
    targets.append(report.verdict(
        'peak RSS growth %d -> %d MiB download (filter, worst round)' % (
            prof['small_mib'], prof['big_mib']),
        max(growth['filter']), '<=', 16.0, ' MiB'))


def _action_rows(raw, prof, rows, targets, summ):
    for name in ('deactivate', 'reactivate'):
        per = {m: [r[name] for r in raw['actions'][m]]
               for m in ('filter', 'native')}
        ratio = report.summarize_ratio(per['filter'], per['native'])
        summ['action_' + name] = {'filter/native': ratio}
        rows.append(['POST /v2/images/{id}/actions/%s, ms' % name, 1,
                     '%dx%d' % (len(per['filter']),
                                prof['actions_per_round']),
                     '-', _abs(per['filter']), _abs(per['native']), '-',
                     report.ratio_cell(ratio), '-', 'filter/native <= 1.00'])
        targets.append(report.verdict('%s: filter/native' % name,
                                      ratio, '<=', 1.0))


def _loaded_rows(raw, prof, summ):
    """The filter's API answers with few and with many state records."""
    rows = []
    labels = dict((key, label) for key, label, _t in workloads.READS)
    for key, per in raw['loaded'].items():
        if not per['filter']:
            continue
        small = [r['median_ms'] for r in per['filter']]
        large = [r['median_ms'] for r in per['loaded']]
        ratio = report.summarize_ratio(large, small)
        summ['loaded_' + key] = ratio
        rows.append(['API, SQLite', labels[key] + ', ms',
                     '%.2f' % stats.median(small),
                     '%.2f' % stats.median(large),
                     report.ratio_cell(ratio), '(context)'])
    return rows


RECORD_HEADER = ['Workload', 'Conc.', 'Rounds', 'read API', 'reference',
                 'read API/reference', 'Reference']


def _record_rows(raw, prof, args, summ):
    """The read API beside its reference read on the filter server."""
    rows = []
    labels = dict((key, label) for key, label, _t in workloads.READS)
    for key, label, reference in workloads.RECORD_READS:
        per = raw.get('records', {}).get(key)
        if not per or not per['read_api']:
            continue
        ours = [r['median_ms'] for r in per['read_api']]
        ref = [r['median_ms'] for r in per['reference']]
        ratio = report.summarize_ratio(ours, ref)
        summ['record_' + key] = {'read_api/reference': ratio,
                                 'median': {'read_api': stats.median(ours),
                                            'reference': stats.median(ref)}}
        rows.append([label + ', ms', args.concurrency,
                     '%dx%d' % (len(ours), prof['record_reads'][key][1]),
                     _abs(ours), _abs(ref), report.ratio_cell(ratio),
                     labels[reference]])
    return rows


def _lookup_rows(lookup_raw, prof, targets, summ):
    rows = []
    for backend, result in sorted((lookup_raw or {}).items()):
        if 'skipped' in result:
            rows.append([backend, 'skipped: %s' % result['skipped'],
                         '', '', '', ''])
            continue
        for call, label in (('get', 'get(id), us'),
                            ('among', 'deactivated_among(1,000 ids), us')):
            small = result['small'][call]
            large = result['large'][call]
            ratio = report.summarize_ratio(large, small)
            summ['lookup_%s_%s' % (backend, call)] = ratio
            rows.append([
                backend, label, '%.0f' % (1e6 * stats.median(small)),
                '%.0f' % (1e6 * stats.median(large)),
                report.ratio_cell(ratio), 'large/small <= 1.20'])
            targets.append(report.verdict(
                'look-up %s %s: %d vs %d records' % (
                    backend, call, prof['records_large'],
                    prof['records_small']),
                ratio, '<=', 1.2))
    return rows


def summarize(raw, lookup_raw, prof, args):
    """(main rows, look-up rows, read-API rows, targets, JSON summaries)."""
    rows, targets, summ = [], [], {}
    _read_rows(raw, prof, args, rows, targets, summ)
    if raw['download']['bare']:
        _download_rows(raw, prof, rows, targets, summ)
    if raw['memory']['bare']:
        _memory_rows(raw, prof, rows, targets, summ)
    if raw['actions']['filter']:
        _action_rows(raw, prof, rows, targets, summ)
    lookup_rows = _lookup_rows(lookup_raw, prof, targets, summ)
    lookup_rows += _loaded_rows(raw, prof, summ)
    record_rows = _record_rows(raw, prof, args, summ)
    return rows, lookup_rows, record_rows, targets, summ


def render(machine, args, prof, rows, lookup_rows, targets, run,
           record_rows=(), quarantine_rows=()):
    """The whole report as reStructuredText-friendly text."""
    out = [
        'Machine: %(nproc)d CPUs (nproc), %(cpu)s, %(memory)s RAM, '
        'Linux %(kernel)s; Python %(python)s, Glance %(glance)s, '
        'gunicorn %(gunicorn)s, SQLAlchemy %(sqlalchemy)s, SQLite '
        '%(sqlite)s, PostgreSQL %(postgresql)s; glance-deactivate '
        '%(glance_deactivate_commit)s.' % dict(
            machine, postgresql=run.get('postgresql', 'not used')),
        'Run: %s mode, %d gunicorn workers per server, %d images per '
        'server (every 10th deactivated), %.0f s in all; other processes '
        'used %.0f%% of the CPUs meanwhile (load average %.2f at the '
        'start, %.2f at the end).' % (
            'quick' if args.quick else 'full', args.workers,
            prof['images'], run['elapsed'], 100 * run['foreign_cpu'],
            run['load_start'], run['load_end']),
        '',
    ]
    if rows:
        out += ['Latency: client side, median over rounds of each round\'s '
                'median; Rounds = rounds x requests per server and round. '
                'Ratios: median [IQR] over rounds.', '',
                report.table(MAIN_HEADER, rows), '']
    if lookup_rows:
        out += ['State store look-ups: ``DeactivationStore`` calls in '
                'process with %d (small) and %d (large) records, median per '
                'call; then the filter\'s API with the %d records of its '
                'catalogue (small) and with a twin server sharing its '
                'Glance database whose state database holds %d (large).' % (
                    prof['records_small'], prof['records_large'],
                    prof['images'] // 10, prof['records_large']), '',
                report.table(['Backend', 'Call', 'small', 'large',
                              'large/small', 'Target'], lookup_rows), '']
    if record_rows:
        out += ['Read API (``filter`` only, as an admin): each request '
                'beside a reference request on the same server answering '
                'for the same images, alternating within each round; '
                'median over rounds of each batch\'s median, ratio median '
                '[IQR] over rounds.', '',
                report.table(RECORD_HEADER, list(record_rows)), '']
    out += quarantines.render(quarantine_rows)
    out += ['Targets:', '']
    out += ['- ' + target['text'] for target in targets]
    return '\n'.join(out)
