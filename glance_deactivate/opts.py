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

"""Configuration options of glance-deactivate.

All options live in the ``[image_deactivation]`` group, so that they never
collide with the host's own options (Glance's ``[database]`` in particular)
when the filter shares the host's global configuration.  The group carries a
copy of oslo.db's database options (``connection``, pool and retry settings);
``connection`` defaults to a SQLite file, the embedded default.

``list_opts()`` is the ``oslo.config.opts`` entry point used by
``oslo-config-generator --namespace glance_deactivate``.
"""

import copy

from oslo_config import cfg
from oslo_db import options as db_options

GROUP = 'image_deactivation'

DEFAULT_CONNECTION = 'sqlite:////var/lib/glance/glance-deactivate.sqlite'

filter_opts = [
    cfg.BoolOpt('fail_open',
                default=False,
                help="""
Let requests through when the deactivation database cannot be reached.

By default the filter fails closed: while the state database is
unreachable, every request that needs a deactivation check (image data
downloads, the deactivate/reactivate actions, image show and list) is
answered with 503 Service Unavailable and no image data leaves the API.
Requests that need no check pass through either way.

With ``fail_open = true`` such requests are passed to the image service
unchecked while the database is down: a deactivated image's data can then
be downloaded by anyone the image service allows, and deactivated images
show as ``active``.  Use it only where availability of image downloads
matters more than the deactivation control; a WARNING is logged at start-up
and for each request let through.

Possible values:
    * False (default): fail closed
    * True: fail open

Related options:
    * connection
"""),
    cfg.StrOpt('policy_file',
               help="""
Policy file holding the image_deactivation:* rules.

Unset (the default), the filter reads the host's own policy file, the one
named by ``[oslo_policy] policy_file``, so that one policy.yaml holds the
image service's rules and these.  The file is re-read when it changes; no
restart is needed.

Possible values:
    * Unset: use ``[oslo_policy] policy_file``
    * A path to a YAML or JSON policy file

Related options:
    * [oslo_policy] policy_file
"""),
    cfg.BoolOpt('auto_create_schema',
                default=True,
                help="""
Create the state database schema at start-up when it uses SQLite.

With the embedded SQLite default the schema is created (and upgraded) on
first use, so no manual step is needed.  Other databases are never changed
implicitly: run ``glance-deactivate-manage db sync`` for them.

Possible values:
    * True (default): run the migrations for SQLite URLs at start-up
    * False: never change the schema at start-up

Related options:
    * connection
"""),
    cfg.FloatOpt('query_timeout',
                 default=10.0,
                 min=0,
                 help="""
Seconds a request waits for the deactivation database before giving up.

A database that stops answering without closing its connections (a hung
server, a network dropping packets) would otherwise hold an API worker for
as long as the operating system keeps the socket.  Past this deadline the
request is treated as if the database were unreachable: 503 Service
Unavailable, or passed through with ``fail_open``.  A deactivation that
timed out may still be recorded once the database answers.

Applies to PostgreSQL and MySQL/MariaDB; a SQLite file's own busy timeout
bounds its waits.

Possible values:
    * A positive number of seconds (default 10)
    * 0: no deadline (not recommended)

Related options:
    * fail_open
    * connection_parameters (e.g. ``connect_timeout=5``)
"""),
    cfg.FloatOpt('notification_timeout',
                 default=2.0,
                 min=0,
                 help="""
Seconds a deactivate or reactivate request waits for its notification.

When notifications are enabled (``[oslo_messaging_notifications]
driver``), each ``image.deactivate`` and ``image.reactivate`` notification
is handed to the message broker by a background sender, and the request
that caused it waits at most this long for the broker to take it before
answering.  A broker that is down or does not answer therefore never fails
the request, and delays it by this much at most: once per outage, since
while the broker is known to be failing requests do not wait at all.  The
notifications wait in a bounded queue and are sent when the broker answers
again; when the queue is full, new ones are dropped and counted in the log.

Possible values:
    * A number of seconds (default 2); 0: never wait

Related options:
    * [oslo_messaging_notifications] driver, transport_url, topics, retry
"""),
    cfg.IntOpt('max_rewrite_bytes',
               default=64 * 1024 * 1024,
               min=1024,
               help="""
Largest JSON response from the image service the filter will rewrite.

Image show, image list and schema responses are parsed so that deactivated
images show ``"status": "deactivated"`` and their locations are hidden.
A larger response is refused with 502 Bad Gateway rather than passed on
unchecked.  The image service's own page limit (Glance's
``api_limit_max``) normally keeps list responses well below this.

Possible values:
    * An integer number of bytes (at least 1024)

Related options:
    * None
"""),
]


def _database_opts():
    """oslo.db's database options with our embedded default URL."""
    opts = copy.deepcopy(db_options.database_opts)
    for opt in opts:
        if opt.dest == 'connection':
            opt.default = DEFAULT_CONNECTION
            opt.help = """
SQLAlchemy URL of the deactivation state database.

Every API node of a cloud must point at the same database, so that a
deactivation made on one node is enforced by all of them at once.

Possible values:
    * ``sqlite:////path/to/file.sqlite`` (the embedded default; a single
      node only)
    * ``postgresql+psycopg2://user:password@host/dbname``
    * ``mysql+pymysql://user:password@host/dbname`` (MySQL or MariaDB)

Related options:
    * auto_create_schema
"""
    return opts


database_opts = _database_opts()

ALL_OPTS = filter_opts + database_opts


def register_opts(conf):
    """Register the group on ``conf`` (a ``cfg.ConfigOpts``); idempotent."""
    conf.register_opts(ALL_OPTS, group=GROUP)


def list_opts():
    """The ``oslo.config.opts`` entry point."""
    return [(GROUP, copy.deepcopy(ALL_OPTS))]
