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

"""Living with an image service that has its own deactivate.

Glance has had ``deactivate``/``reactivate`` since Kilo.  In front of such
a store an image may be deactivated *by the store itself* (before the
filter went in, through a node without it, or while Glance's own rules
allowed it); the store then reports ``"status": "deactivated"`` and
refuses the data itself, and the filter has no record of it.

The filter treats the store's own state as the truth for that image and
never claims a change it did not make:

* ``POST .../actions/reactivate`` of an image the **store** reports as
  ``deactivated`` is handed to the store's own action, as the caller (a
  sub-request to the wrapped app with the caller's identity), so that
  Glance's own ``reactivate`` policy decides.  Its refusal is returned as
  it is (with Glance's own rules set to ``"!"``, as an operator does when
  the filter owns the feature, that is Glance's 403 ``You are not
  authorized to complete reactivate action.``: re-enable Glance's rule for
  an administrator, or reactivate through a node without the filter).
  After the store's 204 the image is looked up again; the filter's own
  record, if any, is then reactivated by the filter's own rule, and the
  answer is 204 only when the image ends ``active`` (else 409).
* ``POST .../actions/deactivate`` of such an image is 204 with no change,
  as Glance's own answer to deactivating a deactivated image.
* ``?status=deactivated`` lists the store's own deactivated images (those
  the caller may list) together with the filter's, and every listing shows
  them as the store does.

Only ``reactivate`` needs the store: the filter can always add its own
deactivation on top, but only the store can lift its own.
"""

from oslo_log import log as logging
import webob.exc

from glance_deactivate import images
from glance_deactivate import listing
from glance_deactivate import upstream

LOG = logging.getLogger(__name__)

MSG_STILL = ("The image service answered the %s action but the image is "
             "'%s'.")

# Pages of the store's own ``status=deactivated`` listing read at most
# (its own page size each, up to its ``api_limit_max``).
MAX_ID_PAGES = 20
ID_PAGE = 1000


def held_by_store(image: dict) -> bool:
    """True when the store itself reports ``image`` deactivated."""
    return image.get('status') == images.DEACTIVATED


class StoreActions(object):
    """The hook ``actions.ActionController`` calls (``native=``).

    :param app: the wrapped image service.
    :param lookup: ``lookup(environ, image_id)`` -> ``(image, refusal)``.
    :param limit: the largest answer read (``max_rewrite_bytes``).
    """

    def __init__(self, app, lookup, limit):
        self.app = app
        self.lookup = lookup
        self.limit = limit

    def __call__(self, environ, image, action):
        """``(refusal, None)`` or ``(None, image as the store now shows)``.

        Only a ``reactivate`` of an image the store itself holds
        deactivated goes to the store; anything else returns
        ``(None, image)`` untouched.
        """
        if action != 'reactivate' or not held_by_store(image):
            return None, image
        return store_action(self.app, environ, image, action, self.lookup,
                            self.limit)


def store_action(app, environ: dict, image: dict, action: str,
                 lookup, limit: int):
    """Hand ``action`` on ``image`` to the store's own action, as the caller.

    :param lookup: ``lookup(environ, image_id)`` -> ``(image, refusal)``.
    :returns: ``(response, None)`` with the store's refusal (or a 409 when
        the image did not end in the named state), or ``(None, image)``
        with the image as the store now shows it, for the filter's own
        transition to finish (its record, if any).
    """
    image_id = str(image['id'])
    if '/' in image_id or not image_id.isprintable():
        # Never a Glance id (a UUID): the sub-request could route elsewhere.
        return webob.exc.HTTPConflict(
            explanation=MSG_STILL % (action, image.get('status'))), None
    path = '/v2/images/%s/actions/%s' % (image_id, action)
    answer = upstream.call(app, upstream.sub_environ(environ, 'POST', path))
    if answer.status_int != 204:
        LOG.debug('The image service refused to %s image %s itself: %s',
                  action, image_id, answer.status)
        body = upstream.read_body(answer, limit)
        answer.app_iter = [body]
        return answer, None
    after, refusal = lookup(environ, image_id)
    if refusal is not None:
        return refusal, None
    if held_by_store(after):
        LOG.warning('Image %s: the image service answered %s with 204 but '
                    'still reports it %s', image_id, action,
                    after.get('status'))
        return webob.exc.HTTPConflict(
            explanation=MSG_STILL % (action, after.get('status'))), None
    LOG.info('Image %s %sd by the image service itself', image_id, action)
    return None, after


def deactivated_ids(app, environ: dict, limit: int) -> set:
    """Ids of the images the store itself holds deactivated.

    Asked as the caller (``GET /v2/images?status=deactivated``), so only
    images the caller may list; the cost grows with their number.  An
    answer other than a listing counts as none (a store without the
    feature).
    """
    found = set()
    query = [('status', images.DEACTIVATED), ('limit', str(ID_PAGE))]
    for _page in range(MAX_ID_PAGES):
        response = upstream.call(app, upstream.sub_environ(
            environ, 'GET', '/v2/images', upstream.encode_query(query)))
        if response.status_int != 200 or not upstream.is_json(response):
            upstream.close(response.app_iter)
            return found
        _body, document = upstream.read_json(response, limit)
        page = document.get('images') if isinstance(document, dict) else None
        if not isinstance(page, list):
            return found
        found.update(str(i['id']) for i in page
                     if isinstance(i, dict) and i.get('id'))
        marker = listing.next_marker(document)
        if marker is None:
            return found
        query = [('status', images.DEACTIVATED), ('limit', str(ID_PAGE)),
                 ('marker', marker)]
    LOG.warning('More than %d pages of images deactivated by the image '
                'service itself; ?status=deactivated lists the first ones',
                MAX_ID_PAGES)
    return found
