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


"""The load generator, streamed transfers and process memory.

Requests go out from a fixed number of threads, each with its own
``requests.Session``; a batch stops after ``count`` requests or at its
deadline, whichever comes first.  Any unexpected status or transport error
stops the batch and raises ``LoadError``: the benchmark measures working
servers only.
"""

import os
import threading
import time

import requests

MIB = 1 << 20
CHUNK = MIB


class LoadError(Exception):
    """A request failed or answered with an unexpected status."""


class Client(object):
    """``concurrency`` sessions, reused from batch to batch."""

    def __init__(self, concurrency, timeout=60):
        self.concurrency = concurrency
        self.timeout = timeout
        self.sessions = [requests.Session() for _ in range(concurrency)]

    def close(self):
        for session in self.sessions:
            session.close()

    def batch(self, url, paths, headers, count, seconds, expect=200,
              check=None):
        """GET ``paths`` (cycled) ``count`` times at this concurrency.

        :param check: optional ``check(path, response)`` raising
            ``LoadError`` when an answer is wrong; called for the first
            answer of the batch only, after its time is taken.
        :returns: ``{'latencies': [s, ...], 'wall': s, 'done': n}``.
        """
        lock = threading.Lock()
        state = {'issued': 0, 'error': None}
        latencies = []
        deadline = time.monotonic() + seconds

        def worker(session):
            while True:
                with lock:
                    if (state['error'] is not None or
                            state['issued'] >= count or
                            time.monotonic() > deadline):
                        return
                    index = state['issued']
                    state['issued'] += 1
                path = paths[index % len(paths)]
                try:
                    start = time.perf_counter()
                    resp = session.get(url + path, headers=headers,
                                       timeout=self.timeout)
                    body = resp.content
                    elapsed = time.perf_counter() - start
                    if resp.status_code != expect:
                        raise LoadError('GET %s%s: %s %s' % (
                            url, path, resp.status_code, body[:300]))
                    if check is not None and index == 0:
                        check(path, resp)
                except Exception as exc:  # reported after the batch
                    with lock:
                        if state['error'] is None:
                            state['error'] = exc
                    return
                with lock:
                    latencies.append(elapsed)

        threads = [threading.Thread(target=worker, args=(session,),
                                    daemon=True)
                   for session in self.sessions]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + self.timeout + 10)
        wall = time.perf_counter() - start
        if any(thread.is_alive() for thread in threads):
            raise LoadError('a load thread on %s did not finish' % url)
        if state['error'] is not None:
            error = state['error']
            if isinstance(error, LoadError):
                raise error
            raise LoadError('GET on %s failed: %s' % (url, error)) from error
        if not latencies:
            raise LoadError('no request completed on %s' % url)
        return {'latencies': latencies, 'wall': wall, 'done': len(latencies)}


def body_chunks(size, chunk=CHUNK):
    """``size`` bytes of one random block repeated, ``chunk`` at a time."""
    block = os.urandom(chunk)
    left = size
    while left > 0:
        piece = block if left >= chunk else block[:left]
        left -= len(piece)
        yield piece


def download(session, url, headers, expected_size, timeout=300):
    """Stream a download, counting bytes; (bytes, seconds)."""
    start = time.perf_counter()
    received = 0
    with session.get(url, headers=headers, stream=True,
                     timeout=timeout) as resp:
        if resp.status_code != 200:
            raise LoadError('GET %s: %s %s' % (url, resp.status_code,
                                               resp.text[:300]))
        for piece in resp.raw.stream(CHUNK, decode_content=False):
            received += len(piece)
    elapsed = time.perf_counter() - start
    if received != expected_size:
        raise LoadError('GET %s: %d bytes, expected %d' % (
            url, received, expected_size))
    return received, elapsed


# -- process memory ---------------------------------------------------------

def process_tree(pid):
    """``pid`` and its direct children (gunicorn master and workers)."""
    pids = [pid]
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name) as stat:
                fields = stat.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            pids.append(int(name))
    return pids


def _status_kib(pid, key):
    try:
        with open('/proc/%d/status' % pid) as status:
            for line in status:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peaks(pids):
    """Reset VmHWM to the current RSS (Linux ``clear_refs`` 5); ok?"""
    try:
        for pid in pids:
            with open('/proc/%d/clear_refs' % pid, 'w') as refs:
                refs.write('5')
    except OSError:
        return False
    return True


def peak_bytes(pids):
    """Sum of VmHWM over ``pids``, in bytes."""
    return 1024 * sum(_status_kib(pid, 'VmHWM') for pid in pids)


def rss_bytes(pids):
    """Sum of VmRSS over ``pids``, in bytes."""
    return 1024 * sum(_status_kib(pid, 'VmRSS') for pid in pids)


class RssSampler(object):
    """Sample the summed VmRSS of ``pids`` every ``interval`` seconds."""

    def __init__(self, pids, interval=0.01):
        self.pids = pids
        self.interval = interval
        self.peak = rss_bytes(pids)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes(self.pids))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        self.peak = max(self.peak, rss_bytes(self.pids))
