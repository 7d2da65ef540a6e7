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

"""The operator commands on what a real Glance 33 with the filter wrote.

One real Glance API with the filter (``filter`` mode: Glance's own
``deactivate``/``reactivate`` are ``"!"``); deactivations go through its
API, with a reason; then the installed ``glance-deactivate-manage`` and
``glance-deactivate-status`` read the node's own ``glance-api.conf``, as
an operator on that node would.
"""

import json
import os
import subprocess
import sys

from glance_deactivate.db import migration
from tests.functional import fixtures

BIN = os.path.dirname(sys.executable)
REASON = 'malware found \u2014 ticket 42'


class OperatorCommandsTest(fixtures.GlanceTestCase):

    PREFIX = 'gd-commands-'

    def run_script(self, name, *args):
        done = subprocess.run(
            [os.path.join(BIN, name), '--config-file',
             self.server.config_file] + list(args),
            capture_output=True, text=True, timeout=120,
            stdin=subprocess.DEVNULL, cwd=self.server.workdir)
        return done.returncode, done.stdout, done.stderr

    def manage_json(self, *args):
        code, out, err = self.run_script('glance-deactivate-manage', *args,
                                         '-f', 'json')
        self.assertEqual(0, code, err)
        return json.loads(out)

    def test_show_list_and_history_of_real_actions(self):
        image_id = self.create_image()
        resp = self.request(
            'POST', '/v2/images/%s/actions/deactivate' % image_id,
            dict(fixtures.ADMIN, **fixtures.JSON),
            data=json.dumps({'reason': REASON}).encode('utf-8'))
        self.assertEqual(204, resp.status_code, resp.text)
        # The owner may not lift an admin's deactivation: a refused event.
        self.assertEqual(403, self.action(image_id, 'reactivate').status_code)

        shown = self.manage_json('show', image_id)
        self.assertEqual(
            (True, True, REASON, fixtures.ADMIN['X-User-Id'],
             fixtures.ADMIN['X-Tenant-Id'], fixtures.OWNER['X-Tenant-Id']),
            (shown['Deactivated'], shown['Held'], shown['Reason'],
             shown['User ID'], shown['Project ID'], shown['Owner']))
        self.assertEqual(
            [('reactivate', 'refused', fixtures.OWNER['X-User-Id']),
             ('deactivate', 'changed', fixtures.ADMIN['X-User-Id'])],
            [(e['action'], e['outcome'], e['user_id'])
             for e in shown['History']])
        self.assertEqual(shown['Event ID'], shown['History'][1]['event_id'])

        listed = [row for row in self.manage_json('list')
                  if row['Image ID'] == image_id]
        self.assertEqual([(True, REASON)],
                         [(row['Held'], row['Reason']) for row in listed])
        events = self.manage_json('history', '--image', image_id)
        self.assertEqual(['refused', 'changed'],
                         [e['Outcome'] for e in events])

        # The admin lifts it; the record goes, the history stays.
        self.assertEqual(204, self.action(image_id, 'reactivate',
                                          headers=fixtures.ADMIN).status_code)
        shown = self.manage_json('show', image_id)
        self.assertFalse(shown['Deactivated'])
        self.assertEqual(3, len(shown['History']))
        self.assertEqual([], [row for row in self.manage_json('list')
                              if row['Image ID'] == image_id])

    def test_the_node_passes_its_checks(self):
        code, out, err = self.run_script('glance-deactivate-manage',
                                         'check-pipeline')
        self.assertEqual(0, code, out + err)
        self.assertIn('running: ', out)
        code, out, err = self.run_script('glance-deactivate-manage',
                                         'db', 'version')
        self.assertEqual((0, migration.head() + '\n'), (code, out), err)
        code, out, err = self.run_script('glance-deactivate-status',
                                         'upgrade', 'check', '--json')
        checks = json.loads(out)['checks']
        self.assertEqual(0, code, checks)
        self.assertEqual(['Options', 'State database', 'Schema',
                          'Paste pipeline', "Glance's own deactivate"],
                         [check['check'] for check in checks])
