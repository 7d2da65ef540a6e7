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

"""Check where the deactivate filter sits in a paste pipeline.

Usage::

    glance-deactivate-manage check-pipeline /etc/glance/glance-api-paste.ini
    glance-deactivate-manage check-pipeline /etc/glance/glance-api-paste.ini \\
        --strict

The check reads the paste file only: it imports nothing and loads no
application, so it is safe to run on a production host before a restart.

What it looks at
----------------
Every pipeline in the file:

* classic ``[pipeline:NAME]`` sections (older Glance, other
  Glance-compatible image services), reported as ``NAME``;
* composites built by Glance's ``glance.api:pipeline_factory`` (Glance 33
  ships one, ``[composite:api]``), one pipeline per flavor key
  (``default``, ``caching``, ``cachemanagement``, ``keystone``,
  ``keystone+caching``, ``keystone+cachemanagement``), reported under the
  flavor name.  Any composite whose factory is named ``pipeline_factory*``
  is read the same way.  When two pipelines end up with the same name, both
  are reported as ``SECTION/NAME``.

The filter is recognised in any ``[filter:<any name>]`` section declared
with ``use = egg:glance-deactivate#deactivate`` (or
``egg:glance_deactivate#deactivate``) or with ``paste.filter_factory =
glance_deactivate.middleware:filter_factory``.

Where the filter belongs
------------------------
::

    ... versionnegotiation ... authtoken context  deactivate  cache ... rootapp

* **after** every auth/context filter (keystonemiddleware's ``auth_token``
  and ``oauth2`` filters, Glance's ``ContextMiddleware`` and
  ``UnauthenticatedContextMiddleware``): the filter needs the caller's
  identity to apply policy;
* **after** ``versionnegotiation``: it rewrites ``/v2.x/`` to ``/v2/``, the
  only prefix the filter routes;
* **before** every image-cache filter (``CacheFilter``,
  ``CacheManageFilter``): a cache hit is answered without reaching anything
  further down, so a deactivated image would still download from the cache;
* **before** the application (the last entry of the pipeline).

Filters are classified by their factory (``paste.filter_factory``,
``paste.filter_app_factory`` or ``use``, following ``use = <section>``
references inside the same file).  A filter whose factory the check does
not know is classified by its name: names containing ``authtoken`` or
``context`` count as auth/context, ``versionnegotiation`` as version
negotiation, ``cache`` as an image cache (case, ``-`` and ``_`` ignored).
A section merely *named* ``deactivate`` counts as our filter only when its
factory cannot be read here (``use = config:...``, or no section at all).
``filter-app`` sections and ``filter-with`` settings are not followed.

Output
------
One line per pipeline, then one ``RESULT`` line::

    keystone: OK (... authtoken context deactivate rootapp)
    caching: MISPLACED: deactivate must come before cache (...)
    default: NOT PROTECTED: filter absent (...)
    RESULT: FAILED: 1 misplaced, 2 of 6 pipelines protected

A pipeline that holds the filter but no auth/context filter at all is
``OK`` with a ``WARNING``: every request reaches the filter anonymous, so
only policy rules that allow anonymous callers will ever pass.

Exit codes
----------
``0``
    at least one pipeline holds the filter and every pipeline that holds it
    places it correctly (with ``--strict``: every pipeline holds it).
``1``
    a pipeline misplaces the filter, no pipeline holds it, or (with
    ``--strict``) some pipeline lacks it.
``2``
    the file cannot be read or is not a paste file with pipelines.

Why unprotected pipelines do not fail by default: Glance loads exactly one
flavor, chosen by ``[paste_deploy] flavor`` in ``glance-api.conf``, and the
check cannot know which.  Flavors you do not deploy need not carry the
filter; they are reported ``NOT PROTECTED`` as a reminder.  Use
``--strict`` when every pipeline in the file must carry it (for example a
shared paste file used with several flavors).

Python API: ``check_paste_file(path)`` returns a list of
:class:`PipelineReport`; ``run(path, out, strict=False)`` prints the report
and returns the exit code.
"""

import configparser
import dataclasses
import re
import sys


OK = 'OK'
MISPLACED = 'MISPLACED'
NOT_PROTECTED = 'NOT PROTECTED'

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNREADABLE = 2

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
_COMPOSITE_FACTORY_KEYS = ('paste.composite_factory', 'paste.composit_factory')
# Settings of a pipeline_factory composite that are not flavors.
_NOT_FLAVORS = frozenset(
    _COMPOSITE_FACTORY_KEYS + ('use', 'filter-with', 'require'))
_SCHEME = re.compile(r'^[a-z][a-z0-9+.-]*:', re.IGNORECASE)
_EGG = re.compile(r'^egg:\s*([A-Za-z0-9._-]+)[^#]*(?:#(.*))?$')
_MAX_USE_HOPS = 10


class PasteFileError(Exception):
    """The paste file cannot be read or holds no pipeline."""


@dataclasses.dataclass(frozen=True)
class PipelineReport:
    """What the check found in one pipeline.

    ``after_auth``, ``after_versionnegotiation`` and ``before_cache`` are
    true when the filter is present and no filter of that kind is on the
    wrong side of it (so vacuously true when the pipeline has none); they
    are false when the filter is absent.  ``has_auth`` tells whether the
    pipeline has any auth/context filter at all.
    """

    name: str
    source: str
    entries: tuple
    has_filter: bool
    after_auth: bool
    after_versionnegotiation: bool
    before_cache: bool
    has_auth: bool
    problems: tuple
    warnings: tuple

    @property
    def status(self):
        if not self.has_filter:
            return NOT_PROTECTED
        return MISPLACED if self.problems else OK

    @property
    def verdict(self):
        """The human-readable line printed for this pipeline."""
        pipeline = '(%s)' % ' '.join(self.entries)
        if self.status == NOT_PROTECTED:
            line = '%s: %s: filter absent %s' % (
                self.name, NOT_PROTECTED, pipeline)
        elif self.status == MISPLACED:
            line = '%s: %s: %s %s' % (
                self.name, MISPLACED, '; '.join(self.problems), pipeline)
        else:
            line = '%s: %s %s' % (self.name, OK, pipeline)
        return ''.join([line] + ['; WARNING: %s' % w for w in self.warnings])


def _one_line(exc):
    return ' '.join(str(exc).split())


def _read_parser(text, source):
    """Parse paste ini text the way PasteDeploy does, without interpolation."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # paste keys are case-sensitive
    try:
        parser.read_string(text, source=source)
    except configparser.Error as exc:
        raise PasteFileError('%s is not a valid paste file: %s'
                             % (source, _one_line(exc)))
    return parser


def _local_conf(parser, section):
    """Settings of a section without DEFAULT and set/get, like paste."""
    defaults = parser.defaults()
    return {key: parser.get(section, key)
            for key in parser.options(section)
            if key not in defaults and not key.startswith(('set ', 'get '))}


def _sections(parser, prefix):
    """Map ``name`` to local settings for every ``[prefix:name]``."""
    found = {}
    for section in parser.sections():
        kind, sep, name = section.partition(':')
        if sep and kind.strip() == prefix:
            found.setdefault(name.strip(), (section,
                                            _local_conf(parser, section)))
    return found


def _filter_factory(filters, name):
    """The factory string of a pipeline entry, or None if unreadable here.

    Follows ``use = <other filter>`` inside the file; stops at a scheme
    (``egg:``, ``call:``, ``config:``).
    """
    seen = set()
    while name is not None and name not in seen:
        seen.add(name)
        if _SCHEME.match(name):
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


def _kind_by_factory(factory):
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


def _classify(filters, name):
    """The kind of one pipeline entry."""
    factory = _filter_factory(filters, name)
    unreadable = factory is None or factory.strip().startswith('config:')
    if unreadable and _normalise(name) == _normalise(OURS):
        return OURS
    kind = None if unreadable else _kind_by_factory(factory)
    return kind or _kind_by_name(name)


def _positions(kinds, kind):
    return [i for i, k in enumerate(kinds) if k == kind]


def _placement(entries, kinds):
    """Placement flags and problems for a pipeline holding our filter."""
    ours = _positions(kinds, OURS)
    first, last = min(ours), max(ours)
    name = entries[first]
    filter_kinds = kinds[:-1]
    late_auth = [entries[i] for i in _positions(filter_kinds, AUTH)
                 if i > first]
    late_version = [entries[i] for i in _positions(filter_kinds, VERSION)
                    if i > first]
    early_cache = [entries[i] for i in _positions(filter_kinds, CACHE)
                   if i < last]
    problems = []
    if len(ours) > 1:
        problems.append('%s appears %d times; keep exactly one'
                        % (name, len(ours)))
    if late_auth:
        problems.append('%s must come after %s' % (name, ', '.join(late_auth)))
    if late_version:
        problems.append('%s must come after %s'
                        % (name, ', '.join(late_version)))
    if early_cache:
        problems.append('%s must come before %s'
                        % (name, ', '.join(early_cache)))
    if last == len(entries) - 1:
        problems.append('%s is in the application position; the pipeline '
                        'must end with the application' % entries[last])
    return not late_auth, not late_version, not early_cache, problems


def _report(name, source, entries, filters):
    """Build the PipelineReport of one pipeline."""
    entries = tuple(entries)
    kinds = [_classify(filters, entry) for entry in entries]
    has_filter = OURS in kinds
    has_auth = AUTH in kinds[:-1]
    after_auth = after_version = before_cache = False
    problems, warnings = [], []
    if has_filter:
        after_auth, after_version, before_cache, problems = _placement(
            entries, kinds)
        if not has_auth:
            warnings.append('no auth/context filter in this pipeline; every '
                            'caller reaches the filter anonymous')
    return PipelineReport(
        name=name, source=source, entries=entries, has_filter=has_filter,
        after_auth=after_auth, after_versionnegotiation=after_version,
        before_cache=before_cache, has_auth=has_auth,
        problems=tuple(problems), warnings=tuple(warnings))


def _is_pipeline_factory(local):
    """Whether a composite is built by a pipeline_factory look-alike."""
    for key in _COMPOSITE_FACTORY_KEYS + ('use',):
        factory = local.get(key, '')
        attr = factory.rpartition(':')[2].strip()
        if attr.startswith('pipeline_factory'):
            return True
    return False


def _find_pipelines(parser):
    """Yield (name, section, entries) for every pipeline in the file."""
    for name, (section, local) in _sections(parser, 'pipeline').items():
        if 'pipeline' not in local:
            raise PasteFileError('[%s] has no "pipeline" setting' % section)
        yield name, section, local['pipeline'].split()
    for name, (section, local) in _sections(parser, 'composite').items():
        if not _is_pipeline_factory(local):
            continue
        for flavor, value in local.items():
            if flavor not in _NOT_FLAVORS:
                yield flavor, section, value.split()


def _qualify_duplicates(found):
    """Prefix names that occur twice with their section name."""
    names = [name for name, _section, _entries in found]
    return [('%s/%s' % (section, name) if names.count(name) > 1 else name,
             section, entries)
            for name, section, entries in found]


def check_paste_text(text, source='<string>'):
    """Check paste ini text; return one PipelineReport per pipeline.

    Raises PasteFileError when the text is not a paste file with pipelines.
    """
    parser = _read_parser(text, source)
    found = _qualify_duplicates(list(_find_pipelines(parser)))
    if not found:
        raise PasteFileError('%s holds no [pipeline:...] section and no '
                             'pipeline_factory composite' % source)
    filters = _sections(parser, 'filter')
    return [_report(name, section, entries, filters)
            for name, section, entries in found]


def check_paste_file(path):
    """Check the paste file at ``path``; return a list of PipelineReport.

    Raises PasteFileError when the file cannot be read or parsed.
    """
    try:
        with open(path, encoding='utf-8') as paste_file:
            text = paste_file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise PasteFileError('cannot read %s: %s' % (path, _one_line(exc)))
    return check_paste_text(text, source=str(path))


def exit_code(reports, strict=False):
    """The exit code for a list of reports (see the module docstring)."""
    if any(r.status == MISPLACED for r in reports):
        return EXIT_FAILED
    if not any(r.has_filter for r in reports):
        return EXIT_FAILED
    if strict and not all(r.has_filter for r in reports):
        return EXIT_FAILED
    return EXIT_OK


def _summary(reports, strict):
    """The final RESULT line."""
    total = len(reports)
    protected = sum(1 for r in reports if r.has_filter)
    misplaced = sum(1 for r in reports if r.status == MISPLACED)
    counts = '%d of %d pipelines protected' % (protected, total)
    if misplaced:
        return 'RESULT: FAILED: %d misplaced, %s' % (misplaced, counts)
    if not protected:
        return 'RESULT: FAILED: no pipeline contains the deactivate filter'
    if protected < total:
        if strict:
            return 'RESULT: FAILED (strict): %s' % counts
        return ('RESULT: OK: %s; the others are not protected (use '
                '--strict to require the filter in every pipeline)' % counts)
    return 'RESULT: OK: %s' % counts


def run(path, out=None, strict=False):
    """Print the check of ``path`` to ``out`` and return the exit code.

    ``out`` defaults to ``sys.stdout`` (looked up at call time); error
    messages go to ``out`` too, as one ``ERROR:`` line.
    """
    out = sys.stdout if out is None else out
    try:
        reports = check_paste_file(path)
    except PasteFileError as exc:
        out.write('ERROR: %s\n' % exc)
        return EXIT_UNREADABLE
    for report in reports:
        out.write(report.verdict + '\n')
    out.write(_summary(reports, strict) + '\n')
    return exit_code(reports, strict=strict)
