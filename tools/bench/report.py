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


"""The machine description and the result tables (reStructuredText)."""

import importlib.metadata
import os
import platform
import sqlite3
import subprocess
import time

from bench import stats


def _cpu_model():
    try:
        with open('/proc/cpuinfo') as cpuinfo:
            for line in cpuinfo:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def _memory():
    try:
        with open('/proc/meminfo') as meminfo:
            for line in meminfo:
                if line.startswith('MemTotal:'):
                    return '%.1f GiB' % (int(line.split()[1]) / 2 ** 20)
    except OSError:
        pass
    return 'unknown'


def _version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return 'not installed'


def _git(repo, *args):
    try:
        out = subprocess.run(('git', '-C', repo) + args, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ''
    return out.stdout.strip()


def _git_commit(repo):
    """The commit measured, marked when the package has local changes."""
    commit = _git(repo, 'rev-parse', '--short', 'HEAD') or 'unknown'
    if _git(repo, 'status', '--porcelain', '--', 'glance_deactivate'):
        commit += ' with local changes'
    return commit


def machine(repo):
    return {
        'nproc': len(os.sched_getaffinity(0)),
        'cpu': _cpu_model(),
        'memory': _memory(),
        'kernel': platform.release(),
        'python': platform.python_version(),
        'glance': _version('glance'),
        'gunicorn': _version('gunicorn'),
        'sqlalchemy': _version('SQLAlchemy'),
        'sqlite': sqlite3.sqlite_version,
        'glance_deactivate_commit': _git_commit(repo),
    }


def cpu_snapshot():
    """Busy CPU seconds of the machine and of this process tree, now.

    This process's figure counts the children it has waited for: the
    servers (whose masters wait for their workers) once they are stopped.
    """
    with open('/proc/stat') as stat:
        values = [int(v) for v in stat.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    times = os.times()
    return {
        'busy': (user + nice + system + irq + softirq + steal) /
        os.sysconf('SC_CLK_TCK'),
        'own': (times.user + times.system + times.children_user +
                times.children_system),
        'wall': time.monotonic(),
        'load': os.getloadavg()[0],
    }


def foreign_cpu(start, end):
    """Share of all CPUs used by other processes between two snapshots."""
    wall = end['wall'] - start['wall']
    other = (end['busy'] - start['busy']) - (end['own'] - start['own'])
    cpus = len(os.sched_getaffinity(0))
    return max(0.0, other / (wall * cpus)) if wall > 0 else 0.0


def table(header, rows):
    """A reStructuredText simple table."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(r[i]) for r in [header] + rows)
              for i in range(len(header))]
    rule = '  '.join('=' * w for w in widths)
    lines = [rule, '  '.join(h.ljust(w) for h, w in zip(header, widths))
             .rstrip(), rule]
    for row in rows:
        lines.append('  '.join(c.ljust(w) for c, w in zip(row, widths))
                     .rstrip())
    lines.append(rule)
    return '\n'.join(lines)


def ratio_cell(summ):
    """``1.013 [1.004-1.021]`` (median [IQR]) or ``-``."""
    if not summ or not summ.get('n'):
        return '-'
    return '%.3f [%.3f-%.3f]' % (summ['median'], summ['q1'], summ['q3'])


def spread_cell(summ):
    if not summ or not summ.get('n'):
        return '-'
    return '%.3f-%.3f' % (summ['min'], summ['max'])


def verdict(name, summ, op, limit, unit=''):
    """A target line: MET or NOT MET by the median, with its 95% CI.

    When the confidence interval of the median contains the limit, the
    line says so: at this machine's noise the run cannot tell.
    """
    value = summ['median'] if isinstance(summ, dict) else summ
    met = value <= limit if op == '<=' else value >= limit
    text = '%-7s  %s: %.3f%s %s %s%s' % (
        'MET' if met else 'NOT MET', name, value, unit, op, limit, unit)
    unresolved = False
    if isinstance(summ, dict):
        text += ' (95%% CI of the median %.3f-%.3f, %d rounds' % (
            summ['ci_low'], summ['ci_high'], summ['n'])
        unresolved = summ['ci_low'] <= limit <= summ['ci_high']
        text += '; the limit is inside it: not resolved)' if unresolved \
            else ')'
    return {'target': name, 'figure': value, 'limit': limit, 'op': op,
            'met': met, 'unresolved': unresolved, 'text': text}


def summarize_ratio(numerators, denominators):
    values = stats.ratios(numerators, denominators)
    return stats.summary(values) if values else None
