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

"""The caller's identity, taken only from what the auth layer vouched for.

In order of preference:

1. The request context the host's own context middleware attached to the
   request (Glance's ``context`` and ``unauthenticated-context`` filters set
   ``req.context``, which webob keeps in
   ``environ['webob.adhoc_attrs']['context']``).  The filter then sees the
   caller exactly as the image service does, ``is_admin`` included.
2. keystonemiddleware's headers, read by oslo.context, but only when
   ``X-Identity-Status`` is ``Confirmed``.  ``auth_token`` strips every
   identity header a client sent and sets them from the validated token, so
   ``Confirmed`` is its word; with ``delay_auth_decision`` an invalid or
   missing token arrives marked ``Invalid``.
3. Otherwise the caller is anonymous (``None``): no policy rule allows it
   anything.
"""

from oslo_context import context as oslo_context


def from_environ(environ):
    """The caller's RequestContext, or None when nobody vouched for it."""
    adhoc = environ.get('webob.adhoc_attrs')
    if adhoc:
        host_context = adhoc.get('context')
        if hasattr(host_context, 'to_policy_values'):
            return host_context
    if environ.get('HTTP_X_IDENTITY_STATUS') == 'Confirmed':
        return oslo_context.RequestContext.from_environ(environ)
    return None


def is_vouched(environ):
    """True when the host or the auth layer identified the caller.

    Cheap (no context is built): used to warn once when the filter sits in
    front of the auth layer.
    """
    adhoc = environ.get('webob.adhoc_attrs')
    if adhoc and hasattr(adhoc.get('context'), 'to_policy_values'):
        return True
    return environ.get('HTTP_X_IDENTITY_STATUS') == 'Confirmed'


def describe(context):
    """(user_id, project_id, is_admin) for records and log lines."""
    if context is None:
        return None, None, False
    return (context.user_id, context.project_id,
            bool(getattr(context, 'is_admin', False)))
