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
                             [--db-timeout SECONDS] [--debug] [--version]
                             [oslo.log options] COMMAND [ARGS ...]

    glance-deactivate-manage db sync      # create/upgrade the schema
    glance-deactivate-manage db version   # print the schema revision
    glance-deactivate-manage list         # the deactivated images
    glance-deactivate-manage show IMAGE_ID  # one image: state and history
    glance-deactivate-manage history [--image ID] [--since T] [--limit N]
    glance-deactivate-manage quarantine create --reason R
                             (--os-hash-algo A --os-hash-value V |
                              --checksum C)
    glance-deactivate-manage quarantine list [--status {live,lifted}]
    glance-deactivate-manage quarantine show QUARANTINE_ID
    glance-deactivate-manage quarantine lift QUARANTINE_ID --reason R
    glance-deactivate-manage check-pipeline [PASTE_FILE] [--flavor F]
                             [--strict] [--fix [--output FILE]]

``glance-deactivate-manage --help`` lists the commands;
``glance-deactivate-manage COMMAND --help`` shows a command's own options.
Global options go before the command.

Configuration
-------------
The state database is the one the filter uses: ``connection`` (and the
other oslo.db options) in the ``[image_deactivation]`` section.  By default
the command reads the configuration files glance-api reads
(``glance-api.conf`` in ``~/.glance/``, ``~/``, ``/etc/glance/``,
``/etc/``) and ``glance-deactivate-manage.conf`` beside them; name others
with ``--config-file``/``--config-dir``, for example::

    glance-deactivate-manage --config-file /etc/glance/glance-api.conf db sync

Global options
--------------
``--config-file FILE``, ``--config-dir DIR``
    oslo.config's: files read in order, later ones win.
``--db-timeout SECONDS``
    How long each answer of the state database may take, oslo.db's
    connection retries included (default 5; 0: no bound).  See
    ``glance_deactivate.cmd.database``.
``--debug``, ``--log-file``, ``--log-dir``, ``--log-config-append``, ...
    oslo.log's, as for ``glance-manage``; see ``glance_deactivate.cmd.logs``.
``--version``
    The version of glance-deactivate (also accepted after any command).

Output formats
--------------
``list`` (and the other listing commands) print through cliff's
formatters, as openstackclient does: ``-f table`` (the default), ``-f
json``, ``-f yaml``, ``-f value``, ``-f csv``; ``-c COLUMN`` picks columns.

Exit status
-----------
0 on success; 1 on failure, with a one-line ``ERROR:`` message on standard
error (no traceback unless ``--debug``), for example a database that cannot
be reached, does not exist or has no schema (read-only commands never
create one: only ``db sync`` does), or an option value the API would refuse
(the same message); 2 for a command-line usage error.  ``check-pipeline``
has its own codes (0 right, 1 wrong, 2 unreadable; see
``glance_deactivate.pipeline_check``).
"""

import argparse
import sys

from cliff import app
from cliff import commandmanager
from oslo_config import cfg
from oslo_log import log as logging

from glance_deactivate.cmd import base
from glance_deactivate.cmd import database
from glance_deactivate.cmd import logs
from glance_deactivate.cmd import pipeline
from glance_deactivate.cmd import quarantines
from glance_deactivate.cmd import records
from glance_deactivate.cmd import schema
from glance_deactivate import opts

LOG = logging.getLogger(__name__)

PROG = 'glance-deactivate-manage'

# The command table: the words an operator types, and the cliff command
# that runs them.  oslo.config parses the global options and the command
# words (its --help lists these); cliff parses each command's own options
# and formats its output.
COMMANDS = (
    ('db sync', schema.DbSync),
    ('db version', schema.DbVersion),
    ('list', records.ListDeactivations),
    ('show', records.ShowDeactivation),
    ('history', records.History),
    ('check-pipeline', pipeline.CheckPipeline),
    ('quarantine create', quarantines.CreateQuarantine),
    ('quarantine list', quarantines.ListQuarantines),
    ('quarantine show', quarantines.ShowQuarantine),
    ('quarantine lift', quarantines.LiftQuarantine),
)

# A prefix character no command-line argument can hold: the command words'
# sub-parsers see every argument after the command as a plain word, and
# hand them all, options included, to the cliff command's own parser.
_NO_OPTIONS = '\0'


def _summary(command):
    return (command.__doc__ or '').strip().splitlines()[0]


def _add_command_parsers(subparsers):
    """oslo.config's sub-parsers: the command words of ``COMMANDS``."""
    groups = {}
    for words, command in COMMANDS:
        *group_words, word = words.split()
        container = subparsers
        for group in group_words:
            if group not in groups:
                words_in_group = [w.split()[-1] for w, _c in COMMANDS
                                  if w.split()[0] == group]
                parser = subparsers.add_parser(
                    group, help='{%s}' % ','.join(words_in_group))
                groups[group] = parser.add_subparsers(
                    dest='%s_command' % group, title='%s commands' % group)
                groups[group].required = True
            container = groups[group]
        parser = container.add_parser(word, help=_summary(command),
                                      add_help=False,
                                      prefix_chars=_NO_OPTIONS)
        parser.add_argument('args', nargs=argparse.REMAINDER)
        parser.set_defaults(words=words)


command_opt = cfg.SubCommandOpt(
    'command', title='Commands', handler=_add_command_parsers,
    help="'COMMAND --help' shows the options of a command")


def default_config_files(prog=PROG):
    """glance-api's configuration files, then ``prog``'s, if they exist."""
    found = []
    for name in ('glance-api', prog):
        for path in cfg.find_config_files(project='glance', prog=name):
            if path not in found:
                found.append(path)
    return found


class ManageApp(app.App):
    """The cliff application: the commands of ``COMMANDS`` on ``conf``.

    oslo.config has parsed the global options already; the commands read
    the configuration as ``self.app.conf``.
    """

    NAME = PROG
    LOG = LOG

    def __init__(self, conf, stdout=None, stderr=None):
        manager = commandmanager.CommandManager('glance_deactivate.manage')
        for words, command in COMMANDS:
            manager.add_command(words, command)
        super().__init__(description=__doc__.splitlines()[0],
                         version=base.version_string(),
                         command_manager=manager,
                         stdout=stdout, stderr=stderr)
        self.conf = conf
        self.default_files = ('glance-api.conf', PROG + '.conf')
        # What cliff reads of its own global options.
        self.options = argparse.Namespace(debug=conf.debug, verbose_level=1,
                                          deferred_help=False)


def _error(message):
    print('ERROR: %s' % base.one_line(message), file=sys.stderr)
    return 1


def main(argv=None):
    """Run the command line ``argv`` (default: ``sys.argv[1:]``).

    :returns: the exit status (0 success, 1 failure, 2 usage error).
    """
    if argv is None:
        argv = sys.argv[1:]
    with logs.restored():
        return _run(list(argv))


def build_conf():
    """A fresh ``ConfigOpts`` with every option the commands read."""
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    conf.set_default('use_stderr', True)
    opts.register_opts(conf)
    pipeline.register_opts(conf)
    return conf


def _run(argv):
    conf = build_conf()
    conf.register_cli_opt(database.db_timeout_opt)
    conf.register_cli_opt(command_opt)
    try:
        conf(args=argv, project='glance', prog=PROG,
             version=base.version_string(),
             default_config_files=default_config_files())
    except SystemExit as exc:  # --help, --version, or a usage error
        return exc.code if isinstance(exc.code, int) else 2
    except cfg.Error as exc:  # e.g. a missing or malformed config file
        return _error(exc)
    if conf.db_timeout < 0:
        _error('--db-timeout must be 0 (no bound) or more seconds, not %s'
               % conf.db_timeout)
        return 2
    try:
        logs.setup(conf)
    except (logging.LogConfigError, OSError, RuntimeError,
            ValueError) as exc:  # e.g. a log file that cannot be opened
        return _error('cannot set up logging: %s' % exc)

    application = ManageApp(conf)
    try:
        return application.run_subcommand(
            conf.command.words.split() + list(conf.command.args))
    except SystemExit as exc:  # a command's --help, or a usage error
        return exc.code if isinstance(exc.code, int) else 2


if __name__ == '__main__':
    sys.exit(main())
