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

"""The real command-line clients, as an operator runs them.

``glance`` (python-glanceclient) and ``openstack`` (python-openstackclient)
run as subprocesses with nothing but ``OS_*`` environment variables, against
a real Keystone (``keystone_server``) whose catalog lists two real Glance
33 APIs behind ``auth_token``: region ``filter`` (this package's filter,
Glance's own deactivate off) and region ``native`` (Glance's own).  Each
step runs in both regions and the transcripts (exit code, what the command
printed, with the image id replaced) must be the same.

What an operator sees, shown here:

* ``glance image-deactivate``/``image-reactivate`` exit 0 when done and 1
  with ``HTTP 403 Forbidden: You are not authorized to complete deactivate
  action.`` when refused; ``glance image-download`` of a deactivated image
  exits 1 with Glance's message and writes no data;
* **openstackclient exits 0 and prints nothing when a deactivate or
  activate is refused** (``image set --deactivate``/``--activate``): only
  ``image show`` tells what happened;
* **``openstack image save`` of a deactivated image writes the 403 error
  page into the output file** and exits 1 reporting a checksum mismatch;
* ``openstack image list --status deactivated`` lists it.
"""

import concurrent.futures
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile

from tests.functional import fixtures
from tests.functional import keystone_server as ks

REGIONS = ('filter', 'native')
USERS = {
    'admin': (ks.ADMIN_USER, ks.ADMIN_PROJECT),
    'member': ('owner-member', ks.OWNER_PROJECT),
    'reader': ('owner-reader', ks.OWNER_PROJECT),
}
MSG_REFUSED = ('HTTP 403 Forbidden: You are not authorized to complete '
               '%s action.')


class CommandLineTest(fixtures.KeystoneTestCase):

    def setUp(self):
        super(CommandLineTest, self).setUp()
        self.cwd = tempfile.mkdtemp(prefix='gd-cli-')
        self.addCleanup(shutil.rmtree, self.cwd, ignore_errors=True)
        self.transcripts = {region: [] for region in REGIONS}
        for region in REGIONS:
            os.mkdir(os.path.join(self.cwd, region))

    def env(self, who, region):
        user, project = USERS[who]
        return {
            'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
            'HOME': self.cwd,
            'LANG': 'C.UTF-8',
            'OS_AUTH_URL': self.keystone_url + '/v3',
            'OS_IDENTITY_API_VERSION': '3',
            'OS_USERNAME': user,
            'OS_PASSWORD': ks.PASSWORD,
            'OS_USER_DOMAIN_ID': ks.DOMAIN,
            'OS_PROJECT_NAME': project,
            'OS_PROJECT_DOMAIN_ID': ks.DOMAIN,
            'OS_REGION_NAME': region,
            'OS_INTERFACE': 'public',
            'OS_IMAGE_API_VERSION': '2',
        }

    def run_cli(self, region, who, *args, image_id, record_err=True):
        """Run a client; (exit code, stdout, stderr), also in the transcript.

        The image id is given as ``{id}`` in ``args``.  With ``record_err``
        false, only the exit code goes into the transcript.
        """
        argv = [arg.format(id=image_id) for arg in args]
        argv[0] = os.path.join(os.path.dirname(sys.executable), argv[0])
        result = subprocess.run(argv, env=self.env(who, region),
                                cwd=os.path.join(self.cwd, region),
                                stdin=subprocess.DEVNULL,
                                capture_output=True, timeout=300)
        out = result.stdout.decode(errors='replace')
        err = result.stderr.decode(errors='replace')
        self.transcripts[region].append('$ [%s] %s -> %d\n%s' % (
            who, ' '.join(args), result.returncode,
            err.replace(image_id, '{id}') if record_err else ''))
        return result.returncode, out, err

    def note(self, region, what):
        """Add what the last step printed (the same in each region)."""
        self.transcripts[region][-1] += '%s\n' % (what,)

    def image(self, region):
        url = self.glance_url(region)
        token = ks.token(self.keystone_url, *USERS['member'])
        return fixtures.create_image(url, {'X-Auth-Token': token})

    def status(self, region, image_id):
        """The image's status, asked over HTTP with an admin token."""
        token = ks.token(self.keystone_url, *USERS['admin'])
        return fixtures.status_of(self.glance_url(region), image_id,
                                  {'X-Auth-Token': token})

    def read(self, region, name):
        path = os.path.join(self.cwd, region, name)
        if not os.path.exists(path):
            return None
        with open(path, 'rb') as f:
            data = f.read()
        os.remove(path)
        return data

    def in_both_regions(self, story):
        """Run ``story(region)`` in both regions at once; raise its failure.

        The clients are slow to start: the two regions run side by side.
        """
        with concurrent.futures.ThreadPoolExecutor(len(REGIONS)) as pool:
            for future in [pool.submit(story, region) for region in REGIONS]:
                future.result()

    def assertSameTranscripts(self):
        self.addDetail('transcripts', fixtures.content.text_content(
            '\n'.join('=== %s\n%s' % (region, '\n'.join(lines))
                      for region, lines in sorted(
                          self.transcripts.items()))))
        self.assertEqual(self.transcripts['native'],
                         self.transcripts['filter'])

    # -- python-glanceclient ----------------------------------------------

    def glance_story(self, region):
        image_id = self.image(region)
        run = functools.partial(self.run_cli, region, image_id=image_id)

        code, out, err = run('reader', 'glance', 'image-deactivate', '{id}')
        self.assertEqual((1, MSG_REFUSED % 'deactivate'),
                         (code, err.strip()))
        self.assertEqual('active', self.status(region, image_id))

        code, out, err = run('admin', 'glance', 'image-deactivate', '{id}')
        self.assertEqual((0, '', ''), (code, out, err))

        code, out, err = run('member', 'glance', 'image-show', '{id}')
        self.assertEqual(0, code, err)
        rows = [line.split('|') for line in out.splitlines()
                if line.startswith('| status ')]
        self.assertEqual(['deactivated'], [row[2].strip() for row in rows])
        self.note(region, rows)

        code, out, err = run('member', 'glance', 'image-download', '--file',
                             'member.raw', '{id}')
        self.assertEqual(1, code)
        self.assertIn("Unable to download image '%s'. (HTTP 403 Forbidden: "
                      '%s)' % (image_id, fixtures.MSG_DOWNLOAD), err)
        written = self.read(region, 'member.raw')
        self.assertFalse(written and fixtures.DATA[:64] in written)

        code, out, err = run('admin', 'glance', 'image-download', '--file',
                             'admin.raw', '{id}')
        self.assertEqual(0, code, err)
        self.assertEqual(fixtures.DATA, self.read(region, 'admin.raw'))

        # Refused; the message may name the filter's hold on an image an
        # administrator deactivated (not Glance's), so only the status is
        # compared between the regions.
        code, out, err = run('reader', 'glance', 'image-reactivate', '{id}',
                             record_err=False)
        self.assertEqual(1, code)
        self.assertTrue(err.startswith('HTTP 403 Forbidden: '), err)
        self.note(region, err.split(':')[0])
        self.assertEqual('deactivated', self.status(region, image_id))

        code, out, err = run('admin', 'glance', 'image-reactivate', '{id}')
        self.assertEqual((0, '', ''), (code, out, err))
        code, out, err = run('member', 'glance', 'image-download', '--file',
                             'again.raw', '{id}')
        self.assertEqual(0, code, err)
        self.assertEqual(fixtures.DATA, self.read(region, 'again.raw'))

    def test_glance_client(self):
        self.in_both_regions(self.glance_story)
        self.assertSameTranscripts()

    # -- python-openstackclient -------------------------------------------

    def openstack_story(self, region):
        image_id = self.image(region)
        run = functools.partial(self.run_cli, region, image_id=image_id)

        # Refused (403), yet exit 0 and not a word: only `image show` says.
        code, out, err = run('reader', 'openstack', 'image', 'set',
                             '--deactivate', '{id}')
        self.assertEqual((0, '', ''), (code, out, err))
        self.assertEqual('active', self.status(region, image_id))

        code, out, err = run('admin', 'openstack', 'image', 'set',
                             '--deactivate', '{id}')
        self.assertEqual((0, '', ''), (code, out, err))

        code, out, err = run('member', 'openstack', 'image', 'show', '-f',
                             'value', '-c', 'status', '{id}')
        self.assertEqual((0, 'deactivated'), (code, out.strip()))
        self.note(region, out)

        code, out, err = run('member', 'openstack', 'image', 'list',
                             '--status', 'deactivated', '-f', 'json')
        self.assertEqual(0, code, err)
        listed = {image['ID']: image['Status'] for image in json.loads(out)}
        self.assertEqual('deactivated', listed.get(image_id))
        self.note(region, set(listed.values()))

        # The error page lands in the file; the command reports a checksum
        # mismatch, not the 403.
        code, out, err = run('member', 'openstack', 'image', 'save',
                             '--file', 'member.raw', '{id}')
        self.assertEqual(1, code)
        self.assertIn('Unable to download image: checksum mismatch', err)
        self.assertNotIn('403', err)
        written = self.read(region, 'member.raw')
        self.note(region, written)
        self.assertIn(fixtures.MSG_DOWNLOAD.encode(), written)
        self.assertIn(b'403 Forbidden', written)
        self.assertNotIn(fixtures.DATA[:64], written)

        code, out, err = run('admin', 'openstack', 'image', 'save',
                             '--file', 'admin.raw', '{id}')
        self.assertEqual(0, code, err)
        self.assertEqual(fixtures.DATA, self.read(region, 'admin.raw'))

        code, out, err = run('reader', 'openstack', 'image', 'set',
                             '--activate', '{id}')
        self.assertEqual((0, '', ''), (code, out, err))
        self.assertEqual('deactivated', self.status(region, image_id))

        code, out, err = run('admin', 'openstack', 'image', 'set',
                             '--activate', '{id}')
        self.assertEqual((0, '', ''), (code, out, err))
        self.assertEqual('active', self.status(region, image_id))

    def test_openstack_client(self):
        self.in_both_regions(self.openstack_story)
        self.assertSameTranscripts()
