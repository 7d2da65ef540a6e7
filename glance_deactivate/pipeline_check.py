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
:class:`PasteReport` with the running pipeline; ``run(path, out, ...)``
prints the report and returns the exit code;
``pipeline_fix.fix_text(text, source)`` returns the corrected text and
``pipeline_fix.fix_file(path, ...)`` writes it.

This module judges each pipeline and words the report.  The rest of the
check lives in modules with one job each: ``pipeline_paste`` reads the
paste file and finds its pipelines, ``pipeline_kinds`` classifies their
entries, ``pipeline_flavor`` follows Glance's look-up to the running
pipeline, and ``pipeline_fix`` writes the corrected copy and its backup.
"""

import dataclasses
import sys

from glance_deactivate import pipeline_flavor
from glance_deactivate import pipeline_kinds
from glance_deactivate import pipeline_paste


OK = 'OK'
MISPLACED = 'MISPLACED'
NOT_PROTECTED = 'NOT PROTECTED'
ERROR = 'ERROR'

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNREADABLE = 2

# Re-exported: the commands and tests name them through this module.
DEFAULT_APP = pipeline_flavor.DEFAULT_APP
PasteFileError = pipeline_paste.PasteFileError


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


def _positions(kinds, kind):
    return [i for i, k in enumerate(kinds) if k == kind]


def _placement(entries, kinds):
    """Placement flags and problems for a pipeline holding our filter."""
    ours = _positions(kinds, pipeline_kinds.OURS)
    first, last = min(ours), max(ours)
    name = entries[first]
    filter_kinds = kinds[:-1]
    late_auth = [entries[i]
                 for i in _positions(filter_kinds, pipeline_kinds.AUTH)
                 if i > first]
    late_version = [entries[i]
                    for i in _positions(filter_kinds, pipeline_kinds.VERSION)
                    if i > first]
    early_cache = [entries[i]
                   for i in _positions(filter_kinds, pipeline_kinds.CACHE)
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
    if pipeline_paste.SCHEME.match(name):
        return True  # egg:, config:, call: name their own target
    return any(parser.has_section('%s:%s' % (kind, name)) for kind in kinds)


def _missing(parser, entries):
    """(kind, name) of the entries no section of the file defines."""
    missing = [('filter', name) for name in entries[:-1]
               if not _defined(parser, ('filter',), name)]
    if entries and not _defined(parser, pipeline_paste.APP_KINDS,
                                entries[-1]):
        missing.append(('app', entries[-1]))
    return tuple(missing)


def _report(parser, name, source, key, entries, filters):
    """Build the PipelineReport of one pipeline."""
    entries = tuple(entries)
    kinds = [pipeline_kinds.classify(filters, entry) for entry in entries]
    has_filter = pipeline_kinds.OURS in kinds
    has_auth = pipeline_kinds.AUTH in kinds[:-1]
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


def check_text(text, source='<string>', flavor=None, app=DEFAULT_APP):
    """Check paste ini text; return a :class:`PasteReport`.

    Raises PasteFileError when the text is not a paste file with pipelines.
    """
    parser = pipeline_paste.read_parser(text, source)
    found = pipeline_paste.pipelines(parser, source)
    filters = pipeline_paste.sections(parser, 'filter')
    reports = tuple(_report(parser, name, section, key, entries, filters)
                    for name, section, key, entries in found)
    app_name = pipeline_flavor.app_name_for(flavor, app)
    if not flavor and not pipeline_flavor.defines_app(parser, app):
        return PasteReport(source=source, pipelines=reports,
                           app_name=app_name, flavor=flavor,
                           glance_app=False)
    where, route, error = pipeline_flavor.running(parser, app_name,
                                                  flavor)
    running = None
    if where is not None:
        running = next(r for r in reports if (r.source, r.key) == where)
    return PasteReport(source=source, pipelines=reports, app_name=app_name,
                       flavor=flavor, running=running, route=route,
                       running_error=error)


def check_paste_text(text, source='<string>'):
    """Check paste ini text; return one PipelineReport per pipeline."""
    return list(check_text(text, source).pipelines)


def check_file(path, flavor=None, app=DEFAULT_APP):
    """Check the paste file at ``path``; return a :class:`PasteReport`.

    Raises PasteFileError when the file cannot be read or parsed.
    """
    return check_text(pipeline_paste.read_text(path), str(path), flavor, app)


def check_paste_file(path):
    """Check the paste file at ``path``; return a list of PipelineReport.

    Raises PasteFileError when the file cannot be read or parsed.
    """
    return check_paste_text(pipeline_paste.read_text(path), source=str(path))


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
