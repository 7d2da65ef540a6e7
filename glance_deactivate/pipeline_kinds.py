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


"""What kind of filter each entry of a paste pipeline is.

Part of the pipeline check (:mod:`glance_deactivate.pipeline_check`, whose
docstring is the operator manual and explains the rules).  An entry is
classified by its factory (``paste.filter_factory``,
``paste.filter_app_factory`` or ``use``, following ``use = <section>``
references inside the same file), else by its name.  The kinds are
``OURS`` (the deactivate filter), ``AUTH`` (auth/context), ``VERSION``
(version negotiation), ``CACHE`` (an image cache) and ``OTHER``.
"""

import re

from glance_deactivate import pipeline_paste


# Kinds of pipeline entries.
OURS = 'deactivate'
AUTH = 'auth/context'
VERSION = 'versionnegotiation'
CACHE = 'cache'
OTHER = 'other'

_OUR_FACTORIES = frozenset(['glance_deactivate.middleware:filter_factory'])
_OUR_EGGS = frozenset([('glance_deactivate', 'deactivate')])
_KNOWN_EGGS = {
    ('keystonemiddleware', 'auth_token'): AUTH,
    ('keystonemiddleware', 'oauth2_token'): AUTH,
    ('keystonemiddleware', 'oauth2_mtls_token'): AUTH,
    ('keystonemiddleware', 'external_oauth2_token'): AUTH,
}
_KNOWN_MODULES = {
    'keystonemiddleware.auth_token': AUTH,
    'keystonemiddleware.oauth2_token': AUTH,
    'keystonemiddleware.oauth2_mtls_token': AUTH,
    'keystonemiddleware.external_oauth2_token': AUTH,
    'glance.api.middleware.context': AUTH,
    'glance.api.middleware.version_negotiation': VERSION,
    'glance.api.middleware.cache': CACHE,
    'glance.api.middleware.cache_manage': CACHE,
}
_FILTER_FACTORY_KEYS = ('paste.filter_factory', 'paste.filter_app_factory')
_EGG = re.compile(r'^egg:\s*([A-Za-z0-9._-]+)[^#]*(?:#(.*))?$')
_MAX_USE_HOPS = 10


def filter_factory(filters, name):
    """The factory string of a pipeline entry, or None if unreadable here.

    Follows ``use = <other filter>`` inside the file; stops at a scheme
    (``egg:``, ``call:``, ``config:``).
    """
    seen = set()
    while name is not None and name not in seen:
        seen.add(name)
        if pipeline_paste.SCHEME.match(name):
            return name
        if name not in filters or len(seen) > _MAX_USE_HOPS:
            return None
        local = filters[name][1]
        for key in _FILTER_FACTORY_KEYS:
            if key in local:
                return local[key]
        name = local.get('use')
        name = name.strip() if name else None
    return None


def _normalise(name):
    return re.sub(r'[-_.\s]', '', name.lower())


def kind_by_factory(factory):
    """The kind a factory string names, or None if not known here."""
    factory = ' '.join(factory.split())
    if factory.startswith('call:'):
        factory = factory[len('call:'):].strip()
    egg = _EGG.match(factory)
    if egg:
        key = (egg.group(1).lower().replace('-', '_').replace('.', '_'),
               (egg.group(2) or 'main').strip())
        return OURS if key in _OUR_EGGS else _KNOWN_EGGS.get(key)
    if factory.replace(' ', '') in _OUR_FACTORIES:
        return OURS
    module = factory.partition(':')[0].strip()
    return _KNOWN_MODULES.get(module)


def _kind_by_name(name):
    norm = _normalise(name)
    if 'authtoken' in norm or 'context' in norm:
        return AUTH
    if 'versionnegotiation' in norm:
        return VERSION
    if 'cache' in norm:
        return CACHE
    return OTHER


def classify(filters, name):
    """The kind of one pipeline entry."""
    factory = filter_factory(filters, name)
    unreadable = factory is None or factory.strip().startswith('config:')
    if unreadable and _normalise(name) == _normalise(OURS):
        return OURS
    kind = None if unreadable else kind_by_factory(factory)
    return kind or _kind_by_name(name)
