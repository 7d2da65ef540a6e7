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

"""Check where the deactivate filter sits in a paste pipeline, and fix it.

Usage::

    glance-deactivate-manage --config-file /etc/glance/glance-api.conf \\
        check-pipeline
    glance-deactivate-manage check-pipeline /etc/glance/glance-api-paste.ini \\
        [--flavor keystone] [--strict] [--fix [--output FILE]]

The check reads the paste file only: it imports nothing and loads no
application, so it is safe to run on a production host before a restart.

Which pipeline runs
-------------------
Glance loads one application from its paste file: ``glance-api`` followed
by ``-FLAVOR`` when ``[paste_deploy] flavor`` is set in
``glance-api.conf`` (``glance/common/config.py``, ``load_paste_app`` and
``_get_deployment_flavor``).  In Glance 33's shipped file that name is a
``[composite:glance-api-FLAVOR]`` mapping ``/`` to ``[composite:api]``,
whose ``glance.api:pipeline_factory`` takes the pipeline under the key
``FLAVOR``, or ``default`` when no flavor is set (``glance/api/
__init__.py``).  The check follows the same path (also through classic
``[pipeline:NAME]`` sections and ``urlmap``-style composites, preferring
their ``/v2`` entry, else ``/``) and judges that **running pipeline**
first: the result fails unless it holds the filter, correctly placed.
The command takes the flavor from the configuration files it reads (or
``--flavor``) and the paste file from ``[paste_deploy] config_file``, or
beside the last configuration file, as Glance does (``PASTE_FILE`` names
it explicitly).  A file that defines no ``glance-api`` application at all
(another Glance-compatible service) is judged pipeline by pipeline; name
its application with ``--app``.

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
glance_deactivate.middleware:filter_factory``.  A pipeline that names a
filter or application no section of the file defines (``deactivate``
without ``[filter:deactivate]``, typically) is an **ERROR**: paste cannot
load it, so Glance would not start.

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
factory cannot be read here (``use = config:...``).  ``filter-app``
sections and ``filter-with`` settings are not followed.

Output
------
The running pipeline first, then the others, then one ``RESULT`` line that
says ``OK`` or ``FAILED``, never both::

    Glance loads glance-api-keystone ([paste_deploy] flavor = keystone):
    [composite:glance-api-keystone] / -> [composite:api] keystone
    running: keystone: OK (... authtoken context deactivate rootapp)
    caching: MISPLACED: deactivate must come before cache (...)
    default: NOT PROTECTED: filter absent (...)
    RESULT: FAILED: 1 pipeline misplaces the filter

A pipeline that holds the filter but no auth/context filter at all is
``OK`` with a ``WARNING``: every request reaches the filter anonymous, so
only policy rules that allow anonymous callers will ever pass.

Exit codes
----------
``0``
    the running pipeline holds the filter, correctly placed; no pipeline
    misplaces it or is broken (with ``--strict``: every pipeline holds
    it).  Without a running pipeline (no ``glance-api`` application): at
    least one pipeline holds it and none misplaces it.
``1``
    anything else: the running pipeline lacks or misplaces the filter, the
    flavor names a pipeline the file does not define, some pipeline
    misplaces the filter or names a missing section, or (with
    ``--strict``) some pipeline lacks it.
``2``
    the file cannot be read or is not a paste file with pipelines; a fix
    that cannot be made or written.

Pipelines other than the running one may lack the filter: they are
reported ``NOT PROTECTED`` as a reminder (they run only with another
flavor).  Use ``--strict`` when every pipeline in the file must carry it.

Fixing a paste file
-------------------
``--fix`` puts the filter in the right place in **every** pipeline: each
occurrence of the filter is removed and one is inserted right after the
last auth/context or ``versionnegotiation`` filter (before any cache
filter and the application), and a ``[filter:deactivate]`` stanza (``use
= egg:glance-deactivate#deactivate``) is added when the file has none.
Only the changed ``pipeline`` settings are rewritten; comments and every
other line stay as they were.  The file is replaced atomically (same
permissions and, where allowed, owner) after a copy of the original is
saved beside it as ``FILE.bak-YYYYmmddTHHMMSSZ``; with ``--output OUT``
the corrected copy goes to ``OUT`` and the original is left untouched.
The corrected file is checked again and reported; a pipeline whose cache
filter comes before its auth filters cannot be fixed automatically (exit
2, nothing written).  Restart glance-api afterwards.

Python API: ``check_paste_file(path)`` returns a list of
:class:`PipelineReport`; ``check_text(text, source, flavor, app)`` a
:class:`PasteReport` with the running pipeline; ``fix_text(text, source)``
the corrected text; ``run(path, out, ...)`` prints the report and returns
the exit code.
"""

import configparser
import dataclasses
import datetime
import os
import re
import shutil
import sys
import tempfile


OK = 'OK'
MISPLACED = 'MISPLACED'
NOT_PROTECTED = 'NOT PROTECTED'
ERROR = 'ERROR'

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNREADABLE = 2

# The application Glance loads: this name, plus '-FLAVOR' when
# [paste_deploy] flavor is set (glance/common/config.py load_paste_app).
DEFAULT_APP = 'glance-api'
# glance.api:pipeline_factory's key when no flavor is set.
DEFAULT_FLAVOR_KEY = 'default'

# Kinds of pipeline entries.
OURS = 'deactivate'
AUTH = 'auth/context'
VERSION = 'versionnegotiation'
CACHE = 'cache'
OTHER = 'other'

# What --fix adds when the file has no filter section of ours.
FILTER_NAME = 'deactivate'
FILTER_STANZA = ('[filter:%s]\nuse = egg:glance-deactivate#deactivate\n'
                 % FILTER_NAME)

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
# Section kinds paste looks an application up in, in PasteDeploy's order
# (paste/deploy/loadwsgi.py: APP, COMPOSITE, PIPELINE, FILTER_APP).
_APP_KINDS = ('app', 'application', 'composite', 'composit', 'pipeline',
              'filter-app')
_SCHEME = re.compile(r'^[a-z][a-z0-9+.-]*:', re.IGNORECASE)
_EGG = re.compile(r'^egg:\s*([A-Za-z0-9._-]+)[^#]*(?:#(.*))?$')
_MAX_USE_HOPS = 10
_MAX_APP_HOPS = 10


class PasteFileError(Exception):
    """The paste file cannot be read or holds no pipeline."""


class FixError(Exception):
    """The paste file cannot be fixed automatically."""


@dataclasses.dataclass(frozen=True)
class PipelineReport:
    """What the check found in one pipeline.

    ``after_auth``, ``after_versionnegotiation`` and ``before_cache`` are
    true when the filter is present and no filter of that kind is on the
    wrong side of it (so vacuously true when the pipeline has none); they
    are false when the filter is absent.  ``has_auth`` tells whether the
    pipeline has any auth/context filter at all.  ``missing`` lists the
    entries no section of the file defines.  ``source`` is the section
    (``composite:api``, ``pipeline:NAME``) and ``key`` the setting that
    holds the pipeline (the flavor key, or ``pipeline``).
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
    key: str = 'pipeline'
    missing: tuple = ()

    @property
    def status(self):
        if self.missing:
            return ERROR
        if not self.has_filter:
            return NOT_PROTECTED
        return MISPLACED if self.problems else OK

    @property
    def verdict(self):
        """The human-readable line printed for this pipeline."""
        pipeline = '(%s)' % ' '.join(self.entries)
        if self.status == ERROR:
            line = '%s: %s: %s %s' % (
                self.name, ERROR, '; '.join(
                    'no [%s:%s] section: paste cannot load this pipeline'
                    % (kind, name) for kind, name in self.missing),
                pipeline)
        elif self.status == NOT_PROTECTED:
            line = '%s: %s: filter absent %s' % (
                self.name, NOT_PROTECTED, pipeline)
        elif self.status == MISPLACED:
            line = '%s: %s: %s %s' % (
                self.name, MISPLACED, '; '.join(self.problems), pipeline)
        else:
            line = '%s: %s %s' % (self.name, OK, pipeline)
        return ''.join([line] + ['; WARNING: %s' % w for w in self.warnings])


@dataclasses.dataclass(frozen=True)
class PasteReport:
    """The check of a whole paste file.

    ``running`` is the report of the pipeline Glance runs with ``flavor``
    (None when it cannot be found); ``route`` says how it was reached and
    ``running_error`` why it was not.  ``glance_app`` is false when the file
    defines no application of that name at all (then there is no running
    pipeline to judge, and no error either).
    """

    source: str
    pipelines: tuple
    app_name: str
    flavor: str
    running: PipelineReport = None
    route: tuple = ()
    running_error: str = None
    glance_app: bool = True

    def others(self):
        return [r for r in self.pipelines if r is not self.running]


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
    """Map ``name`` to (section, settings) for every ``[prefix:name]``."""
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


def _defined(parser, kinds, name):
    """Whether paste can find ``name`` among sections of ``kinds``."""
    if _SCHEME.match(name):
        return True  # egg:, config:, call: name their own target
    return any(parser.has_section('%s:%s' % (kind, name)) for kind in kinds)


def _missing(parser, entries):
    """(kind, name) of the entries no section of the file defines."""
    missing = [('filter', name) for name in entries[:-1]
               if not _defined(parser, ('filter',), name)]
    if entries and not _defined(parser, _APP_KINDS, entries[-1]):
        missing.append(('app', entries[-1]))
    return tuple(missing)


def _report(parser, name, source, key, entries, filters):
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
        problems=tuple(problems), warnings=tuple(warnings), key=key,
        missing=_missing(parser, entries))


def _factory_attr(local):
    for key in _COMPOSITE_FACTORY_KEYS + ('use',):
        factory = local.get(key, '')
        if factory:
            return factory.rpartition(':')[2].rpartition('#')[2].strip()
    return ''


def _is_pipeline_factory(local):
    """Whether a composite is built by a pipeline_factory look-alike."""
    return _factory_attr(local).startswith('pipeline_factory')


def _is_urlmap(local):
    """Whether a composite maps URL paths to applications.

    Glance's ``root_app_factory`` is paste's ``urlmap_factory``.
    """
    return _factory_attr(local) in ('root_app_factory', 'urlmap_factory',
                                    'urlmap')


def _find_pipelines(parser):
    """Yield (name, section, key, entries) for every pipeline in the file."""
    for name, (section, local) in _sections(parser, 'pipeline').items():
        if 'pipeline' not in local:
            raise PasteFileError('[%s] has no "pipeline" setting' % section)
        yield name, section, 'pipeline', local['pipeline'].split()
    for name, (section, local) in _sections(parser, 'composite').items():
        if not _is_pipeline_factory(local):
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


def _app_section(parser, name):
    for kind in _APP_KINDS:
        section = '%s:%s' % (kind, name)
        if parser.has_section(section):
            return kind, section
    return None, None


def _running(parser, app_name, flavor):
    """Follow Glance's look-up of ``app_name`` to a pipeline.

    :returns: ((section, key) of the pipeline, route, error); the first is
        None when no pipeline is reached, with ``error`` saying why.
    """
    route = []
    name = app_name
    for _hop in range(_MAX_APP_HOPS):
        kind, section = _app_section(parser, name)
        if section is None:
            return None, tuple(route), (
                'no section defines %s (%s): glance-api would not start'
                % (name, 'the application Glance loads' if name == app_name
                   else 'named by %s' % route[-1]))
        local = _local_conf(parser, section)
        if kind == 'pipeline':
            route.append('[%s]' % section)
            return (section, 'pipeline'), tuple(route), None
        if kind in ('composite', 'composit') and _is_pipeline_factory(local):
            key = flavor or DEFAULT_FLAVOR_KEY
            route.append('[%s] %s' % (section, key))
            if key not in local:
                return None, tuple(route), (
                    '[%s] has no "%s" pipeline (pipeline_factory takes the '
                    'flavor as key): glance-api would not start'
                    % (section, key))
            return (section, key), tuple(route), None
        if kind in ('composite', 'composit') and _is_urlmap(local):
            path = '/v2' if '/v2' in local else '/'
            if path not in local:
                return None, tuple(route + ['[%s]' % section]), (
                    '[%s] maps neither /v2 nor /' % section)
            route.append('[%s] %s ->' % (section, path))
            name = local[path].strip()
            continue
        route.append('[%s]' % section)
        return None, tuple(route), (
            '%s runs no pipeline the check can follow ([%s])'
            % (app_name, section))
    return None, tuple(route), 'too many hops from %s' % app_name


def app_name_for(flavor, app=DEFAULT_APP):
    """The application Glance loads for ``flavor`` (load_paste_app)."""
    return app + ('-' + flavor if flavor else '')


def _defines_app(parser, app):
    """Whether any section defines ``app`` or one of its flavors."""
    for section in parser.sections():
        kind, sep, name = section.partition(':')
        name = name.strip()
        if (sep and kind.strip() in _APP_KINDS
                and (name == app or name.startswith(app + '-'))):
            return True
    return False


def check_text(text, source='<string>', flavor=None, app=DEFAULT_APP):
    """Check paste ini text; return a :class:`PasteReport`.

    Raises PasteFileError when the text is not a paste file with pipelines.
    """
    parser = _read_parser(text, source)
    found = _qualify_duplicates(list(_find_pipelines(parser)))
    if not found:
        raise PasteFileError('%s holds no [pipeline:...] section and no '
                             'pipeline_factory composite' % source)
    filters = _sections(parser, 'filter')
    reports = tuple(_report(parser, name, section, key, entries, filters)
                    for name, section, key, entries in found)
    app_name = app_name_for(flavor, app)
    if not flavor and not _defines_app(parser, app):
        return PasteReport(source=source, pipelines=reports,
                           app_name=app_name, flavor=flavor,
                           glance_app=False)
    where, route, error = _running(parser, app_name, flavor)
    running = None
    if where is not None:
        running = next(r for r in reports if (r.source, r.key) == where)
    return PasteReport(source=source, pipelines=reports, app_name=app_name,
                       flavor=flavor, running=running, route=route,
                       running_error=error)


def check_paste_text(text, source='<string>'):
    """Check paste ini text; return one PipelineReport per pipeline."""
    return list(check_text(text, source).pipelines)


def _read_text(path):
    try:
        with open(path, encoding='utf-8') as paste_file:
            return paste_file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise PasteFileError('cannot read %s: %s' % (path, _one_line(exc)))


def check_file(path, flavor=None, app=DEFAULT_APP):
    """Check the paste file at ``path``; return a :class:`PasteReport`.

    Raises PasteFileError when the file cannot be read or parsed.
    """
    return check_text(_read_text(path), str(path), flavor, app)


def check_paste_file(path):
    """Check the paste file at ``path``; return a list of PipelineReport.

    Raises PasteFileError when the file cannot be read or parsed.
    """
    return check_paste_text(_read_text(path), source=str(path))


def _failures(report, strict):
    """Why ``report`` fails, as short phrases (empty when it passes)."""
    reasons = []
    running = report.running
    if report.running_error:
        reasons.append(report.running_error)
    elif running is not None and running.status != OK:
        reasons.append('the running pipeline %s is %s'
                       % (running.name, running.status))
    others = report.others()
    for status, one, many in (
            (ERROR, 'names a missing section', 'name a missing section'),
            (MISPLACED, 'misplaces the filter', 'misplace the filter')):
        count = sum(1 for r in others if r.status == status)
        if count:
            noun = 'pipeline' if count == 1 else 'pipelines'
            reasons.append('%d %s%s %s' % (
                count, 'other ' if running else '', noun,
                one if count == 1 else many))
    if not report.glance_app and not any(r.has_filter
                                         for r in report.pipelines):
        reasons.append('no pipeline contains the deactivate filter')
    if strict:
        absent = sum(1 for r in others if r.status == NOT_PROTECTED)
        if absent:
            reasons.append('(strict) %d of %d pipelines lack the filter'
                           % (absent, len(report.pipelines)))
    return reasons


def exit_code(report, strict=False):
    """The exit code for a :class:`PasteReport` (see the module docstring).

    A list of PipelineReport (no running pipeline known) is accepted too.
    """
    if not isinstance(report, PasteReport):
        report = PasteReport(source='', pipelines=tuple(report),
                             app_name='', flavor=None, glance_app=False)
    return EXIT_FAILED if _failures(report, strict) else EXIT_OK


def summary(report, strict=False):
    """The final RESULT line: ``OK`` or ``FAILED``, never both."""
    reasons = _failures(report, strict)
    if reasons:
        return 'RESULT: FAILED: %s' % '; '.join(reasons)
    protected = sum(1 for r in report.pipelines if r.has_filter)
    counts = '%d of %d pipelines protected' % (
        protected, len(report.pipelines))
    if report.running is not None:
        head = 'the running pipeline %s is protected; %s' % (
            report.running.name, counts)
    else:
        head = ('%s (no %s application in the file: no running pipeline '
                'to judge)' % (counts, DEFAULT_APP))
    if protected < len(report.pipelines):
        head += ('; the others run only with another flavor (--strict '
                 'requires the filter in every pipeline)')
    return 'RESULT: OK: %s' % head


def report_lines(report, strict=False, origin=None):
    """The lines ``run`` prints for a :class:`PasteReport`."""
    lines = []
    if report.glance_app:
        flavor = ('flavor %s' % report.flavor if report.flavor
                  else 'no flavor set')
        lines.append('Glance loads %s (%s%s): %s' % (
            report.app_name, flavor, ', %s' % origin if origin else '',
            ' '.join(report.route) or '-'))
    if report.running is not None:
        lines.append('running: ' + report.running.verdict)
    lines.extend(r.verdict for r in report.others())
    lines.append(summary(report, strict))
    return lines


def run(path, out=None, strict=False, flavor=None, app=DEFAULT_APP,
        origin=None):
    """Print the check of ``path`` to ``out`` and return the exit code.

    ``out`` defaults to ``sys.stdout`` (looked up at call time); error
    messages go to ``out`` too, as one ``ERROR:`` line.  ``origin`` says
    where the flavor came from, for the first line.
    """
    out = sys.stdout if out is None else out
    try:
        report = check_file(path, flavor, app)
    except PasteFileError as exc:
        out.write('ERROR: %s\n' % exc)
        return EXIT_UNREADABLE
    for line in report_lines(report, strict, origin):
        out.write(line + '\n')
    return exit_code(report, strict)


# --fix ---------------------------------------------------------------------

def _fixed_entries(entries, kinds, name):
    """``entries`` with exactly one ``name`` in the right place."""
    if kinds[-1] == OURS:
        raise FixError('the deactivate filter is the last entry of (%s), '
                       'where the application belongs: fix it by hand'
                       % ' '.join(entries))
    kept = [(entry, kind) for entry, kind in zip(entries[:-1], kinds[:-1])
            if kind != OURS]
    after = max([i for i, (_e, kind) in enumerate(kept)
                 if kind in (AUTH, VERSION)], default=-1) + 1
    caches = [i for i, (_e, kind) in enumerate(kept) if kind == CACHE]
    if caches and caches[0] < after:
        raise FixError('in (%s) a cache filter comes before an auth/context '
                       'or versionnegotiation filter: fix it by hand'
                       % ' '.join(entries))
    return tuple([e for e, _k in kept[:after]] + [name]
                 + [e for e, _k in kept[after:]] + [entries[-1]])


_SECTION_LINE = re.compile(r'\[(?P<header>.+)\]')
_OPTION_LINE = re.compile(
    r'(?P<option>.*?)\s*(?P<separator>[=:])\s*(?P<value>.*)$')


def _value_spans(lines):
    """Map (section, option) to the (first, end) lines of its value."""
    spans = {}
    section = option = None
    indent = 0
    for number, line in enumerate(lines):
        stripped = line.strip()
        current = len(line) - len(line.lstrip())
        if not stripped or stripped.startswith(('#', ';')):
            continue
        if option is not None and current > indent:
            spans[(section, option)] = (spans[(section, option)][0],
                                        number + 1)
            continue
        option = None
        header = _SECTION_LINE.match(stripped)
        if header:
            section = header.group('header')
            continue
        match = _OPTION_LINE.match(stripped)
        if match and section is not None:
            option, indent = match.group('option'), current
            spans[(section, option)] = (number, number + 1)
    return spans


def _rewrite(lines, first, end, option, entries):
    """The lines that replace ``lines[first:end]``: ``option = entries``.

    One line if the setting was one line, else wrapped at 79 columns with
    the indentation of its first continuation line.
    """
    key_line = lines[first]
    indent = key_line[:len(key_line) - len(key_line.lstrip())]
    separator = _OPTION_LINE.match(key_line.strip()).group('separator')
    prefix = '%s%s %s ' % (indent, option, separator)
    if end - first == 1:
        return [prefix + ' '.join(entries) + '\n']
    continuation = lines[first + 1]
    cont_indent = continuation[:len(continuation)
                               - len(continuation.lstrip())]
    out, words = [], []
    for entry in entries:
        if words and len(prefix + ' '.join(words + [entry])) > 79:
            out.append(prefix + ' '.join(words) + '\n')
            prefix, words = cont_indent, []
        words.append(entry)
    out.append(prefix + ' '.join(words) + '\n')
    return out


def _filter_name(filters):
    """The filter section name --fix uses, and whether to add it."""
    ours = sorted(name for name in filters
                  if _kind_by_factory(_filter_factory(filters, name) or '')
                  == OURS)
    if ours:
        return ours[0], False
    if FILTER_NAME in filters:
        raise FixError('[filter:%s] is another filter; add ours under '
                       'another name by hand' % FILTER_NAME)
    return FILTER_NAME, True


def fix_text(text, source='<string>'):
    """Put the filter in its place in every pipeline of ``text``.

    :returns: (new text, list of the names of the pipelines changed, and
        ``[filter:...]`` when the stanza was added).
    :raises PasteFileError: the text is not a paste file with pipelines.
    :raises FixError: a pipeline the fix cannot order.
    """
    parser = _read_parser(text, source)
    found = _qualify_duplicates(list(_find_pipelines(parser)))
    if not found:
        raise PasteFileError('%s holds no [pipeline:...] section and no '
                             'pipeline_factory composite' % source)
    filters = _sections(parser, 'filter')
    name, add_stanza = _filter_name(filters)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith('\n'):
        lines[-1] += '\n'
    spans = _value_spans(lines)
    edits, changed = [], []
    for label, section, key, entries in found:
        kinds = [_classify(filters, entry) for entry in entries]
        fixed = _fixed_entries(tuple(entries), kinds, name)
        if fixed == tuple(entries):
            continue
        if (section, key) not in spans:
            raise FixError('cannot find the "%s" setting of [%s] in %s'
                           % (key, section, source))
        first, end = spans[(section, key)]
        edits.append((first, end, _rewrite(lines, first, end, key, fixed)))
        changed.append(label)
    for first, end, new in sorted(edits, reverse=True):
        lines[first:end] = new
    if add_stanza:
        lines.append('\n' + FILTER_STANZA)
        changed.append('[filter:%s]' % name)
    new_text = ''.join(lines)
    for report in check_text(new_text, source).pipelines:
        if report.status == MISPLACED or not report.has_filter:
            raise FixError('the corrected file would still report %s'
                           % report.verdict)  # a bug in the fix: say so
    return new_text, changed


def backup_name(path, now=None):
    """``path.bak-YYYYmmddTHHMMSSZ``, with ``-N`` if that exists."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    base = '%s.bak-%s' % (path, now.strftime('%Y%m%dT%H%M%SZ'))
    candidate, number = base, 0
    while os.path.exists(candidate):
        number += 1
        candidate = '%s-%d' % (base, number)
    return candidate


def _write_like(path, text, like):
    """Write ``text`` to ``path`` atomically, with ``like``'s mode/owner."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.paste-')
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as new_file:
            new_file.write(text)
        if like is not None:
            shutil.copymode(like, temporary)
            stat = os.stat(like)
            try:
                os.chown(temporary, stat.st_uid, stat.st_gid)
            except OSError:  # not root: the file stays the writer's
                pass
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def fix_file(path, output=None, out=None):
    """Write the corrected copy of ``path``; return (written, backup).

    Without ``output`` the file is replaced, after a copy of the original
    is saved under :func:`backup_name`; ``backup`` is None with
    ``output``, or when nothing changed (then nothing is written at all).

    :raises PasteFileError, FixError, OSError:
    """
    text = _read_text(path)
    new_text, changed = fix_text(text, str(path))
    out = sys.stdout if out is None else out
    if not changed and output is None:
        out.write('Nothing to fix in %s.\n' % path)
        return path, None
    backup = None
    if output is None:
        backup = backup_name(path)
        shutil.copy2(path, backup)
        _write_like(path, new_text, path)
        written = path
    else:
        _write_like(output, new_text, path)
        written = output
    out.write('Fixed %s: %s.\n' % (', '.join(changed) or 'nothing',
                                   'wrote %s' % written))
    if backup:
        out.write('The original is saved as %s.\n' % backup)
    return written, backup
