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

Logging
-------
The command logs through oslo.log, as ``glance-manage`` does, so the oslo.log
options of the same configuration files apply (``debug``, ``log_file``,
``log_dir``, ``use_stderr``, ``use_journal``, ``use_syslog``,
``log_config_append``, ...) and the same command-line options
(``--debug``, ``--log-file``, ...).  ``use_stderr`` defaults to true.  On
the terminal the command shows warnings and errors only, one line each
(``WARNING: ...``), without tracebacks; with ``--debug`` (or ``debug =
true``) it shows everything in oslo.log's format, tracebacks included.  A log
file gets what oslo.log sends it.  Log lines never go to standard output,
which holds the command's results alone.
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


class _NotTheStoreWarning(std_logging.Filter):
    """Leave out the store's own warnings about an unavailable database.

    The command prints the error itself; a log file still gets them.
    """

    def filter(self, record):
        return not (record.name == store.__name__ and
                    record.levelno < std_logging.ERROR)


def _terminal_handlers(root):
    """The root handlers writing to the terminal (not to a file)."""
    return [handler for handler in root.handlers
            if isinstance(handler, std_logging.StreamHandler)
            and not isinstance(handler, std_logging.FileHandler)
            and handler.stream in (sys.stdout, sys.stderr)]


def _setup_logging(conf):
    """oslo.log's set-up, as glance-manage does, then the terminal's.

    Standard output holds the command's results: a handler oslo.log points
    there (``use_stderr = false`` with no log file) writes to standard error
    instead.  Without ``--debug`` the terminal gets one line per warning or
    error, with no traceback.
    """
    logging.setup(conf, 'glance-deactivate')
    for handler in _terminal_handlers(std_logging.getLogger()):
        if handler.stream is sys.stdout:
            handler.setStream(sys.stderr)
        if not conf.debug:
            handler.setLevel(std_logging.WARNING)
            handler.addFilter(_NotTheStoreWarning())
            handler.setFormatter(_NoTracebackFormatter(
                '%(levelname)s: %(message)s'))


def _logger_state(logger):
    return (logger.level, list(logger.handlers), logger.propagate,
            logger.disabled)


@contextlib.contextmanager
def _restored_logging():
    """Undo, on the way out, what oslo.log did to the process's logging.

    oslo.log configures the root logger (its handlers and level), the
    levels of the loggers in ``default_log_levels`` (all loggers, with
    ``log_config_append``) and ``sys.excepthook``, for the process's
    lifetime.  The command puts them back as it found them and closes the
    handlers opened meanwhile (a log file), so that ``main()`` can run
    several times in one process.
    """
    manager = std_logging.Logger.manager
    root = std_logging.getLogger()
    saved = {None: _logger_state(root)}
    for name, logger in list(manager.loggerDict.items()):
        if isinstance(logger, std_logging.Logger):
            saved[name] = _logger_state(logger)
    excepthook = sys.excepthook
    try:
        yield
    finally:
        sys.excepthook = excepthook
        for name, logger in [(None, root)] + list(manager.loggerDict.items()):
            if not isinstance(logger, std_logging.Logger):
                continue
            level, handlers, propagate, disabled = saved.get(
                name, (std_logging.NOTSET, [], True, False))
            for handler in logger.handlers:
                if handler not in handlers:
                    handler.close()
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate = propagate
            logger.disabled = disabled


def _error(message):
    print('ERROR: %s' % ' '.join(str(message).split()), file=sys.stderr)
    return 1


def main(argv=None):
    """Run the command line ``argv`` (default: ``sys.argv[1:]``).

    :returns: the exit status (0 success, 1 failure, 2 usage error).
    """
    if argv is None:
        argv = sys.argv[1:]
    with _restored_logging():
        return _run(list(argv))


def _run(argv):
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    conf.set_default('use_stderr', True)
    opts.register_opts(conf)
    conf.register_cli_opt(command_opt)
    try:
        conf(args=argv, project='glance', prog=PROG,
             default_config_files=_default_config_files())
    except SystemExit as exc:  # --help, or a usage error from argparse
        return exc.code if isinstance(exc.code, int) else 2
    except cfg.Error as exc:  # e.g. a missing or malformed config file
        return _error(exc)
    try:
        _setup_logging(conf)
    except (logging.LogConfigError, OSError, RuntimeError,
            ValueError) as exc:  # e.g. a log file that cannot be opened
        return _error('cannot set up logging: %s' % exc)

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
