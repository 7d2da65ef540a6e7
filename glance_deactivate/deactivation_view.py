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

"""Which images are deactivated: one answer, decided on image documents.

An image is deactivated when a record applies to its exact id (someone
deactivated *that* image) or when its data matches a live content
quarantine (``glance_deactivate.quarantine``: its ``os_hash_algo`` +
``os_hash_value`` or its ``checksum`` is a quarantined one).  Either way
only an image the image service holds ``active`` is shown deactivated
(``overlay.effective_status``).  The records come from the state
database; the match is decided on the image document the service
returned, so it costs no request of its own.

Every part of the filter that needs the answer (show and PATCH, every
listing, the data guards, the read API) asks one :class:`View`, built per
request:

* ``state(image_id)``: the records under an id's lookup key and the live
  quarantines, in one database round trip (``DeactivationStore.state``).
  No record and no live quarantine means the request passes unread, as it
  did before quarantines existed.
* ``among(images)``: the ids of the given documents that are deactivated
  (``DeactivationStore.state_among`` plus ``LiveQuarantines.match``).
* ``quarantine_of(image)``: the live quarantine an ``active`` image
  matches, or None.
* ``live()``: the live quarantines, asked once per request at most.

Sightings
---------
The first time a process sees an image match a quarantine (in a show, a
listing page or a data guard), it records the match (of every live
quarantine the image matches, so that lifting one of two knows the other
still holds it)
(``DeactivationStore.record_match``): one ``image_quarantine_matches`` row
and a ``deactivate``/``changed`` event carrying the quarantine's id and
reason, and, for a new row, an ``image.deactivate`` notification whose
payload names the quarantine (``quarantine_id``).  A bounded per-process
memory (:class:`Sightings`, ``MAX_SIGHTINGS`` pairs) keeps it to one
database write per image and quarantine, whatever the traffic; the store
ignores a pair it already holds, so several API nodes (or a process that
forgot) record each match once.  A failure is logged and never blocks or
changes the answer: the image is shown deactivated either way.
"""

import collections
import threading

from oslo_log import log as logging

from glance_deactivate import actions
from glance_deactivate import images
from glance_deactivate import matching
from glance_deactivate import quarantine

LOG = logging.getLogger(__name__)

# (quarantine id, image id) pairs a process remembers having recorded.
MAX_SIGHTINGS = 10000

# Filters of the caller's listing that select which images it can list at
# all (Glance 33 ``glance/api/v2/images.py`` ``index``: visibility and
# membership, hidden images, owner): a sub-listing that finds quarantined
# images on the caller's behalf carries them, so that it finds what the
# caller's own listing can show.
SCOPE_FILTERS = ('visibility', 'member_status', 'os_hidden', 'owner')

# Sub-listing pages read per quarantined hash at most (the store's own
# page size each, up to its ``api_limit_max``).
MAX_MATCH_PAGES = 100
MATCH_PAGE = 1000


class Sightings(object):
    """Record each (quarantine, image) match once per process.

    :param notifier: has ``emit(event_type, payload)``.
    :param actor: ``actor(environ)``: the ``store.Actor`` of a request's
        caller (None for nobody).
    """

    def __init__(self, notifier, actor, size=MAX_SIGHTINGS):
        self.notifier = notifier
        self.actor = actor
        self.size = size
        self._seen = collections.OrderedDict()
        self._lock = threading.Lock()

    def known(self, quarantine_id, image_id):
        with self._lock:
            return (quarantine_id, image_id) in self._seen

    def _remember(self, key):
        with self._lock:
            self._seen[key] = True
            self._seen.move_to_end(key)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)

    def saw(self, store, environ, found, image):
        """``image`` (a document) matches the live quarantine ``found``.

        :param store: has ``record_match(quarantine, image_id, owner,
            actor)`` returning the new ``Event``, or None when the match
            was recorded before.
        """
        image_id = str(image.get('id'))
        key = (found.id, image_id)
        if self.known(*key):
            return
        try:
            event = store.record_match(
                found, image_id, image.get('owner'), self.actor(environ))
        except Exception as e:
            # Never blocks: the image is shown deactivated all the same, and
            # the next sighting tries again.
            LOG.warning('Image %s matches quarantine %s but the match could '
                        'not be recorded: %s', image_id, found.id, e)
            return
        self._remember(key)
        if event is None:
            return
        LOG.info('Image %s deactivated: its content matches quarantine %s '
                 '(event %s)', image_id, found.id, event.id)
        body = actions.payload(event)
        body['quarantine_id'] = found.id
        try:
            self.notifier.emit('image.deactivate', body)
        except Exception:
            LOG.exception('Notification of event %s failed', event.id)


class View(object):
    """Which images are deactivated, for one request.

    :param store: the state store (``state``, ``state_among``,
        ``live_quarantines``).
    :param checked: ``checked(query, *args)``: runs a store query; None
        when the database is down and ``fail_open`` is set (it raises
        ``StoreUnavailable`` otherwise).
    :param sightings: a :class:`Sightings` (None: record nothing).
    :param environ: the request's environ (for the sightings' actor).
    """

    def __init__(self, store, checked, sightings=None, environ=None):
        self.store = store
        self.checked = checked
        self.sightings = sightings
        self.environ = environ
        self._live = None
        self._failed = False

    def _learn(self, live):
        if live is not None:
            self._live = live

    def state(self, image_id):
        """The ``store.State`` of ``image_id``, or None (fail_open)."""
        state = self.checked(self.store.state, image_id)
        if state is not None:
            self._learn(state.live)
        return state

    def live(self):
        """The live quarantines, asked of the store once at most.

        ``NONE_LIVE`` while the database is down with ``fail_open`` set.
        """
        if self._live is None:
            live = None if self._failed else self.checked(
                self.store.live_quarantines)
            if live is None:
                self._failed = True
                return quarantine.NONE_LIVE
            self._live = live
        return self._live

    def quarantine_of(self, image, live=None):
        """The live quarantine ``image`` matches, recorded as a sighting.

        None when it matches none, or is not ``active``.
        """
        live = live if live is not None else self._live
        if not live or not isinstance(image, dict) or (
                image.get('status') != images.ACTIVE):
            return None
        found = live.matching(image)
        if self.sightings is not None:
            # Each one it matches: a lift of one then knows that another
            # still holds the image (its reactivate event is a no-op).
            for each in found:
                self.sightings.saw(self.store, self.environ, each, image)
        return found[0] if found else None

    def deactivated(self, image, records, live=None):
        """True when ``image`` is deactivated by a record or a quarantine.

        :param records: the candidate records of its lookup key.
        """
        image_id = image.get('id')
        if any(record.applies_to(str(image_id)) for record in records or ()):
            return True
        return self.quarantine_of(image, live) is not None

    def among(self, documents):
        """The ids among ``documents`` (image dicts) that are deactivated.

        One ``state_among`` per call; after the database failed with
        ``fail_open`` set, nothing more is asked in this request (so that
        a silent database costs a request one ``query_timeout`` at most)
        and nothing counts as deactivated.
        """
        documents = [d for d in documents if isinstance(d, dict)]
        if self._failed:
            return set()
        ids = [str(d.get('id')) for d in documents if d.get('id')]
        found = self.checked(self.store.state_among, ids)
        if found is None:
            self._failed = True
            return set()
        deactivated, live = found
        self._learn(live)
        deactivated = set(deactivated)
        for image in documents:
            if self.quarantine_of(image, live) is not None:
                deactivated.add(str(image.get('id')))
        return deactivated


def match_queries(live, pairs):
    """The sub-listings that find the caller's quarantined images.

    One query per ``live.filters()`` pair: that hash, ``status=active``
    (only an active image is shown deactivated) and the caller's own
    ``SCOPE_FILTERS`` (their last value, as Glance reads filters).
    """
    scope = []
    for name in SCOPE_FILTERS:
        values = [v for k, v in pairs if k == name]
        if values:
            scope.append((name, values[-1]))
    return [[(name, value), ('status', images.ACTIVE)] + scope
            for name, value in live.filters()]


def quarantined_ids(live, pairs, fetch):
    """Ids of the images the caller can list that match ``live``.

    :param pairs: the caller's listing query (``reading.query_pairs``).
    :param fetch: ``fetch(query_pairs)``: the image service's listing
        document for that query, asked as the caller
        (``matching.listing``); a ``matching.ScanFailed`` (an answer that
        is not a listing) ends that query, which then counts no more
        images.
    :returns: a set of ids; each query is read to its end (or
        ``MAX_MATCH_PAGES`` pages, ``matching.pages``), and only
        documents ``live.match`` confirms are kept (Glance filters
        ``os_hash_value`` without the algorithm).
    """
    found = set()
    if not live:
        return found
    for query in match_queries(live, pairs):
        try:
            for image in matching.pages(
                    fetch, query + [('limit', str(MATCH_PAGE))],
                    MAX_MATCH_PAGES):
                if (image.get('id') and
                        image.get('status') == images.ACTIVE and
                        live.match(image) is not None):
                    found.add(str(image['id']))
        except matching.ScanFailed:
            continue
        except matching.TooManyPages:
            LOG.warning('More than %d pages of images match quarantined '
                        'content %s; ?status=deactivated lists the first '
                        'ones', MAX_MATCH_PAGES, query[0][1])
    return found
