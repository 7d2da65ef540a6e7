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

"""What the README and the docs promise, each shown by a test.

The 502 for an answer over ``max_rewrite_bytes``; a status-filtered
listing's non-200 and unparsable store pages; a record clean-up that
fails; a schema that cannot be created at start-up (the filter starts,
fails closed, then recovers); with ``fail_open`` and a database that
fails, a request stops asking it after its first failure.
"""

import logging
import os
from unittest import mock

import fixtures
from sqlalchemy import exc as sa_exc
import webob
import webob.exc

from glance_deactivate import middleware
from glance_deactivate import store as state_store
from tests.unit import fakes

ADMIN = fakes.ADMIN
new_id = fakes.new_id


class TestPromises(fakes.FilterTestCase):

    def test_an_answer_over_max_rewrite_bytes_is_a_502(self):
        image_id = self.deactivated()
        self.app.images[image_id]['name'] = 'x' * 2048
        flt = self.build(max_rewrite_bytes=1024)
        resp = fakes.request('/v2/images/%s' % image_id).get_response(flt)
        self.assertEqual(502, resp.status_int)
        self.assertIn(middleware.MSG_TOO_LARGE, resp.text)
        resp = fakes.request('/v2/images').get_response(flt)
        self.assertEqual(502, resp.status_int)
        # An answer within the limit is rewritten as usual.
        self.app.images[image_id]['name'] = 'short'
        resp = fakes.request('/v2/images/%s' % image_id).get_response(flt)
        self.assertEqual('deactivated', resp.json['status'])

    def test_a_listing_passes_on_a_store_refusal(self):
        self.deactivated()
        self.app.list_answer = webob.exc.HTTPBadRequest(
            explanation='Invalid sort key')
        resp = self.call('/v2/images?status=active&sort_key=nonsense')
        self.assertEqual(400, resp.status_int)
        self.assertIn('Invalid sort key', resp.text)

    def test_an_unparsable_store_page_is_a_502(self):
        self.deactivated()
        for answer in (webob.Response(body=b'not json',
                                      content_type='application/json'),
                       webob.Response(json_body={'images': 'x'}),
                       webob.Response(body=b'<html/>',
                                      content_type='text/html')):
            self.app.list_answer = answer
            resp = self.call('/v2/images?status=deactivated')
            self.assertEqual(502, resp.status_int)
            self.assertIn(middleware.MSG_BAD_UPSTREAM, resp.text)

    def test_a_failed_clean_up_keeps_the_delete_and_logs(self):
        log = self.useFixture(fixtures.FakeLogger())
        image_id = self.deactivated()
        with mock.patch.object(self.filter.store, 'forget',
                               side_effect=state_store.StoreUnavailable('x')):
            resp = self.call('/v2/images/%s' % image_id, method='DELETE')
        self.assertEqual(204, resp.status_int)
        self.assertNotIn(image_id, self.app.images)
        self.assertIn('could not be cleared', log.output)
        # The stale record blocks nothing: the image is gone, and an image
        # created anew under that id clears it.
        self.assertIsNotNone(self.filter.store.get(image_id))
        resp = self.call('/v2/images', method='POST',
                         body=('{"id": "%s"}' % image_id).encode())
        self.assertEqual(201, resp.status_int)
        self.assertIsNone(self.filter.store.get(image_id))

    def test_a_schema_that_cannot_be_created_fails_closed_then_recovers(self):
        log = self.useFixture(fixtures.FakeLogger())
        blocker = os.path.join(self.tmp, 'blocked')
        with open(blocker, 'w') as f:
            f.write('a file where a directory must be')
        url = 'sqlite:///%s/state.sqlite' % blocker
        flt = self.build(connection=url)
        self.assertIn('Could not create the deactivation schema', log.output)
        image_id = self.app.add(new_id())
        resp = fakes.request('/v2/images/%s/file' % image_id).get_response(
            flt)
        self.assertEqual(503, resp.status_int)
        self.assertIn(middleware.MSG_UNAVAILABLE, resp.text)
        os.unlink(blocker)
        resp = fakes.request('/v2/images/%s/file' % image_id).get_response(
            flt)
        self.assertEqual(200, resp.status_int)
        resp = fakes.request('/v2/images/%s/actions/deactivate' % image_id,
                             method='POST', **ADMIN).get_response(flt)
        self.assertEqual(204, resp.status_int)

    def test_fail_open_asks_a_failing_database_once_per_request(self):
        for _ in range(40):
            self.app.add(new_id())
        self.app.api_limit_max = 3
        flt = self.build(fail_open='true')
        calls = []

        def down(ids):
            calls.append(ids)
            raise state_store.StoreUnavailable('silent')
        with mock.patch.object(flt.store, 'state_among',
                               side_effect=down):
            # Every store page is filtered (no queued image, and nothing
            # is known to be deactivated): ten rounds, one question.
            resp = fakes.request('/v2/images?status=in:deactivated,queued'
                                 '&limit=3').get_response(flt)
        self.assertEqual(200, resp.status_int)
        self.assertEqual([], resp.json['images'])
        self.assertIn('marker=', resp.json['next'])
        self.assertEqual(1, len(calls))


class TestOutagesLogOnce(fakes.FilterTestCase):

    def test_an_outage_is_one_warning_and_its_end_one_info(self):
        log = self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG, format='%(levelname)s %(message)s'))
        image_id = self.deactivated()
        real = self.filter.store
        broken = [True]

        def flaky(method):
            def call(*args, **kwargs):
                if broken[0]:
                    with real._guard('read'):
                        raise sa_exc.OperationalError('SELECT', {},
                                                      Exception('down'))
                return method(*args, **kwargs)
            return call
        with mock.patch.object(real, 'state',
                               side_effect=flaky(real.state)):
            for _ in range(5):
                resp = self.call('/v2/images/%s' % image_id)
                self.assertEqual(503, resp.status_int)
            broken[0] = False
            resp = self.call('/v2/images/%s' % image_id)
            self.assertEqual('deactivated', resp.json['status'])
        lines = log.output.splitlines()
        self.assertEqual(1, len([line for line in lines if line.startswith(
            'INFO ') and 'is available again' in line]), log.output)
        self.assertEqual(1, len([line for line in lines if line.startswith(
            'WARNING ') and 'unavailable' in line]), log.output)
        self.assertEqual([], [line for line in lines
                              if line.startswith('ERROR ')])


class TestStartUp(fakes.FilterTestCase):

    def test_the_filter_says_it_is_there(self):
        log = self.useFixture(fixtures.FakeLogger(
            level=logging.INFO, format='%(levelname)s %(message)s'))
        self.build(connection='postgresql+psycopg2://u:s3cret@127.0.0.1:1/x',
                   max_retries=0)
        lines = [line for line in log.output.splitlines()
                 if line.startswith('INFO glance-deactivate ')]
        self.assertEqual(1, len(lines), log.output)
        self.assertIn('postgresql+psycopg2://u:***@127.0.0.1:1/x', lines[0])
        self.assertNotIn('s3cret', log.output)
        self.assertIn('fail_open False', lines[0])
        self.assertIn(self.policy_file, lines[0])
