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

"""The overlay: pure rewriters for the image service's JSON documents.

They take the decisions (which images are deactivated, whose locations to
hide) as arguments and never consult policy or the database themselves, so
they are tested on plain dicts.
"""

from glance_deactivate import images

DEACTIVATED = images.DEACTIVATED
ACTIVE = images.ACTIVE


def effective_status(image, deactivated_ids):
    """The status the caller must see for ``image``.

    Only an image the store holds as ``active`` is shown as deactivated:
    any other store status (queued, killed, deleted, ...) wins.
    """
    status = image.get('status')
    if status == ACTIVE and image.get('id') in deactivated_ids:
        return DEACTIVATED
    return status


def overlay_image(image, deactivated_ids, hide_locations_of=frozenset()):
    """Show ``image`` as deactivated and hide its locations, in place.

    :param deactivated_ids: exact ids of deactivated images.
    :param hide_locations_of: exact ids whose ``locations`` must be
        emptied and ``direct_url`` and ``stores`` (the multi-store field
        naming the backends that hold the data) removed.
    :returns: True when anything changed.
    """
    changed = False
    status = effective_status(image, deactivated_ids)
    if status != image.get('status'):
        image['status'] = status
        changed = True
    if image.get('id') in hide_locations_of:
        if image.get('locations'):
            image['locations'] = []
            changed = True
        for field in ('direct_url', 'stores'):
            if field in image:
                del image[field]
                changed = True
    return changed


def overlay_images(images, deactivated_ids, hide_locations_of=frozenset()):
    """``overlay_image`` over a list; True when any image changed."""
    changed = False
    for image in images:
        if overlay_image(image, deactivated_ids, hide_locations_of):
            changed = True
    return changed


def add_deactivated_status(schema):
    """Add ``deactivated`` to every image ``status`` enum in a schema.

    Handles both ``/v2/schemas/image`` and ``/v2/schemas/images`` (where
    the image schema sits under ``properties.images.items``).  A schema
    that already lists it is left alone.

    :returns: True when the schema changed.
    """
    changed = False
    properties = schema.get('properties') if isinstance(
        schema, dict) else None
    if not isinstance(properties, dict):
        return False
    status = properties.get('status')
    if isinstance(status, dict) and isinstance(status.get('enum'), list):
        if ACTIVE in status['enum'] and DEACTIVATED not in status['enum']:
            status['enum'].append(DEACTIVATED)
            changed = True
    images = properties.get('images')
    if isinstance(images, dict) and add_deactivated_status(
            images.get('items')):
        changed = True
    return changed
