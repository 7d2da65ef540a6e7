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

"""What every operator command shares: its errors and its version.

A command fails with :class:`CommandError`: one line on standard error
(``ERROR: ...``), exit status 1, no traceback unless ``--debug``.  The
errors an operator can cause or fix (the state database unavailable or
missing, a bad option value, a bad argument) are turned into it by
:class:`Errors` with their own message; anything else is reported as
``<exception type>: <message> (run with --debug for details)``.
"""

from oslo_config import cfg
import pbr.version

from glance_deactivate import store

DIST = 'glance-deactivate'


class CommandError(Exception):
    """A command failed; the message is shown to the operator, one line."""

    def __init__(self, message):
        super().__init__(one_line(message))


def one_line(message):
    """``message`` as one line: every run of white space becomes a space."""
    return ' '.join(str(message).split())


def version_string():
    """The package's version, as pbr computes it (git, or the metadata)."""
    try:
        return pbr.version.VersionInfo(DIST).release_string()
    except Exception:  # no metadata and no git: a copied source tree
        return 'unknown'


class Errors(object):
    """Mix-in for cliff commands: one-line errors and ``--version``.

    Put it first among the bases (``class List(Errors, lister.Lister)``).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--version', action='version',
            version='%s %s' % (prog_name.split()[0], version_string()),
            help='print the version of glance-deactivate and exit')
        return parser

    def run(self, parsed_args):
        try:
            return super().run(parsed_args)
        except CommandError:
            raise
        except (store.StoreUnavailable, ValueError, cfg.Error) as exc:
            raise CommandError(exc) from exc
        except Exception as exc:
            debug = getattr(self.app_args, 'debug', False)
            raise CommandError('%s: %s%s' % (
                type(exc).__name__, exc,
                '' if debug else ' (run with --debug for details)')) from exc
