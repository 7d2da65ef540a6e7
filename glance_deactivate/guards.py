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

"""What a request that reads, writes or copies a deactivated image's data gets.

Each entry maps a route (see ``routing``) and a method to the answer Glance
33 gives for a deactivated image, optionally after a policy rule that may
let the caller through.  The store behind the filter holds the image as
``active`` and would serve or accept all of these; the filter answers
first.

=====================================  ======================================
Request                                Answer for a deactivated image
=====================================  ======================================
``GET``/``HEAD /v2/images/{id}/file``  403 unless ``download_deactivated``
``PUT /v2/images/{id}/file``           409 (status transition to saving)
``PUT /v2/images/{id}/stage``          409 (status transition to uploading)
``POST /v2/images/{id}/import``        409 for ``copy-image`` and any
                                       method not known to leave the
                                       image's data alone; see below
``POST /v2/images/{id}/locations``     409
``GET /v2/images/{id}/locations``      403 unless
                                       ``get_deactivated_locations``
``PUT /v2/cache/{id}``                 400 (not queued for caching)
=====================================  ======================================

Imports are told apart by the method named in the request body (read up to
``MAX_IMPORT_BODY`` bytes).  A body that does not parse or names no method
is handed on unchanged: the image service rejects it (400) before it looks
at the image.  For a deactivated image every named method is refused, with
the message Glance 33 gives for it (``copy-image``'s for a method the
filter does not know; a larger body gets the same).
"""

import collections
import json

import webob.exc

from glance_deactivate import policies
from glance_deactivate import routing

MSG_DOWNLOAD = ('The requested image has been deactivated. '
                'Image data download is forbidden.')
MSG_UPLOAD = ('Image status transition from deactivated to saving is not '
              'allowed')
MSG_STAGE = ('Image status transition from deactivated to uploading is not '
             'allowed')
MSG_COPY = 'Only images with status active can be targeted for copying'
MSG_ADD_LOCATION = ("It's not allowed to add locations if image status is "
                    "deactivated.")
MSG_GET_LOCATIONS = ('You are not authorized to complete '
                     'fetch_image_location action.')
MSG_CACHE = 'Only images with status active can be targeted for queueing'

Guard = collections.namedtuple('Guard', 'rule error message')

_DOWNLOAD = Guard(policies.DOWNLOAD_DEACTIVATED, webob.exc.HTTPForbidden,
                  MSG_DOWNLOAD)

GUARDS = {
    (routing.DATA, 'GET'): _DOWNLOAD,
    (routing.DATA, 'HEAD'): _DOWNLOAD,
    (routing.DATA, 'PUT'): Guard(None, webob.exc.HTTPConflict, MSG_UPLOAD),
    (routing.STAGE, 'PUT'): Guard(None, webob.exc.HTTPConflict, MSG_STAGE),
    (routing.IMPORT, 'POST'): Guard(None, webob.exc.HTTPConflict, MSG_COPY),
    (routing.LOCATIONS, 'POST'): Guard(None, webob.exc.HTTPConflict,
                                       MSG_ADD_LOCATION),
    (routing.LOCATIONS, 'GET'): Guard(policies.GET_DEACTIVATED_LOCATIONS,
                                      webob.exc.HTTPForbidden,
                                      MSG_GET_LOCATIONS),
    (routing.CACHE, 'PUT'): Guard(None, webob.exc.HTTPBadRequest, MSG_CACHE),
}


MAX_IMPORT_BODY = 64 * 1024

# Glance 33's answers to an import of a deactivated image, by method.
MSG_IMPORT_QUEUED = "Image needs to be in 'queued' state to use '%s' method"
MSG_IMPORT_STAGED = ("Image needs to be staged before 'glance-direct' "
                     "method can be used")
IMPORT_MESSAGES = {
    'copy-image': MSG_COPY,
    'glance-direct': MSG_IMPORT_STAGED,
    'web-download': MSG_IMPORT_QUEUED % 'web-download',
    'glance-download': MSG_IMPORT_QUEUED % 'glance-download',
}


def import_method(body):
    """The import method named in a request body, or None."""
    try:
        name = json.loads(body)['method']['name']
    except (ValueError, TypeError, KeyError):
        return None
    return name if isinstance(name, str) else repr(name)


def import_refusal(body):
    """The 409 for importing into a deactivated image, or None.

    :param body: the request body, or None when it was larger than
        MAX_IMPORT_BODY (refused as ``copy-image``).
    :returns: None only for a body naming no method, which the image
        service itself rejects before it looks at the image.
    """
    if body is None:
        method = 'copy-image'
    else:
        method = import_method(body)
        if method is None:
            return None
    return webob.exc.HTTPConflict(
        explanation=IMPORT_MESSAGES.get(method, MSG_COPY))


def find(handler, method):
    """The Guard for a route and method, or None."""
    return GUARDS.get((handler, method))


def refusal(guard, allowed):
    """The error response for ``guard``, or None when ``allowed``."""
    if guard.rule is not None and allowed:
        return None
    return guard.error(explanation=guard.message)
