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

"""The images a quarantine matches, asked of the image service as the caller.

When a quarantine is made, and when one is shown, the filter lists the
images whose data has the quarantine's hash with the image service's own
list API, carrying the caller's environ (identity and request context),
so that the answer holds exactly the images the caller can see (an
administrator: every image).  Glance's list filters by ``os_hash_value``
and by ``checksum`` (equality, ``glance/db/sqlalchemy/api.py``
``_make_conditions_from_filters``), so the work grows with the number of
matching images, never with the catalogue:

* one listing per hash the quarantine names (``os_hash_value=V``, then
  ``checksum=C``), each twice: ``os_hidden=false`` and ``os_hidden=true``
  (Glance lists hidden images only when asked);
* ``visibility=all`` (without it Glance leaves out community images of
  other projects, even for an administrator) and ``member_status=all``
  (shared images the caller has not accepted yet);
* every page, ``limit`` at the host's maximum and ``marker`` the last
  image of the page before, until a page without ``next``.

Each image found is checked with ``Quarantine.matches`` (Glance filters
on the hash value alone; the algorithm must agree too), and each id
counts once.
"""

from glance_deactivate import upstream

IMAGES_PATH = '/v2/images'


class ScanFailed(Exception):
    """The image service did not answer a listing with a listing."""

    def __init__(self, response):
        super(ScanFailed, self).__init__(
            getattr(response, 'status', None) or 'not a listing')
        self.response = response


def listing_filters(content):
    """The (name, value) list filters that find ``content``'s images."""
    pairs = []
    if content.os_hash_value:
        pairs.append(('os_hash_value', content.os_hash_value))
    if content.checksum:
        pairs.append(('checksum', content.checksum))
    return pairs


def listing(app, environ, pairs, max_bytes):
    """The service's listing document for ``pairs``, asked as the caller.

    :raises ScanFailed: an answer that is not a 200 listing (closed).
    :raises upstream.ResponseTooLarge: an answer over ``max_bytes``.
    """
    response = upstream.call(app, upstream.sub_environ(
        environ, 'GET', IMAGES_PATH, upstream.encode_query(pairs)))
    if response.status_int != 200 or not upstream.is_json(response):
        upstream.close(response.app_iter)
        raise ScanFailed(response)
    _body, document = upstream.read_json(response, max_bytes)
    if not (isinstance(document, dict) and
            isinstance(document.get('images'), list)):
        raise ScanFailed(None)
    return document


class TooManyPages(Exception):
    """A listing went on past the pages a caller allowed."""


def pages(fetch, pairs, max_pages=None):
    """Every image document of a listing query, page after page.

    :param fetch: ``fetch(pairs)``: the listing document for a query
        (see :func:`listing`); what it raises goes through.
    :param pairs: the query, ``limit`` included, without ``marker``.
    :param max_pages: raise ``TooManyPages`` rather than ask for more
        pages than this (after yielding theirs).
    """
    marker = None
    asked = 0
    while True:
        if max_pages is not None and asked >= max_pages:
            raise TooManyPages(max_pages)
        asked += 1
        document = fetch(pairs + ([('marker', marker)] if marker else []))
        images = [image for image in document['images']
                  if isinstance(image, dict)]
        yield from images
        if not document.get('next') or not images:
            return
        marker = images[-1].get('id')
        if not marker:
            return


class Scanner(object):
    """Finds the image documents a quarantine matches.

    :param app: the wrapped image service (a WSGI app).
    :param max_bytes: the largest listing answer read (the filter's
        ``max_rewrite_bytes``).
    """

    def __init__(self, app, max_bytes):
        self.app = app
        self.max_bytes = max_bytes

    def __call__(self, environ, quarantine, page_size):
        """``{image id: image document}`` of the images that match.

        :param environ: the caller's environ (only copied, never changed).
        :param quarantine: a ``quarantine.Quarantine``.
        :param page_size: the ``limit`` of each listing.
        :raises ScanFailed: a listing answered with anything but a 200
            listing (its response is closed).
        :raises upstream.ResponseTooLarge: a page over ``max_bytes``.
        """
        def fetch(pairs):
            return listing(self.app, environ, pairs, self.max_bytes)

        found = {}
        for name, value in listing_filters(quarantine.content):
            for hidden in ('false', 'true'):
                for image in pages(fetch, [
                        (name, value), ('visibility', 'all'),
                        ('member_status', 'all'), ('os_hidden', hidden),
                        ('limit', str(page_size))]):
                    if quarantine.matches(image) and image.get('id'):
                        found.setdefault(str(image['id']), image)
        return found
