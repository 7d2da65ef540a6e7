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

"""``check-pipeline``: is the filter where it must be in the running pipeline?

``check-pipeline [PASTE_FILE] [--flavor FLAVOR] [--app NAME] [--strict]
[--fix [--output FILE]]``

Without ``PASTE_FILE`` the command finds Glance's paste file as glance-api
does (``glance/common/config.py``): ``[paste_deploy] config_file`` from the
configuration files it reads, else the file named like the last
configuration file with ``.conf`` replaced by ``-paste.ini``
(``glance-api-paste.ini``), looked up beside the configuration files and
in oslo.config's standard directories.  The flavor is ``--flavor``, else
``[paste_deploy] flavor`` of those files, else none (Glance's default, the
``default`` pipeline).  So, on a Glance node::

    glance-deactivate-manage --config-file /etc/glance/glance-api.conf \\
        check-pipeline

judges the pipeline that glance-api runs first, then every other one.  It
reads no database.  ``--fix`` writes a corrected copy (see
``glance_deactivate.pipeline_check``, which also documents the output and
the exit codes: 0 right, 1 wrong, 2 unreadable or not fixable).
"""

import os

from cliff import command
from oslo_config import cfg

from glance_deactivate.cmd import base
from glance_deactivate import pipeline_check
from glance_deactivate import pipeline_fix

GROUP = 'paste_deploy'
PASTE_SUFFIX = '-paste.ini'

# Glance's own two options (glance/common/config.py paste_deploy_opts),
# read from the same glance-api.conf.
paste_deploy_opts = [
    cfg.StrOpt('flavor',
               help="Glance's deployment flavor: glance-api loads the "
                    "application glance-api-FLAVOR from its paste file "
                    "(read here, never set)."),
    cfg.StrOpt('config_file',
               help="Glance's paste file (read here, never set)."),
]


def register_opts(conf):
    conf.register_opts(paste_deploy_opts, group=GROUP)


def _paste_name(conf, prog):
    """The paste file name glance-api derives from its last config file."""
    files = [path for path in conf.config_file or []
             if os.path.basename(path) != prog + '.conf']
    if files:
        return os.path.basename(files[-1]).replace('.conf', PASTE_SUFFIX)
    return pipeline_check.DEFAULT_APP + PASTE_SUFFIX


def find_paste_file(conf, prog):
    """Glance's paste file for ``conf``, or raise CommandError."""
    configured = conf[GROUP].config_file
    if configured:
        found = conf.find_file(configured) or os.path.abspath(configured)
        if not os.path.isfile(found):
            raise base.CommandError(
                'the paste file %s named by [%s] config_file does not exist'
                % (found, GROUP))
        return found
    name = _paste_name(conf, prog)
    found = conf.find_file(name)
    if not found:
        raise base.CommandError(
            'cannot find %s beside the configuration files or in the '
            'standard directories; name it: check-pipeline PASTE_FILE'
            % name)
    return found


def flavor_and_origin(conf, parsed_args):
    """The flavor Glance would use, and where it comes from."""
    if parsed_args.flavor is not None:
        return parsed_args.flavor or None, '--flavor'
    flavor = conf[GROUP].flavor
    if not flavor:
        return None, None
    location = conf.get_location('flavor', GROUP)
    detail = getattr(location, 'detail', None)
    return flavor, '[%s] flavor in %s' % (GROUP, detail) if detail else None


class CheckPipeline(base.Errors, command.Command):
    """Check (or --fix) where the deactivate filter sits in the paste file."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'paste_file', metavar='PASTE_FILE', nargs='?',
            help='the paste file (default: the one glance-api reads, e.g. '
                 '/etc/glance/glance-api-paste.ini)')
        parser.add_argument(
            '--flavor', metavar='FLAVOR',
            help="the deployment flavor (default: [paste_deploy] flavor of "
                 "the configuration files; '' for none)")
        parser.add_argument(
            '--app', metavar='NAME', default=pipeline_check.DEFAULT_APP,
            help='the application the image service loads (default: '
                 'glance-api)')
        parser.add_argument(
            '--strict', action='store_true', default=False,
            help='fail when any pipeline lacks the filter')
        parser.add_argument(
            '--fix', action='store_true', default=False,
            help='put the filter in its place in every pipeline: replace '
                 'the file, keeping a backup (or see --output)')
        parser.add_argument(
            '--output', metavar='FILE',
            help='with --fix: write the corrected copy here and leave the '
                 'paste file as it is')
        return parser

    def take_action(self, parsed_args):
        conf = self.app.conf
        out = self.app.stdout
        if parsed_args.output and not parsed_args.fix:
            raise base.CommandError('--output goes with --fix')
        path = parsed_args.paste_file
        if not path:
            try:
                path = find_paste_file(conf, self.app.NAME)
            except base.CommandError as exc:
                out.write('ERROR: %s\n' % exc)
                return pipeline_check.EXIT_UNREADABLE
        flavor, origin = flavor_and_origin(conf, parsed_args)
        if parsed_args.fix:
            try:
                path, _backup = pipeline_fix.fix_file(
                    path, parsed_args.output, out)
            except (pipeline_check.PasteFileError, pipeline_fix.FixError,
                    OSError) as exc:
                out.write('ERROR: %s\n' % base.one_line(exc))
                return pipeline_check.EXIT_UNREADABLE
        return pipeline_check.run(path, out, parsed_args.strict, flavor,
                                  parsed_args.app, origin)
