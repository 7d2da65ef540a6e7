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

"""Regression tests for each reproduction of issue 8, beside native Glance.

Every test sends the same requests verbatim to ``ours`` (the filter) and to
``native`` (Glance 33's own deactivation), which hold the same images with
the same ids (``tests.functional.fixtures.Pair``), and asserts what the issue
says ours must do, on native as well (so that a test that cannot fail on
native is not testing the wrong thing) and in particular that ours is
never more permissive than native.

``;`` in the query string is a method override (WebOb, and so Glance's
router, splits the query on ``&`` and ``;``):

* ``POST /v2/images/ID/file?;_method=GET`` and ``?a=1;_method=get``, with
  outer methods POST, DELETE, PATCH, OPTIONS and a made-up one: no byte of
  the image to a non-admin caller;
* ``DELETE /v2/images/ID?;_method=GET`` by another project (public image),
  the image member (shared image), a reader of the owning project
  (private image): the image stays deactivated (admin show) and its
  download stays refused;
* ``PUT /v2/images/ID?;_method=GET`` and ``POST /v2/images/ID?;_method=
  PATCH``: no real ``locations``, ``direct_url``, store path or ``"status":
  "active"``;
* the import, locations, stage and upload routes reached with
  ``;_method=``: refused where native refuses, nothing leaked, the image
  unchanged;
* ``GET /v2/images?limit=50;status=active`` lists no deactivated image;
* a form POST whose body says ``_method=GET``, sent with
  ``Transfer-Encoding: CHUNKED``, ``Chunked`` or ``chunked``.

A case variant of an id (issue 8 item 2), on Glance with SQLite, PostgreSQL
and MariaDB as its own database (the filter's state database on the same
server): a member of another project who knows a deactivated image's id

* creates an image with the upper-cased id: the victim stays deactivated
  and refused for download (also through ``/v2/images/UPPER/file``, which
  on MariaDB reaches the victim: Glance refuses the create there with 409);
* deactivates their own upper-case image: the victim (active) stays
  active and downloadable by its owner;
* deletes their upper-case image after the victim was deactivated: the
  victim stays deactivated.

Without PostgreSQL or MariaDB those classes skip, except under CI
(``CI=true``), where they fail.
"""

import json

from testtools import content

from tests.functional import fixtures
from tests.functional import rawhttp

OURS = fixtures.OURS
NATIVE = fixtures.NATIVE
ADMIN = fixtures.ADMIN
OWNER = fixtures.OWNER
OTHER = fixtures.OTHER
SHARED = fixtures.SHARED
OWNER_READER = fixtures.OWNER_READER
SERVICE = fixtures.SERVICE

OUTER_METHODS = ('POST', 'DELETE', 'PATCH', 'OPTIONS', 'FOO')
SEMICOLON_GET = ('?;_method=GET', '?a=1;_method=get')
DEACTIVATED = 'deactivated'


def _doc_leaks(pair, stack, resp, image_id):
    """What an answer shows of a deactivated image that it must not."""
    found = []
    body = pair.normalise(stack, resp.body)
    if b'file://<DIR>' in body:
        found.append('a file:// path of the store')
    docs, _listing = rawhttp.image_docs(resp.body)
    doc = docs.get(image_id) or {}
    for key in ('locations', 'direct_url'):
        if doc.get(key):
            found.append(key)
    if doc.get('status') == 'active':
        found.append('"status": "active"')
    return found


class _Checks(object):
    """Side-by-side helpers; mixed into fixtures.PairTestCase."""

    def setUp(self):
        super(_Checks, self).setUp()
        self.rows = []
        self.addCleanup(self._attach_rows)

    def _attach_rows(self):
        if self.rows:
            self.addDetail('answers', content.text_content(
                '\n'.join(self.rows) + '\n'))

    def scene(self):
        """Three deactivated images with their own data, on both stacks.

        {name: (id, data, a non-admin caller who can see it)}.
        """
        images = {}
        for name, creator, visibility, members, caller in (
                ('private', OWNER, 'private', (), OWNER),
                ('public', ADMIN, 'public', (), OTHER),
                ('shared', OWNER, 'shared', (fixtures.MEMBER_PROJECT,),
                 SHARED)):
            data = rawhttp.random_data(4096)
            image_id = self.pair.create_both(
                creator=creator, data=data, visibility=visibility,
                members=members, deactivated=True, name='reg-%s' % name)
            images[name] = (image_id, data, caller)
        return images

    def both(self, label, method, target, headers, body=None,
             framing='length'):
        """Send one request to both stacks: {stack: Response}."""
        answers = {
            stack: rawhttp.send_framed(
                self.pair.url(stack), method, target, headers, body, framing)
            for stack in fixtures.STACKS}
        self.rows.append('%-60s native %3d  ours %3d   %s %s [%s/%s]' % (
            label[:60], answers[NATIVE].status, answers[OURS].status,
            method, target, headers.get('X-Tenant-Id'),
            headers.get('X-Roles')))
        return answers

    def judge(self, label, answers, data=None, image_id=None):
        """Violations: bytes, leaks in documents, ours more permissive."""
        problems = []
        fingerprint = rawhttp.Fingerprint(data) if data else None
        for stack, resp in answers.items():
            if fingerprint and fingerprint.found_in(resp.body):
                problems.append('%s: %s: image bytes (%d)' % (
                    stack, label, resp.status))
            if image_id:
                for leak in _doc_leaks(self.pair, stack, resp, image_id):
                    problems.append('%s: %s: shows %s (%d)' % (
                        stack, label, leak, resp.status))
            if resp.status == rawhttp.NO_ANSWER or resp.status >= 500:
                problems.append('%s: %s: answered %d' % (
                    stack, label, resp.status))
        ours, native = answers[OURS], answers[NATIVE]
        if native.status >= 400 and ours.status < 400:
            problems.append('ours: %s: native refused (%d), ours answered '
                            '%d' % (label, native.status, ours.status))
        return problems

    def still_deactivated(self, image_id, data, reader):
        """Violations of 'still deactivated and not downloadable'."""
        problems = []
        fingerprint = rawhttp.Fingerprint(data)
        for stack in fixtures.STACKS:
            status = self.pair.status(stack, image_id)
            if status != DEACTIVATED:
                problems.append('%s: %s shows as %s to admin' % (
                    stack, image_id, status))
            resp = self.pair.download(stack, image_id, reader)
            if resp.status != 403 or fingerprint.found_in(resp.body):
                problems.append('%s: download of %s by %s: %d%s' % (
                    stack, image_id, reader['X-Tenant-Id'], resp.status,
                    ' with its data' if fingerprint.found_in(resp.body)
                    else ''))
        return problems


class _MethodOverride(_Checks):
    """Issue 8 item 1: ``;`` starts a query parameter for Glance."""

    def test_semicolon_override_download_gives_no_bytes(self):
        problems = []
        for name, (image_id, data, caller) in sorted(self.scene().items()):
            for query in SEMICOLON_GET:
                for method in OUTER_METHODS:
                    label = '%s %s image' % (method, name)
                    answers = self.both(
                        label, method, '/v2/images/%s/file%s' % (
                            image_id, query), caller)
                    problems += self.judge(label, answers, data)
        self.assertEqual([], problems)

    def test_semicolon_override_delete_does_not_reactivate(self):
        images = self.scene()
        problems = []
        for name, caller in (('public', OTHER), ('shared', SHARED),
                             ('private', OWNER_READER)):
            image_id, data, reader = images[name]
            for query in ('?;_method=GET', '?a=1;_method=get'):
                label = 'DELETE %s image %s' % (name, query)
                answers = self.both(label, 'DELETE', '/v2/images/%s%s' % (
                    image_id, query), caller)
                problems += self.judge(label, answers, data)
                problems += self.still_deactivated(image_id, data, reader)
        self.assertEqual([], problems)

    def test_semicolon_override_shows_no_locations_or_active(self):
        images = self.scene()
        problems = []
        for name, caller in (('private', OWNER), ('private', OWNER_READER),
                             ('shared', SHARED), ('public', OTHER)):
            image_id = images[name][0]
            for method, query, headers, body in (
                    ('PUT', '?;_method=GET', {}, None),
                    ('PUT', '?a=1;_method=get', {}, None),
                    ('POST', '?;_method=PATCH', fixtures.PATCH, b'[]'),
                    ('POST', '?;_method=PATCH', fixtures.PATCH, json.dumps(
                        [{'op': 'replace', 'path': '/name',
                          'value': 'renamed'}]).encode())):
                label = '%s %s image %s' % (method, name, query)
                answers = self.both(label, method, '/v2/images/%s%s' % (
                    image_id, query), dict(caller, **headers), body)
                problems += self.judge(label, answers, image_id=image_id)
        for name, (image_id, data, reader) in images.items():
            problems += self.still_deactivated(image_id, data, reader)
        self.assertEqual([], problems)

    def test_semicolon_override_on_guarded_routes(self):
        # Glance refuses most of these itself (the image is not queued), so
        # the filter's decision shows in its answer: a ``;_method=`` must
        # get what the same override after ``?`` gets (refused as an
        # override), never a pass to the guard-less route behind it.
        images = self.scene()
        image_id, data, _reader = images['private']
        public_id = images['public'][0]
        copy = json.dumps({'method': {'name': 'copy-image'},
                           'stores': ['fs']}).encode()
        direct = json.dumps({'method': {'name': 'glance-direct'}}).encode()
        location = json.dumps({'url': 'file:///etc/hostname',
                               'validation_data': {}}).encode()
        rows = [
            ('import copy-image (admin)', 'GET', image_id, '/import',
             ';_method=POST', ADMIN, fixtures.JSON, copy),
            ('import copy-image (admin)', 'PUT', image_id, '/import',
             'a=1;_method=post', ADMIN, fixtures.JSON, copy),
            ('import glance-direct (owner)', 'GET', image_id, '/import',
             ';_method=POST', OWNER, fixtures.JSON, direct),
            ('add location (admin)', 'GET', image_id, '/locations',
             ';_method=POST', ADMIN, fixtures.JSON, location),
            ('add location (service)', 'PUT', public_id, '/locations',
             ';_method=POST', SERVICE, fixtures.JSON, location),
            ('get locations (service)', 'POST', public_id, '/locations',
             ';_method=GET', SERVICE, {}, None),
            ('get locations (other project)', 'POST', public_id,
             '/locations', ';_method=GET', OTHER, {}, None),
            ('stage (owner)', 'GET', image_id, '/stage', ';_method=PUT',
             OWNER, fixtures.OCTETS, b'new staged data'),
            ('stage (admin)', 'POST', image_id, '/stage', 'a=1;_method=put',
             ADMIN, fixtures.OCTETS, b'new staged data'),
            ('upload (owner)', 'GET', image_id, '/file', ';_method=PUT',
             OWNER, fixtures.OCTETS, b'new image data'),
            ('upload (admin)', 'POST', image_id, '/file', ';_method=PUT',
             ADMIN, fixtures.OCTETS, b'new image data'),
        ]
        problems = []
        for label, method, target_id, suffix, query, caller, headers, body \
                in rows:
            path = '/v2/images/%s%s' % (target_id, suffix)
            headers = dict(caller, **headers)
            answers = self.both(label, method, '%s?%s' % (path, query),
                                headers, body)
            problems += self.judge(label, answers,
                                   data if caller is not ADMIN else None)
            ours_body = self.pair.normalise(OURS, answers[OURS].body)
            native_body = self.pair.normalise(NATIVE, answers[NATIVE].body)
            if b'file://<DIR>' in ours_body and (
                    b'file://<DIR>' not in native_body):
                problems.append('ours: %s: a store path' % label)
            plain = 'a=1&_method=' + query.split('_method=')[1]
            reference = self.both(label + ' (& spelling)', method,
                                  '%s?%s' % (path, plain), headers, body)
            ours, ref = answers[OURS], reference[OURS]
            if (ours.status, rawhttp.message(ours.body)) != (
                    ref.status, rawhttp.message(ref.body)):
                problems.append(
                    'ours: %s: ?%s answers %d %r, ?%s answers %d %r' % (
                        label, query, ours.status,
                        rawhttp.message(ours.body)[:70], plain, ref.status,
                        rawhttp.message(ref.body)[:70]))
        for name, (image_id, data, reader) in images.items():
            problems += self.still_deactivated(image_id, data, reader)
            for stack in fixtures.STACKS:
                resp = self.pair.download(stack, image_id, ADMIN)
                if resp.body != data:
                    problems.append('%s: %s data changed (%d)' % (
                        stack, name, resp.status))
        self.assertEqual([], problems)

    def test_semicolon_status_active_lists_no_deactivated_image(self):
        images = self.scene()
        deactivated = {image_id for image_id, _d, _c in images.values()}
        problems = []
        for caller in (OWNER, OWNER_READER, OTHER, SHARED, ADMIN):
            for target in ('/v2/images?limit=50;status=active',
                           '/v2/images?;status=active',
                           '/v2/images?limit=50&status=active'):
                label = 'list %s' % target
                answers = self.both(label, 'GET', target, caller)
                for stack, resp in answers.items():
                    docs, listing = rawhttp.image_docs(resp.body)
                    if resp.status != 200 or not listing:
                        problems.append('%s: %s by %s: %d' % (
                            stack, target, caller['X-Tenant-Id'],
                            resp.status))
                    listed = sorted(deactivated & set(docs))
                    if listed:
                        problems.append('%s: %s by %s lists %s' % (
                            stack, target, caller['X-Tenant-Id'], listed))
        self.assertEqual([], problems)

    def test_chunked_form_override(self):
        # Glance's router takes a POSTed form's _method whatever the
        # framing: the filter must decide the same for a chunked body, in
        # any spelling of "chunked", as for one with a Content-Length.
        images = self.scene()
        problems = []
        for name in ('private', 'public'):
            image_id, data, caller = images[name]
            for suffix in ('/file', ''):
                for form in (b'_method=GET', b'a=1&_method=get'):
                    target = '/v2/images/%s%s' % (image_id, suffix)
                    headers = dict(caller, **fixtures.FORM)
                    label = 'form POST %s %s image' % (
                        suffix or '(image)', name)
                    framed = self.both(label + ' Content-Length', 'POST',
                                       target, headers, form)
                    problems += self.judge(label, framed, data, image_id)
                    for encoding in ('CHUNKED', 'Chunked', 'chunked'):
                        answers = self.both(
                            '%s %s' % (label, encoding), 'POST', target,
                            headers, form, encoding)
                        problems += self.judge(label, answers, data,
                                               image_id)
                        ours, first = answers[OURS], framed[OURS]
                        if (ours.status, rawhttp.message(ours.body)) != (
                                first.status, rawhttp.message(first.body)):
                            problems.append(
                                'ours: %s: %s answers %d %r, with a '
                                'Content-Length %d %r' % (
                                    label, encoding, ours.status,
                                    rawhttp.message(ours.body)[:70],
                                    first.status,
                                    rawhttp.message(first.body)[:70]))
            problems += self.still_deactivated(image_id, data, caller)
        self.assertEqual([], problems)


class _IdCase(_Checks):
    """Issue 8 item 2: an image whose id differs only in case."""

    def victim(self, deactivated):
        data = rawhttp.random_data(4096)
        image_id = self.pair.create_both(creator=OWNER, data=data,
                                         deactivated=deactivated,
                                         name='victim')
        return image_id, data

    def attacker_creates(self, upper):
        """The other project creates ``upper``; {stack: status code}."""
        body = json.dumps({'id': upper, 'name': 'attacker',
                           'disk_format': 'raw',
                           'container_format': 'bare'}).encode()
        answers = self.both('attacker creates %s' % upper, 'POST',
                            '/v2/images', dict(OTHER, **fixtures.JSON), body)
        created = {stack: resp.status for stack, resp in answers.items()}
        if self.BACKEND == fixtures.MYSQL:
            # Glance's unique id column is case-insensitive there.
            self.assertEqual(409, created[NATIVE])
        else:
            self.assertEqual(201, created[NATIVE])
        return created

    def upper_path_refused(self, image_id, data):
        """/v2/images/UPPER/file by the victim's owner gets no bytes."""
        problems = []
        fingerprint = rawhttp.Fingerprint(data)
        for stack in fixtures.STACKS:
            resp = self.pair.download(stack, image_id.upper(), OWNER)
            if resp.status < 400 or fingerprint.found_in(resp.body):
                problems.append('%s: GET /v2/images/UPPER/file by the owner: '
                                '%d%s' % (stack, resp.status, (
                                    ' with the data'
                                    if fingerprint.found_in(resp.body)
                                    else '')))
        return problems

    def test_upper_case_create_keeps_victim_deactivated(self):
        image_id, data = self.victim(deactivated=True)
        created = self.attacker_creates(image_id.upper())
        self.rows.append('create: %s' % created)
        problems = self.still_deactivated(image_id, data, OWNER)
        problems += self.upper_path_refused(image_id, data)
        self.assertEqual([], problems)

    def test_deactivating_own_upper_case_image_keeps_victim_active(self):
        image_id, data = self.victim(deactivated=False)
        upper = image_id.upper()
        created = self.attacker_creates(upper)
        for stack in fixtures.STACKS:
            if created[stack] == 201:
                self.pair.call(stack, 'PUT', '/v2/images/%s/file' % upper,
                               dict(OTHER, **fixtures.OCTETS), expect=(204,),
                               data=b'attacker data')
        answers = self.both('attacker deactivates %s' % upper, 'POST',
                            '/v2/images/%s/actions/deactivate' % upper,
                            OTHER)
        self.rows.append('create: %s; deactivate: %s' % (
            created, {s: r.status for s, r in answers.items()}))
        problems = []
        for stack in fixtures.STACKS:
            status = self.pair.status(stack, image_id)
            if status != 'active':
                problems.append('%s: the victim is %s' % (stack, status))
            resp = self.pair.download(stack, image_id, OWNER)
            if resp.status != 200 or resp.body != data:
                problems.append('%s: the owner downloads the victim: %d' % (
                    stack, resp.status))
            image = self.pair.show(stack, image_id, OWNER)
            if image is None or image['status'] != 'active':
                problems.append('%s: the owner sees the victim as %s' % (
                    stack, image and image['status']))
        self.assertEqual([], problems)

    def test_deleting_own_upper_case_image_keeps_victim_deactivated(self):
        image_id, data = self.victim(deactivated=False)
        upper = image_id.upper()
        created = self.attacker_creates(upper)
        for stack in fixtures.STACKS:
            self.pair.action(stack, image_id, 'deactivate')
        answers = self.both('attacker deletes %s' % upper, 'DELETE',
                            '/v2/images/%s' % upper, OTHER)
        self.rows.append('create: %s; delete: %s' % (
            created, {s: r.status for s, r in answers.items()}))
        for stack in fixtures.STACKS:
            if created[stack] == 201:
                self.assertEqual(204, answers[stack].status, stack)
        problems = self.still_deactivated(image_id, data, OWNER)
        problems += self.upper_path_refused(image_id, data)
        self.assertEqual([], problems)


class SQLiteRegressionTest(_MethodOverride, _IdCase, fixtures.PairTestCase):
    """Glance (and the filter's state) on SQLite."""

    BACKEND = fixtures.SQLITE
    PREFIX = 'gd-reg-sqlite-'


class PostgreSQLIdCaseTest(_IdCase, fixtures.PairTestCase):
    """Glance's database (and the filter's state) on PostgreSQL."""

    BACKEND = fixtures.POSTGRESQL
    PREFIX = 'gd-reg-pg-'


class MariaDBIdCaseTest(_IdCase, fixtures.PairTestCase):
    """Glance's database (and the filter's state) on MariaDB."""

    BACKEND = fixtures.MYSQL
    PREFIX = 'gd-reg-mysql-'
