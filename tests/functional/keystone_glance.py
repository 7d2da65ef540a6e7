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

"""Serve the real Glance API behind real keystonemiddleware, without Keystone.

Usage::

    python keystone_glance.py CONFIG_DIR PORT TOKENS_JSON

``CONFIG_DIR`` holds a ``glance-api.conf`` (and paste file) written by
``devserver.GlanceServer(keystone=True).write_config()`` with its databases
synced (``db_sync()``), so that ``authtoken`` is in the pipeline.
``TOKENS_JSON`` is a file with a list of tokens to accept::

    [{"token_id": "...", "user_id": "...", "project_id": "...",
      "roles": ["member", "reader"]}, ...]

keystonemiddleware's ``AuthTokenFixture`` patches ``auth_token`` in this
process only (that is why this is a separate process rather than gunicorn):
a listed token validates to its user, project and roles; any other token is
invalid, as Keystone would say.  Everything else is the real thing:
``auth_token`` strips client-supplied identity headers and sets
``X-Identity-Status``, Glance's ``context`` builds the request context, the
deactivate filter and Glance answer.  Glance's app is loaded with
``glance.common.wsgi_app.init_app()`` (what ``glance.wsgi.api`` does) and
served with wsgiref on 127.0.0.1; ``READY`` is printed once it listens.

``test_identity`` uses this for its fixed tokens; ``test_keystone`` and
``test_cli`` run Glance behind a real Keystone instead
(``keystone_server.py``).
"""

import json
import os
import sys
from wsgiref import simple_server


class _Handler(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write('%s\n' % (format % args))


def main(argv):
    config_dir, port, tokens_file = argv
    # Run as a script, this file's directory comes first on sys.path, where
    # the tests' fixtures.py would hide the fixtures library that
    # keystonemiddleware's fixture imports.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path
                   if os.path.abspath(p or os.curdir) != here]
    os.environ['OS_GLANCE_CONFIG_DIR'] = config_dir

    from keystonemiddleware import fixture

    auth = fixture.AuthTokenFixture()
    auth.setUp()
    with open(tokens_file) as tokens:
        for token in json.load(tokens):
            auth.add_token_data(
                token_id=token['token_id'], user_id=token['user_id'],
                user_name=token['user_id'], project_id=token['project_id'],
                project_name=token['project_id'], user_domain_id='default',
                project_domain_id='default', role_list=token['roles'])

    from glance.common import wsgi_app
    app = wsgi_app.init_app()
    server = simple_server.make_server('127.0.0.1', int(port), app,
                                       handler_class=_Handler)
    print('READY', flush=True)
    try:
        server.serve_forever()
    finally:
        auth.cleanUp()


if __name__ == '__main__':
    main(sys.argv[1:])
