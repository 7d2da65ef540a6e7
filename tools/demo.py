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

"""Walk through image deactivation on a real Glance API, then keep serving.

Run with ``tox -e demo`` (or, from a checkout, ``PYTHONPATH=. python
tools/demo.py`` where ``glance``, ``gunicorn`` and ``python-glanceclient``
are installed).  It starts the real Glance API (glance 33) on 127.0.0.1
with the filter in its paste pipeline, its SQLite databases and file store
in a temporary directory, and drives it with python-glanceclient, the
client Nova and Cinder use to download images, through the walk-through of
``tests/functional/walkthrough.py``:

1. a project member creates an image and uploads data;
2. an administrator deactivates it;
3. the member sees ``status: deactivated`` and is refused the download;
4. the administrator downloads the exact bytes;
5. the administrator reactivates it and the member downloads it again.

By default Glance trusts identity headers (its ``context`` filter without
``authtoken``).  With ``--keystone`` (``tox -e demo -- --keystone``) a real
Keystone runs too (``tests/functional/keystone_server.py``: SQLite, fernet
tokens, bootstrapped by ``keystone-manage``), Glance validates tokens with
keystonemiddleware ``auth_token``, and the member and the administrator
are Keystone users whose tokens come from keystoneauth password
authentication; the demo then prints the ``OS_*`` variables with which the
``openstack`` and ``glance`` command-line clients reach it.

Then it keeps serving until interrupted (Ctrl-C), printing commands to
try; ``--exit`` stops after the walk-through.  The exit status is non-zero
if any step did not give the expected answer.  Ctrl-C, or SIGTERM, stops
the servers, removes the temporary directory and exits 0; the signals that
follow while it does so (tox sends SIGINT again, then SIGTERM) are ignored,
and ``tox.ini`` gives the demo time to finish.  tox itself still ends an
interrupted run with ``demo: SKIP`` and ``evaluation failed`` (its exit
status 1): that is tox's verdict on any run stopped by Ctrl-C.
"""

import argparse
import signal
import sys
import time

from tests.functional import devserver
from tests.functional import keystone_server
from tests.functional import walkthrough

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: stop the servers and exit cleanly."""


def _interrupt(signum, frame):
    _ignore_stop_signals()
    raise Interrupted(signal.Signals(signum).name)


def _ignore_stop_signals():
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def _curl_hints(url, image_id):
    member = ' '.join("-H '%s: %s'" % kv for kv in walkthrough.MEMBER.items())
    admin = ' '.join("-H '%s: %s'" % kv for kv in walkthrough.ADMIN.items())
    return '\n'.join([
        'Try it (the server trusts these identity headers):',
        '  curl -i -X POST %s %s/v2/images/%s/actions/deactivate'
        % (admin, url, image_id),
        '  curl -i %s %s/v2/images/%s/file' % (member, url, image_id),
        '  curl -i -X POST %s %s/v2/images/%s/actions/reactivate'
        % (admin, url, image_id),
    ])


def _cli_hints(keystone_url, image_id):
    env = ' '.join([
        'OS_AUTH_URL=%s/v3' % keystone_url, 'OS_IDENTITY_API_VERSION=3',
        'OS_USERNAME=%s' % keystone_server.ADMIN_USER,
        'OS_PASSWORD=%s' % keystone_server.PASSWORD,
        'OS_PROJECT_NAME=%s' % keystone_server.ADMIN_PROJECT,
        'OS_USER_DOMAIN_ID=default', 'OS_PROJECT_DOMAIN_ID=default',
        'OS_REGION_NAME=%s' % keystone_server.REGION])
    return '\n'.join([
        'Try it as the Keystone admin (from the demo environment, '
        '.tox/demo/bin):',
        '  export %s' % env,
        '  openstack image set --deactivate %s' % image_id,
        '  openstack image show -c status %s' % image_id,
        '  openstack image set --activate %s' % image_id,
        'Other users (password %s): owner-member, owner-reader, '
        'owner-observer (project %s), other-member (project %s).' % (
            keystone_server.PASSWORD, keystone_server.OWNER_PROJECT,
            keystone_server.OTHER_PROJECT),
    ])


def _keystone_clients(keystone_url):
    """glanceclient clients for the owner's member and the admin."""
    from glanceclient import client as glance_client

    def client(user, project):
        session = keystone_server.session(keystone_url, user, project)
        return glance_client.Client('2', session=session,
                                    region_name=keystone_server.REGION)

    return (client('owner-member', keystone_server.OWNER_PROJECT),
            client(keystone_server.ADMIN_USER, keystone_server.ADMIN_PROJECT))


class _Demo(object):
    """The servers of one demo run: ``start()``, ``stop()``."""

    def __init__(self, keystone, port):
        self.keystone = keystone
        if keystone:
            self.stack = keystone_server.Stack(
                {keystone_server.REGION: 'filter'})
            self.workdir = self.stack.workdir
        else:
            self.server = devserver.GlanceServer(mode='filter', port=port)
            self.workdir = self.server.workdir

    def start(self):
        if self.keystone:
            self.stack.start()
            self.glance = self.stack.glances[keystone_server.REGION]
            print('Keystone at %s' % self.stack.url)
        else:
            self.glance = self.server.start()
        print('Glance API with the filter at %s' % self.glance.url)

    def walkthrough(self):
        if not self.keystone:
            return walkthrough.Walkthrough(self.glance.url)
        member, admin = _keystone_clients(self.stack.url)
        return walkthrough.Walkthrough(self.glance.url, member=member,
                                       admin=admin)

    def hints(self, image_id):
        if self.keystone:
            return _cli_hints(self.stack.url, image_id)
        return _curl_hints(self.glance.url, image_id)

    def running(self):
        return self.glance.process is not None and (
            self.glance.process.poll() is None)

    def stop(self):
        if self.keystone:
            self.stack.stop()
        else:
            self.server.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--exit', action='store_true',
                        help='stop after the walk-through')
    parser.add_argument('--keystone', action='store_true',
                        help='run a real Keystone too; Glance validates '
                             'its tokens')
    parser.add_argument('--port', type=int, default=None,
                        help='port of Glance on 127.0.0.1 (default: a free '
                             'one; without --keystone only)')
    args = parser.parse_args(argv)
    if args.keystone and args.port:
        parser.error('--port cannot be used with --keystone')

    for signum in STOP_SIGNALS:
        signal.signal(signum, _interrupt)
    demo = _Demo(args.keystone, args.port)
    print('Starting %sGlance 33 with glance-deactivate in %s ...' % (
        'Keystone and ' if args.keystone else '', demo.workdir), flush=True)
    try:
        demo.start()
        walk = demo.walkthrough()
        image_id = walk.run()
        print('%d step(s) failed' % walk.failures if walk.failures
              else 'All steps gave the expected answers.')
        if args.exit or walk.failures:
            return 1 if walk.failures else 0
        print(demo.hints(image_id))
        print('Serving until interrupted (Ctrl-C) ...', flush=True)
        while demo.running():
            time.sleep(1)
        print('Glance stopped unexpectedly.')
        return 1
    except Interrupted as e:
        print('\nInterrupted (%s): stopping.' % e, flush=True)
        return 0
    finally:
        # Whatever comes now (tox signals twice), the clean-up finishes.
        _ignore_stop_signals()
        demo.stop()
        print('Stopped; removed %s.' % demo.workdir, flush=True)


if __name__ == '__main__':
    sys.exit(main())
