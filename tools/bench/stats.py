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


"""Medians, spreads and ratios over benchmark rounds (stdlib only)."""

import math
import statistics


def median(values):
    return statistics.median(values) if values else float('nan')


def quartiles(values):
    """(q1, q3) of ``values`` (inclusive method); the value twice if one."""
    values = sorted(values)
    if len(values) < 2:
        return (values[0], values[0]) if values else (float('nan'),) * 2
    q1, _q2, q3 = statistics.quantiles(values, n=4, method='inclusive')
    return q1, q3


def median_ci(values, confidence=0.95):
    """A distribution-free confidence interval of the median.

    The order statistics ``(x[k], x[n-1-k])`` with the largest ``k`` such
    that P(Binomial(n, 1/2) < k) <= (1 - confidence) / 2; with fewer than
    6 values, the whole range.
    """
    values = sorted(values)
    n = len(values)
    if not n:
        return float('nan'), float('nan')
    tail = (1 - confidence) / 2
    cdf, k = 0.0, 0
    for j in range(n // 2):
        cdf += math.comb(n, j) / 2 ** n
        if cdf > tail:
            break
        k = j + 1
    return values[k], values[n - 1 - k]


def summary(values):
    """Median, its 95% confidence interval, IQR and min-max of values."""
    q1, q3 = quartiles(values)
    ci_low, ci_high = median_ci(values)
    return {
        'median': median(values),
        'ci_low': ci_low,
        'ci_high': ci_high,
        'q1': q1,
        'q3': q3,
        'min': min(values) if values else float('nan'),
        'max': max(values) if values else float('nan'),
        'n': len(values),
    }


def ratios(numerators, denominators):
    """Per-round ratios of two equally long lists of per-round figures."""
    return [a / b for a, b in zip(numerators, denominators) if b]
