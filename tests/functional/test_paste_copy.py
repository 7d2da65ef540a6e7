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

"""The unit tests' copy of Glance's paste file is the one Glance ships.

tests/unit/data/glance-api-paste.ini lets the pipeline check be unit
tested without Glance installed; here, where glance==33.0.0 is, it is
compared with the real file, and the sample in etc/ is checked.
"""

import importlib.metadata
import io
import os
import sys

import testtools

from glance_deactivate import pipeline_check

HERE = os.path.dirname(__file__)
DATA_COPY = os.path.join(HERE, '..', 'unit', 'data', 'glance-api-paste.ini')
SAMPLE = os.path.join(HERE, '..', '..', 'etc', 'glance-api-paste.ini.sample')
INSTALLED = os.path.join(sys.prefix, 'etc', 'glance', 'glance-api-paste.ini')
COPY_HEADER_LINES = 5


def _read(path):
    with open(path, encoding='utf-8') as paste_file:
        return paste_file.read()


class TestShippedPasteFile(testtools.TestCase):

    def test_data_copy_matches_installed_glance(self):
        self.assertEqual('33.0.0', importlib.metadata.version('glance'))
        copy = _read(DATA_COPY).split('\n', COPY_HEADER_LINES)[-1]
        self.assertEqual(_read(INSTALLED), copy)

    def test_sample_paste_file_passes_the_strict_check(self):
        out = io.StringIO()
        self.assertEqual(0, pipeline_check.run(SAMPLE, out, strict=True),
                         out.getvalue())
