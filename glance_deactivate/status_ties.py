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

"""Listings sorted by ``status`` after other keys, in Glance 33's order.

``sort=name:asc,status:desc`` (or ``sort_key=name&sort_key=status``):
the store holds a deactivated image as ``active``, so it sorts it among
the ``active`` images that tie with it on the earlier keys (its *tie
group*); Glance 33 sorts ``deactivated`` as the string it is.  Every
other image is in the same place in both orders, and a deactivated image
moves only within its tie group.  The filter never compares two values
itself (collations differ between SQLite, PostgreSQL and MySQL): the
store decides every comparison.

* The store lists the images the filter does not hold deactivated (*A*)
  in Glance's order already; the ones it holds (*D*) are listed in
  Glance's order among themselves by ``id=in:`` their ids.
* A deactivated image ``b`` goes just before the first image of *A* that
  Glance lists after it: the store's own deactivated images of the tie
  group after ``b`` on the later keys (the tie group is a filter:
  ``name=eq:``, ``container_format=eq:``, ``disk_format=eq:``,
  ``size_min`` and ``size_max``, Glance's exact filters), else the first
  image of the tie group's other statuses past ``deactivated``, else the
  first image after the tie group (the store's listing after its last
  member, found by the reversed sort).
* A page merges the two: a few store requests per deactivated image on
  the page, so the cost grows with the deactivated images, not with the
  catalogue.

Earlier keys the store cannot filter by exactly (``created_at``,
``updated_at``, whose API values drop the microseconds the database sorts
by) are left to the store's order, as is a deactivated image whose earlier
key is null (no name, no size); an earlier ``id`` leaves no ties, and the
store's order is Glance's.  A caller's ``id`` filter also keeps the
store's order.
"""

import collections
import typing

from glance_deactivate import images
from glance_deactivate import listing
from glance_deactivate import reading

# Earlier sort keys a tie on which is an exact filter in Glance 33
# (``glance/db/sqlalchemy/api.py`` ``_make_conditions_from_filters``: ``eq``
# for name and the formats, integer ``_min``/``_max`` bounds for size).
FILTERABLE = ('name', 'container_format', 'disk_format', 'size')


class Order(typing.NamedTuple):
    """A listing sorted by ``status`` after filterable keys.

    ``full`` is Glance's (key, direction) list, ``prefix`` the keys before
    ``status``, ``rest`` the (key, direction) pairs after it; ``statuses``
    the caller's status filter (None without one); ``filters`` the
    caller's other query pairs without sorting, paging and status.
    """

    full: list
    prefix: list
    rest: list
    desc: bool
    statuses: frozenset | None
    filters: list


def plan(pairs: list) -> Order | None:
    """The :class:`Order` of a listing this module answers, or None."""
    order = listing.sort_order(pairs)
    if not order:
        return None
    keys = [key for key, _dir in order]
    if keys.count('status') != 1 or keys[0] == 'status':
        return None
    at = keys.index('status')
    if any(key not in FILTERABLE for key in keys[:at]):
        return None
    if any(key == 'id' for key, _v in pairs):
        return None
    if reading.first(pairs, 'limit') is not None and not (
            listing.int_param(pairs, 'limit') or 0) > 0:
        return None  # the store's own answer (400, or an empty page)
    statuses = None
    status = reading.last(pairs, 'status')
    if status is not None:
        op, wanted = listing._status_set(status)
        if op not in ('eq', 'in'):
            return None
        statuses = frozenset(wanted)
    filters = [(k, v) for k, v in pairs if k not in (
        'status', 'marker', 'limit') + listing._SORT_PARAMS]
    return Order(order, keys[:at], order[at + 1:], order[at][1] == 'desc',
                 statuses, filters)


def _sort(order):
    return [('sort', ','.join('%s:%s' % kd for kd in order))]


def _flipped(order):
    return [(key, 'asc' if d == 'desc' else 'desc') for key, d in order]


class _Pager(object):
    """The store requests of one page (see the module docstring)."""

    def __init__(self, order, fetch, deactivated_ids):
        self.order = order
        self.fetch = fetch
        self.ids = deactivated_ids
        self.caps = []
        self.last = None
        self.next_cache = {}
        self.held_cache = None

    def held(self, image):
        """True for an image the store lists as ``active`` (in *D*)."""
        return (image.get('status') == images.ACTIVE and
                image.get('id') in self.ids)

    def status(self, wanted):
        """The status filter pairs for ``wanted`` within the caller's.

        None when no status can match.
        """
        if self.order.statuses is not None:
            wanted = (self.order.statuses if wanted is None
                      else wanted & self.order.statuses)
        if wanted is None:
            return []
        if not wanted:
            return None
        return [('status', listing._encode_status(wanted))]

    def group(self, image):
        """Filters selecting ``image``'s tie group, or None (a null key)."""
        pairs = []
        for key in self.order.prefix:
            value = image.get(key)
            if value is None:
                return None
            if key == 'size':
                pairs += [('size_min', str(value)), ('size_max', str(value))]
            else:
                pairs.append((key, 'eq:%s' % value))
        overridden = {k for k, _v in pairs}
        return [(k, v) for k, v in self.order.filters
                if k not in overridden] + pairs

    def get(self, pairs):
        document = self.fetch(pairs)
        self.last = document
        asked = listing.int_param(pairs, 'limit')
        if document.get('next') and asked and len(
                document['images']) < asked:
            self.caps.append(len(document['images']))
        return document

    def first(self, pairs):
        """The store's first image for ``pairs`` (none is in *D*)."""
        found = self.get(pairs + [('limit', '1')])['images']
        return found[0] if found else None

    def scan(self, pairs, want, marker=None):
        """Up to ``want`` images of *A* the store lists after ``marker``.

        :returns: (the images, whether the store's listing ended).
        """
        kept = []
        for _round in range(listing.MAX_LIST_ROUNDS):
            asked = max(1, min(want - len(kept) + len(self.ids),
                               listing.MAX_SCAN_PAGE))
            query = pairs + [('limit', str(asked))]
            if marker is not None:
                query.append(('marker', marker))
            document = self.get(query)
            page = document['images']
            for image in page:
                if not self.held(image):
                    kept.append(image)
                    if len(kept) >= want:
                        return kept, False
            if not document.get('next') or not page:
                return kept, True
            marker = page[-1].get('id')
        return kept, False

    def next_after(self, held):
        """The first image of *A* Glance lists after ``held`` (in *D*)."""
        image_id = held.get('id')
        if image_id in self.next_cache:
            return self.next_cache[image_id]
        full = self.order.full
        group = self.group(held)
        found = None
        if group is None:
            status = self.status(None)
            if status is not None:
                found = next(iter(self.scan(
                    self.order.filters + status + _sort(full), 1,
                    image_id)[0]), None)
            self.next_cache[image_id] = found
            return found
        # The store's own deactivated images tied with it, after it.
        status = self.status(frozenset([images.DEACTIVATED]))
        if status is not None:
            found = self.first(group + status + _sort(self.order.rest) +
                               [('marker', image_id)])
        if found is None:
            # The tie group's statuses past 'deactivated' in this direction.
            if self.order.desc:
                status = self.status(frozenset([images.ACTIVE]))
                if status is not None:
                    found = next(iter(self.scan(
                        group + status + _sort(full), 1)[0]), None)
            else:
                others = (frozenset(listing.OTHER_STATUSES)
                          if self.order.statuses is None else
                          self.order.statuses - {images.ACTIVE,
                                                 images.DEACTIVATED})
                status = self.status(others)
                if status is not None and others:
                    found = self.first(group + status + _sort(full))
        if found is None:
            # The first image after the tie group.
            last = self.first(group + _sort(_flipped(full)))
            status = self.status(None)
            if status is not None:
                marker = last.get('id') if last else image_id
                found = next(iter(self.scan(
                    self.order.filters + status + _sort(full), 1,
                    marker)[0]), None)
        self.next_cache[image_id] = found
        return found

    def held_images(self, marker=None, filters=None):
        """The images of *D* in Glance's order (after ``marker``)."""
        status = self.status(frozenset([images.DEACTIVATED]))
        if status is None or not self.ids:
            return []
        if filters is None:
            if marker is None and self.held_cache is not None:
                return self.held_cache
            found = self.held_images(marker, self.order.filters)
            if marker is None:
                self.held_cache = found
            return found
        query = filters + [
            ('status', images.ACTIVE),
            ('id', 'in:' + ','.join(sorted(self.ids)))] + _sort(
                self.order.full)
        out = []
        for _round in range(listing.MAX_LIST_ROUNDS):
            page_query = query + [('limit', str(listing.MAX_SCAN_PAGE))]
            if marker is not None:
                page_query.append(('marker', marker))
            document = self.get(page_query)
            out.extend(document['images'])
            if not document.get('next') or not document['images']:
                break
            marker = document['images'][-1].get('id')
        return out


def page(pairs: list, order: Order, marker_image: dict | None,
         fetch: typing.Callable, deactivated_ids: set,
         deactivated_among: typing.Callable) -> listing.Page:
    """One page of a listing sorted by ``status`` after other keys.

    :param marker_image: the store's view of the caller's marker, or None.
    :param fetch: as for :func:`listing.planned_page`.
    :param deactivated_ids: every deactivated id (the filter's, the
        store's own and those of the images matching a live quarantine).
    :param deactivated_among: as for :func:`listing.planned_page`.
    :returns: a :class:`listing.Page`, with ``next`` as Glance's: the
        caller's query with the last image as marker when the page is full.
    """
    pager = _Pager(order, fetch, deactivated_ids)
    limit = listing.int_param(pairs, 'limit')
    if limit is None:
        # The store's own page size, as listing.segmented_page learns it.
        probe = fetch([(k, v) for k, v in pairs
                       if k not in ('marker', 'status')])
        if probe.get('next'):
            limit = len(probe['images'])
    want = limit if limit is not None else listing.MAX_SCAN_PAGE
    status = pager.status(None)
    a_query = (order.filters + status + _sort(order.full)
               if status is not None else None)
    marker = marker_image.get('id') if marker_image else None
    if marker_image is None:
        held = pager.held_images()
        window, ended = (pager.scan(a_query, want) if a_query is not None
                         else ([], True))
    elif pager.held(marker_image):
        held = pager.held_images(marker)
        first = pager.next_after(marker_image)
        window, ended = [], True
        if first is not None:
            window, ended = pager.scan(a_query, want - 1, first.get('id'))
            window.insert(0, first)
    else:
        window, ended = (pager.scan(a_query, want, marker)
                         if a_query is not None else ([], True))
        held = _held_after(pager, marker_image)
    if pager.caps and limit is not None:
        limit = min([limit] + pager.caps)
    places = {image.get('id'): n for n, image in enumerate(window)}
    before = collections.defaultdict(list)
    tail = []
    for placed, image in enumerate(held):
        if limit is not None and placed >= limit:
            break  # Glance lists the rest after this page
        found = pager.next_after(image)
        if found is None:
            if not ended:
                break
            tail.append(image)
        elif found.get('id') in places:
            before[found.get('id')].append(image)
        else:
            break
    kept = []
    for image in window:
        kept.extend(before[image.get('id')])
        kept.append(image)
    if ended:
        kept.extend(tail)
    if limit is not None:
        kept = kept[:limit]
    document = pager.last or {'images': [], 'schema': '/v2/schemas/images'}
    resume = (kept[-1].get('id') if limit is not None and kept and
              len(kept) >= limit else None)
    return listing.finish_page(
        document, pairs, kept, resume,
        set(deactivated_among(kept)) if kept else set())


def _held_after(pager, marker_image):
    """The images of *D* Glance lists after ``marker_image`` (not in *D*).

    Outside the marker's tie group the store's order decides.  Within it,
    Glance orders by status first: a held image (``deactivated``) is after
    an ``active`` marker when the status ascends, after one of the other
    statuses when it descends, and after one of the store's own
    deactivated images when the store lists it after it on the later keys.
    """
    marker = marker_image.get('id')
    store_after = {image.get('id') for image in pager.held_images(marker)}
    group = pager.group(marker_image)
    if group is None:
        return [image for image in pager.held_images()
                if image.get('id') in store_after]
    tied = [image.get('id') for image in pager.held_images(filters=group)]
    status = marker_image.get('status')
    if not tied:
        tied_after = set()
    elif status == images.DEACTIVATED:
        tied_after = {image.get('id') for image in pager.get(group + [
            ('status', images.ACTIVE), ('id', 'in:' + ','.join(tied))] +
            _sort(pager.order.rest) + [
                ('marker', marker),
                ('limit', str(listing.MAX_SCAN_PAGE))])['images']}
    elif (status == images.ACTIVE) != pager.order.desc:
        tied_after = set(tied)
    else:
        tied_after = set()
    return [image for image in pager.held_images()
            if image.get('id') in tied_after or (
                image.get('id') not in tied and
                image.get('id') in store_after)]
