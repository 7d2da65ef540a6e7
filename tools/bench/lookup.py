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


"""The state store look-up cost with few and with many records.

For each backend (SQLite and PostgreSQL) two throw-away databases are
filled, one with ``small`` and one with ``large`` deactivation records, and
``DeactivationStore.get`` (half of the ids recorded, half not) and
``DeactivationStore.deactivated_among`` (one listing page: 1,000 ids, 10%
recorded) are timed on both, in alternating order, round after round.  The
figure is the ratio large/small of the per-round medians.

SQLite files live in the run's temporary directory.  PostgreSQL gets a
database ``glance_deactivate_bench`` (dropped first if a crashed run left
it behind, and dropped at the end) with the two sizes in two schemas.
Records are bulk-loaded: SQLAlchemy core ``executemany`` in batches for
SQLite, ``COPY`` for PostgreSQL; then ``ANALYZE``.
"""

import os
import random
import time
import uuid

from bench import stats
import sqlalchemy as sa

from glance_deactivate import store as state_store

try:
    import psycopg2
except ImportError:  # not in every environment: PostgreSQL is then skipped
    psycopg2 = None

PG_DATABASE = 'glance_deactivate_bench'
PAGE = 1000
PAGE_HIT_EVERY = 10
BATCH = 20000
DEACTIVATED_AT = '2026-01-01 00:00:00.000000'
TABLE = sa.table('image_deactivations', sa.column('image_id'),
                 sa.column('lookup_key'), sa.column('case_folded'),
                 sa.column('deactivated_at'), sa.column('user_id'),
                 sa.column('project_id'), sa.column('by_admin'))


def make_ids(rng, count):
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4))
            for _ in range(count)]


class _CopyReader(object):
    """A file-like object over COPY text lines made on demand."""

    def __init__(self, ids):
        self._lines = ('%s\t%s\tf\t%s\tbench-user\tbench-project\tf\n' % (
            image_id, image_id.lower(), DEACTIVATED_AT) for image_id in ids)
        self._buffer = b''

    def read(self, size=-1):
        size = size if size and size > 0 else 1 << 20
        parts, length = [self._buffer], len(self._buffer)
        for line in self._lines:
            data = line.encode('ascii')
            parts.append(data)
            length += len(data)
            if length >= size:
                break
        data = b''.join(parts)
        self._buffer = data[size:]
        return data[:size]


def fill_sqlite(url, ids):
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for start in range(0, len(ids), BATCH):
                conn.execute(TABLE.insert(), [
                    {'image_id': image_id, 'lookup_key': image_id.lower(),
                     'case_folded': 0, 'deactivated_at': DEACTIVATED_AT,
                     'user_id': 'bench-user', 'project_id': 'bench-project',
                     'by_admin': 0}
                    for image_id in ids[start:start + BATCH]])
        with engine.begin() as conn:
            conn.exec_driver_sql('ANALYZE')
    finally:
        engine.dispose()


def _fill_postgresql(dsn, schema, ids):
    conn = psycopg2.connect(**dsn, dbname=PG_DATABASE)
    try:
        with conn, conn.cursor() as cur:
            cur.execute('SET search_path TO %s' % schema)
            cur.copy_expert(
                'COPY image_deactivations (image_id, lookup_key, '
                'case_folded, deactivated_at, user_id, project_id, by_admin) '
                'FROM STDIN',
                _CopyReader(ids), size=1 << 20)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute('SET search_path TO %s' % schema)
            cur.execute('VACUUM ANALYZE image_deactivations')
    finally:
        conn.close()


def _pg_admin(dsn, *statements):
    conn = psycopg2.connect(**dsn, dbname='postgres')
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


def _time_calls(fn, args_list):
    """Median seconds of ``fn(*args)`` over ``args_list``."""
    times = []
    for args in args_list:
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return stats.median(times)


class _Case(object):
    """One database of one size, with its probes."""

    def __init__(self, label, url, ids, rng, probes):
        self.label = label
        self.store = state_store.DeactivationStore.from_url(
            url, max_retries=0)
        self.ids = ids
        hits = rng.sample(ids, min(len(ids), probes))
        misses = make_ids(rng, probes)
        self.get_args = [(i,) for pair in zip(hits, misses) for i in pair]
        page_hits = rng.sample(ids, PAGE // PAGE_HIT_EVERY)
        page = page_hits + make_ids(rng, PAGE - len(page_hits))
        rng.shuffle(page)
        self.page = page
        self.expected_hits = set(page_hits)

    def check(self):
        if self.store.count() != len(self.ids):
            raise RuntimeError('%s holds %d records, expected %d' % (
                self.label, self.store.count(), len(self.ids)))
        if self.store.deactivated_among(self.page) != self.expected_hits:
            raise RuntimeError('%s: deactivated_among is wrong' % self.label)

    def measure(self, page_calls):
        return {
            'get': _time_calls(self.store.get, self.get_args),
            'among': _time_calls(self.store.deactivated_among,
                                 [(self.page,)] * page_calls),
        }


def _run_cases(cases, rounds, page_calls):
    """Interleaved rounds over (small, large); per-round medians."""
    for case in cases:
        case.check()
        case.measure(3)  # warm up
    result = {case.label: {'get': [], 'among': []} for case in cases}
    for rnd in range(rounds):
        ordered = cases if rnd % 2 == 0 else list(reversed(cases))
        for case in ordered:
            figures = case.measure(page_calls)
            for key, value in figures.items():
                result[case.label][key].append(value)
    return result


def run(tmpdir, small, large, rounds, probes=50, page_calls=10,
        pg_dsn=None, log=print):
    """Run the look-up benchmark; {backend: {...}} with per-round data."""
    rng = random.Random(20260501)
    ids_large = make_ids(rng, large)
    ids_small = ids_large[:small]
    out = {}

    start = time.monotonic()
    cases = []
    try:
        for label, ids in (('small', ids_small), ('large', ids_large)):
            path = os.path.join(tmpdir, 'lookup-%s.sqlite' % label)
            url = 'sqlite:///%s' % path
            state_store.DeactivationStore.from_url(url).ensure_schema()
            fill_sqlite(url, ids)
            cases.append(_Case(label, url, ids, rng, probes))
        log('  sqlite: loaded %d + %d records in %.1fs' % (
            small, large, time.monotonic() - start))
        out['sqlite'] = _run_cases(cases, rounds, page_calls)
    finally:
        for case in cases:
            case.store.dispose()

    if pg_dsn is None:
        out['postgresql'] = {'skipped': 'disabled with --no-postgresql'}
        return out
    if psycopg2 is None:
        log('  postgresql: skipped (psycopg2 is not installed)')
        out['postgresql'] = {'skipped': 'psycopg2 is not installed'}
        return out
    try:
        _pg_admin(pg_dsn, 'DROP DATABASE IF EXISTS %s WITH (FORCE)'
                  % PG_DATABASE, 'CREATE DATABASE %s' % PG_DATABASE)
    except psycopg2.OperationalError as exc:
        reason = 'PostgreSQL unreachable: %s' % str(exc).strip()
        log('  postgresql: skipped (%s)' % reason)
        out['postgresql'] = {'skipped': reason}
        return out
    cases = []
    start = time.monotonic()
    try:
        for label, ids in (('small', ids_small), ('large', ids_large)):
            conn = psycopg2.connect(**pg_dsn, dbname=PG_DATABASE)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute('CREATE SCHEMA %s' % label)
                cur.execute('SHOW server_version')
                version = cur.fetchone()[0]
            conn.close()
            url = ('postgresql+psycopg2://%s@%s:%s/%s'
                   '?options=-csearch_path%%3D%s' % (
                       pg_dsn['user'], pg_dsn['host'], pg_dsn['port'],
                       PG_DATABASE, label))
            case = _Case(label, url, ids, rng, probes)
            cases.append(case)
            case.store.ensure_schema()
            _fill_postgresql(pg_dsn, label, ids)
        log('  postgresql: loaded %d + %d records in %.1fs' % (
            small, large, time.monotonic() - start))
        out['postgresql'] = _run_cases(cases, rounds, page_calls)
        out['postgresql']['version'] = version
    finally:
        for case in cases:
            case.store.dispose()
        _pg_admin(pg_dsn, 'DROP DATABASE IF EXISTS %s WITH (FORCE)'
                  % PG_DATABASE)
    return out
