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

"""Unit tests of glance_deactivate.reason: the body of an action."""

import io
import json

import testtools
import webob

from glance_deactivate import reason

JSON = 'application/json'


def post(body, content_type=JSON, chunked=False):
    req = webob.Request.blank('/v2/images/x/actions/deactivate',
                              method='POST')
    if content_type is not None:
        req.content_type = content_type
    if chunked:
        req.environ['wsgi.input'] = io.BytesIO(body)
        req.environ['HTTP_TRANSFER_ENCODING'] = 'chunked'
        req.environ['wsgi.input_terminated'] = True
        req.environ.pop('CONTENT_LENGTH', None)
    else:
        req.body = body
    return req


class ReasonTest(testtools.TestCase):

    def assertRefused(self, message, body, **kwargs):
        exc = self.assertRaises(reason.BadBody, reason.read,
                                post(body, **kwargs))
        self.assertEqual(message, str(exc))

    def test_no_body_no_reason(self):
        req = webob.Request.blank('/', method='POST')
        self.assertIsNone(reason.read(req))
        req.content_type = JSON
        self.assertIsNone(reason.read(req))

    def test_a_reason_is_read_and_trimmed(self):
        self.assertEqual('CVE-2026-0001', reason.read(post(
            b'{"reason": "  CVE-2026-0001\\n "}')))
        self.assertEqual('x', reason.read(post(
            b'{"reason": "x"}', content_type='Application/JSON; '
            'charset=UTF-8')))
        self.assertEqual('x', reason.read(post(b'{"reason": "x"}',
                                               chunked=True)))

    def test_any_unicode_up_to_255_characters(self):
        for text in ('\u00e9' * 255, '\U0001f512' * 255, '\u4e2d\u6587',
                     'a\u200bb'):
            body = json.dumps({'reason': text}).encode('utf-8')
            self.assertEqual(text, reason.read(post(body)))
            raw = json.dumps({'reason': text},
                             ensure_ascii=False).encode('utf-8')
            self.assertEqual(text, reason.read(post(raw)))

    def test_other_bodies_get_glances_answer(self):
        for body in (b'{}', b'{"x": 1}', b'garbage', b'[]', b'"reason"',
                     b'[{"reason": "x"}]', b'null', b'{"Reason": "x"}',
                     b'\xff\xfe{\x00}\x00', b'{"reason": "x"',
                     b'\xef\xbb\xbf{"reason": "x"}',
                     json.dumps({'reason': 'x'}).encode('utf-16'),
                     b'{"reason": "x"} {"reason": "y"}',
                     b'[' * 100000 + b']' * 100000,
                     b'{"reason": "x", "pad": "%s"}' % (b' ' * 70000)):
            self.assertRefused(reason.MSG_BODY, body)

    def test_every_rule_is_named(self):
        self.assertRefused(reason.MSG_CONTENT_TYPE, b'{"reason": "x"}',
                           content_type='text/plain')
        self.assertRefused(reason.MSG_CONTENT_TYPE, b'{"reason": "x"}',
                           content_type=None)
        self.assertRefused(reason.MSG_CONTENT_TYPE, b'{"reason": "x"}',
                           content_type='application/x-www-form-urlencoded')
        self.assertRefused(reason.MSG_OTHER_KEYS,
                           b'{"reason": "x", "hold": false}')
        self.assertRefused(reason.MSG_OTHER_KEYS,
                           b'{"reason": "x", "reason": "y"}')
        for value in (b'1', b'null', b'["x"]', b'{"x": 1}', b'true',
                      b'NaN'):
            self.assertRefused(reason.MSG_NOT_STRING,
                               b'{"reason": %s}' % value)
        for value in (b'""', b'"   "', b'"\\n\\t "', b'"\\u3000"'):
            self.assertRefused(reason.MSG_EMPTY, b'{"reason": %s}' % value)
        self.assertRefused(reason.MSG_TOO_LONG, json.dumps(
            {'reason': 'x' * 256}).encode())
        self.assertRefused(reason.MSG_TOO_LONG, json.dumps(
            {'reason': '\U0001f512' * 256}).encode())
        for value in (b'"a\\u0000b"', b'"a\\nb"', b'"a\\tb"',
                      b'"a\\u001bb"', b'"a\\ud800b"', b'"\\udfff"',
                      b'"a\\u0085b"'):
            self.assertRefused(reason.MSG_NOT_TEXT, b'{"reason": %s}' % value)

    def test_one_line_read_in_order(self):
        # Red team: U+2028/U+2029 are line breaks (str.splitlines, many
        # log and table viewers), and bidirectional controls reorder what
        # an operator reads in a table or a log line (an event could be
        # made to read as another image's or another caller's).
        for value in (b'"a\u2028b"', b'"a\u2029b"', b'"a\u202eb"',
                      b'"a\u202ab"', b'"a\u2066b"', b'"a\u2069b"'):
            self.assertRefused(reason.MSG_NOT_TEXT, b'{"reason": %s}' % value)
        # Other format characters (emoji sequences, right-to-left marks)
        # stay text.
        for text in ('\U0001f469\u200d\U0001f4bb',
                     '\u05e9\u05dc\u05d5\u05dd\u200f 1'):
            self.assertEqual(text, reason.read(post(json.dumps(
                {'reason': text}).encode())))

    def test_messages_name_the_rule(self):
        self.assertIn('application/json', reason.MSG_CONTENT_TYPE)
        self.assertIn('255', reason.MSG_TOO_LONG)
        self.assertIn('one key: reason', reason.MSG_OTHER_KEYS)
        self.assertEqual('A body is not expected with this request.',
                         reason.MSG_BODY)
