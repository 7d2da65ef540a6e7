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


"""The glance-deactivate benchmark, run as ``python -m bench`` from tools/.

``catalogue`` the Glance servers and their image catalogues;
``workloads`` what one round measures on one server;
``load``      the HTTP load generator, downloads and process memory;
``lookup``    the state store look-up benchmark (SQLite and PostgreSQL);
``existence`` the timing of invisible images (``--existence``);
``stats``     medians, confidence intervals, spreads and ratios;
``summary``   the result tables and the target verdicts;
``report``    the machine description, CPU accounting, table layout.
"""
