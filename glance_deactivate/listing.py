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

"""Plan an image listing with a ``status`` filter the store cannot answer.

The image store holds a deactivated image as ``active``; only the filter
knows better.  So a caller's ``status`` filter is translated into a query
the store can answer, plus a predicate the filter applies to what comes
back:

``status=deactivated`` (alone)
    becomes ``status=active&id=in:<deactivated ids>``: the store does the
    filtering, sorting and paging, and the cost grows with the number of
    deactivated images, not with the catalogue.
``status=active``, ``status=in:active,queued``
    asks the store for the same and drops the deactivated images from each
    page, fetching further pages to fill ``limit`` (cost grows with the
    number of deactivated images met).
``status=in:deactivated,queued``, ``status=neq:active``, ...
    asks the store for ``active`` too and keeps what matches.

Every other parameter (filters, sorting, ``limit``, ``marker``) is passed
on untouched, and the ``first`` and ``next`` links are rebuilt from the
caller's own query so that paging goes on through the filter.

Natively deactivated images (a store that has the feature itself) are
listed by the store under its own status and are not merged into
``status=deactivated`` answers.
"""

import collections
from urllib import parse

from glance_deactivate import images
from glance_deactivate import reading

# An id no image can have: what ``id=in:`` gets when nothing is deactivated.
NO_IMAGE = 'glance-deactivate-none'

Plan = collections.namedtuple('Plan', 'store_pairs wanted needs_filter')


def _status_set(value):
    """(operator, set of statuses) of a Glance status filter value."""
    op, sep, rest = value.partition(':')
    if not sep:
        return 'eq', {value}
    if op == 'in':
        return 'in', {s.strip().strip('"') for s in rest.split(',')}
    return op, {rest}


def plan(pairs, deactivated_ids):
    """How to answer a listing whose query is ``pairs``.

    :param pairs: the caller's query as WebOb parses it (see
        ``reading.query_pairs``), a list of (key, value).
    :param deactivated_ids: a callable returning the exact ids of all
        deactivated images; called only for ``status=deactivated``.
    :returns: a Plan, or None when the listing needs no more than the
        status overlay.
    """
    status = reading.last(pairs, 'status')  # Glance's filters keep the last
    if status is None:
        return None
    op, wanted = _status_set(status)
    deactivated = images.DEACTIVATED
    active = images.ACTIVE
    others = [(k, v) for k, v in pairs if k != 'status']
    if op in ('eq', 'in'):
        if deactivated not in wanted:
            if active not in wanted:
                return None
            return Plan(pairs, frozenset(wanted), True)
        store_set = (wanted - {deactivated}) | {active}
        store_pairs = others + [('status', _encode_status(store_set))]
        if wanted == {deactivated} and not any(k == 'id' for k, _ in pairs):
            ids = sorted(deactivated_ids()) or [NO_IMAGE]
            store_pairs.append(('id', 'in:' + ','.join(ids)))
            return Plan(store_pairs, frozenset(wanted), False)
        return Plan(store_pairs, frozenset(wanted), active not in wanted)
    if op == 'neq' and wanted & {active, deactivated}:
        return Plan(others, _NotIn(wanted), True)
    return None


class _NotIn(frozenset):
    """The statuses wanted by a ``neq`` filter: all but these."""

    def __contains__(self, status):
        return not frozenset.__contains__(self, status)


def _encode_status(statuses):
    if len(statuses) == 1:
        return next(iter(statuses))
    return 'in:' + ','.join(sorted(statuses))


def link(pairs, marker=None):
    """A ``/v2/images`` link with the caller's query and a new marker."""
    kept = [(k, v) for k, v in pairs if k != 'marker']
    if marker is not None:
        kept.append(('marker', marker))
    if not kept:
        return '/v2/images'
    return '/v2/images?' + parse.urlencode(kept)


def next_marker(document):
    """The marker in the store's ``next`` link, or None."""
    nxt = document.get('next')
    if not nxt:
        return None
    query = parse.urlparse(nxt).query
    return reading.first(
        reading.query_pairs({'QUERY_STRING': query}), 'marker')
