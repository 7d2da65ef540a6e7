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
    becomes ``status=in:active,deactivated&id=in:<deactivated ids>`` (the
    filter's ids, those the store itself holds deactivated, see
    ``glance_deactivate.native``, and those of the images the caller can
    list whose content matches a live quarantine, see
    ``glance_deactivate.deactivation_view``): the store does the
    filtering, sorting and paging, and the cost grows with the number of
    deactivated images and quarantined hashes, not with the catalogue.
``status=active``, ``status=in:active,queued``
    asks the store for the same and drops the deactivated images from each
    page, fetching further pages to fill ``limit`` (cost grows with the
    number of deactivated images met).
``status=in:deactivated,queued``, ...
    asks the store for ``active`` too and keeps what matches.  Any other
    operator (``neq:``, ...) is Glance's own 400, from the store.

Every other parameter (filters, sorting, ``limit``, ``marker``) is passed
on untouched, and the ``first`` and ``next`` links are rebuilt from the
caller's own query so that paging goes on through the filter.

A listing sorted by ``status`` first (``sort_key=status``,
``sort=status:desc,name:asc``, ...) is answered run by run
(:func:`status_segments`, :func:`segmented_page`): the store would sort a
deactivated image among the active ones, Glance sorts ``deactivated`` as
the string it is.  Glance's ``next`` links are rebuilt as its serializer
builds them (:func:`link`).  Sorted by ``status`` after other keys, see
``glance_deactivate.status_ties``.

Images a store with the feature deactivated itself are listed under the
store's own status, ``deactivated``.

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
        # 'deactivated' stays in the store's filter: a store with the
        # feature itself lists its own deactivated images under it.
        store_set = wanted | {active}
        store_pairs = others + [('status', _encode_status(store_set))]
        if wanted == {deactivated} and not any(k == 'id' for k, _ in pairs):
            ids = sorted(deactivated_ids()) or [NO_IMAGE]
            store_pairs.append(('id', 'in:' + ','.join(ids)))
            return Plan(store_pairs, frozenset(wanted), False)
        return Plan(store_pairs, frozenset(wanted), active not in wanted)
    # Any other operator (neq, gt, ...) is Glance's 400 ("Unable to filter
    # by unknown operator"): the store answers it.
    return None


def _encode_status(statuses):
    if len(statuses) == 1:
        return next(iter(statuses))
    return 'in:' + ','.join(sorted(statuses))


def link(pairs: list, marker: str | None = None) -> str:
    """A ``/v2/images`` link with the caller's query and a new marker.

    Built as Glance 33's ``ResponseSerializer.index`` builds its own
    (``glance/api/v2/images.py``): ``dict(request.params)`` keeps one
    value per key (the last) in first-seen order, the marker goes last.
    """
    kept = dict(pairs)
    kept.pop('marker', None)
    if marker is not None:
        kept['marker'] = marker
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


def finish_page(document: dict, pairs: list, kept: list,
                marker: str | None, deactivated: set) -> Page:
    """The caller's page: ``kept`` images, ``first`` and ``next`` links.

    :param marker: the id the ``next`` link resumes from (None: no next
        page).
    :param deactivated: ids known deactivated; the page keeps those it
        shows.
    """
    document['images'] = kept
    document['first'] = link(pairs)
    if marker is None:
        document.pop('next', None)
    else:
        document['next'] = link(pairs, marker)
    kept_ids = {image.get('id') for image in kept}
    return Page(document, deactivated & kept_ids)


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
    :param deactivated_among: ``deactivated_among(images)``: the ids of
        the image documents that are deactivated (a set), by a record or
        by their content (``glance_deactivate.deactivation_view``).
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
        page_deactivated = deactivated_among(page)
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
    return finish_page(document, pairs, kept, marker, deactivated)


# -- sorting by status ----------------------------------------------------

# Glance 33's sort keys and the image statuses its database lists other
# than active and deactivated (``glance/api/v2/images.py``
# ``RequestDeserializer._available_sort_keys``; ``glance/db/sqlalchemy/
# api.py`` ``STATUSES``), in their string order.
SORT_KEYS = ('name', 'status', 'container_format', 'disk_format', 'size',
             'id', 'created_at', 'updated_at')
OTHER_STATUSES = ('deleted', 'importing', 'killed', 'pending_delete',
                  'queued', 'saving', 'uploading')
_SORT_PARAMS = ('sort', 'sort_key', 'sort_dir')

# The largest store page asked for while skipping deactivated images
# (Glance's default ``api_limit_max``; a store that caps lower answers with
# ``next`` and is read on).
MAX_SCAN_PAGE = 1000


def sort_order(pairs: list) -> list | None:
    """The (key, direction) list Glance 33 sorts a listing by, or None.

    Read as Glance reads it (``RequestDeserializer._get_sorting_params``
    takes every ``sort_key``/``sort_dir`` in order, or the first ``sort``;
    ``_image_get_all`` in ``glance/db/sqlalchemy/api.py`` spreads a single
    direction over every key and appends ``created_at`` and ``id`` in the
    default direction).  None for a query Glance refuses with 400 (the
    store gives that answer itself).
    """
    names = [k for k, _v in pairs]
    if 'sort' in names:
        if 'sort_key' in names or 'sort_dir' in names:
            return None
        keys, dirs = [], []
        for item in reading.first(pairs, 'sort').strip().split(','):
            key, _sep, direction = item.partition(':')
            keys.append(key.strip())
            dirs.append(direction.strip() if direction else 'desc')
    else:
        keys = [v.strip() for k, v in pairs if k == 'sort_key']
        dirs = [v.strip() for k, v in pairs if k == 'sort_dir']
        if len(dirs) > 1 and len(dirs) != len(keys):
            return None
    if any(key not in SORT_KEYS for key in keys) or any(
            d not in ('asc', 'desc') for d in dirs):
        return None
    keys = keys or ['created_at']
    dirs = dirs or ['desc']
    default = 'desc'
    if len(dirs) == 1:
        default = dirs[0]
        dirs = dirs * len(keys)
    order = list(zip(keys, dirs))
    for key in ('created_at', 'id'):
        if key not in keys:
            order.append((key, default))
    return order


class Segment(typing.NamedTuple):
    """One run of a listing sorted by status first: a single store query.

    ``rank`` orders the runs ascending (0 active, 1 deactivated, 2 the
    other statuses, which all sort after ``deactivated``);
    ``store_pairs`` is the store's query for the run (without limit and
    marker); ``wanted`` and ``needs_filter`` are as in :class:`Plan`.
    """

    rank: int
    store_pairs: list
    wanted: frozenset
    needs_filter: bool
    # Images the store may list in this run that the filter drops: a page
    # asks the store for that many more (so one store page fills it).
    scan_extra: int = 0


def status_rank(status: str) -> int:
    """The :class:`Segment` rank an image of effective ``status`` is in."""
    if status == images.ACTIVE:
        return 0
    return 1 if status == images.DEACTIVATED else 2


def sorted_by_status(pairs: list) -> bool:
    """True when Glance would sort this listing by ``status`` first.

    Without any deactivation recorded by the filter the store's own order
    is already Glance's (its own deactivated images sort as they should).
    """
    order = sort_order(pairs)
    return bool(order) and order[0][0] == 'status'


def status_segments(pairs: list, deactivated_ids: typing.Callable
                    ) -> list | None:
    """How to list by status first, as runs the store can sort itself.

    The store holds a deactivated image as ``active``, so it sorts it among
    the active ones; Glance 33 sorts ``deactivated`` as the string it is.
    Sorted by status first, such a listing is three runs in status order:
    the active images (the store's ``status=active``, the deactivated ids
    dropped), the deactivated ones (the store's ``id=in:`` listing of the
    deactivated ids) and the rest (``status=in:`` the other statuses).
    Within a run the status is one value, so the store sorts each by the
    caller's other keys, and the cost grows with the number of deactivated
    images, never with the catalogue.

    :param deactivated_ids: a callable returning every deactivated id (the
        filter's, the store's own and the quarantined ones the caller can
        list); called only when needed.
    :returns: the segments in the caller's order, or None when the
        listing is not sorted by status first (or Glance refuses its query).
    """
    order = sort_order(pairs)
    if not order or order[0][0] != 'status':
        return None
    direction = order[0][1]
    status = reading.last(pairs, 'status')
    wanted = None
    if status is not None:
        op, wanted = _status_set(status)
        if op not in ('eq', 'in'):
            return None
    rest = [(k, d) for k, d in order if k != 'status']
    others = [(k, v) for k, v in pairs if k not in (
        'status', 'marker', 'limit') + _SORT_PARAMS]

    def sort(keys):
        return [('sort', ','.join('%s:%s' % kd for kd in keys))]

    def wants(statuses):
        return wanted is None or bool(wanted & set(statuses))

    known = []

    def listed():
        if not known:
            known.append(sorted(deactivated_ids()))
        return known[0]

    segments = []
    active = images.ACTIVE
    deactivated = images.DEACTIVATED
    if wants([active]):
        segments.append(Segment(
            0,
            others + [('status', active)] + sort(rest),
            frozenset([active]), True, len(listed())))
    if wants([deactivated]):
        ids = [v for k, v in pairs if k == 'id']
        store_pairs = others + [
            ('status', _encode_status({active, deactivated}))] + sort(rest)
        if not ids:
            store_pairs.append(('id', 'in:' + ','.join(
                listed() or [NO_IMAGE])))
        segments.append(Segment(1, store_pairs, frozenset([deactivated]),
                                True))
    other = [s for s in OTHER_STATUSES if wants([s])]
    if wanted is not None:
        other += sorted(wanted - {active, deactivated} - set(other))
    if other:
        segments.append(Segment(
            2,
            others + [('status', _encode_status(set(other)))] + sort(order),
            frozenset(other), False))
    if direction == 'desc':
        segments.reverse()
    return segments


def segmented_page(pairs: list, segments: list, marker_status: str | None,
                   fetch: typing.Callable, deactivated_among: typing.Callable,
                   max_rounds: int = MAX_LIST_ROUNDS) -> Page:
    """One page of a listing sorted by status first, run by run.

    :param segments: from :func:`status_segments`.
    :param marker_status: the effective status of the caller's marker
        image (None without a marker).
    :param fetch: as for :func:`planned_page`.
    :returns: a :class:`Page` whose ``next`` link, as Glance's, is the
        caller's query with the last image as marker when the page is full
        (or when the round limit cut it short).
    """
    limit = int_param(pairs, 'limit')
    if limit is None:
        # The store's own page size, from its answer to the caller's query:
        # a page with ``next`` is full, one without holds every image.
        # Asked without marker and status, it counts a superset.
        probe = fetch([(k, v) for k, v in pairs
                       if k not in ('marker', 'status')])
        if probe.get('next'):
            limit = len(probe['images'])
    caps = []

    def capped(store_pairs):
        # A page shorter than asked that still has ``next`` shows the
        # store's own cap (Glance's ``api_limit_max``), which Glance puts
        # on the caller's limit too.
        document = fetch(store_pairs)
        asked = int_param(store_pairs, 'limit')
        if document.get('next') and asked and len(document['images']) < (
                asked):
            caps.append(len(document['images']))
        return document

    marker = reading.first(pairs, 'marker')
    desc = sort_order(pairs)[0][1] == 'desc'
    todo = list(segments)
    if marker is not None:
        # Resume in the marker's own run (the store places the marker in
        # it exactly: one status throughout), or at the first run after.
        rank = status_rank(marker_status)
        todo = [s for s in segments if (s.rank > rank) != desc or
                s.rank == rank]
        if not todo or todo[0].rank != rank:
            marker = None
    kept, deactivated, document, resume = [], set(), None, None
    rounds = max_rounds
    for segment in todo:
        query = list(segment.store_pairs)
        page_pairs = []
        if limit is not None:
            remaining = limit - len(kept)
            page_pairs.append(('limit', str(remaining)))
            query.append(('limit', str(min(remaining + segment.scan_extra,
                                           MAX_SCAN_PAGE))))
        if marker is not None:
            query.append(('marker', marker))
        plan = Plan(query, segment.wanted, segment.needs_filter)
        page = planned_page(page_pairs, plan, capped, deactivated_among,
                            max_rounds=rounds)
        rounds = max(1, rounds - 1)
        if caps and limit is not None:
            limit = min([limit] + caps)
        document = page.document
        kept.extend(document['images'])
        deactivated |= page.deactivated
        marker = None
        if document.get('next'):
            # The run goes on (a full page, or the round limit was met).
            resume = kept[-1].get('id') if kept else next_marker(document)
            break
        if limit is not None and len(kept) >= limit:
            break
    if limit is not None and len(kept) > limit:
        kept = kept[:limit]  # learnt the store's cap after a run
    if document is None:
        document = {'images': [], 'schema': '/v2/schemas/images'}
    if limit is not None and len(kept) >= limit and kept:
        resume = kept[-1].get('id')
    return finish_page(document, pairs, kept, resume, deactivated)
