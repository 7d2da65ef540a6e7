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

"""Differential test: the filter is never more permissive than native Glance.

Two real Glance 33 stacks (``tests.functional.fixtures.Pair``): ``ours``
(the filter, Glance's own deactivate disabled) and ``native`` (Glance's own
deactivation), on SQLite and on PostgreSQL as Glance's database.  Both get
the same scene, with the same client-chosen ids and the same random data
per image:

==========  ================================================  ===========
name        owner, visibility, members                        status
==========  ================================================  ===========
private     owner-project, private                            deactivated
public      admin-project, public                             deactivated
shared      owner-project, shared, shared-project (accepted)  deactivated
active      owner-project, shared, shared-project (accepted)  active
queued      owner-project, private, no data                   queued
==========  ================================================  ===========

Hypothesis generates requests that combine methods (standard and made
up), every route the filter knows, version prefixes and doubled or
trailing slashes, ids in lower, upper and mixed case, query strings of
pairs joined by ``&``, ``;`` and percent-encoded separators with
``_method`` anywhere (any case, empty, percent-encoded key), ``status``,
``limit`` and ``marker``, form (urlencoded, multipart), JSON (imports,
json-patch, image creation with a case variant of a deactivated image's
id) and octet bodies, framed by ``Content-Length`` (exact, zero-padded,
zero) or by ``Transfer-Encoding: chunked`` in any case, from five callers:
a member and a reader-only of the owning project, another project, the
image member and a service-role user.  A case is drawn as an intent (a
route and a method Glance's router connects there, with the body that
goes with it) and a disguise: sent as such, turned into another method by
a ``_method`` item in the query string (after a ``;``, after an ``&``,
percent-encoded, anyhow) or in a POSTed form or multipart body, or every
part drawn on its own; the scene's deactivated images and callers who can
see them are drawn more often.  This is what makes a few hundred cases
reach the combinations where two readings of one request differ.  Every
request is sent verbatim to both stacks, and ours must never be more
permissive than native:

a. no 5xx (or no answer at all) from ours where native gave none;
b. no byte of any scene image's data in ours' body where native's has
   none (any 8 consecutive bytes count);
c. no ``locations``, ``direct_url`` or ``stores`` in an image document of
   ours where native's has none, no ``file://`` path of the stack's store
   (the data directories are normalised), no ``"status": "active"`` for an
   image native shows deactivated, no image in a listing that native's
   complete answer to the same request leaves out, and no success where
   native refused;
d. no state change native would not make: after each case every scene
   image (and any image the case created) is read as admin on both stacks
   (one admin listing per stack); ours active where native is deactivated,
   ours deleted where native still has the image, ours deactivated where
   native is active and the image was active before, or any other change
   on ours that native did not make, is a violation.  Ours more
   restrictive (it refused what native did) is allowed and counted.

When a case changed the state (or the stacks diverged), the scene is put
back on both stacks as admin (re-deactivate or reactivate; a deleted or
otherwise changed image is replaced by a new one with a fresh shared id;
images the case created are deleted), and checked again, so that the cases
stay independent: a restore that itself changes a deactivated image on
ours (an admin deleting a case-created image) is reported too.

Two extensions of the filter are drawn too.  An action may carry a
reason body (``{"reason": ...}``, valid or breaking one of its rules, in
any content type spelling): ours gets it and native the same request
without the body, since a reason must never change what the action does.
The read API (``GET /v2/images/{id}/deactivation``, ``GET
/v2/deactivations``, their schemas) is drawn like any route: native has
no such route (404), so ours' success on it is no violation, but ours
must never answer a record or a listing to these callers (none passes the
read API's default rules) and never 5xx:

e. no 2xx from ours on ``/deactivation`` or ``/deactivations`` where
   native's is not 2xx.

Violations do not stop the run: each is recorded with its request and the
two answers, and the test fails at the end listing them (hypothesis does
not shrink, so the run stays bounded).

Bounds: ``GLANCE_DEACTIVATE_FUZZ`` unset (the default, CI) runs
:data:`DEFAULT_CASES` (1,000) generated cases per database, ``extended``
runs :data:`EXTENDED_CASES` (5,000); a number runs that many (tox passes
the variable through; ``OS_GLANCE_DEACTIVATE_FUZZ`` is read as the same
setting).  The runs are
reproducible (``derandomize=True``, no example database).  The counts
(cases by method, route and caller, statuses seen, more-restrictive
answers and state divergences, restores) are in the ``differential``
detail.

Without PostgreSQL the PostgreSQL class skips, except under CI
(``CI=true``), where it fails.
"""

import collections
import json
import os
import time
import uuid

import hypothesis
from hypothesis import strategies as st
from testtools import content

from tests.functional import fixtures
from tests.functional import rawhttp

OURS = fixtures.OURS
NATIVE = fixtures.NATIVE
DEFAULT_CASES = 1000
EXTENDED_CASES = 5000


def case_budget():
    value = (os.environ.get('GLANCE_DEACTIVATE_FUZZ') or
             os.environ.get('OS_GLANCE_DEACTIVATE_FUZZ') or '').strip()
    if value == 'extended':
        return EXTENDED_CASES
    if value.isdigit() and int(value) > 0:
        return int(value)
    return DEFAULT_CASES


CALLERS = collections.OrderedDict([
    ('owner-member', fixtures.OWNER),
    ('owner-reader', fixtures.OWNER_READER),
    ('other-project', fixtures.OTHER),
    ('image-member', fixtures.SHARED),
    ('service', fixtures.SERVICE),
])

# name: how the image is made (on both stacks, with the same id).
SCENE = collections.OrderedDict([
    ('private', dict(creator=fixtures.OWNER, visibility='private',
                     members=(), data=True, deactivated=True)),
    ('public', dict(creator=fixtures.ADMIN, visibility='public',
                    members=(), data=True, deactivated=True)),
    ('shared', dict(creator=fixtures.OWNER, visibility='shared',
                    members=(fixtures.MEMBER_PROJECT,), data=True,
                    deactivated=True)),
    ('active', dict(creator=fixtures.OWNER, visibility='shared',
                    members=(fixtures.MEMBER_PROJECT,), data=True,
                    deactivated=False)),
    ('queued', dict(creator=fixtures.OWNER, visibility='private',
                    members=(), data=False, deactivated=False)),
])
DEACTIVATED = [name for name, spec in SCENE.items() if spec['deactivated']]


def baseline(name):
    """What the admin sees of scene image ``name``: its :func:`snap`."""
    spec = SCENE[name]
    status = ('deactivated' if spec['deactivated'] else
              'active' if spec['data'] else 'queued')
    return (status, spec['visibility'], False, False)


def snap(image):
    """The state of an image document that the comparison follows."""
    return (image['status'], image['visibility'], bool(image['protected']),
            bool(image.get('os_hidden')))


TRANSITIONAL = ('importing', 'saving')

METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS',
           'FOO', 'PROPFIND']
OVERRIDES = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'FOO']
WRITES = ['DELETE', 'DELETE', 'POST', 'PUT', 'PATCH']

# Route name: path segments after the version ('{id}' is the image id) and
# the methods Glance 33's router connects there.
ROUTES = collections.OrderedDict([
    ('deactivate', (('images', '{id}', 'actions', 'deactivate'), ['POST'])),
    ('reactivate', (('images', '{id}', 'actions', 'reactivate'), ['POST'])),
    ('file', (('images', '{id}', 'file'), ['GET', 'PUT'])),
    ('stage', (('images', '{id}', 'stage'), ['PUT'])),
    ('import', (('images', '{id}', 'import'), ['POST'])),
    ('locations', (('images', '{id}', 'locations'), ['GET', 'POST'])),
    ('cache', (('cache', '{id}'), ['PUT', 'DELETE'])),
    ('image', (('images', '{id}'), ['GET', 'PATCH', 'DELETE'])),
    ('images', (('images',), ['GET', 'POST'])),
    ('schema-image', (('schemas', 'image'), ['GET'])),
    ('schema-images', (('schemas', 'images'), ['GET'])),
    # The filter's read API: native Glance routes none of it.
    ('deactivation', (('images', '{id}', 'deactivation'), ['GET'])),
    ('deactivations', (('deactivations',), ['GET'])),
    ('schema-deactivation', (('schemas', 'deactivation'), ['GET'])),
])
# Routes only ours serves; a 2xx there is no success native refused.
READ_API = ('deactivation', 'deactivations', 'schema-deactivation')
# Of those, the ones no caller drawn here may read (admin by default).
RECORDS = ('deactivation', 'deactivations')
# The routes of one image's data, weighted up: they guard the most.
ROUTE_CHOICES = list(ROUTES) + ['file'] * 3 + ['image'] * 3 + [
    'images', 'import', 'stage', 'locations', 'deactivate', 'reactivate',
    'deactivation', 'deactivations']

# How the request is spelled: the method Glance should run (the intent)
# sent as such, turned into another method by ``_method`` in the query
# string or in a form body, or every part drawn on its own.
DISGUISES = ['plain'] + ['query'] * 5 + ['form'] * 2 + ['random'] * 2

SEPARATORS = ['&', ';', ';', '%26', '%3B', '%3b', '&;', ';;']
OVERRIDE_KEYS = ['_method'] * 6 + ['%5Fmethod', '%5fmethod']
# Reason bodies of the actions: valid ones and one per broken rule.
REASONS = [b'{"reason": "CVE-2026-0001"}', b'{"reason": " \\u00e9t\\u00e9 "}',
           b'{"reason": "\xf0\x9f\x94\x92 found"}', b'{"reason": ""}',
           b'{"reason": "x", "hold": false}', b'{"reason": 1}',
           b'{"reason": "a\\u202eb"}', b'{"reason": "x", "reason": "y"}',
           b'{"reason": "%s"}' % (b'x' * 300), b'{"Reason": "x"}']
REASON_TYPES = ['application/json', 'application/json', 'Application/JSON',
                'application/json; charset=UTF-8', 'text/plain',
                'application/x-www-form-urlencoded']
FILLERS = ['a=1', 'x=_method', 'visibility=all', 'member_status=all',
           'sort_key=name', 'a=1%3B_method%3DGET', 'a=1%26_method=GET']
QUERY_ITEMS = ['status=active', 'status=deactivated', 'status=ACTIVE',
               'limit=1', 'limit=50', ''] + FILLERS

FORM_TYPES = ['application/x-www-form-urlencoded',
              'application/x-www-form-urlencoded; charset=UTF-8',
              'Application/X-WWW-Form-Urlencoded']
BOUNDARY = 'gdDiffBoundary'
IMPORTS = [
    {'method': {'name': 'copy-image'}, 'stores': ['fs']},
    {'method': {'name': 'copy-image'}, 'all_stores': True},
    {'method': {'name': 'glance-direct'}},
    # Refused by Glance's URI filter (port 1), synchronously: no task.
    {'method': {'name': 'web-download', 'uri': 'http://127.0.0.1:1/x'}},
]
PATCHES = [
    [],
    [{'op': 'replace', 'path': '/name', 'value': 'renamed'}],
    [{'op': 'replace', 'path': '/status', 'value': 'active'}],
    [{'op': 'add', 'path': '/locations/-',
      'value': {'url': 'file:///etc/hostname', 'metadata': {}}}],
    [{'op': 'replace', 'path': '/visibility', 'value': 'community'}],
    [{'op': 'replace', 'path': '/protected', 'value': True}],
]
PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
LOCATION = {'url': 'file:///etc/hostname', 'validation_data': {}}
# The body that goes with an intent, by (route, method).
INTENT_BODIES = {
    ('file', 'PUT'): 'octets', ('stage', 'PUT'): 'octets',
    ('import', 'POST'): 'import', ('locations', 'POST'): 'location',
    ('image', 'PATCH'): 'patch', ('images', 'POST'): 'create',
}
BODY_KINDS = ['none', 'none', 'form', 'multipart', 'import', 'patch',
              'create', 'octets', 'location', 'json']
BODY_FRAMINGS = ['length', 'length', 'length', 'padded', 'chunked',
                 'CHUNKED', 'Chunked']
EMPTY_FRAMINGS = ['length', 'length', 'length', 'zero', 'none', 'chunked',
                  'CHUNKED']
PATH_STYLES = ['plain'] * 6 + ['double-lead', 'double-one', 'double-all',
                               'trailing', 'double-trailing']
IMAGES = ['private'] * 3 + ['public'] * 3 + ['shared'] * 3 + [
    'active', 'active', 'queued', 'missing']
# Callers who can see each scene image (drawn half of the time).
SEES = {
    'private': ['owner-member', 'owner-reader'],
    'public': ['other-project', 'service', 'owner-reader', 'image-member'],
    'shared': ['image-member', 'owner-reader', 'owner-member'],
    'active': ['image-member', 'owner-member', 'owner-reader'],
    'queued': ['owner-member'],
    'missing': list(CALLERS),
}

Case = collections.namedtuple(
    'Case', 'disguise caller method route version image spelling path_style '
            'gap query body_kind body_args content_type framing')


@st.composite
def cased(draw, word):
    """``word`` in any case."""
    style = draw(st.sampled_from(['upper', 'upper', 'upper', 'lower',
                                  'title', 'random']))
    if style == 'random':
        return ''.join(c.upper() if draw(st.booleans()) else c.lower()
                       for c in word)
    return {'upper': word.upper(), 'lower': word.lower(),
            'title': word.title()}[style]


# Where a ``_method`` item goes in a query string: after a ``;`` (WebOb,
# and so Glance's router, splits there; ``urllib.parse`` does not), after
# an ``&``, spelled with percent-encoding (no separator or key for WebOb),
# or anyhow.
PLACEMENTS = ['semicolon', 'semicolon', 'semicolon', 'ampersand',
              'encoded', 'any']


@st.composite
def query_strings(draw, override=None):
    """(leading separator, [(item, separator before it)], trailing).

    An item is a string or ('marker', scene name).  ``override`` (a method
    or '') is put in as a ``_method`` item at any place; None for a query
    string without one, or none at all (then the result may be None).
    """
    items = draw(st.lists(st.one_of(
        st.sampled_from(QUERY_ITEMS),
        st.tuples(st.just('marker'), st.sampled_from(list(SCENE)))),
        max_size=3))
    separators = [draw(st.sampled_from(SEPARATORS)) for _ in items]
    lead = draw(st.sampled_from(['', '', ';', ';', '&', '%3B']))
    trail = draw(st.sampled_from(['', '', '', ';', '&']))
    if override is not None:
        placement = draw(st.sampled_from(PLACEMENTS))
        key = '_method'
        if placement == 'encoded' or placement == 'any':
            key = draw(st.sampled_from(OVERRIDE_KEYS))
        bare = not override and draw(st.booleans())
        at = draw(st.integers(0, len(items)))
        items.insert(at, key if bare else '%s=%s' % (key, override))
        separator = {
            'semicolon': st.sampled_from([';', ';', '&;', ';;']),
            'ampersand': st.just('&'),
            'encoded': st.sampled_from(['%3B', '%3b', '%26', ';', '&']),
            'any': st.sampled_from(SEPARATORS),
        }[placement]
        separators.insert(at, draw(separator))
        if at == 0 and placement == 'semicolon':
            lead = draw(st.sampled_from([';', ';', '&;', '']))
        elif at == 0 and placement == 'ampersand':
            lead = ''
    elif not items and draw(st.booleans()):
        return None
    return lead, list(zip(items, separators)), trail


@st.composite
def bodies(draw, kind):
    """(kind, arguments, content type, framing) for a body of ``kind``."""
    if kind == 'none':
        ctype = draw(st.sampled_from([None, None, None, 'application/json',
                                      FORM_TYPES[0]]))
        return kind, None, ctype, draw(st.sampled_from(EMPTY_FRAMINGS))
    if kind == 'reason':
        args = draw(st.sampled_from(REASONS))
        return kind, args, draw(st.sampled_from(REASON_TYPES)), draw(
            st.sampled_from(BODY_FRAMINGS))
    if kind == 'form':
        fields = ['_method=%s' % draw(cased(draw(st.sampled_from(
            OVERRIDES))))]
        if draw(st.booleans()):
            fields.insert(draw(st.integers(0, 1)), 'a=1')
        args = draw(st.sampled_from(['&', ';'])).join(fields)
        ctype = draw(st.sampled_from(FORM_TYPES))
    elif kind == 'multipart':
        args = draw(cased(draw(st.sampled_from(OVERRIDES))))
        ctype = 'multipart/form-data; boundary=%s' % BOUNDARY
    elif kind == 'import':
        args = draw(st.integers(0, len(IMPORTS) - 1))
        ctype = 'application/json'
    elif kind == 'patch':
        args = draw(st.integers(0, len(PATCHES) - 1))
        ctype = draw(st.sampled_from([PATCH_TYPE] * 4 +
                                     ['application/json']))
    elif kind == 'create':
        args = (draw(st.sampled_from(DEACTIVATED)),
                draw(st.sampled_from(['upper', 'upper', 'mixed', 'fresh',
                                      'same'])))
        ctype = 'application/json'
    elif kind == 'octets':
        args = draw(st.binary(min_size=1, max_size=64))
        ctype = 'application/octet-stream'
    elif kind == 'location':
        args = None
        ctype = 'application/json'
    else:
        args = draw(st.sampled_from([b'{}', b'[]', b'null']))
        ctype = 'application/json'
    return kind, args, ctype, draw(st.sampled_from(BODY_FRAMINGS))


@st.composite
def cases(draw, versions):
    disguise = draw(st.sampled_from(DISGUISES))
    route = draw(st.sampled_from(ROUTE_CHOICES))
    routed = ROUTES[route][1]
    intent = draw(st.sampled_from(routed * 8 + OVERRIDES))
    image = draw(st.sampled_from(IMAGES))
    caller = draw(st.sampled_from(SEES[image] if draw(st.integers(0, 3))
                                  else list(CALLERS)))
    query = None
    kind = INTENT_BODIES.get((route, intent), 'none')
    if disguise == 'plain':
        method = intent
        if draw(st.booleans()):
            query = draw(query_strings())
    elif disguise == 'query':
        # The outer method the filter sees: any other, writes weighted up.
        method = draw(st.sampled_from([m for m in METHODS + WRITES
                                       if m != intent]))
        value = draw(cased(intent)) if draw(st.integers(0, 9)) else ''
        query = draw(query_strings(override=value))
    elif disguise == 'form':
        method = 'POST'
        kind = draw(st.sampled_from(['form', 'form', 'multipart']))
        if draw(st.booleans()):
            query = draw(query_strings())
    else:
        method = draw(st.sampled_from(METHODS))
        kind = draw(st.sampled_from(BODY_KINDS))
        if draw(st.booleans()):
            query = draw(query_strings(override=draw(st.one_of(
                st.none(), cased(draw(st.sampled_from(OVERRIDES))),
                st.just('')))))
    if disguise != 'random' and draw(st.integers(0, 7)) == 0:
        kind = draw(st.sampled_from(BODY_KINDS))
    if route in ('deactivate', 'reactivate') and kind == 'none' and draw(
            st.integers(0, 3)):
        kind = 'reason'
    body_kind, body_args, ctype, framing = draw(bodies(kind))
    if body_kind == 'form' and disguise == 'form':
        body_args = draw(st.sampled_from(['_method=%s', 'a=1&_method=%s',
                                          '_method=%s;a=1'])) % draw(
            cased(intent))
    elif body_kind == 'multipart' and disguise == 'form':
        body_args = draw(cased(intent))
    return Case(
        disguise=disguise, caller=caller, method=method, route=route,
        version=draw(st.sampled_from(['v2', 'v2', 'v2'] + versions)),
        image=image,
        spelling=draw(st.sampled_from(['lower'] * 5 + ['upper', 'mixed'])),
        path_style=draw(st.sampled_from(PATH_STYLES)),
        gap=draw(st.integers(0, 4)),
        query=query, body_kind=body_kind, body_args=body_args,
        content_type=ctype, framing=framing)


def spell(image_id, spelling):
    if spelling == 'upper':
        return image_id.upper()
    if spelling == 'mixed':
        return rawhttp.mixed_case(image_id)
    return image_id


class Rendered(collections.namedtuple(
        'Rendered', 'method target headers body framing')):

    def __str__(self):
        body = self.body
        if body is not None and len(body) > 120:
            body = body[:120] + b'...'
        return '%s %s [%s%s] body=%r' % (
            self.method, self.target,
            self.headers.get('X-Tenant-Id'),
            '/' + self.headers.get('X-Roles', ''), body) + (
            ' framing=%s' % self.framing if self.framing != 'length' else '')

    def key(self):
        return (self.method, self.target, tuple(sorted(
            self.headers.items())), self.body, self.framing)


def render(case, ids):
    """The request of ``case`` on the wire, given the scene ids now."""
    image_id = ids.get(case.image) or str(uuid.uuid4())
    segments = [case.version] + [
        spell(image_id, case.spelling) if s == '{id}' else s
        for s in ROUTES[case.route][0]]
    joins = ['/'] * len(segments)
    trail = ''
    if case.path_style == 'double-lead':
        joins[0] = '//'
    elif case.path_style == 'double-one':
        joins[case.gap % len(joins)] = '//'
    elif case.path_style == 'double-all':
        joins = ['//'] * len(segments)
    elif case.path_style == 'trailing':
        trail = '/'
    elif case.path_style == 'double-trailing':
        trail = '//'
    target = ''.join(j + s for j, s in zip(joins, segments)) + trail
    if case.query is not None:
        lead, items, tail = case.query
        parts = []
        for index, (item, separator) in enumerate(items):
            if isinstance(item, tuple):
                item = 'marker=%s' % ids[item[1]]
            parts.append(item if index == 0 else separator + item)
        target += '?' + lead + ''.join(parts) + tail
    headers = dict(CALLERS[case.caller])
    if case.content_type is not None:
        headers['Content-Type'] = case.content_type
    body = None
    kind, args = case.body_kind, case.body_args
    if kind == 'form':
        body = args.encode()
    elif kind == 'multipart':
        body = ('--{b}\r\nContent-Disposition: form-data; name="_method"'
                '\r\n\r\n{m}\r\n--{b}--\r\n').format(b=BOUNDARY,
                                                     m=args).encode()
    elif kind == 'import':
        body = json.dumps(IMPORTS[args]).encode()
    elif kind == 'patch':
        body = json.dumps(PATCHES[args]).encode()
    elif kind == 'location':
        body = json.dumps(LOCATION).encode()
    elif kind == 'create':
        victim, variant = args
        new_id = {'upper': ids[victim].upper(),
                  'mixed': rawhttp.mixed_case(ids[victim]),
                  'same': ids[victim]}.get(variant) or str(uuid.uuid4())
        body = json.dumps({'id': new_id, 'name': 'gd-diff',
                           'disk_format': 'raw',
                           'container_format': 'bare'}).encode()
    elif kind in ('octets', 'json', 'reason'):
        body = args
    return Rendered(case.method, target, headers, body, case.framing)


def without_body(request):
    """``request`` as a client that sends no body would send it."""
    headers = {key: value for key, value in request.headers.items()
               if key != 'Content-Type'}
    return request._replace(headers=headers, body=None, framing='length')


def _failed(resp):
    return resp.status == rawhttp.NO_ANSWER or resp.status >= 500


class _Differential(object):
    """The test; mixed into fixtures.PairTestCase with a BACKEND."""

    PREFIX = 'gd-diff-'

    def setUp(self):
        super(_Differential, self).setUp()
        self.counts = collections.defaultdict(collections.Counter)
        self.problems = []
        self.problem_keys = set()
        self.prints = rawhttp.Prints()
        self.ids = {}
        self.seen = set()

    # -- the scene ------------------------------------------------------------

    def make(self, name):
        spec = SCENE[name]
        data = rawhttp.random_data(1024) if spec['data'] else None
        image_id = self.pair.create_both(
            creator=spec['creator'], data=data,
            visibility=spec['visibility'], members=spec['members'],
            deactivated=spec['deactivated'], name='diff-%s' % name)
        if data is not None:
            self.prints.add(name, data)
        self.ids[name] = image_id

    def snapshots(self):
        """{stack: {id: snap}}: every listed image and every scene image."""
        deadline = time.monotonic() + 15
        while True:
            states = {}
            for stack in fixtures.STACKS:
                listed = {image_id: snap(image) for image_id, image in
                          self.pair.listing(stack).items()}
                for image_id in self.ids.values():
                    if image_id not in listed:
                        image = self.pair.show(stack, image_id)
                        if image is not None:
                            listed[image_id] = snap(image)
                states[stack] = listed
            busy = any(s[0] in TRANSITIONAL for state in states.values()
                       for s in state.values())
            if not busy or time.monotonic() > deadline:
                return states
            time.sleep(0.2)

    # -- one case -------------------------------------------------------------

    def problem(self, kind, request, detail):
        """Record a violation (once per kind and request)."""
        key = (kind, str(request))
        if key in self.problem_keys:
            return
        self.problem_keys.add(key)
        self.counts['violations'][kind] += 1
        if len(self.problems) < 300:
            self.problems.append('%s: %s\n    %s' % (kind, request, detail))

    def run_case(self, case):
        request = render(case, self.ids)
        # A reason is the filter's own: native gets the bodiless action.
        sent = {OURS: request, NATIVE: without_body(request)
                if case.body_kind == 'reason' else request}
        answers = {
            stack: rawhttp.send_framed(
                self.pair.url(stack), sent[stack].method,
                sent[stack].target, sent[stack].headers, sent[stack].body,
                sent[stack].framing)
            for stack in fixtures.STACKS}
        counts = self.counts
        counts['totals']['cases'] += 1
        counts['method'][request.method] += 1
        counts['route'][case.route] += 1
        counts['caller'][case.caller] += 1
        counts['image'][case.image] += 1
        counts['disguise'][case.disguise] += 1
        self.seen.add(request.key())
        counts['totals']['distinct requests'] = len(self.seen)
        counts['body'][case.body_kind] += 1
        counts['framing'][case.framing] += 1
        if case.query and any('method' in str(item)
                              for item, _sep in case.query[1]):
            counts['totals']['with a _method query item'] += 1
        counts['status pairs (native -> ours)'][
            '%d -> %d' % (answers[NATIVE].status, answers[OURS].status)] += 1
        self.judge_answers(request, answers[OURS], answers[NATIVE],
                           read_api=case.route in READ_API)
        if case.route in RECORDS and 200 <= answers[OURS].status < 300 and (
                not 200 <= answers[NATIVE].status < 300):
            # (A 2xx from both is the host pipeline's: CORS's OPTIONS.)
            self.problem('(e) the read API answered a caller its rules '
                         'refuse', request, 'ours %d %r' % (
                             answers[OURS].status, answers[OURS].body[:160]))
        after = self.snapshots()
        changed = self.judge_state(request, self.before, after)
        if changed:
            counts['totals']['restores'] += 1
            self.restore(request, after)
        else:
            self.before = after

    def judge_answers(self, request, ours, native, read_api=False):
        said = 'native %d %r | ours %d %r' % (
            native.status, native.body[:160], ours.status, ours.body[:160])
        if _failed(ours) and not _failed(native):
            self.problem('(a) 5xx or no answer from ours only', request, said)
        leaked = self.prints.found_in(ours.body) - self.prints.found_in(
            native.body)
        if leaked:
            self.problem('(b) image bytes', request, 'data of %s; %s' % (
                sorted(leaked), said))
        ours_body = self.pair.normalise(OURS, ours.body)
        native_body = self.pair.normalise(NATIVE, native.body)
        if b'file://<DIR>' in ours_body and b'file://<DIR>' not in (
                native_body):
            self.problem('(c) store path', request, said)
        ours_docs, ours_list = rawhttp.image_docs(ours.body)
        native_docs, native_list = rawhttp.image_docs(native.body)
        for image_id, doc in ours_docs.items():
            native_doc = native_docs.get(image_id) or {}
            for key in ('locations', 'direct_url', 'stores'):
                if doc.get(key) and not native_doc.get(key):
                    self.problem('(c) %s shown' % key, request,
                                 'image %s (%s): ours %s=%r, native %s; '
                                 '%s' % (image_id, doc.get('status'), key,
                                         doc.get(key), 'has none'
                                         if native_doc else 'no document',
                                         said))
            native_status = native_doc.get('status') or (
                self.before[NATIVE].get(image_id) or (None,))[0]
            if doc.get('status') == 'active' and (
                    native_status == 'deactivated'):
                self.problem('(c) status active for a deactivated image',
                             request, 'image %s; %s' % (image_id, said))
        if ours_list and native_list and 200 <= native.status < 300:
            try:
                complete = not json.loads(native.body).get('next')
            except ValueError:
                complete = False
            extra = sorted(set(ours_docs) - set(native_docs))
            if complete and extra:
                self.problem('(c) listed images native does not list',
                             request, '%s; %s' % (extra, said))
        if 200 <= ours.status < 300 and 400 <= native.status < 500 and (
                not read_api):
            self.problem('(c) success where native refused', request, said)
        elif 200 <= native.status < 300 and 400 <= ours.status < 500:
            self.counts['totals']['more restrictive answers'] += 1

    def judge_state(self, request, before, after):
        """Check the state after a case; True when it must be restored."""
        ours_before = before[OURS]
        known = set(self.ids.values())
        new = {stack: set(after[stack]) - known for stack in fixtures.STACKS}
        # Images created without an id match on neither side: count them.
        unmatched = {stack: new[stack] - (new[OURS] & new[NATIVE])
                     for stack in fixtures.STACKS}
        if len(unmatched[OURS]) > len(unmatched[NATIVE]):
            self.problem('(d) ours created images native did not', request,
                         'ours %s, native %s' % (sorted(unmatched[OURS]),
                                                 sorted(unmatched[NATIVE])))
        changed = bool(new[OURS] or new[NATIVE])
        for image_id in known | (new[OURS] & new[NATIVE]):
            was = (ours_before.get(image_id) or (None,))[0]
            ours = (after[OURS].get(image_id) or (None,))[0]
            native = (after[NATIVE].get(image_id) or (None,))[0]
            if after[OURS].get(image_id) != before[OURS].get(image_id) or (
                    after[NATIVE].get(image_id) !=
                    before[NATIVE].get(image_id)):
                changed = True
            if ours == native:
                continue
            changed = True
            self.counts['state divergences (native, ours)'][
                '%s, %s (was %s)' % (native, ours, was)] += 1
            detail = 'image %s was %s: native %s, ours %s' % (
                image_id, was, native, ours)
            if ours == 'active' and native == 'deactivated':
                self.problem('(d) active on ours, deactivated on native',
                             request, detail)
            elif ours is None and was is not None:
                self.problem('(d) deleted on ours only', request, detail)
            elif ours == 'deactivated' and native == 'active' and (
                    was == 'active'):
                self.problem('(d) deactivated on ours only', request,
                             detail)
            elif ours != was:
                self.problem('(d) a change native did not make', request,
                             detail)
            else:
                self.counts['totals']['more restrictive states'] += 1
        return changed

    def restore(self, request, after, rounds=3):
        """Put the scene back on both stacks; check it is back."""
        for _round in range(rounds):
            known = set(self.ids.values())
            for stack in fixtures.STACKS:
                for image_id in set(after[stack]) - known:
                    self.pair.delete(stack, image_id)
            for name in SCENE:
                image_id = self.ids[name]
                want = baseline(name)
                got = {stack: after[stack].get(image_id)
                       for stack in fixtures.STACKS}
                if all(state == want for state in got.values()):
                    continue
                flips = all(state is not None and state[1:] == want[1:] and
                            state[0] in ('active', 'deactivated')
                            for state in got.values())
                if flips and want[0] in ('active', 'deactivated'):
                    for stack, state in got.items():
                        if state != want:
                            self.pair.action(stack, image_id, (
                                'deactivate' if want[0] == 'deactivated'
                                else 'reactivate'))
                    continue
                for stack in fixtures.STACKS:
                    self.pair.delete(stack, image_id)
                self.make(name)
            after = self.snapshots()
            wrong = self.scene_differences(after)
            if not wrong:
                self.before = after
                return
            what = 'restore (as admin) after the case left %s' % wrong
            self.counts['totals']['restores that changed the scene'] += 1
            self.problem('(d) state changed by the restore', request, what)
        raise AssertionError('the scene could not be restored: %s' % wrong)

    def scene_differences(self, states):
        wrong = []
        known = set(self.ids.values())
        for stack in fixtures.STACKS:
            extra = set(states[stack]) - known
            if extra:
                wrong.append('%s: extra images %s' % (stack, sorted(extra)))
            for name, image_id in self.ids.items():
                if states[stack].get(image_id) != baseline(name):
                    wrong.append('%s: %s (%s) is %s' % (
                        stack, name, image_id, states[stack].get(image_id)))
        return wrong

    # -- the test -------------------------------------------------------------

    def versions(self):
        versions = None
        for stack in fixtures.STACKS:
            resp = self.pair.call(stack, 'GET', '/versions', {},
                                  expect=(200, 300))
            found = sorted(v['id'] for v in resp.json()['versions'])
            self.assertTrue(versions is None or versions == found)
            versions = found
        self.assertIn('v2.0', versions)
        return versions

    def report(self):
        lines = ['%s on %s: %d generated cases (budget %d)' % (
            type(self).__name__, self.BACKEND,
            self.counts['totals']['cases'], self.budget)]
        for group in sorted(self.counts):
            items = sorted(self.counts[group].items(),
                           key=lambda kv: (-kv[1], kv[0]))
            lines.append('%s: %s' % (group, ', '.join(
                '%s x%d' % kv for kv in items)))
        self.addDetail('differential', content.text_content(
            '\n'.join(lines) + '\n'))
        if self.problems:
            self.addDetail('violations', content.text_content(
                '\n'.join(self.problems) + '\n'))

    def test_never_more_permissive_than_native(self):
        self.budget = case_budget()
        self.addCleanup(self.report)
        versions = self.versions()
        for name in SCENE:
            self.make(name)
        self.before = self.snapshots()
        self.assertEqual([], self.scene_differences(self.before))

        @hypothesis.settings(
            max_examples=self.budget, derandomize=True, database=None,
            deadline=None, suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            verbosity=hypothesis.Verbosity.quiet)
        @hypothesis.given(case=cases(versions))
        def generated(case):
            self.run_case(case)

        generated()
        self.assertGreaterEqual(self.counts['totals']['cases'], self.budget)
        violations = self.counts['violations']
        self.assertEqual(
            {}, dict(violations),
            'ours was more permissive than native Glance in %d cases; the '
            'first ones:\n%s' % (sum(violations.values()),
                                 '\n'.join(self.problems[:15])))


class SQLiteDifferentialTest(_Differential, fixtures.PairTestCase):
    """Glance (and the filter's state) on SQLite."""

    BACKEND = fixtures.SQLITE


class PostgreSQLDifferentialTest(_Differential, fixtures.PairTestCase):
    """Glance's database (and the filter's state) on PostgreSQL."""

    BACKEND = fixtures.POSTGRESQL
