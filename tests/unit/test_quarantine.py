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

"""Hashes as clients give them, and matching images to live quarantines."""

import datetime
import hashlib

import testtools

from glance_deactivate import quarantine

DATA = b'bad image bytes'
SHA512 = hashlib.sha512(DATA).hexdigest()
MD5 = hashlib.md5(DATA).hexdigest()
NOW = datetime.datetime(2026, 12, 4, tzinfo=datetime.timezone.utc)


def image(image_id='i1', algo='sha512', value=SHA512, checksum=MD5,
          status='active'):
    return {'id': image_id, 'os_hash_algo': algo, 'os_hash_value': value,
            'checksum': checksum, 'status': status}


def held(qid, **content):
    return quarantine.Quarantine(qid, quarantine.check_content(**content),
                                 'reason', NOW)


class CheckContentTest(testtools.TestCase):

    def test_multihash_is_normalised_to_lower_case(self):
        content = quarantine.check_content('SHA512', SHA512.upper())
        self.assertEqual(('sha512', SHA512, None), tuple(content))

    def test_checksum_alone(self):
        self.assertEqual((None, None, MD5),
                         tuple(quarantine.check_content(checksum=MD5)))

    def test_refusals_have_messages(self):
        cases = [
            ({}, "Provide 'image_id'"),
            ({'os_hash_algo': 'sha512'}, 'must be given together'),
            ({'os_hash_value': SHA512}, 'must be given together'),
            ({'os_hash_algo': 'crc32', 'os_hash_value': 'ab'},
             "Unknown hash algorithm 'crc32'"),
            ({'os_hash_algo': 'shake_128', 'os_hash_value': 'ab'},
             "Unknown hash algorithm 'shake_128'"),
            ({'os_hash_algo': 'sha512', 'os_hash_value': 'zz' * 64},
             "'os_hash_value' must be hexadecimal"),
            ({'os_hash_algo': 'sha256', 'os_hash_value': SHA512},
             "'os_hash_value' for sha256 must be 64 hexadecimal digits "
             "long, not 128"),
            ({'checksum': MD5[:-1]}, 'must be 32 hexadecimal digits'),
            ({'checksum': 5}, "'checksum' must be a string"),
            ({'os_hash_algo': 1, 'os_hash_value': SHA512},
             "'os_hash_algo' must be a string"),
        ]
        for kwargs, message in cases:
            error = self.assertRaises(quarantine.BadContent,
                                      quarantine.check_content, **kwargs)
            self.assertIn(message, str(error), kwargs)

    def test_body_naming_an_image_or_a_hash(self):
        self.assertIsNone(quarantine.content_from_body({'image_id': 'x'}))
        self.assertEqual(MD5, quarantine.content_from_body(
            {'checksum': MD5}).checksum)
        error = self.assertRaises(
            quarantine.BadContent, quarantine.content_from_body,
            {'image_id': 'x', 'checksum': MD5})
        self.assertIn('not both', str(error))

    def test_content_of_an_image(self):
        self.assertEqual(('sha512', SHA512, MD5),
                         tuple(quarantine.content_of_image(image())))
        legacy = image(algo=None, value=None)
        self.assertEqual((None, None, MD5),
                         tuple(quarantine.content_of_image(legacy)))

    def test_an_image_without_hash_is_refused(self):
        queued = image(algo=None, value=None, checksum=None,
                       status='queued')
        error = self.assertRaises(quarantine.BadContent,
                                  quarantine.content_of_image, queued)
        self.assertEqual("Image i1 has no data hash yet (status 'queued'): "
                         "its content cannot be quarantined.", str(error))


class LiveQuarantinesTest(testtools.TestCase):

    def test_none_live_matches_nothing(self):
        self.assertFalse(quarantine.NONE_LIVE)
        self.assertIsNone(quarantine.NONE_LIVE.match(image()))

    def test_match_by_multihash_needs_the_same_algorithm(self):
        live = quarantine.LiveQuarantines(
            [held('q1', os_hash_algo='sha512', os_hash_value=SHA512)])
        self.assertEqual('q1', live.match(image(checksum=None)).id)
        self.assertEqual('q1', live.match(image(value=SHA512.upper())).id)
        self.assertIsNone(live.match(image(algo='sha256', checksum=None)))
        self.assertIsNone(live.match(image(value='0' * 128)))

    def test_match_by_checksum_catches_a_legacy_image(self):
        live = quarantine.LiveQuarantines([held('q1', checksum=MD5)])
        self.assertEqual('q1', live.match(image(algo=None, value=None)).id)
        self.assertIsNone(live.match(image(checksum='0' * 32)))

    def test_lifted_quarantines_are_not_live(self):
        lifted = held('q1', checksum=MD5)._replace(lifted_at=NOW)
        live = quarantine.LiveQuarantines([lifted])
        self.assertFalse(live)
        self.assertIsNone(live.match(image()))

    def test_an_image_held_by_two_matches_both_oldest_first(self):
        # No two live quarantines share a hash, but one by checksum and one
        # by multihash may hold the same image.
        older = held('q-old', checksum=MD5)
        newer = held('q-new', os_hash_algo='sha512',
                     os_hash_value=SHA512)._replace(
            created_at=NOW + datetime.timedelta(seconds=1))
        live = quarantine.LiveQuarantines([newer, older])
        self.assertEqual(['q-old', 'q-new'],
                         [q.id for q in live.matching(image())])
        self.assertEqual('q-old', live.match(image()).id)
        self.assertEqual(['q-new'], [q.id for q in live.matching(
            image(checksum='0' * 32))])
        self.assertEqual([], live.matching(image(value=None,
                                                 checksum=None)))
        self.assertEqual([], quarantine.NONE_LIVE.matching(image()))

    def test_oldest_quarantine_wins_and_filters_are_distinct(self):
        older = held('q-old', os_hash_algo='sha512', os_hash_value=SHA512,
                     checksum=MD5)
        newer = held('q-new', checksum=MD5)._replace(
            created_at=NOW + datetime.timedelta(seconds=1))
        live = quarantine.LiveQuarantines([newer, older])
        self.assertEqual('q-old', live.match(image(value=None)).id)
        self.assertEqual([('checksum', MD5), ('os_hash_value', SHA512)],
                         live.filters())
        self.assertEqual({'i1': older}, live.matched_ids(
            [image(), image('i2', value='0' * 128, checksum=None)]))
