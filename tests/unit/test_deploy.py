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

"""Deploying the filter with paste.deploy, configured as operators do."""

import os

import fixtures
from paste import deploy
import testtools

from glance_deactivate import middleware
from tests.unit import fakes

PASTE = """
[pipeline:main]
pipeline = deactivate fake

[app:fake]
paste.app_factory = tests.unit.fakes:app_factory

[filter:deactivate]
%(factory)s
oslo_config_project = glance_deactivate_unit_tests
oslo_config_file = %(conf)s
%(extra)s
"""

CONF = """
[image_deactivation]
connection = sqlite:///%(tmp)s/state.sqlite
fail_open = true
policy_file = %(tmp)s/policy.yaml
"""


class TestDeploy(testtools.TestCase):

    def setUp(self):
        super(TestDeploy, self).setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.conf = os.path.join(self.tmp, 'api.conf')
        with open(self.conf, 'w') as f:
            f.write(CONF % {'tmp': self.tmp})

    def load(self, factory, extra=''):
        path = os.path.join(self.tmp, 'api-paste.ini')
        with open(path, 'w') as f:
            f.write(PASTE % {'factory': factory, 'conf': self.conf,
                             'extra': extra})
        return deploy.loadapp('config:%s' % path)

    def test_egg_entry_point(self):
        app = self.load('use = egg:glance-deactivate#deactivate')
        self.assertIsInstance(app, middleware.DeactivateFilter)
        self.assertTrue(app.options.fail_open)
        self.assertEqual('sqlite:///%s/state.sqlite' % self.tmp,
                         app.options.connection)

    def test_factory_path(self):
        app = self.load('paste.filter_factory = '
                        'glance_deactivate.middleware:filter_factory')
        self.assertIsInstance(app, middleware.DeactivateFilter)

    def test_stanza_overrides_the_file(self):
        app = self.load('use = egg:glance-deactivate#deactivate',
                        extra='fail_open = false')
        self.assertFalse(app.options.fail_open)

    def test_bad_stanza_value_names_the_option(self):
        e = self.assertRaises(ValueError, self.load,
                              'use = egg:glance-deactivate#deactivate',
                              extra='max_rewrite_bytes = lots')
        self.assertIn('lots', str(e))

    def test_unknown_stanza_key_is_reported(self):
        log = self.useFixture(fixtures.FakeLogger())
        self.load('use = egg:glance-deactivate#deactivate',
                  extra='fail_opne = true')
        self.assertIn('fail_opne', log.output)

    def test_deployed_filter_answers(self):
        app = self.load('use = egg:glance-deactivate#deactivate')
        image_id = app.application.add('11111111-2222-3333-4444-555555555555')
        resp = fakes.request('/v2/images/%s/actions/deactivate' % image_id,
                             method='POST').get_response(app)
        self.assertEqual(204, resp.status_int)
        self.assertTrue(os.path.exists(os.path.join(self.tmp,
                                                    'state.sqlite')))
