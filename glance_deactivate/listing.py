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

:func:`planned_page` runs a plan: it asks for store pages through a
callable (so it is tested without WSGI), keeps what the caller asked for,
and stops after ``MAX_LIST_ROUNDS`` store pages with a short page whose
``next`` link resumes where the scan stopped.
"""

import collections
import typing
from urllib import parse

from glance_deactivate import images
from glance_deactivate import overlay
from glance_deactivate import reading

# An id no image can have: what ``id=in:`` gets when nothing is deactivated.
NO_IMAGE = 'glance-deactivate-none'

# At most this many image service pages are read to fill one page of a
# status-filtered listing.
MAX_LIST_ROUNDS = 10

Plan = collections.namedtuple('Plan', 'store_pairs wanted needs_filter')


class Page(typing.NamedTuple):
    """One page of a planned listing, ready to be overlaid and sent.

    ``document`` is the last store page's document with ``images``,
    ``first`` and ``next`` set for the caller; ``deactivated`` holds the
    exact ids of the kept images that are deactivated.
    """

    document: dict
    deactivated: set


def _status_set(value):
    """(operator, set of statuses) of a Glance status filter value."""
    op, sep, rest = value.partition(':')
    if not sep:
        return 'eq', {value}
    if op == 'in':
        return 'in', {s.strip().strip('"') for s in rest.split(',')}
    return op, {rest}


def plan(pairs: list, deactivated_ids: typing.Callable) -> Plan | None:
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


def link(pairs: list, marker: str | None = None) -> str:
    """A ``/v2/images`` link with the caller's query and a new marker."""
    kept = [(k, v) for k, v in pairs if k != 'marker']
    if marker is not None:
        kept.append(('marker', marker))
    if not kept:
        return '/v2/images'
    return '/v2/images?' + parse.urlencode(kept)


def next_marker(document: dict) -> str | None:
    """The marker in the store's ``next`` link, or None."""
    nxt = document.get('next')
    if not nxt:
        return None
    query = parse.urlparse(nxt).query
    return reading.first(
        reading.query_pairs({'QUERY_STRING': query}), 'marker')


def int_param(pairs: list, name: str) -> int | None:
    """An integer parameter as Glance reads it (its first value), or None."""
    value = reading.first(pairs, name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def planned_page(pairs: list, plan: Plan, fetch: typing.Callable,
                 deactivated_among: typing.Callable,
                 max_rounds: int = MAX_LIST_ROUNDS) -> Page:
    """Fill one page of a status-filtered listing.

    :param pairs: the caller's query (``reading.query_pairs``).
    :param plan: the :class:`Plan` for it.
    :param fetch: ``fetch(store_pairs)``: the store's page for that query,
        a dict with an ``images`` list (it raises for any other answer).
    :param deactivated_among: ``deactivated_among(ids)``: which of the
        ids are deactivated (a set).
    :returns: a :class:`Page`.
    """
    limit = int_param(pairs, 'limit')
    store_pairs = list(plan.store_pairs)
    kept, deactivated, marker, document = [], set(), None, None
    for _round in range(max_rounds):
        document = fetch(store_pairs)
        page = document['images']
        if document.get('next') and (limit is None or len(page) < limit):
            # The store's own page size (or its api_limit_max cap).
            limit = len(page)
        page_deactivated = deactivated_among(
            [image.get('id') for image in page])
        deactivated |= page_deactivated
        marker = next_marker(document)
        for index, image in enumerate(page):
            status = overlay.effective_status(image, page_deactivated)
            if plan.needs_filter and status not in plan.wanted:
                continue
            kept.append(image)
            if limit is not None and len(kept) >= limit:
                if index < len(page) - 1:
                    marker = image.get('id')
                break
        full = limit is not None and len(kept) >= limit
        if full or marker is None or not plan.needs_filter:
            break
        store_pairs = [(k, v) for k, v in store_pairs
                       if k != 'marker'] + [('marker', marker)]
    document['images'] = kept
    document['first'] = link(pairs)
    if marker is None:
        document.pop('next', None)
    else:
        document['next'] = link(pairs, marker)
    kept_ids = {image.get('id') for image in kept}
    return Page(document, deactivated & kept_ids)
