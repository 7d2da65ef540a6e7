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

"""Content quarantine: which content is held, and which images match it.

A *quarantine* names image data by its hash rather than an image by its
id: every image whose data has that hash, in any project, now or later, is
deactivated while the quarantine is live.  The hash is Glance's own, from
the image document:

``os_hash_algo`` + ``os_hash_value``
    Glance's multihash (``[DEFAULT] hashing_algorithm``, sha512 unless
    the operator changed it), lower-case hexadecimal.
``checksum``
    the legacy MD5, 32 hexadecimal digits, which every image with data
    has, including images uploaded before Glance had the multihash.

A quarantine may carry either or both.  An image matches it when the
image's multihash is the quarantine's (same algorithm, same value) or
when its ``checksum`` is the quarantine's checksum.  An image whose data
Glance has not hashed (``queued``, or data registered by location
without validation data) matches nothing.

This module holds the pure parts: parsing and checking a hash as a
client gives it (``content_from_body``) or as an image shows it
(``content_of_image``), the ``Quarantine`` value, and ``LiveQuarantines``,
the set of live quarantines that answers "does this image match?" from
the image document alone, without asking the database or the image
service.  The state lives in the store (``glance_deactivate.store``).
"""

import datetime
import hashlib
import re
import typing

# Glance's multihash algorithms: any fixed-size hashlib algorithm
# (``glance/common/utils.py`` ``hashlib.new(CONF.hashing_algorithm)``),
# with the number of hexadecimal digits of its value.  The variable-size
# SHAKE digests cannot be a multihash.
ALGORITHMS = {
    name: hashlib.new(name).digest_size * 2
    for name in sorted(hashlib.algorithms_guaranteed)
    if not name.startswith('shake_')
}

CHECKSUM_LENGTH = 32

_HEX = re.compile('^[0-9a-fA-F]*$')

MSG_NO_CONTENT = ("Provide 'image_id', or 'os_hash_algo' with "
                  "'os_hash_value', or 'checksum'.")
MSG_IMAGE_AND_HASH = ("Provide either 'image_id' or a hash "
                      "('os_hash_algo', 'os_hash_value', 'checksum'), "
                      "not both.")
MSG_PAIR = "'os_hash_algo' and 'os_hash_value' must be given together."
MSG_NOT_STRING = "'%s' must be a string."
MSG_ALGO = "Unknown hash algorithm '%s'. Valid values are: %s."
MSG_HEX = "'%s' must be hexadecimal."
MSG_LENGTH = ("'%s' for %s must be %d hexadecimal digits long, not %d.")
MSG_NO_HASH = ("Image %s has no data hash yet (status '%s'): its content "
               "cannot be quarantined.")


class BadContent(ValueError):
    """A hash as given by a client is not one Glance could record.

    ``str(error)`` is the message for the client's 400.
    """


class Content(typing.NamedTuple):
    """A content, by hash: normalised to lower case; absent parts None."""

    os_hash_algo: str | None = None
    os_hash_value: str | None = None
    checksum: str | None = None

    def __bool__(self):
        return bool(self.os_hash_value or self.checksum)


def _hex(name, value, length, label):
    if not isinstance(value, str):
        raise BadContent(MSG_NOT_STRING % name)
    if not _HEX.match(value):
        raise BadContent(MSG_HEX % name)
    if len(value) != length:
        raise BadContent(MSG_LENGTH % (name, label, length, len(value)))
    return value.lower()


def check_content(os_hash_algo=None, os_hash_value=None, checksum=None):
    """A checked, normalised ``Content``; raises ``BadContent``.

    :raises BadContent: no hash at all, an algorithm without its value (or
        the reverse), an unknown algorithm, a value that is not
        hexadecimal or not the algorithm's length, or a checksum that is
        not 32 hexadecimal digits.
    """
    if (os_hash_algo is None) != (os_hash_value is None):
        raise BadContent(MSG_PAIR)
    if os_hash_algo is None and checksum is None:
        raise BadContent(MSG_NO_CONTENT)
    algo = value = None
    if os_hash_algo is not None:
        if not isinstance(os_hash_algo, str):
            raise BadContent(MSG_NOT_STRING % 'os_hash_algo')
        algo = os_hash_algo.lower()
        if algo not in ALGORITHMS:
            raise BadContent(MSG_ALGO % (os_hash_algo,
                                         ', '.join(sorted(ALGORITHMS))))
        value = _hex('os_hash_value', os_hash_value, ALGORITHMS[algo], algo)
    if checksum is not None:
        checksum = _hex('checksum', checksum, CHECKSUM_LENGTH, 'md5')
    return Content(algo, value, checksum)


def content_from_body(document):
    """The ``Content`` a request body names by hash, or None for an image.

    :param document: the parsed body (a dict).  With ``image_id`` the
        quarantine names an image (None is returned: the caller looks the
        image up); otherwise its ``os_hash_algo``/``os_hash_value``/
        ``checksum`` are checked.
    :raises BadContent: see :func:`check_content`; also for a body that
        names both an image and a hash.
    """
    hashes = {name: document.get(name) for name in Content._fields
              if document.get(name) is not None}
    if document.get('image_id') is not None:
        if hashes:
            raise BadContent(MSG_IMAGE_AND_HASH)
        return None
    return check_content(**hashes)


def content_of_image(image):
    """The ``Content`` of an image document; raises ``BadContent``.

    Both hashes the image shows are kept (so that a copy hashed with
    another multihash algorithm still matches by its checksum).

    :raises BadContent: the image has no hash yet (``MSG_NO_HASH``).
    """
    algo = image.get('os_hash_algo')
    value = image.get('os_hash_value')
    checksum = image.get('checksum')
    if not (algo and value) and not checksum:
        raise BadContent(MSG_NO_HASH % (image.get('id'),
                                        image.get('status')))
    if not (algo and value):
        algo = value = None
    try:
        return check_content(algo, value, checksum or None)
    except BadContent:
        # A store that records an algorithm Glance does not know: keep the
        # value as shown (it can only ever match itself).
        return Content(str(algo).lower() if algo else None,
                       str(value).lower() if value else None,
                       str(checksum).lower() if checksum else None)


class Quarantine(typing.NamedTuple):
    """One quarantine, live (``lifted_at`` None) or lifted.

    Times are timezone-aware datetimes in UTC.  ``source_image_id`` is the
    image it was made from (None when made by hash).
    """

    id: str
    content: Content
    reason: str
    created_at: datetime.datetime
    user_id: str | None = None
    project_id: str | None = None
    request_id: str | None = None
    source_image_id: str | None = None
    lifted_at: datetime.datetime | None = None
    lifted_by_user_id: str | None = None
    lifted_by_project_id: str | None = None
    lift_reason: str | None = None

    @property
    def live(self) -> bool:
        return self.lifted_at is None

    def matches(self, image) -> bool:
        """True when ``image`` (a document) has this content."""
        return _matches(self.content, image)


def _lower(value):
    return value.lower() if isinstance(value, str) else None


def _matches(content, image):
    if not isinstance(image, dict):
        return False
    value = _lower(image.get('os_hash_value'))
    if content.os_hash_value and value == content.os_hash_value and (
            _lower(image.get('os_hash_algo')) == content.os_hash_algo):
        return True
    checksum = _lower(image.get('checksum'))
    return bool(content.checksum and checksum == content.checksum)


class LiveQuarantines(object):
    """The live quarantines, indexed by hash; false when there are none.

    ``match(image)`` costs two dictionary look-ups whatever the number of
    quarantines.  Built by the store (``DeactivationStore``), shared by the
    requests of one process until the database says it changed.
    """

    def __init__(self, quarantines=(), generation=None):
        self.generation = generation
        self._all = tuple(q for q in quarantines if q.live)
        self._by_hash = {}
        self._by_checksum = {}
        for q in sorted(self._all, key=lambda q: (q.created_at, q.id)):
            content = q.content
            if content.os_hash_value:
                self._by_hash.setdefault(
                    (content.os_hash_algo, content.os_hash_value), q)
            if content.checksum:
                self._by_checksum.setdefault(content.checksum, q)

    def __bool__(self):
        return bool(self._all)

    def __len__(self):
        return len(self._all)

    def __iter__(self):
        return iter(self._all)

    def match(self, image) -> Quarantine | None:
        """The oldest live quarantine ``image`` matches, or None."""
        found = self.matching(image)
        return found[0] if found else None

    def matching(self, image) -> list:
        """Every live quarantine ``image`` matches, oldest first.

        Two at most: one by multihash, one by checksum (no two live
        quarantines share either).  An image held by both stays
        deactivated when one is lifted, so both matches are recorded.
        """
        if not self._all or not isinstance(image, dict):
            return []
        found = []
        value = _lower(image.get('os_hash_value'))
        if value:
            found.append(self._by_hash.get(
                (_lower(image.get('os_hash_algo')), value)))
        checksum = _lower(image.get('checksum'))
        if checksum:
            found.append(self._by_checksum.get(checksum))
        distinct = {q.id: q for q in found if q is not None}
        return sorted(distinct.values(), key=lambda q: (q.created_at, q.id))

    def matched_ids(self, images) -> dict:
        """``{image id: quarantine}`` for the documents that match."""
        found = {}
        for image in images:
            q = self.match(image)
            if q is not None and image.get('id') is not None:
                found[image.get('id')] = q
        return found

    def filters(self):
        """The image-list filters that find every matching image.

        One ``(name, value)`` per distinct hash: ``os_hash_value`` (Glance
        filters on the value alone; ``match`` then checks the algorithm)
        and ``checksum``.  Glance 33 filters both by equality only
        (``glance/db/sqlalchemy/api.py`` ``_make_conditions_from_filters``).
        """
        pairs = set()
        for q in self._all:
            if q.content.os_hash_value:
                pairs.add(('os_hash_value', q.content.os_hash_value))
            if q.content.checksum:
                pairs.add(('checksum', q.content.checksum))
        return sorted(pairs)


NONE_LIVE = LiveQuarantines()
