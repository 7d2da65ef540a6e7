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

"""``tox -e demo`` ends cleanly on Ctrl-C, with and without ``--keystone``.

Ctrl-C in a terminal sends SIGINT to the whole foreground process group;
tox then sends its command SIGINT again and, after its ``interrupt_timeout``,
SIGTERM.  Here the demo (``tools/demo.py``) runs in a process group of its
own until it serves; the test sends SIGINT to the group, and once the demo
says it is stopping, SIGINT again and SIGTERM, as tox does.  The demo must
exit 0 with no traceback, its servers must no longer answer and its
temporary directory must be gone.  With ``--keystone`` the walk-through
runs with real Keystone tokens and every step must give the expected
answer.
"""

import os
import re
import signal
import subprocess
import sys

import requests
import testtools
from testtools import content

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, 'tools', 'demo.py')


class DemoInterruptTest(testtools.TestCase):

    def run_demo(self, *args):
        """(exit code, output) of the demo, interrupted as by tox.

        It runs until it serves; then it is interrupted as a terminal's
        Ctrl-C and tox do.
        """
        env = dict(os.environ, PYTHONPATH=ROOT, PYTHONUNBUFFERED='1')
        process = subprocess.Popen(
            [sys.executable, DEMO] + list(args), cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.addCleanup(self._kill, process)
        lines = []

        def read_until(marker):
            for line in iter(process.stdout.readline, b''):
                lines.append(line.decode(errors='replace'))
                if marker in lines[-1]:
                    return
            self.fail('the demo ended before printing %r:\n%s' % (
                marker, ''.join(lines)))

        read_until('Serving until interrupted')
        os.killpg(process.pid, signal.SIGINT)     # the terminal's Ctrl-C
        read_until('stopping')
        os.killpg(process.pid, signal.SIGINT)     # tox passes it on
        os.killpg(process.pid, signal.SIGTERM)    # tox's next step
        lines.extend(line.decode(errors='replace')
                     for line in process.stdout)
        code = process.wait(timeout=120)
        process.stdout.close()
        printed = ''.join(lines)
        self.addDetail('demo output', content.text_content(printed))
        return code, printed

    def _kill(self, process):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def assertStoppedCleanly(self, code, printed):
        self.assertEqual(0, code)
        self.assertNotIn('Traceback', printed)
        self.assertIn('All steps gave the expected answers.', printed)
        self.assertNotIn('[FAIL]', printed)
        workdir = re.search(r'glance-deactivate in (\S+) \.\.\.',
                            printed).group(1)
        self.assertIn('Stopped; removed %s.' % workdir, printed)
        self.assertFalse(os.path.exists(workdir), workdir)
        for url in re.findall(r' at (http://127\.0\.0\.1:\d+)', printed):
            self.assertRaises(requests.ConnectionError, requests.get,
                              url + '/', timeout=10)

    def test_ctrl_c(self):
        self.assertStoppedCleanly(*self.run_demo())

    def test_ctrl_c_with_keystone(self):
        code, printed = self.run_demo('--keystone')
        self.assertStoppedCleanly(code, printed)
        self.assertIn('Keystone at http://127.0.0.1:', printed)
        self.assertIn('openstack image set --deactivate', printed)
