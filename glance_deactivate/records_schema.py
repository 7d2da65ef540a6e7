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

"""The JSON schemas of the read API's documents.

Served at ``GET /v2/schemas/deactivation`` (one image's record and
history) and ``GET /v2/schemas/deactivations`` (the list of records), in
the shape of Glance's own schemas (``glance/schema.py``: ``Schema.raw()``
gives ``name``, ``properties``, ``additionalProperties: false`` and
``links``; ``CollectionSchema.raw()`` an array property named after the
collection beside ``first``, ``next`` and ``schema``, with the links
``first``, ``next`` and ``describedby``).  Every answer of the read API
validates against its schema (the unit tests check real answers).  Like
Glance's, they name no ``$schema``: they use only keywords that every
JSON Schema draft since draft 4 reads alike.

Times are strings in ISO 8601, UTC, with microseconds and a ``Z``
(``2026-12-04T15:30:00.123456Z``).
"""

import copy

DEACTIVATION_SCHEMA_PATH = '/v2/schemas/deactivation'
DEACTIVATIONS_SCHEMA_PATH = '/v2/schemas/deactivations'

ACTIONS = ['deactivate', 'reactivate', 'deleted']
OUTCOMES = ['changed', 'no-op', 'refused', 'migrated']
MAX_REASON_LENGTH = 255
TIME_PATTERN = (r'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}'
                r'\.[0-9]{6}Z$')

_NULL_STRING = ['null', 'string']
_TIME = {'type': 'string', 'format': 'date-time', 'readOnly': True,
         'pattern': TIME_PATTERN}


def _string(description, nullable=True, **extra):
    prop = {'type': _NULL_STRING if nullable else 'string',
            'readOnly': True, 'description': description}
    prop.update(extra)
    return prop


def _actor():
    return {
        'type': ['null', 'object'],
        'readOnly': True,
        'description': 'Who made the current deactivation (null when the '
                       'image is not deactivated by this service).',
        'properties': {
            'user_id': _string('The user who deactivated the image.'),
            'project_id': _string('The project the user acted in.'),
            'is_admin': {'type': 'boolean', 'readOnly': True,
                         'description': 'Whether the user acted as an '
                                        'administrator.'},
        },
        'required': ['user_id', 'project_id', 'is_admin'],
        'additionalProperties': False,
    }


def _record_properties():
    """The fields of a current record, shared by both documents."""
    return {
        'image_id': _string('The image.', nullable=False),
        'deactivated': {'type': 'boolean', 'readOnly': True,
                        'description': 'Whether the image is deactivated '
                                       'now.'},
        'quarantine_id': _string('The live content quarantine the '
                                 "image's data matches (then the image "
                                 'is deactivated until it is lifted), '
                                 'or null.'),
        'deactivated_at': dict(
            _TIME, type=_NULL_STRING,
            description='When the current deactivation was made.'),
        'deactivated_by': _actor(),
        'reason': _string('The reason given with the current deactivation.',
                          maxLength=MAX_REASON_LENGTH),
        'hold': {'type': 'boolean', 'readOnly': True,
                 'description': 'Whether an administrator made the current '
                                'deactivation: then only an administrator '
                                'may reactivate the image.'},
        'event_id': _string('The event that made the current '
                            'deactivation.'),
        'owner': _string("The image's owner when it was deactivated."),
        'self': _string('This record.', nullable=False),
    }


def _event():
    return {
        'type': 'object',
        'properties': {
            'id': _string('The event.', nullable=False),
            'image_id': _string('The image.', nullable=False),
            'action': {'type': 'string', 'enum': ACTIONS, 'readOnly': True,
                       'description': 'What was asked (deleted: the image '
                                      'was deleted while deactivated).'},
            'outcome': {'type': 'string', 'enum': OUTCOMES,
                        'readOnly': True,
                        'description': 'changed, no-op (already in the '
                                       'asked state), refused (by the '
                                       'hold) or migrated (a record that '
                                       'existed before the history).'},
            'created_at': dict(_TIME, description='When it happened.'),
            'user_id': _string('The user who asked.'),
            'project_id': _string('The project the user acted in.'),
            'roles': {'type': 'array', 'items': {'type': 'string'},
                      'readOnly': True,
                      'description': "The user's roles."},
            'is_admin': {'type': 'boolean', 'readOnly': True,
                         'description': 'Whether the user acted as an '
                                        'administrator.'},
            'request_id': _string('The request id of the call.'),
            'reason': _string('The reason given.',
                              maxLength=MAX_REASON_LENGTH),
            'owner': _string("The image's owner at the time."),
            'hold': {'type': 'boolean', 'readOnly': True,
                     'description': 'Whether the image was held after '
                                    'this event.'},
            'quarantine_id': _string('The content quarantine the event '
                                     'is about (an image found to match '
                                     'it, its lift, a reactivation it '
                                     'refused), or null.'),
        },
        'required': ['id', 'image_id', 'action', 'outcome', 'created_at',
                     'user_id', 'project_id', 'roles', 'is_admin',
                     'request_id', 'reason', 'owner', 'hold',
                     'quarantine_id'],
        'additionalProperties': False,
    }


def deactivation():
    """The schema of ``GET /v2/images/{image_id}/deactivation``."""
    properties = _record_properties()
    properties.update({
        'history': {'type': 'array', 'items': _event(), 'readOnly': True,
                    'description': "The image's events, newest first, one "
                                   'page of them.'},
        'image': _string('The image itself.', nullable=False),
        'first': _string('The first page of the history.', nullable=False),
        'next': _string('The next page of the history (absent on the '
                        'last page).', nullable=False),
        'schema': _string('This schema.', nullable=False),
    })
    return {
        'name': 'deactivation',
        'properties': properties,
        'required': ['image_id', 'deactivated', 'quarantine_id',
                     'deactivated_at', 'deactivated_by', 'reason', 'hold',
                     'event_id', 'owner', 'history', 'self', 'image',
                     'first', 'schema'],
        'additionalProperties': False,
        'links': [
            {'rel': 'self', 'href': '{self}'},
            {'rel': 'describedby', 'href': '{schema}'},
            {'rel': 'first', 'href': '{first}'},
            {'rel': 'next', 'href': '{next}'},
        ],
    }


def deactivations():
    """The schema of ``GET /v2/deactivations``."""
    record = {
        'name': 'deactivation',
        'properties': _record_properties(),
        'required': ['image_id', 'deactivated', 'quarantine_id',
                     'deactivated_at', 'deactivated_by', 'reason', 'hold',
                     'event_id', 'owner', 'self'],
        'additionalProperties': False,
        'links': [{'rel': 'self', 'href': '{self}'}],
    }
    return collection('deactivations', record)


def collection(name, item):
    """The schema of a paged list called ``name`` of ``item`` documents.

    Shaped as Glance's ``/v2/schemas/images``: the list under ``name``,
    with ``first``, ``next`` and ``schema`` links.
    """
    return {
        'name': name,
        'properties': {
            name: {'type': 'array', 'items': item},
            'first': {'type': 'string'},
            'next': {'type': 'string'},
            'schema': {'type': 'string'},
        },
        'links': [
            {'rel': 'first', 'href': '{first}'},
            {'rel': 'next', 'href': '{next}'},
            {'rel': 'describedby', 'href': '{schema}'},
        ],
    }


_SCHEMAS = {
    'deactivation': deactivation(),
    'deactivations': deactivations(),
}


def get(name):
    """A fresh copy of the schema called ``name`` (a KeyError otherwise)."""
    return copy.deepcopy(_SCHEMAS[name])
