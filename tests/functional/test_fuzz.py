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

"""Bad input, generated with hypothesis, against a real pipeline.

One filter-mode Glance 33 for the class, with a few images: active,
queued, and deactivated on purpose (private, public, another project's).
Hypothesis throws requests at the filter's routes (``/v2/images/{id}/``
``actions/...``, ``file``, ``stage``, ``import``, ``locations`` and
``/v2/cache/{id}``) with random ids (the real ones, their upper-case
spellings, random UUIDs, arbitrary unicode with NUL bytes, percent-encoded
as the wire requires), version prefixes, methods, query strings, headers,
identities and bodies (none, empty, ``{}``, invalid JSON, unicode, NUL
bytes, ~1 MiB), and checks after every request:

* never a 5xx from the filter: a 5xx is replayed on a ``bare`` server (the
  same pipeline without the filter, sharing Glance's database and image
  store) and accepted only if Glance alone gives the same 5xx (Glance 33
  answers 501 to an unknown method on a path it does not route); such
  cases are counted in the report;
* every 4xx carries a message (a non-empty body; HEAD excepted);
* on the action routes (unless gunicorn itself refused the request on the
  wire, e.g. ``Expect`` or a bad header value): no confirmed identity ->
  401 (Glance's ``context``), a body -> 400 ``A body is not expected
  with this request.``, else only 204, 403 or 404; any other method ->
  405 with ``Allow: POST`` (``OPTIONS`` excepted: oslo.middleware's
  ``cors``, first in Glance's pipeline, answers it 200 on every path);
* the state database holds exactly the deactivations the test expects:
  the ones made on purpose, plus those of generated requests that were
  answered 204 by a deactivate (minus reactivations), on the known images
  only, with sane user/project columns: no stray or corrupted row.

The runs are reproducible (``derandomize=True``, no example database) and
bounded (``max_examples``: 1,000 cases in all by default, as in CI, and
10,000 with ``GLANCE_DEACTIVATE_FUZZ=extended``); the number of generated
cases and the status codes seen are attached as the ``fuzz`` detail.
"""

import collections
import os
import urllib.parse
import uuid

import hypothesis
from hypothesis import strategies as st
from testtools import content

from glance_deactivate import store as state_store
from tests.functional import fixtures
from tests.functional import rawhttp

# GLANCE_DEACTIVATE_FUZZ=extended (passed through by tox) runs ten times
# the default 1,000 generated cases of this module.
SCALE = 10 if (os.environ.get('GLANCE_DEACTIVATE_FUZZ') or '').strip() == (
    'extended') else 1

ADMIN = fixtures.ADMIN
OWNER = fixtures.OWNER
OTHER = fixtures.OTHER
MSG_BODY = 'A body is not expected with this request.'
MSG_OVERRIDE = 'Method override (_method) is not supported.'

IDENTITIES = {
    'admin': ADMIN,
    'owner': OWNER,
    'owner-reader': fixtures.OWNER_READER,
    'other': OTHER,
    'anonymous': {},
    'unconfirmed-admin': dict(ADMIN, **{'X-Identity-Status': 'Invalid'}),
}
KNOWN_USERS = {h.get('X-User-Id') for h in IDENTITIES.values()}
KNOWN_PROJECTS = {h.get('X-Tenant-Id') for h in IDENTITIES.values()}

ACTION_SUFFIXES = ['/actions/deactivate', '/actions/reactivate']
SUFFIXES = ACTION_SUFFIXES + [
    '/file', '/stage', '/import', '/locations', '/actions',
    '/actions/', '/actions/deactivate/x', '/actions/Deactivate',
    '/actions/%64eactivate']
PREFIXES = ['/v2', '/v2.0', '/v2.1', '/v2.18', '//v2', '/v2/']
METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS',
           'TRACE', 'PROPFIND', 'FOO', 'get']
# Methods that reach the filter (gunicorn refuses lower-case methods; cors
# answers OPTIONS before auth).
ROUTED_METHODS = [m for m in METHODS if m not in ('OPTIONS', 'get')]
CONTENT_TYPES = [
    None, 'application/json', 'application/octet-stream', 'text/plain',
    'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
    'application/openstack-images-v2.1-json-patch',
    'application/json; charset=utf-16', 'application/xml', '*/*', '',
    'json', 'application/json\x7f']
MIB = 1024 * 1024
# gunicorn's own error pages (a request refused on the wire, before any
# WSGI code) have this mark; webob's and Glance's do not.
GUNICORN_ERROR = b'<h1><p>'

# Header values the wire allows: visible Latin-1 and spaces, no CR/LF.
_VALUE_CHARS = st.characters(min_codepoint=0x20, max_codepoint=0xff,
                             blacklist_characters='\x7f')
_TOKEN_CHARS = st.sampled_from(
    'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-')
_HEADER_NAMES = st.one_of(
    st.sampled_from(['Range', 'If-Match', 'If-None-Match', 'Accept',
                     'X-Image-Meta-Status', 'X-Roles', 'X-Identity-Status',
                     'Expect', 'Content-Encoding', 'Content-MD5',
                     'X-Openstack-Request-Id', 'X-Http-Method-Override']),
    st.text(_TOKEN_CHARS, min_size=1, max_size=20).map(lambda s: 'X-' + s))
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) |
    st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.text(max_size=10), children, max_size=4),
    max_leaves=10)
BODIES = st.one_of(
    st.none(),
    st.just(b''),
    st.just(b'{}'),
    st.sampled_from([b'{', b'{"method": ', b'null', b'[]', b'"x"',
                     b'{"method": {"name": "copy-image"}, "all_stores": 1}',
                     b'\x00\x00\x00', b'\xff\xfe{\x00}\x00']),
    _JSON.map(lambda doc: __import__('json').dumps(doc).encode('utf-8')),
    st.text(max_size=200).map(lambda text: text.encode('utf-8')),
    st.binary(max_size=300),
    st.sampled_from([b'\x00' * MIB, b'{"a": "' + b'x' * MIB + b'"}',
                     b'[' + b'1,' * (MIB // 2) + b'1]']),
)


NAMES = ('owner-active', 'owner-queued', 'owner-deactivated',
         'public-deactivated', 'other-deactivated')


def _ids(known):
    real = st.sampled_from(sorted(known))
    return st.one_of(
        real,
        real.map(str.upper),
        real.map(lambda i: i[:18] + i[18:].upper()),
        real.map(lambda i: ' ' + i),
        real.map(lambda i: i + '\x00'),
        st.uuids().map(str),
        st.text(min_size=1, max_size=80),
        st.text(st.sampled_from('0123456789abcdefABCDEF-%./\\\x00 '),
                min_size=1, max_size=70),
    )


class Case(collections.namedtuple(
        'Case', 'identity method prefix image_id suffix query headers '
                'content_type body encode_all', defaults=(False,))):

    @property
    def target(self):
        if self.encode_all:
            encoded = ''.join('%%%02X' % b
                              for b in self.image_id.encode('utf-8'))
        else:
            encoded = urllib.parse.quote(self.image_id.encode('utf-8'),
                                         safe='')
        target = '%s/images/%s%s' % (self.prefix.rstrip('/'), encoded,
                                     self.suffix)
        if self.suffix == '/cache':
            target = '%s/cache/%s' % (self.prefix.rstrip('/'), encoded)
        return target + self.query

    @property
    def is_action_route(self):
        """True when the filter's action routes must match this request."""
        return (self.suffix in ACTION_SUFFIXES and '/' not in self.image_id
                and self.image_id not in ('.', '..'))

    def headers_on_wire(self):
        """Identity headers, overridden by the generated ones."""
        override = {name.lower() for name in self.headers}
        headers = {name: value for name, value in
                   IDENTITIES[self.identity].items()
                   if name.lower() not in override}
        headers.update(self.headers)
        if self.content_type is not None:
            headers['Content-Type'] = self.content_type
        return headers


class FuzzTest(fixtures.ServersTestCase):
    """Generated requests against one real filter-mode pipeline."""

    PREFIX = 'gd-fuzz-'
    # bare shares the Glance database the filter-mode server syncs.
    START_IN_ORDER = True

    @classmethod
    def make_servers(cls, directory):
        server = directory.server('filter')
        bare = directory.server('bare', glance_db=server.glance_db,
                                images_dir=server.images_dir, sync_db=False)
        return {'glance': server, 'bare': bare}

    @classmethod
    def prepare(cls):
        cls.server = cls.servers['glance']
        cls.bare = cls.servers['bare']
        url = cls.server.url
        data = rawhttp.random_data(4096)
        cls.images = {
            'owner-active': fixtures.create_image(url, OWNER, data),
            'owner-queued': fixtures.create_image(url, OWNER, None),
            'owner-deactivated': fixtures.create_image(url, OWNER, data),
            'public-deactivated': fixtures.create_image(url, ADMIN, data,
                                                        'public'),
            'other-deactivated': fixtures.create_image(url, OTHER, data),
        }
        cls.expected = set()
        for name, image_id in cls.images.items():
            if name.endswith('-deactivated'):
                fixtures.deactivate(url, image_id, ADMIN)
                cls.expected.add(image_id)
        cls.store = state_store.DeactivationStore.from_url(
            cls.server.state_db, max_retries=0)

    @classmethod
    def release(cls):
        if getattr(cls, 'store', None) is not None:
            cls.store.dispose()

    def setUp(self):
        super(FuzzTest, self).setUp()
        self.counts = collections.Counter()

    # -- checks -------------------------------------------------------------

    def check_state(self):
        """The state DB holds exactly the expected deactivations."""
        self.assertEqual(sorted(self.expected), self.store.list_ids())
        for image_id in self.expected:
            record = self.store.get(image_id)
            self.assertEqual(image_id, record.image_id)
            self.assertIn(record.user_id, KNOWN_USERS)
            self.assertIn(record.project_id, KNOWN_PROJECTS)

    def check(self, case):
        target = case.target
        resp = rawhttp.send(self.server.url, case.method, target,
                            case.headers_on_wire(), case.body)
        label = '%s %s (%s, body %s bytes) -> %d %r' % (
            case.method, target[:150], case.identity,
            None if case.body is None else len(case.body), resp.status,
            resp.body[:200])
        self.counts['cases'] += 1
        self.counts['%d' % resp.status] += 1
        if resp.status >= 500:
            self.check_5xx_is_glance_own(case, resp, label)
        if 400 <= resp.status < 500 and case.method != 'HEAD':
            self.assertTrue(resp.body.strip(), 'no message: ' + label)
        if GUNICORN_ERROR in resp.body:
            self.counts['refused by gunicorn'] += 1
        elif case.is_action_route and case.method in ROUTED_METHODS:
            self.check_action(case, resp, label)
        self.check_state()
        return resp

    def check_5xx_is_glance_own(self, case, resp, label):
        bare = rawhttp.send(self.bare.url, case.method, case.target,
                            case.headers_on_wire(), case.body)
        self.assertEqual(resp.status, bare.status,
                         '5xx from the filter only: %s' % label)
        self.counts['5xx from Glance itself (same without the filter)'] += 1

    def check_action(self, case, resp, label):
        self.counts['action route'] += 1
        anonymous = case.headers_on_wire().get(
            'X-Identity-Status') != 'Confirmed'
        override = any(k == '_method' for k, _v in urllib.parse.parse_qsl(
            case.query.lstrip('?'), keep_blank_values=True))
        if override and not anonymous and not (
                case.method == 'POST' and case.body):
            # Glance's router would take another method: refused outright.
            self.assertEqual(400, resp.status, label)
            self.assertIn(MSG_OVERRIDE, rawhttp.message(resp.body), label)
            return
        if case.method != 'POST':
            if anonymous:
                self.assertEqual(401, resp.status, label)
                return
            self.assertEqual(405, resp.status, label)
            self.assertEqual('POST', resp.headers.get('Allow'), label)
            return
        if anonymous:
            self.assertEqual(401, resp.status, label)
        elif case.body:
            self.assertEqual(400, resp.status, label)
            self.assertIn(MSG_BODY, rawhttp.message(resp.body), label)
        else:
            self.assertIn(resp.status, (204, 403, 404), label)
        if resp.status == 204:
            image_id = case.image_id.strip().lower()
            self.assertIn(image_id, self.images.values(), label)
            if case.suffix.endswith('deactivate'):
                self.expected.add(image_id)
            else:
                self.expected.discard(image_id)

    def report(self, name):
        others = ', '.join('%s: %d' % (k, v) for k, v in sorted(
            self.counts.items()) if not k.isdigit() and k != 'cases')
        self.addDetail('fuzz', content.text_content(
            '%s: %d generated cases (%s); statuses: %s\n'
            % (name, self.counts['cases'], others,
               ', '.join('%s x%d' % (k, v) for k, v in sorted(
                   self.counts.items()) if k.isdigit()))))

    # -- the properties ----------------------------------------------------

    def test_random_requests_on_filter_routes(self):
        self.addCleanup(self.report, 'random requests')
        self._random_requests()

    @hypothesis.settings(
        max_examples=500 * SCALE, deadline=None, derandomize=True,
        database=None, suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(data=st.data())
    def _random_requests(self, data):
        self.check(Case(
            identity=data.draw(st.sampled_from(sorted(IDENTITIES))),
            method=data.draw(st.sampled_from(METHODS)),
            prefix=data.draw(st.sampled_from(PREFIXES)),
            image_id=data.draw(_ids(self.images.values())),
            suffix=data.draw(st.sampled_from(SUFFIXES + ['/cache'])),
            query=data.draw(st.one_of(
                st.just(''), st.sampled_from(['?', '?a=b', '?limit=1']),
                st.text(max_size=30).map(
                    lambda q: '?' + urllib.parse.quote(q, safe='=&')))),
            headers=data.draw(st.dictionaries(
                _HEADER_NAMES, st.text(_VALUE_CHARS, max_size=100),
                max_size=4)),
            content_type=data.draw(st.sampled_from(CONTENT_TYPES)),
            body=data.draw(BODIES)))

    def test_action_with_any_body_is_400_and_changes_nothing(self):
        self.addCleanup(self.report, 'action with a body')
        self._action_with_body()

    @hypothesis.settings(
        max_examples=250 * SCALE, deadline=None, derandomize=True,
        database=None, suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(
        identity=st.sampled_from(['admin', 'owner', 'other']),
        name=st.sampled_from(sorted(NAMES)),
        suffix=st.sampled_from(ACTION_SUFFIXES),
        content_type=st.sampled_from(CONTENT_TYPES),
        body=BODIES.filter(lambda body: body))
    def _action_with_body(self, identity, name, suffix, content_type, body):
        case = Case(identity, 'POST', '/v2', self.images[name], suffix, '',
                    {}, content_type, body)
        resp = self.check(case)
        if GUNICORN_ERROR not in resp.body:
            self.assertEqual(400, resp.status)

    def test_actions_by_real_callers_keep_the_state_exact(self):
        self.addCleanup(self.report, 'actions by real callers')
        self._real_actions()
        self.assertGreater(self.counts['204'], 0)

    @hypothesis.settings(
        max_examples=250 * SCALE, deadline=None, derandomize=True,
        database=None, suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(
        identity=st.sampled_from(['admin', 'owner', 'owner-reader',
                                  'other']),
        name=st.sampled_from(sorted(NAMES)),
        spelling=st.sampled_from(['lower', 'upper', 'mixed', 'encoded']),
        prefix=st.sampled_from(PREFIXES),
        suffix=st.sampled_from(ACTION_SUFFIXES),
        query=st.sampled_from(['', '?', '?x=1', '?_method=GET']),
        content_type=st.sampled_from(CONTENT_TYPES[:-1]),
        body=st.sampled_from([None, b'']))
    def _real_actions(self, identity, name, spelling, prefix, suffix,
                      query, content_type, body):
        image_id = self.images[name]
        image_id = {'lower': image_id, 'upper': image_id.upper(),
                    'mixed': image_id[:18] + image_id[18:].upper(),
                    'encoded': image_id}[spelling]
        resp = self.check(Case(identity, 'POST', prefix, image_id, suffix,
                               query, {}, content_type, body,
                               encode_all=spelling == 'encoded'))
        if spelling in ('upper', 'mixed') and '_method' not in query:
            # Glance's SQLite lookup is case-sensitive: not found.
            self.assertEqual(404, resp.status)

    def test_no_row_for_unknown_ids(self):
        # In any order with the generated runs: only known ids have rows,
        # and a fresh random id has none.
        self.check_state()
        self.assertIsNone(self.store.get(str(uuid.uuid4())))
        self.assertTrue(set(self.store.list_ids()) <= set(
            self.images.values()))
