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

"""In front of a Glance 33 with its own deactivate: one state, no false 204.

Three real glance-api nodes share one Glance database and image store (and
the two filter nodes one state database), as a cloud does while the filter
is rolled out:

``bare``
    no filter: Glance's own deactivate, as before the filter went in (or a
    node without it);
``on``
    the filter, with Glance's own ``deactivate``/``reactivate`` rules left
    at Glance's defaults (enabled);
``off``
    the filter, with Glance's own rules ``"!"`` (the operator's choice when
    the filter owns the feature).

An image Glance deactivated itself must never get a 204 for ``reactivate``
while it stays ``deactivated``; ``?status=deactivated`` and every listing
must show it as Glance does.
"""

import os
import uuid

from tests.functional import fixtures

ADMIN = fixtures.ADMIN
OWNER = fixtures.OWNER
MSG_NATIVE_REFUSED = 'You are not authorized to complete reactivate action.'


class GlanceRulesServer(fixtures.Server):
    """A filter-mode server whose policy keeps Glance's own action rules."""

    def write_config(self):
        super(GlanceRulesServer, self).write_config()
        self._write('policy.yaml', self.policy or '{}\n')


class NativeCoexistenceTest(fixtures.ServersTestCase):

    PREFIX = 'gd-native-'
    START_IN_ORDER = True

    @classmethod
    def make_servers(cls, directory):
        shared = dict(
            glance_db='sqlite:///%s/glance.sqlite' % directory.path,
            images_dir=os.path.join(directory.path, 'images'))
        state = 'sqlite:///%s/state.sqlite' % directory.path
        on = GlanceRulesServer(mode='filter', state_db=state,
                               workdir=_workdir(directory, 'on'), **shared)
        return {
            'bare': directory.server('native', name='bare', **shared),
            'on': on,
            'off': directory.server('filter', name='off', state_db=state,
                                    **shared),
        }

    def url(self, node):
        return self.servers[node].url

    def natively_deactivated(self, visibility='private'):
        """An image Glance itself deactivated (through the bare node)."""
        creator = ADMIN if visibility == 'public' else OWNER
        image_id = fixtures.create_image(self.url('bare'), creator,
                                         visibility=visibility,
                                         prefix='native')
        fixtures.deactivate(self.url('bare'), image_id, ADMIN)
        return image_id

    def status(self, node, image_id):
        return fixtures.status_of(self.url(node), image_id)

    def test_reactivate_is_never_a_false_204(self):
        image_id = self.natively_deactivated()
        resp = fixtures.action(self.url('off'), image_id, 'reactivate',
                               ADMIN)
        self.assertEqual(403, resp.status_code, resp.text)
        self.assertIn(MSG_NATIVE_REFUSED, resp.text)
        for node in self.servers:
            self.assertEqual('deactivated', self.status(node, image_id))

    def test_reactivate_goes_to_glances_own_action_when_enabled(self):
        image_id = self.natively_deactivated()
        resp = fixtures.action(self.url('on'), image_id, 'reactivate', OWNER)
        self.assertEqual(204, resp.status_code, resp.text)
        for node in self.servers:
            self.assertEqual('active', self.status(node, image_id))
        resp = fixtures._request(None, 'GET', self.url('off') +
                                 '/v2/images/%s/file' % image_id, OWNER)
        self.assertEqual(200, resp.status_code)
        self.assertEqual(fixtures.DATA, resp.content)

    def test_glances_own_policy_decides(self):
        image_id = self.natively_deactivated()
        other = fixtures.OTHER
        resp = fixtures.action(self.url('on'), image_id, 'reactivate', other)
        self.assertEqual(404, resp.status_code)
        reader = fixtures.OWNER_READER
        resp = fixtures.action(self.url('on'), image_id, 'reactivate', reader)
        self.assertEqual(403, resp.status_code)
        self.assertEqual('deactivated', self.status('bare', image_id))

    def test_both_deactivations_are_lifted_together(self):
        image_id = fixtures.create_image(self.url('on'), OWNER,
                                         prefix='both')
        fixtures.deactivate(self.url('on'), image_id, ADMIN)  # the filter's
        fixtures.deactivate(self.url('bare'), image_id, ADMIN)  # Glance's
        self.assertEqual('deactivated', self.status('bare', image_id))
        resp = fixtures.action(self.url('on'), image_id, 'reactivate', ADMIN)
        self.assertEqual(204, resp.status_code, resp.text)
        for node in self.servers:
            self.assertEqual('active', self.status(node, image_id))

    def test_deactivate_of_a_natively_deactivated_image(self):
        image_id = self.natively_deactivated()
        for node in ('on', 'off'):
            resp = fixtures.action(self.url(node), image_id, 'deactivate',
                                   ADMIN)
            self.assertEqual(204, resp.status_code, resp.text)
        # Glance's own reactivate lifts it: the filter added nothing.
        resp = fixtures.action(self.url('bare'), image_id, 'reactivate',
                               ADMIN)
        self.assertEqual(204, resp.status_code)
        self.assertEqual('active', self.status('off', image_id))

    def test_listings_agree(self):
        tag = 'coexist-%s' % uuid.uuid4().hex[:8]
        native = self.natively_deactivated()
        ours = fixtures.create_image(self.url('off'), OWNER, prefix='ours')
        fixtures.deactivate(self.url('off'), ours, ADMIN)
        active = fixtures.create_image(self.url('off'), OWNER,
                                       prefix='active')
        ids = {native, ours, active}
        for image_id in ids:
            resp = fixtures._request(
                None, 'PUT', self.url('bare') + '/v2/images/%s/tags/%s' % (
                    image_id, tag), ADMIN)
            self.assertEqual(204, resp.status_code, resp.text)
        for node in ('on', 'off'):
            def listed(query):
                resp = fixtures._request(
                    None, 'GET', self.url(node) + '/v2/images?tag=%s&%s' % (
                        tag, query), OWNER)
                self.assertEqual(200, resp.status_code, resp.text)
                return {i['id']: i['status'] for i in resp.json()['images']}
            expected = {native: 'deactivated', ours: 'deactivated',
                        active: 'active'}
            self.assertEqual(expected, listed('limit=10'), node)
            self.assertEqual({native: 'deactivated', ours: 'deactivated'},
                             listed('status=deactivated'), node)
            self.assertEqual({active: 'active'}, listed('status=active'))
            self.assertEqual(expected,
                             listed('status=in:active,deactivated'), node)
            self.assertEqual(expected, listed('sort_key=status'), node)


def _workdir(directory, name):
    path = os.path.join(directory.path, name)
    os.makedirs(path)
    return path
