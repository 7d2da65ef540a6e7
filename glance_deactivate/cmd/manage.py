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


"""``glance-deactivate-manage``: operator commands of glance-deactivate.

Usage::

    glance-deactivate-manage [--config-file FILE ...] [--config-dir DIR]
                             [--debug] COMMAND ...

    glance-deactivate-manage db sync      # create/upgrade the schema
    glance-deactivate-manage db version   # print the schema revision
    glance-deactivate-manage list         # print the deactivated images
    glance-deactivate-manage check-pipeline PASTE_FILE [--strict]
                                          # check the filter's placement

The state database is the one the filter uses: ``connection`` (and the other
oslo.db options) in the ``[image_deactivation]`` section.  By default the
command reads the configuration files glance-api reads
(``/etc/glance/glance-api.conf``, also under ``~/.glance`` and ``~``) and
``glance-deactivate-manage.conf`` beside them; name others with
``--config-file``/``--config-dir``, for example::

    glance-deactivate-manage --config-file /etc/glance/glance-api.conf db sync

Commands
--------
``db sync``
    Run the schema migrations up to the latest revision (alembic upgrade
    head).  Running it again is a no-op.  Needed once for MySQL/MariaDB and
    PostgreSQL, and after each upgrade of glance-deactivate that brings a
    migration; a SQLite database is also created/upgraded automatically
    when ``auto_create_schema`` is set.
``db version``
    Print the current schema revision, or ``None`` for an empty database.
``list``
    Print the deactivated images, one per line, sorted by id::

        <image id> <deactivated at, UTC> user=<id> project=<id> admin=<yes|no>

    (``-`` for a user or project that was not recorded).
``check-pipeline PASTE_FILE [--strict]``
    Read a paste file (e.g. ``/etc/glance/glance-api-paste.ini``) and
    print, per pipeline, whether the deactivate filter is present and sits
    after the auth/context filters and ``versionnegotiation`` and before
    any image-cache filter; see ``glance_deactivate.pipeline_check``.  It
    reads only the paste file: no configuration or database is needed.
    Exit status 0 when the placement is right, 1 on a misplacement, when no
    pipeline holds the filter or (with ``--strict``) when some pipeline
    lacks it, 2 when the file cannot be read as a paste file.

Exit status: 0 on success; 1 on failure, with a one-line ``ERROR:`` message
on standard error (no traceback unless ``--debug``), e.g. when the database
cannot be reached; 2 for a command-line usage error.  oslo.db's start-up
retries apply: against an unreachable MySQL/MariaDB the command retries
``max_retries`` times, ``retry_interval`` seconds apart, before failing.
"""

import contextlib
import logging as std_logging
import sys

from oslo_config import cfg
from oslo_log import log as logging

from glance_deactivate import opts
from glance_deactivate import pipeline_check
from glance_deactivate import store

LOG = logging.getLogger(__name__)

PROG = 'glance-deactivate-manage'

TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


# Command handlers: each takes the parsed ConfigOpts and returns an exit
# status (None meaning 0).  Arguments of the sub-parsers are read as
# ``conf.command.<dest>``.

def _store(conf):
    return store.DeactivationStore(conf)


def db_sync(conf):
    """``db sync``: alembic upgrade head."""
    state_store = _store(conf)
    try:
        before = state_store.schema_version()
        after = state_store.upgrade_schema()
    finally:
        state_store.dispose()
    if before == after:
        print('Database already at revision %s (head); nothing to do.'
              % after)
    else:
        print('Database upgraded from revision %s to %s.' % (before, after))


def db_version(conf):
    """``db version``: print the current revision or 'None'."""
    state_store = _store(conf)
    try:
        print(state_store.schema_version() or 'None')
    finally:
        state_store.dispose()


def _describe(record):
    return '%s %s user=%s project=%s admin=%s' % (
        record.image_id,
        record.deactivated_at.strftime(TIME_FORMAT),
        record.user_id or '-',
        record.project_id or '-',
        'yes' if record.by_admin else 'no')


def list_deactivated(conf):
    """``list``: the deactivated images, one per line."""
    state_store = _store(conf)
    try:
        for record in state_store.list_records():
            print(_describe(record))
    finally:
        state_store.dispose()


def check_pipeline(conf):
    """``check-pipeline``: where the filter sits in a paste file."""
    return pipeline_check.run(conf.command.paste_file, sys.stdout,
                              conf.command.strict)


# Sub-parser builders: each adds one top-level command to ``subparsers``
# (an argparse sub-parsers action) and sets its ``handler``.

def _add_db_parser(subparsers):
    parser = subparsers.add_parser(
        'db', help='schema of the deactivation state database')
    actions = parser.add_subparsers(dest='db_action', title='db commands',
                                    metavar='{sync,version}')
    actions.required = True
    sync = actions.add_parser(
        'sync', help='create or upgrade the schema (alembic upgrade head)')
    sync.set_defaults(handler=db_sync)
    version = actions.add_parser(
        'version', help="print the current schema revision or 'None'")
    version.set_defaults(handler=db_version)


def _add_list_parser(subparsers):
    parser = subparsers.add_parser(
        'list', help='print the deactivated images, with when and by whom')
    parser.set_defaults(handler=list_deactivated)


def _add_check_pipeline_parser(subparsers):
    parser = subparsers.add_parser(
        'check-pipeline',
        help='check where the deactivate filter sits in a paste file')
    parser.add_argument('paste_file', metavar='PASTE_FILE',
                        help='the paste file, e.g. '
                             '/etc/glance/glance-api-paste.ini')
    parser.add_argument('--strict', action='store_true', default=False,
                        help='fail when any pipeline lacks the filter')
    parser.set_defaults(handler=check_pipeline)


# ---------------------------------------------------------------------------
# THE COMMAND TABLE.  One entry per top-level command: a function that adds
# the command's argparse sub-parser to ``subparsers`` and sets
# ``handler=<function(conf) -> exit status>`` on it (see above).  To add a
# command, write its two functions and add one line here.
# ---------------------------------------------------------------------------
COMMANDS = (
    _add_db_parser,
    _add_list_parser,
    _add_check_pipeline_parser,
)


def _add_command_parsers(subparsers):
    for add_parser in COMMANDS:
        add_parser(subparsers)


command_opt = cfg.SubCommandOpt(
    'command', title='Commands', handler=_add_command_parsers,
    help='available commands')

cli_opts = [
    cfg.BoolOpt('debug', short='d', default=False,
                help='Log at DEBUG level and show tracebacks.'),
]


def _default_config_files():
    """glance-api's configuration files, then our own, if they exist."""
    found = []
    for prog in ('glance-api', PROG):
        for path in cfg.find_config_files(project='glance', prog=prog):
            if path not in found:
                found.append(path)
    return found


class _NoTracebackFormatter(std_logging.Formatter):
    """One line per record: the message without the traceback."""

    def formatException(self, exc_info):
        return ''

    def format(self, record):
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


@contextlib.contextmanager
def _logging_to_stderr(debug):
    """Log to stderr for the duration of the command.

    WARNING and above by default, with no traceback; everything with
    tracebacks under ``--debug``.  The store's own warning about an
    unavailable database is left out by default, since the command prints
    the error itself.
    """
    root = std_logging.getLogger()
    store_logger = std_logging.getLogger(store.__name__)
    handler = std_logging.StreamHandler(sys.stderr)
    if debug:
        handler.setFormatter(std_logging.Formatter(
            '%(asctime)s %(levelname)s %(name)s %(message)s'))
    else:
        handler.setFormatter(_NoTracebackFormatter(
            '%(levelname)s: %(message)s'))
    saved = root.level, store_logger.level
    root.addHandler(handler)
    root.setLevel(std_logging.DEBUG if debug else std_logging.WARNING)
    if not debug:
        store_logger.setLevel(std_logging.ERROR)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        store_logger.setLevel(saved[1])


def _error(message):
    print('ERROR: %s' % ' '.join(str(message).split()), file=sys.stderr)
    return 1


def main(argv=None):
    """Run the command line ``argv`` (default: ``sys.argv[1:]``).

    :returns: the exit status (0 success, 1 failure, 2 usage error).
    """
    if argv is None:
        argv = sys.argv[1:]
    conf = cfg.ConfigOpts()
    opts.register_opts(conf)
    conf.register_cli_opts(cli_opts)
    conf.register_cli_opt(command_opt)
    try:
        conf(args=list(argv), project='glance', prog=PROG,
             default_config_files=_default_config_files())
    except SystemExit as exc:  # --help, or a usage error from argparse
        return exc.code if isinstance(exc.code, int) else 2
    except cfg.Error as exc:  # e.g. a missing or malformed config file
        return _error(exc)

    with _logging_to_stderr(conf.debug):
        try:
            status = conf.command.handler(conf)
        except store.StoreUnavailable as exc:
            return _error(exc)
        except (ValueError, cfg.Error) as exc:  # e.g. a bad connection URL
            return _error(exc)
        except Exception as exc:
            LOG.debug('%s failed', conf.command.name, exc_info=True)
            return _error('%s: %s%s' % (
                type(exc).__name__, exc,
                '' if conf.debug else ' (run with --debug for details)'))
    return status or 0


if __name__ == '__main__':
    sys.exit(main())
