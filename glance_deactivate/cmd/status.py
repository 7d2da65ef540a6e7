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

"""``glance-deactivate-status upgrade check``: is this node ready?

As OpenStack services ship (``nova-status``, ``glance-status``), on
oslo.upgradecheck.  Run it on each API node, with the node's configuration,
before and after an upgrade or a restart::

    glance-deactivate-status --config-file /etc/glance/glance-api.conf \\
        upgrade check [--json]

It reads the configuration files ``glance-deactivate-manage`` reads
(``glance-api.conf``, then ``glance-deactivate-manage.conf``, or those
named with ``--config-file``/``--config-dir``) and checks, in order:

``Options``
    Every ``[image_deactivation]`` option has a valid value (the message is
    the one the API would fail with at start-up) and the policy file the
    filter reads parses.
``State database``
    The state database answers from this node within ``--db-timeout``
    seconds (default 5).  Read-only: a SQLite file that does not exist is a
    failure, never created.
``Schema``
    The schema is at the revision this version of glance-deactivate needs
    (else run ``glance-deactivate-manage db sync``).
``Paste pipeline``
    The pipeline glance-api runs (``[paste_deploy] flavor`` of the same
    files, in the paste file glance-api finds) holds the filter in the
    right place: see ``glance-deactivate-manage check-pipeline``.
``Glance's own deactivate``
    Glance's own ``deactivate`` and ``reactivate`` rules are ``"!"`` in its
    policy file (``[oslo_policy] policy_file`` and ``policy_dirs``), as the
    installation guide recommends when the filter owns the feature.  A
    warning otherwise: a request that misses the filter (a node not yet
    converted) could then deactivate an image natively, outside the
    incident record.

Exit status, as oslo.upgradecheck defines it: 0 every check succeeded, 1
a warning, 2 a failure, 255 the command itself failed.  ``--version``
prints the version.
"""

import sys

from oslo_config import cfg
from oslo_log import log as logging
from oslo_policy import policy
from oslo_upgradecheck import upgradecheck

from glance_deactivate.cmd import base
from glance_deactivate.cmd import database
from glance_deactivate.cmd import logs
from glance_deactivate.cmd import manage
from glance_deactivate.cmd import pipeline
from glance_deactivate.db import migration
from glance_deactivate import pipeline_check
from glance_deactivate import policies

LOG = logging.getLogger(__name__)

PROG = 'glance-deactivate-status'

# Glance 33's own rule names (glance/policies/image.py).
GLANCE_RULES = ('deactivate', 'reactivate')
DISABLED = '!'

SUCCESS = upgradecheck.Code.SUCCESS
WARNING = upgradecheck.Code.WARNING
FAILURE = upgradecheck.Code.FAILURE


def _result(code, details=None):
    return upgradecheck.Result(code, details)


class Checks(upgradecheck.UpgradeCommands):
    """The upgrade checks of glance-deactivate, on one configuration."""

    display_title = 'glance-deactivate upgrade check'

    def __init__(self, conf):
        super().__init__()
        self.conf = conf
        self._version = None
        self._database_error = None

    def _guarded(self, check):
        """Run ``check()``; any error is the check's failure, one line."""
        try:
            return check()
        except Exception as exc:  # a check never stops the others
            LOG.debug('Check failed', exc_info=True)
            return _result(FAILURE, base.one_line(exc))

    def _check_options(self):
        def check():
            # The values, then the URL, as the filter reads them; nothing
            # connects yet.
            database.check_options(self.conf)
            state_store = database.open_store(self.conf, create=True)
            state_store.dispose()
            # The policy file parses (its rules may name the host's own
            # defaults, so undefined names are not judged here).
            enforcer = policies.Policy(self.conf).enforcer
            enforcer.load_rules()
            return _result(SUCCESS, 'state database %s; policy file %s' % (
                state_store.safe_url,
                enforcer.policy_path or 'none found (defaults apply)'))
        return self._guarded(check)

    def _check_database(self):
        def check():
            state_store = database.open_store(
                self.conf, default_files=('glance-api.conf',))
            try:
                self._version = database.call(self.conf.db_timeout,
                                              state_store.schema_version)
            finally:
                state_store.dispose()
            return _result(SUCCESS, 'reached %s' % state_store.safe_url)
        result = self._guarded(check)
        if result.code != SUCCESS:
            self._database_error = result.details
        return result

    def _check_schema(self):
        if self._database_error:
            return _result(FAILURE, 'not checked: the state database is '
                           'unavailable')
        head = migration.head()
        if self._version == head:
            return _result(SUCCESS, 'at revision %s' % head)
        if self._version is None:
            return _result(FAILURE, 'no glance-deactivate schema: run '
                           "'glance-deactivate-manage db sync'")
        return _result(FAILURE, "at revision %s, this version needs %s: run "
                       "'glance-deactivate-manage db sync'"
                       % (self._version, head))

    def _check_pipeline(self):
        def check():
            path = pipeline.find_paste_file(self.conf, manage.PROG)
            flavor = self.conf[pipeline.GROUP].flavor or None
            report = pipeline_check.check_file(path, flavor)
            summary = pipeline_check.summary(report)
            if pipeline_check.exit_code(report) == pipeline_check.EXIT_OK:
                return _result(SUCCESS, '%s: %s' % (path, summary))
            return _result(FAILURE, "%s: %s (see 'glance-deactivate-manage "
                           "check-pipeline')" % (path, summary))
        return self._guarded(check)

    def _check_glance_policy(self):
        def check():
            enforcer = policy.Enforcer(self.conf)
            enforcer.load_rules()
            where = enforcer.policy_path or 'no policy file found'
            enabled = [name for name in GLANCE_RULES
                       if str(enforcer.rules.get(name, '')) != DISABLED]
            if not enabled:
                return _result(SUCCESS, "Glance's deactivate and reactivate "
                               'are "!" in %s' % where)
            return _result(WARNING, (
                "Glance's own %s rule%s not \"!\" (%s): a request that "
                'misses the filter could deactivate an image natively, '
                'outside the incident record; set "deactivate": "!" and '
                '"reactivate": "!" in Glance\'s policy file'
                % (' and '.join(enabled),
                   ' is' if len(enabled) == 1 else 's are', where)))
        return self._guarded(check)

    _upgrade_checks = (
        ('Options', _check_options),
        ('State database', _check_database),
        ('Schema', _check_schema),
        ('Paste pipeline', _check_pipeline),
        ("Glance's own deactivate", _check_glance_policy),
    )


def _error(message):
    print('ERROR: %s' % base.one_line(message), file=sys.stderr)
    return 255


def main(argv=None):
    """Run ``glance-deactivate-status`` with ``argv``; the exit status."""
    if argv is None:
        argv = sys.argv[1:]
    with logs.restored():
        return _run(list(argv))


def _run(argv):
    conf = manage.build_conf()
    conf.register_cli_opt(database.db_timeout_opt)
    checks = Checks(conf)
    upgradecheck.register_cli_options(conf, checks)
    try:
        conf(args=argv, project='glance', prog=PROG,
             version=base.version_string(),
             default_config_files=manage.default_config_files())
    except SystemExit as exc:  # --help, --version, or a usage error
        return exc.code if isinstance(exc.code, int) else 2
    except cfg.Error as exc:
        return _error(exc)
    if conf.db_timeout < 0:
        return _error('--db-timeout must be 0 (no bound) or more seconds, '
                      'not %s' % conf.db_timeout)
    try:
        logs.setup(conf)
    except (logging.LogConfigError, OSError, RuntimeError,
            ValueError) as exc:
        return _error('cannot set up logging: %s' % exc)
    # What upgradecheck.main() does, so that check() sees --json.
    upgradecheck.CONF = conf
    return upgradecheck.run(conf)


if __name__ == '__main__':
    sys.exit(main())
