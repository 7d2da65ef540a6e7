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

"""The JSON schemas of content quarantine's documents.

Served at ``GET /v2/schemas/quarantine`` (one quarantine) and ``GET
/v2/schemas/quarantines`` (the list), in the shape of Glance's own schemas
and of the read API's (``glance_deactivate.records_schema``): ``name``,
``properties``, ``additionalProperties: false``, ``links``, no
``$schema``.  Every answer of ``glance_deactivate.quarantines_api``
validates against them (the unit tests check real answers).

Times are ISO 8601 strings, UTC, with microseconds and a ``Z``.  Hashes
are lower case, as Glance shows them (a quarantine made from an image
keeps the image's hash as Glance recorded it).  ``images`` (the ids of
the images the quarantine matches, as the caller sees them) is in the
answers of ``GET /v2/quarantines/{id}`` and ``POST /v2/quarantines`` only.
"""

import copy

from glance_deactivate import records_schema

QUARANTINE_SCHEMA_PATH = '/v2/schemas/quarantine'
QUARANTINES_SCHEMA_PATH = '/v2/schemas/quarantines'

LIVE = 'live'
LIFTED = 'lifted'
STATUSES = [LIVE, LIFTED]

_NULL_STRING = ['null', 'string']
_TIME = {'type': 'string', 'format': 'date-time', 'readOnly': True,
         'pattern': records_schema.TIME_PATTERN}


def _string(description, nullable=True, **extra):
    prop = {'type': _NULL_STRING if nullable else 'string',
            'readOnly': True, 'description': description}
    prop.update(extra)
    return prop


def _actor(description, nullable):
    return {
        'type': ['null', 'object'] if nullable else 'object',
        'readOnly': True,
        'description': description,
        'properties': {
            'user_id': _string('The user.'),
            'project_id': _string('The project the user acted in.'),
        },
        'required': ['user_id', 'project_id'],
        'additionalProperties': False,
    }


def _properties():
    reason_length = records_schema.MAX_REASON_LENGTH
    return {
        'id': _string('The quarantine.', nullable=False),
        'status': {'type': 'string', 'enum': STATUSES, 'readOnly': True,
                   'description': 'live (its images are deactivated) or '
                                  'lifted.'},
        'os_hash_algo': _string(
            "The multihash algorithm (Glance's os_hash_algo), or null."),
        'os_hash_value': _string(
            "The multihash value (Glance's os_hash_value), or null."),
        'checksum': _string("The MD5 checksum (Glance's checksum), or "
                            'null.'),
        'reason': _string('Why the content is quarantined.',
                          nullable=False, maxLength=reason_length),
        'created_at': dict(_TIME, description='When it was made.'),
        'created_by': _actor('Who made it.', nullable=False),
        'source_image_id': _string('The image it was made from (null: '
                                   'made from a hash).'),
        'lifted_at': dict(_TIME, type=_NULL_STRING,
                          description='When it was lifted (null: live).'),
        'lifted_by': _actor('Who lifted it (null: live).', nullable=True),
        'lift_reason': _string('Why it was lifted (null: live).',
                               maxLength=reason_length),
        'images': {'type': 'array', 'items': {'type': 'string'},
                   'readOnly': True,
                   'description': 'The images that match it, among those '
                                  'the caller can see (one quarantine and '
                                  'a new one only).'},
        'self': _string('This quarantine.', nullable=False),
        'schema': _string('This schema.', nullable=False),
    }


_REQUIRED = ['id', 'status', 'os_hash_algo', 'os_hash_value', 'checksum',
             'reason', 'created_at', 'created_by', 'source_image_id',
             'lifted_at', 'lifted_by', 'lift_reason', 'self', 'schema']


def quarantine_schema():
    """The schema of one quarantine."""
    return {
        'name': 'quarantine',
        'properties': _properties(),
        'required': list(_REQUIRED),
        'additionalProperties': False,
        'links': [
            {'rel': 'self', 'href': '{self}'},
            {'rel': 'describedby', 'href': '{schema}'},
        ],
    }


def quarantines_schema():
    """The schema of ``GET /v2/quarantines``."""
    return records_schema.collection('quarantines', quarantine_schema())


_SCHEMAS = {
    'quarantine': quarantine_schema(),
    'quarantines': quarantines_schema(),
}


def get(name):
    """A fresh copy of the schema called ``name`` (a KeyError otherwise)."""
    return copy.deepcopy(_SCHEMAS[name])
