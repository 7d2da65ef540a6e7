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

"""The state store with a deadline on every call.

A database that stops answering without closing its connections (a hung
server, a stopped process, a network that drops packets) would hold an API
worker on a pooled connection for as long as the operating system keeps
the socket: psycopg2 has no read timeout at all.  The filter therefore runs
each store call in a small thread pool and waits at most
``[image_deactivation] query_timeout`` seconds for it; past that the call
counts as ``StoreUnavailable`` (503, or pass-through with ``fail_open``).

A call that timed out keeps its pool thread until the driver gives up or
the database answers; when every pool thread is stuck, further calls wait
in the queue and time out too, so the worker is never held longer than the
deadline.  A SQLite database, a local file whose own busy timeout bounds
every wait, is not wrapped.

A missed deadline counts as an outage in the store's health state (see
``DeactivationStore.report_outage``), so a silent database is logged once,
like a refused connection.

A write that timed out may still be applied once the database answers: a
deactivation answered with 503 may take effect late, which errs on the side
of the control; so may a reactivation answered with 503.
"""

from concurrent import futures

from glance_deactivate import store as state_store

# Pool threads per API worker process: more than the concurrent requests a
# worker serves, so that a few stuck calls do not delay the others.
POOL_SIZE = 8


class BoundedStore(object):
    """A DeactivationStore whose calls give up after ``timeout`` seconds."""

    def __init__(self, store, timeout, pool_size=POOL_SIZE):
        self.store = store
        self.timeout = timeout
        self._pool = futures.ThreadPoolExecutor(
            max_workers=pool_size, thread_name_prefix='glance-deactivate-db')

    @property
    def safe_url(self):
        return self.store.safe_url

    def _call(self, method, *args, **kwargs):
        future = self._pool.submit(method, *args, **kwargs)
        try:
            return future.result(timeout=self.timeout)
        except futures.TimeoutError:
            future.cancel()
            message = ('no answer from the deactivation database within '
                       '%s s' % self.timeout)
            # The same outage as a refused connection: one WARNING, then
            # one INFO when a call succeeds again.
            self.store.report_outage(message)
            raise state_store.StoreUnavailable(message)

    def find(self, image_id):
        return self._call(self.store.find, image_id)

    def get(self, image_id):
        return self._call(self.store.get, image_id)

    def state(self, image_id):
        return self._call(self.store.state, image_id)

    def state_among(self, image_ids):
        return self._call(self.store.state_among, list(image_ids))

    def live_quarantines(self):
        return self._call(self.store.live_quarantines)

    def get_quarantine(self, quarantine_id):
        return self._call(self.store.get_quarantine, quarantine_id)

    def list_quarantines(self, live=None, limit=None, marker=None):
        return self._call(self.store.list_quarantines, live=live,
                          limit=limit, marker=marker)

    def matched_images(self, quarantine_id):
        return self._call(self.store.matched_images, quarantine_id)

    def create_quarantine(self, content, actor, reason,
                          source_image_id=None):
        return self._call(self.store.create_quarantine, content, actor,
                          reason, source_image_id=source_image_id)

    def lift_quarantine(self, quarantine_id, actor, reason):
        return self._call(self.store.lift_quarantine, quarantine_id, actor,
                          reason)

    def record_match(self, found, image_id, owner, actor):
        return self._call(self.store.record_match, found, image_id, owner,
                          actor)

    def deactivated_among(self, image_ids):
        return self._call(self.store.deactivated_among, list(image_ids))

    def list_ids(self, limit=None):
        return self._call(self.store.list_ids, limit)

    def list_records(self, **filters):
        return self._call(self.store.list_records, **filters)

    def history(self, image_id=None, since=None, limit=None, marker=None):
        return self._call(self.store.history, image_id=image_id,
                          since=since, limit=limit, marker=marker)

    def deactivate(self, image_id, actor, reason=None, owner=None):
        return self._call(self.store.deactivate, image_id, actor,
                          reason=reason, owner=owner)

    def reactivate(self, image_id, actor, reason=None, owner=None,
                   lift_hold=True):
        return self._call(self.store.reactivate, image_id, actor,
                          reason=reason, owner=owner, lift_hold=lift_hold)

    def append_event(self, image_id, action, outcome, actor, reason=None,
                     owner=None, held=False, quarantine_id=None):
        return self._call(self.store.append_event, image_id, action,
                          outcome, actor, reason=reason, owner=owner,
                          held=held, quarantine_id=quarantine_id)

    def add(self, image_id, user_id=None, project_id=None, by_admin=False):
        return self._call(self.store.add, image_id, user_id=user_id,
                          project_id=project_id, by_admin=by_admin)

    def remove(self, image_id):
        return self._call(self.store.remove, image_id)

    def forget(self, image_id, actor=None):
        return self._call(self.store.forget, image_id, actor=actor)

    def pin_spellings(self, image_id):
        return self._call(self.store.pin_spellings, image_id)
