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

"""Paste stanza settings layered over oslo.config, as keystonemiddleware does.

A setting in the ``[filter:deactivate]`` stanza whose name is one of our
options overrides the configuration file's value for this filter, typed and
validated by oslo.config (a bad value fails the deployment with the option's
name).  Settings that are neither our options nor the paste and
oslo.middleware keys below are reported once at start-up, so that a typo
does not silently leave a default in force.
"""

from oslo_log import log as logging

from glance_deactivate import opts

LOG = logging.getLogger(__name__)

# Keys paste or oslo.middleware give meaning to in a filter stanza.
PASTE_KEYS = frozenset([
    'use', 'paste.filter_factory', 'paste.filter_app_factory', '__file__',
    'here', 'oslo_config_project', 'oslo_config_file',
    'oslo_config_program', 'set', 'get',
])


def _option_names():
    return {opt.dest for opt in opts.ALL_OPTS}


def prepare(oslo_conf, paste_conf):
    """Register our options on ``oslo_conf`` and apply stanza overrides.

    :raises ValueError: a stanza value is invalid for its option.
    """
    opts.register_opts(oslo_conf)
    names = _option_names()
    for key, value in (paste_conf or {}).items():
        if key in names:
            oslo_conf.set_override(key, value, group=opts.GROUP)


def warn_unknown(local_conf):
    """Log the stanza keys that configure nothing."""
    unknown = sorted(set(local_conf) - PASTE_KEYS - _option_names())
    if unknown:
        LOG.warning('Ignoring unknown settings in the deactivate filter '
                    'stanza: %s', ', '.join(unknown))
    return unknown
