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

"""The state database as the operator commands open it.

Read-only commands never create state
-------------------------------------
``list``, ``show``, ``history`` and ``db version`` only read: they never
create a database file, a directory or a table, whatever
``auto_create_schema`` says.  They stop with an error (exit status 1) when

* no configuration file was found, so the database would be the built-in
  default rather than the one the API uses;
* the database is a SQLite file that does not exist;
* the database has no glance-deactivate schema (``db sync`` never ran), or
  one older than this version needs (``db sync`` upgrades it).

``quarantine create`` and ``quarantine lift`` write quarantines, and
open the database as the read-only commands do: they stop in the same
cases.  Only ``db sync`` creates the database (a SQLite file and its
directory) and the schema.

Options are checked as the API checks them
------------------------------------------
Every option of ``[image_deactivation]`` is read, and the store is built,
before the database is touched: a bad value fails the command with the
message the API's ``filter_factory`` fails with at start-up (oslo.config's
``Value for option ... is not valid: ...``, or the store's ``[image_
deactivation] connection is not a database URL: ...``).

A database that does not answer
-------------------------------
Each database call of a command gets at most ``--db-timeout`` seconds
(default 5), retries included: oslo.db retries a first connection that
fails ``max_retries`` times, ``retry_interval`` seconds apart (10 and 10:
100 s against an unreachable MySQL), and a server that drops packets holds
a connection as long as the operating system does.  Past the deadline the
command stops with ``no answer from the deactivation state database ...
within N s``.  ``--db-timeout 0`` waits as long as oslo.db and the driver
do.  ``db sync`` bounds its first contact with the database this way, not
the migrations themselves, which may take longer on a large database.
"""

import glob
import os
import threading

from oslo_config import cfg
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from glance_deactivate.cmd import base
from glance_deactivate.db import migration
from glance_deactivate import opts
from glance_deactivate import store

DEFAULT_TIMEOUT = 5.0

SYNC_HINT = "run 'glance-deactivate-manage db sync' to create it"

db_timeout_opt = cfg.FloatOpt(
    'db-timeout',
    default=DEFAULT_TIMEOUT,
    metavar='SECONDS',
    help="""
Seconds a command waits for each answer of the state database, retries
included (default %s); 0: as long as oslo.db's retries and the driver wait.
""" % DEFAULT_TIMEOUT)


def config_files(conf):
    """The configuration files ``conf`` was read from, in order."""
    found = list(conf.config_file or [])
    dirs = conf.config_dir or conf.default_config_dirs or []
    if isinstance(dirs, str):
        dirs = [dirs]
    for directory in dirs:
        found.extend(sorted(glob.glob(os.path.join(directory, '*.conf'))))
    return found


def check_options(conf):
    """Read every option of our group, as the API does at start-up.

    :raises base.CommandError: with oslo.config's message for a bad value.
    """
    group = conf[opts.GROUP]
    try:
        for opt in opts.ALL_OPTS:
            getattr(group, opt.dest)
    except cfg.Error as exc:
        raise base.CommandError(exc) from exc


def _sqlite_file(conf):
    """The path of a SQLite file URL, or None for anything else."""
    try:
        url = sa.engine.make_url(conf[opts.GROUP].connection)
    except sa_exc.ArgumentError:
        return None  # the store says what is wrong with it
    if (url.get_backend_name() != 'sqlite' or url.query.get('uri')
            or url.database in (None, '', ':memory:')):
        return None
    return os.path.abspath(url.database)


def open_store(conf, create=False, default_files=()):
    """The state store of ``conf``; read-only unless ``create``.

    :param default_files: the configuration files the command looks for
        when none is named, for the message when none was found.
    :raises base.CommandError: bad options, no configuration found (read
        only), a SQLite file that does not exist (read only).
    """
    check_options(conf)
    if not create:
        if not config_files(conf):
            raise base.CommandError(
                'no configuration file found (looked for %s in ~/.glance/, '
                '~/, /etc/glance/ and /etc/); name the API node\'s '
                'glance-api.conf with --config-file'
                % ' and '.join(default_files))
        # Never create or upgrade the schema behind a read.
        conf.set_override('auto_create_schema', False, group=opts.GROUP)
    try:
        state_store = store.DeactivationStore(conf)
    except ValueError as exc:
        raise base.CommandError(exc) from exc
    path = _sqlite_file(conf)
    if not create and path is not None and not os.path.exists(path):
        raise base.CommandError(
            'the deactivation state database %s does not exist (%s)%s; %s'
            % (state_store.safe_url, path, _default_note(conf), SYNC_HINT))
    return state_store


def _default_note(conf):
    """Say so when ``connection`` is the built-in default, not configured."""
    location = conf.get_location('connection', opts.GROUP)
    if location is not None and location.location == cfg.Locations.opt_default:
        return (' (the built-in default: [%s] connection is set in none of '
                '%s)' % (opts.GROUP, ', '.join(config_files(conf))))
    return ''


def call(timeout, func, *args, **kwargs):
    """``func(*args, **kwargs)``, given at most ``timeout`` seconds.

    The call runs in a daemon thread: one that never returns is left
    behind and does not keep the process alive.
    """
    if not timeout:
        return func(*args, **kwargs)
    outcome = {}

    def target():
        try:
            outcome['value'] = func(*args, **kwargs)
        except BaseException as exc:
            outcome['error'] = exc

    thread = threading.Thread(target=target, daemon=True,
                              name='glance-deactivate-db')
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        url = getattr(getattr(func, '__self__', None), 'safe_url', '')
        raise base.CommandError(
            'no answer from the deactivation state database %s within '
            '%g s (--db-timeout)' % (url, timeout))
    if 'error' in outcome:
        raise outcome['error']
    return outcome.get('value')


def require_schema(state_store, timeout):
    """Stop unless the schema is there and at the head revision.

    :returns: the revision.
    """
    current = call(timeout, state_store.schema_version)
    if current is None:
        raise base.CommandError(
            'the deactivation state database %s has no glance-deactivate '
            'schema; %s' % (state_store.safe_url, SYNC_HINT))
    head = migration.head()
    if current != head:
        raise base.CommandError(
            'the deactivation state database %s is at schema revision %s; '
            "this version of glance-deactivate needs %s: run "
            "'glance-deactivate-manage db sync'"
            % (state_store.safe_url, current, head))
    return current
