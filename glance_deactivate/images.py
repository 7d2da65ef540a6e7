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

"""The vocabulary every module shares: statuses and the one rule for ids.

An image id is compared **exactly**, as the image service reports it in
its answers.  Glance accepts a client-chosen id in any case, and on
PostgreSQL or SQLite ``ABC...`` and ``abc...`` are two images, so a
deactivation recorded for one must never be cleared, set or honoured for
the other.  On MySQL/MariaDB, however, Glance's database compares ids
case-insensitively and ``/v2/images/ABC.../file`` serves ``abc...``.

So the filter *finds* candidate records by :func:`lookup_key` (the id
folded to lower case, which may over-match) and then *confirms* with the
image service: a record applies to an image only when :func:`same_image`
says the id in the service's answer is the recorded one.  Blocking may
over-match; permitting and every change of state match exactly.
"""

ACTIVE = 'active'
DEACTIVATED = 'deactivated'


def lookup_key(image_id):
    """The case-folded key under which records are found (may over-match)."""
    return str(image_id).lower()


def same_image(record_id, image_id, case_folded=False):
    """True when a record for ``record_id`` applies to ``image_id``.

    :param case_folded: the record was written by a release that folded
        every id to lower case (before the exact-id schema): its true case
        is unknown, so it applies to every spelling of the id.
    """
    if image_id is None:
        return False
    image_id = str(image_id)
    if record_id == image_id:
        return True
    return case_folded and record_id == lookup_key(image_id)
