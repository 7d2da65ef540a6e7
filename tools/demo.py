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

Then it keeps serving until interrupted (Ctrl-C), printing curl commands to
try; ``--exit`` stops after the walk-through.  The exit status is non-zero
if any step did not give the expected answer.
"""

import argparse
import signal
import sys
import time

from tests.functional import devserver
from tests.functional import walkthrough


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--exit', action='store_true',
                        help='stop after the walk-through')
    parser.add_argument('--port', type=int, default=None,
                        help='port on 127.0.0.1 (default: a free one)')
    args = parser.parse_args(argv)

    server = devserver.GlanceServer(mode='filter', port=args.port)
    print('Starting Glance 33 with glance-deactivate in %s ...'
          % server.workdir)
    server.start()
    try:
        print('Glance API with the filter at %s' % server.url)
        walk = walkthrough.Walkthrough(server.url)
        image_id = walk.run()
        print('%d step(s) failed' % walk.failures if walk.failures
              else 'All steps gave the expected answers.')
        if args.exit or walk.failures:
            return 1 if walk.failures else 0
        print(_curl_hints(server.url, image_id))
        print('Serving until interrupted (Ctrl-C) ...')
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
        while server.process.poll() is None:
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


if __name__ == '__main__':
    sys.exit(main())
