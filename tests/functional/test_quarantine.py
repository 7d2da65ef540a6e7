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

"""Content quarantine in front of the real Glance 33 API.

One real Glance 33 with the filter in its pipeline, two file stores
(``fs`` and ``fs2``, so that ``copy-image`` has somewhere to copy to) and
``web-download`` allowed from 127.0.0.1 (``[import_filtering_opts]``), so
that an import can fetch from a small HTTP server the test starts.

Every test uses bytes of its own and projects of its own: a quarantine
holds every image of its content in every project, so tests that shared
bytes would hold each other's images.

* Two projects upload the same bytes, a third other bytes; an admin
  quarantines by one image: both copies are ``deactivated`` for their
  owners in show, list pages, PATCH answers and ``?status=`` listings
  (``?status=deactivated`` paged one by one through ``next``), their data
  refused with Glance's message; the third is untouched; admins keep
  downloading.
* Copies that arrive later are held from the first request after Glance
  records their hash: an upload by a fourth project, the projects it
  shares it with, a ``web-download`` import; a quarantine named by hash
  before any such image exists catches the first upload.
* ``copy-image`` of a matched image and its reactivation are refused
  (the latter with a 403 that names the quarantine, and an event).
* Lifting restores every image but one also deactivated on its own.
* 404 before 403 on every new route; 400s with messages for bad hashes.
"""

import hashlib
import html
import http.server
import json
import threading
import time
import uuid

import fixtures as test_fixtures
import jsonschema

from glance_deactivate import quarantine
from glance_deactivate import store as state_store
from tests.functional import devserver
from tests.functional import fixtures

ADMIN = fixtures.ADMIN
JSON = fixtures.JSON
MSG_DOWNLOAD = fixtures.MSG_DOWNLOAD
MSG_QUARANTINED = ("This image's content is quarantined (quarantine %s): it "
                   "stays deactivated until the quarantine is lifted.")
MSG_NO_QUARANTINE = 'No quarantine found with ID %s'
MSG_NO_IMAGE = 'No image found with ID %s'
MSG_COPY = 'Only images with status active can be targeted for copying'
REASON = 'CVE-2026-0042: cryptominer in the base layer'

# A second file store, and web-download allowed from the loopback on any
# port (Glance 33 blocks loopback addresses unless the host is listed in
# allowed_hosts, and allows ports 80 and 443 only by default; these lists
# are written in brackets).  The [DEFAULT] section is read again:
# oslo.config keeps the last value.
EXTRA_CONF = """\
[DEFAULT]
enabled_backends = fs:file, fs2:file

[fs2]
filesystem_store_datadir = {workdir}/images2

[import_filtering_opts]
allowed_hosts = [127.0.0.1]
allowed_ports = []
"""

IMPORT_TIMEOUT = 120
IMPORTING = ('queued', 'saving', 'importing', 'uploading')


def new_data():
    """Bytes of the test's own (32 KiB), never uploaded by another test."""
    seed = uuid.uuid4().hex.encode()
    return b''.join(seed + b'%08d' % i for i in range(820))


def sha512(data):
    return hashlib.sha512(data).hexdigest()


def md5(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def new_project(label):
    return devserver.identity_headers('q-%s-%s' % (label,
                                                   uuid.uuid4().hex[:12]))


def message(resp):
    """The text of an error answer, HTML entities decoded."""
    return html.unescape(resp.text)


def data_state(resp, data):
    """'active' for ``data`` served whole, 'deactivated' for Glance's 403.

    None for anything else (a 403 must carry none of the bytes).
    """
    if resp.status_code == 200 and resp.content == data:
        return 'active'
    if (resp.status_code == 403 and MSG_DOWNLOAD in message(resp)
            and data[:64] not in resp.content):
        return 'deactivated'
    return None


class WebServer(test_fixtures.Fixture):
    """An HTTP server on 127.0.0.1 (a free port) serving ``data``.

    ``url`` is the address of the data; ``requests`` counts the GETs.
    """

    def __init__(self, data):
        super(WebServer, self).__init__()
        self.data = data
        self.requests = 0

    def _setUp(self):
        served = self

        class Handler(http.server.BaseHTTPRequestHandler):

            def do_GET(self):
                served.requests += 1
                self.send_response(200)
                self.send_header('Content-Type', 'application/octet-stream')
                self.send_header('Content-Length', str(len(served.data)))
                self.end_headers()
                self.wfile.write(served.data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     Handler)
        thread = threading.Thread(target=self.httpd.serve_forever,
                                  daemon=True)
        thread.start()
        self.addCleanup(self.httpd.server_close)
        self.addCleanup(self.httpd.shutdown)
        self.url = 'http://127.0.0.1:%d/image.raw' % (
            self.httpd.server_address[1])


class QuarantineTestCase(fixtures.GlanceTestCase):

    PREFIX = 'gd-quarantine-'

    @classmethod
    def make_servers(cls, directory):
        server = directory.server(name='glance', mode='filter')
        server.extra_conf = EXTRA_CONF.format(workdir=server.workdir)
        return {'glance': server}

    @classmethod
    def prepare(cls):
        super(QuarantineTestCase, cls).prepare()
        cls.store = state_store.DeactivationStore.from_url(
            cls.server.state_db, max_retries=0)

    @classmethod
    def release(cls):
        cls.store.dispose()
        super(QuarantineTestCase, cls).release()

    # -- helpers -----------------------------------------------------------

    def upload(self, headers, data, visibility='private'):
        return self.create_image(headers=headers, data=data,
                                 visibility=visibility)

    def download(self, image_id, headers):
        return self.get('/v2/images/%s/file' % image_id, headers)

    def show(self, image_id, headers):
        resp = self.get('/v2/images/%s' % image_id, headers)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()

    def quarantine(self, headers=ADMIN, reason=REASON, expect=201, **body):
        """``POST /v2/quarantines``; the document (or the answer)."""
        if reason is not None:
            body['reason'] = reason
        resp = self.request('POST', '/v2/quarantines',
                            dict(headers, **JSON), data=json.dumps(body))
        if expect is None:
            return resp
        self.assertEqual(expect, resp.status_code, resp.text)
        return resp.json()

    def lift(self, qid, headers=ADMIN, reason='fixed upstream'):
        body = {} if reason is None else {'reason': reason}
        return self.request('POST', '/v2/quarantines/%s/actions/lift' % qid,
                            dict(headers, **JSON), data=json.dumps(body))

    def get_quarantine(self, qid, headers=ADMIN):
        return self.get('/v2/quarantines/%s' % qid, headers)

    def pages(self, query, headers):
        """Every image of a listing, page by page through ``next``."""
        images, path, pages = [], '/v2/images?' + query, 0
        while path:
            resp = self.get(path, headers)
            self.assertEqual(200, resp.status_code, resp.text)
            images.extend(resp.json()['images'])
            path = resp.json().get('next')
            pages += 1
            self.assertLess(pages, 50, 'paging did not end')
        return images, pages

    def assert_held(self, image_id, owner, data, others=()):
        """``image_id`` is deactivated in every sense for its owner.

        Also for ``others`` (callers who can see it); an admin still gets
        its bytes.
        """
        for headers in (owner,) + tuple(others):
            doc = self.show(image_id, headers)
            self.assertEqual('deactivated', doc['status'], image_id)
            self.assertNotIn('direct_url', doc)
            resp = self.download(image_id, headers)
            self.assertEqual('deactivated', data_state(resp, data),
                             '%d %s' % (resp.status_code, resp.text[:200]))
        listed = {i['id']: i for i in
                  self.get('/v2/images?limit=1000', owner).json()['images']}
        self.assertEqual('deactivated', listed[image_id]['status'])
        self.assertNotIn('direct_url', listed[image_id])
        self.assertEqual('active',
                         data_state(self.download(image_id, ADMIN), data))

    def assert_free(self, image_id, owner, data):
        doc = self.show(image_id, owner)
        self.assertEqual('active', doc['status'])
        self.assertIn('direct_url', doc)
        self.assertEqual('active',
                         data_state(self.download(image_id, owner), data))
        self.assertEqual('active',
                         data_state(self.download(image_id, ADMIN), data))

    def wait_for_tasks(self, image_id):
        """Wait until Glance's import tasks of the image have ended.

        A task still writing to Glance's SQLite database would make the
        next test's upload fail with "database is locked".
        """
        deadline = time.monotonic() + IMPORT_TIMEOUT
        while time.monotonic() < deadline:
            resp = self.get('/v2/images/%s/tasks' % image_id, ADMIN)
            self.assertEqual(200, resp.status_code, resp.text)
            tasks = resp.json()['tasks']
            if tasks and all(t['status'] in ('success', 'failure')
                             for t in tasks):
                return tasks
            time.sleep(0.5)
        self.fail('the import tasks of %s did not end' % image_id)

    def matched(self, qid):
        resp = self.get_quarantine(qid)
        self.assertEqual(200, resp.status_code, resp.text)
        return sorted(resp.json()['images'])

    def schema(self, name):
        resp = self.get('/v2/schemas/%s' % name, ADMIN)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()


class TestQuarantine(QuarantineTestCase):

    def test_every_copy_in_every_project_is_deactivated(self):
        data, other = new_data(), new_data()
        a_proj, b_proj, c_proj = (new_project(x) for x in 'abc')
        a = self.upload(a_proj, data)
        a2 = self.upload(a_proj, data)
        b = self.upload(b_proj, data)
        c = self.upload(c_proj, other)
        # Project A also has an image it deactivated itself, and an active
        # one, for the ?status= listings.
        own = self.upload(a_proj, new_data())
        self.assertEqual(204, self.action(own, headers=a_proj).status_code)
        free = self.upload(a_proj, new_data())
        for image_id, owner, payload in ((a, a_proj, data), (b, b_proj, data),
                                         (c, c_proj, other)):
            self.assert_free(image_id, owner, payload)

        resp = self.quarantine(expect=None, image_id=a)
        self.assertEqual(201, resp.status_code, resp.text)
        doc = resp.json()
        jsonschema.validate(doc, self.schema('quarantine'))
        qid = doc['id']
        self.assertEqual(
            {'status': 'live', 'os_hash_algo': 'sha512',
             'os_hash_value': sha512(data), 'checksum': md5(data),
             'reason': REASON, 'source_image_id': a,
             'created_by': {'user_id': ADMIN['X-User-Id'],
                            'project_id': ADMIN['X-Tenant-Id']},
             'lifted_at': None, 'lifted_by': None, 'lift_reason': None,
             'self': '/v2/quarantines/%s' % qid},
            {key: doc.get(key) for key in (
                'status', 'os_hash_algo', 'os_hash_value', 'checksum',
                'reason', 'source_image_id', 'created_by', 'lifted_at',
                'lifted_by', 'lift_reason', 'self')})
        self.assertTrue(resp.headers['Location'].endswith(
            '/v2/quarantines/%s' % qid), resp.headers['Location'])

        self.assert_held(a, a_proj, data)
        self.assert_held(a2, a_proj, data)
        self.assert_held(b, b_proj, data)
        self.assert_free(c, c_proj, other)
        self.assertEqual(sorted([a, a2, b]), self.matched(qid))

        # A PATCH answer says so too, and changes what it was asked to.
        resp = self.request(
            'PATCH', '/v2/images/%s' % b, dict(b_proj, **fixtures.PATCH),
            data=json.dumps([{'op': 'replace', 'path': '/name',
                              'value': 'renamed'}]))
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(('deactivated', 'renamed'),
                         (resp.json()['status'], resp.json()['name']))

        # ?status=deactivated: the matched copies merged with the image
        # deactivated on its own, one per page through next.
        images, pages = self.pages('status=deactivated&limit=1', a_proj)
        self.assertEqual(sorted([a, a2, own]),
                         sorted(i['id'] for i in images))
        self.assertEqual(3, len(images))
        self.assertGreaterEqual(pages, 3)
        self.assertEqual({'deactivated'}, {i['status'] for i in images})
        # ... in Glance's default order (created_at desc), as a listing
        # without the filter orders them.
        whole = [i['id'] for i in self.get('/v2/images?limit=1000',
                                           a_proj).json()['images']]
        self.assertEqual([i for i in whole if i in (a, a2, own)],
                         [i['id'] for i in images])
        images, _pages = self.pages('status=active&limit=1', a_proj)
        self.assertEqual([free], [i['id'] for i in images])
        images, _pages = self.pages('status=deactivated', b_proj)
        self.assertEqual([b], [i['id'] for i in images])
        images, _pages = self.pages('status=deactivated', c_proj)
        self.assertEqual([], images)

        # The incident history of each copy names the quarantine.
        for image_id in (a, a2, b):
            event = self.store.history(image_id)[0]
            self.assertEqual(
                ('deactivate', 'changed', qid, REASON),
                (event.action, event.outcome, event.quarantine_id,
                 event.reason), image_id)
        self.assertEqual([], self.store.history(c))

    def test_later_copies_are_held_from_the_first_request(self):
        data = new_data()
        first = self.upload(new_project('first'), data)
        qid = self.quarantine(image_id=first)['id']
        # A fourth project uploads the same bytes afterwards, and shares
        # the image with a fifth.
        late_proj, member_proj = new_project('late'), new_project('member')
        late = self.upload(late_proj, data, visibility='shared')
        resp = self.download(late, late_proj)
        self.assertEqual('deactivated', data_state(resp, data),
                         '%d %s' % (resp.status_code, resp.text[:200]))
        fixtures.share(self.url, late, member_proj['X-Tenant-Id'],
                       late_proj, self._client())
        resp = self.download(late, member_proj)
        self.assertEqual('deactivated', data_state(resp, data),
                         '%d %s' % (resp.status_code, resp.text[:200]))
        self.assert_held(late, late_proj, data, others=(member_proj,))
        self.assertEqual(sorted([first, late]), self.matched(qid))
        event = self.store.history(late)[-1]
        self.assertEqual(('deactivate', 'changed', qid),
                         (event.action, event.outcome, event.quarantine_id))

    def test_a_web_download_import_ends_deactivated(self):
        data = new_data()
        web = self.useFixture(WebServer(data))
        self.quarantine(os_hash_algo='sha512', os_hash_value=sha512(data))
        owner = new_project('web')
        image_id = self.create_image(headers=owner, data=None)
        resp = self.request(
            'POST', '/v2/images/%s/import' % image_id, dict(owner, **JSON),
            data=json.dumps({'method': {'name': 'web-download',
                                        'uri': web.url}}))
        self.assertEqual(202, resp.status_code, resp.text)
        deadline = time.monotonic() + IMPORT_TIMEOUT
        status = 'queued'
        while status in IMPORTING and time.monotonic() < deadline:
            time.sleep(0.5)
            status = self.show(image_id, ADMIN)['status']
        self.assertEqual('deactivated', status)
        self.assertEqual(['success'], [t['status'] for t in
                                       self.wait_for_tasks(image_id)])
        self.assertGreaterEqual(web.requests, 1)
        doc = self.show(image_id, ADMIN)
        self.assertEqual(sha512(data), doc['os_hash_value'])
        self.assert_held(image_id, owner, data)

    def test_a_quarantine_by_hash_catches_the_first_upload(self):
        data, other = new_data(), new_data()
        doc = self.quarantine(os_hash_algo='SHA512',
                              os_hash_value=sha512(data).upper())
        self.assertEqual(('sha512', sha512(data), None, None),
                         (doc['os_hash_algo'], doc['os_hash_value'],
                          doc['checksum'], doc['source_image_id']))
        self.assertEqual([], self.matched(doc['id']))
        by_checksum = self.quarantine(checksum=md5(other))
        self.assertEqual((None, None, md5(other)),
                         (by_checksum['os_hash_algo'],
                          by_checksum['os_hash_value'],
                          by_checksum['checksum']))
        owner = new_project('first')
        image_id = self.upload(owner, data)
        self.assertEqual('deactivated',
                         data_state(self.download(image_id, owner), data))
        self.assert_held(image_id, owner, data)
        other_id = self.upload(owner, other)
        self.assertEqual('deactivated',
                         data_state(self.download(other_id, owner), other))
        self.assert_held(other_id, owner, other)
        self.assertEqual([image_id], self.matched(doc['id']))
        self.assertEqual([other_id], self.matched(by_checksum['id']))

    def test_reactivation_of_a_matched_image_is_refused(self):
        data = new_data()
        owner = new_project('react')
        image_id = self.upload(owner, data)
        qid = self.quarantine(image_id=image_id)['id']
        for headers in (owner, ADMIN):
            resp = self.action(image_id, 'reactivate', headers=headers)
            self.assertEqual(403, resp.status_code, resp.text)
            self.assertIn(MSG_QUARANTINED % qid, message(resp))
            event = self.store.history(image_id)[0]
            self.assertEqual(
                ('reactivate', 'refused', qid, headers['X-User-Id'],
                 resp.headers['x-openstack-request-id']),
                (event.action, event.outcome, event.quarantine_id,
                 event.user_id, event.request_id))
        self.assert_held(image_id, owner, data)
        # Also when it is deactivated on its own as well.
        self.assertEqual(204, self.action(image_id, headers=ADMIN)
                         .status_code)
        resp = self.action(image_id, 'reactivate', headers=ADMIN)
        self.assertEqual(403, resp.status_code, resp.text)
        self.assertIn(MSG_QUARANTINED % qid, message(resp))
        self.assertIsNotNone(self.store.get(image_id))

    def test_lift_restores_all_but_one_deactivated_on_its_own(self):
        data = new_data()
        a_proj, b_proj, c_proj = (new_project(x) for x in 'abc')
        a = self.upload(a_proj, data)
        b = self.upload(b_proj, data)
        c = self.upload(c_proj, data)
        # c was deactivated by its owner before the quarantine.
        self.assertEqual(204, self.action(c, headers=c_proj).status_code)
        qid = self.quarantine(image_id=a)['id']
        # b is deactivated by an admin while the quarantine holds it.
        self.assertEqual(204, self.action(b, headers=ADMIN).status_code)
        for image_id, owner in ((a, a_proj), (b, b_proj), (c, c_proj)):
            self.assert_held(image_id, owner, data)
        self.assertEqual(sorted([a, b, c]), self.matched(qid))

        resp = self.lift(qid)
        self.assertEqual(200, resp.status_code, resp.text)
        doc = resp.json()
        jsonschema.validate(doc, self.schema('quarantine'))
        self.assertEqual(
            ('lifted', 'fixed upstream',
             {'user_id': ADMIN['X-User-Id'],
              'project_id': ADMIN['X-Tenant-Id']}),
            (doc['status'], doc['lift_reason'], doc['lifted_by']))
        self.assertTrue(doc['lifted_at'])
        self.assert_free(a, a_proj, data)
        self.assert_held(b, b_proj, data)
        self.assert_held(c, c_proj, data)
        self.assertEqual(
            [('reactivate', 'changed', qid), ('reactivate', 'no-op', qid),
             ('reactivate', 'no-op', qid)],
            [(e.action, e.outcome, e.quarantine_id) for e in (
                self.store.history(a)[0], self.store.history(b)[0],
                self.store.history(c)[0])])
        # Lifted once: a second lift is a conflict, and changes nothing.
        resp = self.lift(qid)
        self.assertEqual(409, resp.status_code, resp.text)
        self.assert_free(a, a_proj, data)
        # The individual deactivations are undone one by one as usual.
        self.assertEqual(204, self.action(b, 'reactivate', headers=ADMIN)
                         .status_code)
        self.assert_free(b, b_proj, data)
        self.assertEqual(204, self.action(c, 'reactivate', headers=c_proj)
                         .status_code)
        self.assert_free(c, c_proj, data)
        # A new quarantine of the same content may be made once lifted.
        self.quarantine(checksum=md5(data))
        self.assert_held(a, a_proj, data)

    def test_same_live_content_is_a_conflict_naming_the_quarantine(self):
        data = new_data()
        image_id = self.upload(new_project('dup'), data)
        qid = self.quarantine(image_id=image_id)['id']
        for body in ({'image_id': image_id},
                     {'os_hash_algo': 'sha512',
                      'os_hash_value': sha512(data)},
                     {'checksum': md5(data)}):
            resp = self.quarantine(expect=None, **body)
            self.assertEqual(409, resp.status_code, body)
            self.assertIn(qid, message(resp))

    def test_the_list_pages_and_filters_by_status(self):
        made = [self.quarantine(checksum=md5(new_data()))['id']
                for _i in range(3)]
        self.assertEqual(200, self.lift(made[0]).status_code)
        seen, path = [], '/v2/quarantines?limit=1'
        while path:
            resp = self.get(path, ADMIN)
            self.assertEqual(200, resp.status_code, resp.text)
            doc = resp.json()
            jsonschema.validate(doc, self.schema('quarantines'))
            self.assertLessEqual(len(doc['quarantines']), 1)
            seen.extend(q['id'] for q in doc['quarantines'])
            path = doc.get('next')
            self.assertLess(len(seen), 1000)
        self.assertEqual(len(seen), len(set(seen)))
        # Newest first.
        self.assertEqual(list(reversed(made)),
                         [q for q in seen if q in made])
        live = self.get('/v2/quarantines?status=live&limit=1000', ADMIN)
        lifted = self.get('/v2/quarantines?status=lifted&limit=1000', ADMIN)
        live_ids = {q['id'] for q in live.json()['quarantines']}
        lifted_ids = {q['id'] for q in lifted.json()['quarantines']}
        self.assertEqual(({made[1], made[2]}, {made[0]}),
                         (live_ids & set(made), lifted_ids & set(made)))
        self.assertEqual(400, self.get('/v2/quarantines?status=gone',
                                       ADMIN).status_code)
        self.assertEqual(400, self.get('/v2/quarantines?marker=%s'
                                       % uuid.uuid4(), ADMIN).status_code)


class TestCopyImage(QuarantineTestCase):
    """``copy-image`` to the second store."""

    def test_copy_image_of_a_matched_image_is_refused(self):
        data = new_data()
        owner = new_project('copy')
        image_id = self.upload(owner, data)
        control = self.upload(owner, new_data())
        self.quarantine(image_id=image_id)
        body = json.dumps({'method': {'name': 'copy-image'},
                           'stores': ['fs2']})
        resp = self.request('POST', '/v2/images/%s/import' % image_id,
                            dict(ADMIN, **JSON), data=body)
        self.assertEqual(409, resp.status_code, resp.text)
        self.assertIn(MSG_COPY, message(resp))
        self.assertEqual(['fs'], self.show(image_id, ADMIN)['stores']
                         .split(','))
        # The same request for an image of other content is Glance's.
        # The same request for an image of other content is Glance's.  Its
        # copy runs on after the answer, writing to Glance's SQLite
        # database: this class has a server of its own, so that no other
        # test's writes meet it ("database is locked").
        resp = self.request('POST', '/v2/images/%s/import' % control,
                            dict(ADMIN, **JSON), data=body)
        self.assertEqual(202, resp.status_code, resp.text)


class TestQuarantineRefusals(QuarantineTestCase):
    """404 before 403 on every new route; 400s for bad input."""

    def test_quarantine_by_image_is_404_before_403(self):
        caller = new_project('caller')
        hidden = self.upload(new_project('hidden'), new_data())
        visible = self.upload(caller, new_data())
        missing = str(uuid.uuid4())
        for image_id in (hidden, missing):
            resp = self.quarantine(caller, expect=None, image_id=image_id)
            self.assertEqual(404, resp.status_code, resp.text)
            self.assertIn(MSG_NO_IMAGE % image_id, message(resp))
        resp = self.quarantine(caller, expect=None, image_id=visible)
        self.assertEqual(403, resp.status_code, resp.text)
        resp = self.quarantine(caller, expect=None,
                               os_hash_algo='sha512',
                               os_hash_value=sha512(new_data()))
        self.assertEqual(403, resp.status_code, resp.text)
        # An admin is told the same 404 for a missing image.
        resp = self.quarantine(expect=None, image_id=missing)
        self.assertEqual(404, resp.status_code, resp.text)
        self.assertIn(MSG_NO_IMAGE % missing, message(resp))
        sources = {q.source_image_id for q in self.store.list_quarantines()}
        self.assertEqual(set(), sources & {hidden, visible, missing})
        self.assertEqual('active', self.show(visible, caller)['status'])

    def test_quarantine_ids_are_404_to_whoever_may_not_see_them(self):
        qid = self.quarantine(checksum=md5(new_data()))['id']
        missing = str(uuid.uuid4())
        owner = new_project('refused')
        for headers in (owner, fixtures.OWNER_READER):
            for target in (qid, missing):
                for resp in (self.get_quarantine(target, headers),
                             self.lift(target, headers)):
                    self.assertEqual(404, resp.status_code, resp.text)
                    self.assertIn(MSG_NO_QUARANTINE % target,
                                  message(resp))
            resp = self.get('/v2/quarantines', headers)
            self.assertEqual(403, resp.status_code, resp.text)
        self.assertTrue(self.store.get_quarantine(qid).live)
        for resp in (self.get_quarantine(missing), self.lift(missing)):
            self.assertEqual(404, resp.status_code, resp.text)
            self.assertIn(MSG_NO_QUARANTINE % missing, message(resp))
        self.assertEqual(200, self.get_quarantine(qid).status_code)

    def test_bad_input_is_a_400_with_a_message(self):
        queued = self.create_image(headers=new_project('queued'), data=None)
        value = sha512(new_data())
        algorithms = ', '.join(sorted(quarantine.ALGORITHMS))
        cases = [
            ({'os_hash_algo': 'sha0', 'os_hash_value': value},
             quarantine.MSG_ALGO % ('sha0', algorithms)),
            ({'os_hash_algo': 'sha512', 'os_hash_value': 'z' * 128},
             quarantine.MSG_HEX % 'os_hash_value'),
            ({'os_hash_algo': 'sha512', 'os_hash_value': value[:64]},
             quarantine.MSG_LENGTH % ('os_hash_value', 'sha512', 128, 64)),
            ({'checksum': 'ab' * 8},
             quarantine.MSG_LENGTH % ('checksum', 'md5', 32, 16)),
            ({'os_hash_algo': 'sha512'}, quarantine.MSG_PAIR),
            ({}, quarantine.MSG_NO_CONTENT),
            ({'image_id': queued, 'checksum': 'ab' * 16},
             quarantine.MSG_IMAGE_AND_HASH),
            ({'image_id': queued},
             quarantine.MSG_NO_HASH % (queued, 'queued')),
        ]
        for body, text in cases:
            resp = self.quarantine(expect=None, **body)
            self.assertEqual(400, resp.status_code, body)
            self.assertIn(text, message(resp), body)
        # A reason is required, and checked as for the actions.
        for reason in (None, '', 'two\nlines'):
            resp = self.quarantine(expect=None, reason=reason,
                                   checksum=md5(new_data()))
            self.assertEqual(400, resp.status_code, reason)
        resp = self.request('POST', '/v2/quarantines', dict(ADMIN, **JSON),
                            data=b'{not json')
        self.assertEqual(400, resp.status_code, resp.text)
        qid = self.quarantine(checksum=md5(new_data()))['id']
        resp = self.lift(qid, reason=None)
        self.assertEqual(400, resp.status_code, resp.text)
        self.assertTrue(self.store.get_quarantine(qid).live)
