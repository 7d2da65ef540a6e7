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

"""Parity with Glance 33's native deactivation, side by side.

A filter-mode and a native Glance 33 for the class, given the same images
(the same client-chosen ids), deactivated the same way; each request is
sent verbatim to both, and the answers (status, message or JSON body with
the servers' own directories masked, ``Allow``) and the resulting image
status must be the same:

* the locations API (``GET /v2/images/{id}/locations``), which Glance
  decides by its own rule for that API: a ``service`` user (in another
  project too) gets 200 with an empty list for a deactivated image, a
  plain member 403, an admin the locations; active images alike;
* ``HEAD /v2/images/{id}/file``: Glance's 405 with ``Allow: GET, PUT``;
* imports of a deactivated image: every enabled method's refusal, and
  Glance's own 400 for a method it does not know or has not enabled and
  for a malformed body;
* the spellings of the action URLs: trailing slash, doubled slashes,
  version prefixes, upper-case or percent-encoded action name or id,
  query strings, unknown action names (answer and state);
* downloads by callers Glance's image policy does not name (a member of
  the owning project whose only role is ``observer``, an unscoped caller
  with no project or an anonymous one on a public image): Glance's
  deactivation 403, while a caller its database does not show the image
  to keeps the 404;
* listings sorted by status first, in both directions and with other keys
  and status filters, page by page through ``next``.
"""

import json
from urllib import parse
import uuid

import requests
from testtools import content

from tests.functional import devserver
from tests.functional import fixtures
from tests.functional import rawhttp

ADMIN = fixtures.ADMIN
OWNER = fixtures.OWNER
OBSERVER = devserver.identity_headers('owner-project', roles=('observer',),
                                      user_id='observer-user')
SERVICE = devserver.identity_headers('service-project', roles=('service',),
                                     user_id='nova')
SERVICE_OWNER = devserver.identity_headers(
    'owner-project', roles=('service', 'member', 'reader'), user_id='cinder')
SERVICE_ONLY_OWNER = devserver.identity_headers(
    'owner-project', roles=('service',), user_id='glance-service')
UNSCOPED = {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'unscoped-user',
            'X-Roles': ''}
ANONYMOUS = {}
ANONYMOUS_CONF = '[DEFAULT]\nallow_anonymous_access = true\n'
OTHER = fixtures.OTHER
OURS = fixtures.OURS
NATIVE = fixtures.NATIVE


class ParityTest(fixtures.ServersTestCase):

    PREFIX = 'gd-parity-'
    LOG_LINES = 30

    @classmethod
    def make_servers(cls, directory):
        servers = {OURS: directory.server('filter'),
                   NATIVE: directory.server('native')}
        for server in servers.values():
            # Glance's context filter then gives a caller with no identity
            # an anonymous read-only context (no project, no roles).
            server.extra_conf = ANONYMOUS_CONF
        return servers

    def setUp(self):
        super(ParityTest, self).setUp()
        self.rows = []
        self.addCleanup(lambda: self.addDetail(
            'answers', content.text_content('\n'.join(self.rows) + '\n')))

    # -- the same images on both --------------------------------------------

    def image(self, deactivated=True, visibility='private', data=b'x' * 64):
        """The same new image on both servers; its id."""
        image_id = str(uuid.uuid4())
        # Only an admin may publicize (Glance 33's defaults).
        creator = ADMIN if visibility == 'public' else OWNER
        for server in self.servers.values():
            fixtures.create_image(server.url, creator, data, visibility,
                                  name='parity', id=image_id)
            if deactivated:
                fixtures.deactivate(server.url, image_id, ADMIN)
        return image_id

    def status(self, server, image_id):
        resp = requests.get(server.url + '/v2/images/%s' % image_id,
                            headers=ADMIN, timeout=60)
        if resp.status_code == 404:
            return 'missing'
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()['status']

    def answer(self, server, resp):
        """What a client compares: status, Allow, and the body."""
        text = resp.body.decode('utf-8', 'replace')
        text = text.replace(server.workdir, '<DIR>').replace(
            str(server.port), '<PORT>')
        try:
            body = json.loads(text)
        except ValueError:
            body = rawhttp.message(text.encode('utf-8'))
        return resp.status, resp.headers.get('Allow'), body

    def compare(self, method, target, headers, image_id=None, body=None):
        """Send to both; assert the same answers (and image status)."""
        answers, states = {}, {}
        for name, server in self.servers.items():
            resp = rawhttp.send(server.url, method, target, headers, body)
            answers[name] = self.answer(server, resp)
            if image_id is not None:
                states[name] = self.status(server, image_id)
        self.rows.append('%s %s as %s: ours %s, native %s%s' % (
            method, target, headers.get('X-Roles'), answers[OURS][:2],
            answers[NATIVE][:2],
            '' if image_id is None else ' (status ours %s, native %s)' % (
                states[OURS], states[NATIVE])))
        self.assertEqual(answers[NATIVE], answers[OURS],
                         '%s %s as %s' % (method, target, headers))
        self.assertEqual(states.get(NATIVE), states.get(OURS),
                         '%s %s' % (method, target))
        return answers[OURS]

    # -- the locations API ----------------------------------------------------

    def test_locations_api_for_every_role(self):
        seen = set()
        for deactivated in (True, False):
            image_id = self.image(deactivated=deactivated)
            path = '/v2/images/%s/locations' % image_id
            for caller in (SERVICE, SERVICE_OWNER, SERVICE_ONLY_OWNER, OWNER,
                           ADMIN, OBSERVER):
                status, _allow, body = self.compare('GET', path, caller)
                seen.add((deactivated, caller['X-Roles'], status,
                          json.dumps(body)[:40]))
        # The answers differ by role, as Glance's own do: a service user
        # gets an empty list for a deactivated image, even one that the
        # image API does not show it.
        self.assertIn((True, 'service,member,reader', 200, '[]'), seen)
        self.assertIn((True, 'service', 200, '[]'), seen)

    # -- HEAD on the data route -----------------------------------------------

    def test_head_file_is_glances_405(self):
        image_id = self.image()
        status, allow, _body = self.compare(
            'HEAD', '/v2/images/%s/file' % image_id, OWNER)
        self.assertEqual((405, 'GET, PUT'), (status, allow))

    # -- imports ------------------------------------------------------------

    def test_imports_answer_as_glance(self):
        image_id = self.image()
        path = '/v2/images/%s/import' % image_id
        headers = dict(ADMIN, **{'Content-Type': 'application/json'})
        statuses = set()
        for body in (
                {'method': {'name': 'copy-image'}, 'all_stores': True},
                {'method': {'name': 'glance-direct'}},
                {'method': {'name': 'web-download',
                            'uri': 'http://127.0.0.1:1/x'}},
                # Not enabled in these servers, and unknown to Glance.
                {'method': {'name': 'glance-download',
                            'glance_image_id': image_id,
                            'glance_region': 'r'}},
                {'method': {'name': 'no-such-method'}},
                {'method': {'name': 'copy-image'}, 'all_stores': 'yes'},
                {'method': {}},
                {}):
            status, _allow, _body = self.compare(
                'POST', path, headers, image_id=image_id,
                body=json.dumps(body).encode())
            statuses.add(status)
        self.assertEqual({400, 409}, statuses)

    # -- spellings of the action URLs -----------------------------------------

    def test_action_spellings_answer_and_change_state_as_glance(self):
        spellings = [
            '/v2/images/{id}/actions/{action}',
            '/v2/images/{id}/actions/{action}/',
            '/v2/images/{id}/actions/{action}//',
            '//v2/images/{id}/actions/{action}',
            '/v2//images/{id}/actions/{action}',
            '/v2/images//{id}/actions/{action}',
            '/v2/images/{id}//actions/{action}',
            '/v2/images/{id}/actions//{action}',
            '/v2.0/images/{id}/actions/{action}',
            '/v2.1/images/{id}/actions/{action}',
            '/v2/images/{id}/actions/{ACTION}',
            '/v2/images/{id}/actions/{enc_action}',
            '/v2/images/{ID}/actions/{action}',
            '/v2/images/{enc_id}/actions/{action}',
            '/v2/images/{id}/actions/{action}?x=1',
            '/v2/images/{id}/actions/{action}?',
            '/v2/images/{id}/actions/{action}x',
            '/v2/images/{id}/actions/{action}.json',
        ]
        for action, deactivated in (('deactivate', False),
                                    ('reactivate', True)):
            for spelling in spellings:
                image_id = self.image(deactivated=deactivated)
                target = spelling.format(
                    id=image_id, ID=image_id.upper(),
                    enc_id=''.join('%%%02X' % ord(c) for c in image_id),
                    action=action, ACTION=action.upper(),
                    enc_action='%%%02X%s' % (ord(action[0]), action[1:]))
                self.compare('POST', target, ADMIN, image_id=image_id)

    # -- callers Glance's image policy does not name --------------------------

    def test_download_by_callers_no_policy_names(self):
        private = self.image()
        public = self.image(visibility='public')
        active = self.image(deactivated=False)
        seen = set()
        for image_id in (private, public, active):
            for caller in (OBSERVER, UNSCOPED, OTHER, ANONYMOUS):
                status, _allow, body = self.compare(
                    'GET', '/v2/images/%s/file' % image_id, caller,
                    image_id=image_id)
                seen.add((image_id, caller.get('X-User-Id'), status))
        # Glance's own answers, which the filter now gives too: the
        # deactivation 403 to the observer and to the unscoped caller on
        # the public image; 404 where the database hides the image.
        self.assertIn((private, 'observer-user', 403), seen)
        self.assertIn((public, 'unscoped-user', 403), seen)
        self.assertIn((private, 'unscoped-user', 404), seen)
        self.assertIn((private, OTHER['X-User-Id'], 404), seen)
        self.assertIn((active, 'observer-user', 404), seen)
        self.assertIn((public, None, 403), seen)
        self.assertIn((private, None, 404), seen)

    # -- sorting by status ----------------------------------------------------

    def test_sorting_by_status_pages_as_glance(self):
        name = 'sorted-%s' % uuid.uuid4().hex[:8]
        sizes = [3, 1, 4, 1, 5, 9, 2, 6]
        for index, size in enumerate(sizes):
            image_id = str(uuid.uuid4())
            data = None if index % 4 == 3 else b'x' * size  # some queued
            for server in self.servers.values():
                fixtures.create_image(server.url, OWNER, data, name=name,
                                      id=image_id)
                if index % 3 == 0 and data is not None:
                    fixtures.deactivate(server.url, image_id, ADMIN)
        queries = [
            'sort_key=status',
            'sort_key=status&sort_dir=asc',
            'sort=status:asc,id:desc',
            'sort=status:desc,created_at:asc',
            # (Glance 33 pages a NULL size, a queued image's, in circles.)
            'sort=status:desc,size:asc&status=in:active,deactivated',
            'sort_key=status&sort_key=size&sort_dir=asc&sort_dir=desc'
            '&status=in:deactivated,active',
            'sort=status:asc&status=in:deactivated,queued',
            'sort=status:desc&status=in:active,deactivated',
            'sort=status:desc&status=deactivated',
        ]
        statuses = set()
        for query in queries:
            for limit in ('limit=1&', 'limit=3&', 'limit=100&', ''):
                pages = {}
                for stack, server in self.servers.items():
                    pages[stack] = self.pages(
                        server, '/v2/images?name=%s&%s%s' % (
                            name, limit, query))
                self.rows.append('%s %s: %s' % (query, limit, [
                    [status for _id, status in page]
                    for page, _next in pages[OURS]]))
                self.assertEqual(pages[NATIVE], pages[OURS], query)
                statuses.update(status for page, _next in pages[OURS]
                                for _id, status in page)
        self.assertEqual({'active', 'deactivated', 'queued'}, statuses)

    def pages(self, server, target):
        """Every page of a listing through ``next``: [(ids+statuses, next)]."""
        out = []
        for _page in range(20):
            resp = requests.get(server.url + target, headers=OWNER,
                                timeout=60)
            self.assertEqual(200, resp.status_code, resp.text)
            document = resp.json()
            out.append(([(i['id'], i['status']) for i in document['images']],
                        document.get('next')))
            target = document.get('next')
            if not target:
                return out
            # The same link on both; the server's own path either way.
            self.assertTrue(parse.urlparse(target).path == '/v2/images')
        self.fail('more than 20 pages')
