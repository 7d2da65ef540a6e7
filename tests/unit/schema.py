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

"""Schema helpers for the unit tests: a URL's revision, an upgrade."""

from glance_deactivate import store


def _store(url):
    return store.DeactivationStore.from_url(url, max_retries=0,
                                            auto_create_schema=False)


def version_of(url):
    """The schema revision of the database at ``url`` (None: no schema)."""
    state_store = _store(url)
    try:
        return state_store.schema_version()
    finally:
        state_store.dispose()


def upgrade(url, revision='head'):
    """Upgrade the database at ``url``; the revision it is at afterwards."""
    state_store = _store(url)
    try:
        return state_store.upgrade_schema(revision)
    finally:
        state_store.dispose()
