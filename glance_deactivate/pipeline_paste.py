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


"""Read a paste file as PasteDeploy reads it, and find its pipelines.

Part of the pipeline check (:mod:`glance_deactivate.pipeline_check`, whose
docstring is the operator manual).  Nothing here is imported or loaded:
the file is parsed with ``configparser`` without interpolation and with
case-sensitive keys, as PasteDeploy does, and a section's settings are
read without ``[DEFAULT]`` and ``set``/``get`` keys.  The pipelines are
the classic ``[pipeline:NAME]`` sections and the flavor keys of every
composite built by a ``pipeline_factory`` look-alike (Glance 33's
``[composite:api]``); names that occur twice are qualified with their
section.
"""

import configparser
import re


_COMPOSITE_FACTORY_KEYS = ('paste.composite_factory', 'paste.composit_factory')
# Settings of a pipeline_factory composite that are not flavors.
_NOT_FLAVORS = frozenset(
    _COMPOSITE_FACTORY_KEYS + ('use', 'filter-with', 'require'))
# Section kinds paste looks an application up in, in PasteDeploy's order
# (paste/deploy/loadwsgi.py: APP, COMPOSITE, PIPELINE, FILTER_APP).
APP_KINDS = ('app', 'application', 'composite', 'composit', 'pipeline',
             'filter-app')
# A value that names its own target: egg:, config:, call:.
SCHEME = re.compile(r'^[a-z][a-z0-9+.-]*:', re.IGNORECASE)


class PasteFileError(Exception):
    """The paste file cannot be read or holds no pipeline."""


def one_line(exc):
    """An exception's message on one line."""
    return ' '.join(str(exc).split())


def read_text(path):
    """The text of the file at ``path``; PasteFileError if unreadable."""
    try:
        with open(path, encoding='utf-8') as paste_file:
            return paste_file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise PasteFileError('cannot read %s: %s' % (path, one_line(exc)))


def read_parser(text, source):
    """Parse paste ini text the way PasteDeploy does, without interpolation."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # paste keys are case-sensitive
    try:
        parser.read_string(text, source=source)
    except configparser.Error as exc:
        raise PasteFileError('%s is not a valid paste file: %s'
                             % (source, one_line(exc)))
    return parser


def local_conf(parser, section):
    """Settings of a section without DEFAULT and set/get, like paste."""
    defaults = parser.defaults()
    return {key: parser.get(section, key)
            for key in parser.options(section)
            if key not in defaults and not key.startswith(('set ', 'get '))}


def sections(parser, prefix):
    """Map ``name`` to (section, settings) for every ``[prefix:name]``."""
    found = {}
    for section in parser.sections():
        kind, sep, name = section.partition(':')
        if sep and kind.strip() == prefix:
            found.setdefault(name.strip(), (section,
                                            local_conf(parser, section)))
    return found


def _factory_attr(local):
    for key in _COMPOSITE_FACTORY_KEYS + ('use',):
        factory = local.get(key, '')
        if factory:
            return factory.rpartition(':')[2].rpartition('#')[2].strip()
    return ''


def is_pipeline_factory(local):
    """Whether a composite is built by a pipeline_factory look-alike."""
    return _factory_attr(local).startswith('pipeline_factory')


def is_urlmap(local):
    """Whether a composite maps URL paths to applications.

    Glance's ``root_app_factory`` is paste's ``urlmap_factory``.
    """
    return _factory_attr(local) in ('root_app_factory', 'urlmap_factory',
                                    'urlmap')


def _find_pipelines(parser):
    """Yield (name, section, key, entries) for every pipeline in the file."""
    for name, (section, local) in sections(parser, 'pipeline').items():
        if 'pipeline' not in local:
            raise PasteFileError('[%s] has no "pipeline" setting' % section)
        yield name, section, 'pipeline', local['pipeline'].split()
    for name, (section, local) in sections(parser, 'composite').items():
        if not is_pipeline_factory(local):
            continue
        for flavor, value in local.items():
            if flavor not in _NOT_FLAVORS:
                yield flavor, section, flavor, value.split()


def _qualify_duplicates(found):
    """Prefix names that occur twice with their section name."""
    names = [found_name for found_name, _s, _k, _e in found]
    return [('%s/%s' % (section, name) if names.count(name) > 1 else name,
             section, key, entries)
            for name, section, key, entries in found]


def pipelines(parser, source):
    """(name, section, key, entries) of every pipeline, names made unique.

    Raises PasteFileError when the file holds no pipeline.
    """
    found = _qualify_duplicates(list(_find_pipelines(parser)))
    if not found:
        raise PasteFileError('%s holds no [pipeline:...] section and no '
                             'pipeline_factory composite' % source)
    return found
