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

"""Sphinx configuration for glance-deactivate's documentation."""

project = 'glance-deactivate'
copyright = '2026, The glance-deactivate Authors'
extensions = [
    'sphinx.ext.autodoc',
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
    'os_api_ref',
]
master_doc = 'index'
exclude_patterns = ['_build']
html_theme = 'alabaster'
autodoc_member_order = 'bysource'
# Wide enough for a 79-column code line (tests/unit/test_docs.py has the
# arithmetic and checks every literal block); wrap.css wraps, rather than
# clips, long lines on narrower screens.
html_theme_options = {
    'page_width': '1140px',
    'sidebar_width': '220px',
}
html_static_path = ['_static']
html_css_files = ['wrap.css', 'api-ref.css']
