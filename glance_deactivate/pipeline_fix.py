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


"""Put the deactivate filter in its place: the corrected copy and backup.

What ``check-pipeline --fix`` does (the operator manual is the docstring of
:mod:`glance_deactivate.pipeline_check`, "Fixing a paste file"): in every
pipeline each occurrence of the filter is removed and one is inserted
right after the last auth/context or ``versionnegotiation`` filter, and a
``[filter:deactivate]`` stanza is added when the file has none.  Only the
changed ``pipeline`` settings are rewritten, line by line; the corrected
text is checked again before anything is written.  :func:`fix_file`
saves the original as ``FILE.bak-YYYYmmddTHHMMSSZ`` and replaces the file
atomically, or writes the corrected copy elsewhere.
"""

import datetime
import os
import re
import shutil
import sys
import tempfile

from glance_deactivate import pipeline_check
from glance_deactivate import pipeline_kinds
from glance_deactivate import pipeline_paste


# What --fix adds when the file has no filter section of ours.
FILTER_NAME = 'deactivate'
FILTER_STANZA = ('[filter:%s]\nuse = egg:glance-deactivate#deactivate\n'
                 % FILTER_NAME)


class FixError(Exception):
    """The paste file cannot be fixed automatically."""


def _fixed_entries(entries, kinds, name):
    """``entries`` with exactly one ``name`` in the right place."""
    if kinds[-1] == pipeline_kinds.OURS:
        raise FixError('the deactivate filter is the last entry of (%s), '
                       'where the application belongs: fix it by hand'
                       % ' '.join(entries))
    kept = [(entry, kind) for entry, kind in zip(entries[:-1], kinds[:-1])
            if kind != pipeline_kinds.OURS]
    after = max([i for i, (_e, kind) in enumerate(kept)
                 if kind in (pipeline_kinds.AUTH, pipeline_kinds.VERSION)],
                default=-1) + 1
    caches = [i for i, (_e, kind) in enumerate(kept)
              if kind == pipeline_kinds.CACHE]
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
                  if pipeline_kinds.kind_by_factory(
                      pipeline_kinds.filter_factory(filters, name) or '')
                  == pipeline_kinds.OURS)
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
    parser = pipeline_paste.read_parser(text, source)
    found = pipeline_paste.pipelines(parser, source)
    filters = pipeline_paste.sections(parser, 'filter')
    name, add_stanza = _filter_name(filters)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith('\n'):
        lines[-1] += '\n'
    spans = _value_spans(lines)
    edits, changed = [], []
    for label, section, key, entries in found:
        kinds = [pipeline_kinds.classify(filters, entry)
                 for entry in entries]
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
    for report in pipeline_check.check_text(new_text, source).pipelines:
        if (report.status == pipeline_check.MISPLACED
                or not report.has_filter):
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
    text = pipeline_paste.read_text(path)
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
