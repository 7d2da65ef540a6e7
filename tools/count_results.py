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

"""Print ``N passed, M failed, K skipped`` for stestr's subunit streams.

Usage: ``python tools/count_results.py .stestr/0 .stestr/1 ...``

stestr's own summary is not the plain one-line form CI reads, so ``.ci/run``
counts the streams of every run it made (unit and functional) with this.
Exit status 1 when any test failed or no test ran.
"""

import sys

import subunit
import testtools


class _Collector(testtools.TestResult):
    """Final outcome per test id."""

    def __init__(self):
        super(_Collector, self).__init__()
        self.outcomes = {}

    def _set(self, test, outcome):
        self.outcomes[test.id()] = outcome

    def addSuccess(self, test, details=None):
        self._set(test, 'passed')

    def addExpectedFailure(self, test, err=None, details=None):
        self._set(test, 'passed')

    def addSkip(self, test, reason=None, details=None):
        self._set(test, 'skipped')

    def addFailure(self, test, err=None, details=None):
        self._set(test, 'failed')

    def addError(self, test, err=None, details=None):
        self._set(test, 'failed')

    def addUnexpectedSuccess(self, test, details=None):
        self._set(test, 'failed')


def count(paths):
    """(passed, failed, skipped, failed ids) over stestr's v1 streams."""
    collector = _Collector()
    for path in paths:
        with open(path, 'rb') as stream:
            subunit.ProtocolTestCase(stream).run(collector)
    outcomes = collector.outcomes
    failures = sorted(t for t, o in outcomes.items() if o == 'failed')
    passed = sum(1 for o in outcomes.values() if o == 'passed')
    skipped = sum(1 for o in outcomes.values() if o == 'skipped')
    return passed, len(failures), skipped, failures


def main(argv):
    passed, failed, skipped, failures = count(argv[1:])
    for test_id in failures:
        print('FAILED: %s' % test_id)
    print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
