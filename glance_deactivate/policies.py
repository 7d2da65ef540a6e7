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

"""Policy rules of glance-deactivate, enforced with oslo.policy.

Every rule name starts with ``image_deactivation:`` so that it cannot
collide with the host's own rules in a shared policy file (Glance since
Kilo owns rules named plainly ``deactivate`` and ``reactivate``).

================================================  =========================
Rule                                              Default
================================================  =========================
``image_deactivation:admin``                      ``role:admin or
                                                  is_admin:True``
``image_deactivation:deactivate``                 admin, or a member of the
                                                  image's owning project
``image_deactivation:reactivate``                 admin, or a member of the
                                                  image's owning project
                                                  when the image is not
                                                  held
``image_deactivation:download_deactivated``       admin
``image_deactivation:get_deactivated_locations``  admin
================================================  =========================

The read API (``glance_deactivate.records_api``) has two rules of its own:

================================================  =========================
Rule                                              Default
================================================  =========================
``image_deactivation:get_deactivation``           admin
``image_deactivation:list_deactivations``         admin
================================================  =========================

``get_deactivation`` is checked against the image as above, so an operator
may widen it to the owning project with one rule in ``policy.yaml``::

    "image_deactivation:get_deactivation": >-
        rule:image_deactivation:admin or
        (role:reader and project_id:%(project_id)s)

``list_deactivations`` is checked against a target whose ``owner`` and
``project_id`` are the request's ``owner`` filter (None without one), so a
rule ending in ``project_id:%(project_id)s`` lets a project list the
records of the images it owns, and only with ``?owner=<its id>``.

Content quarantine (``glance_deactivate.quarantines_api``) has four:

================================================  =========================
Rule                                              Default
================================================  =========================
``image_deactivation:quarantine``                 admin
``image_deactivation:lift_quarantine``            admin
``image_deactivation:get_quarantine``             admin
``image_deactivation:list_quarantines``           admin
================================================  =========================

``quarantine`` is checked against the image a quarantine is made from
(after the image service showed it to the caller: an image the caller
cannot see is its 404 first), or against an empty target for a
quarantine by hash.  ``get_quarantine`` and ``lift_quarantine`` are
checked against the quarantine (``id``, and the ``project_id`` and
``user_id`` of its creator); a caller they refuse gets the same 404 as
for a quarantine that does not exist.  ``list_quarantines`` has an empty
target; a caller it refuses gets a 403.  A quarantine deactivates images
of every project, so widen these rules with care.

``is_admin:True`` matches a caller the host already treats as an
administrator (Glance's ``context_is_admin`` rule, or its unauthenticated
"noauth" pipeline).  The target of every check carries the image's
``id``, ``owner`` (also as ``project_id``), ``visibility`` and ``status``,
and ``held``.

The hold
--------
A deactivation made by an administrator (a caller that passes
``image_deactivation:admin``) *holds* the image: the target's ``held`` is
true while that deactivation stands, and the default reactivate rule lets
only an administrator lift it; a member of the owning project may
reactivate only an image that is not held.  A reactivation refused for
that reason only (the rule would allow it if the image were not held) is
answered 403 ``This image was deactivated by an operator and is held: only
an administrator can reactivate it.`` and recorded in the image's history
as ``refused``.  This is the one intended difference from Glance, whose
owners can lift an operator's deactivation.  One rule in the policy file
restores Glance's behaviour (one line; YAML folds the quoted string)::

    "image_deactivation:reactivate": "rule:image_deactivation:admin or
        (role:member and project_id:%(project_id)s)"

The rules are read from the operator's policy file (``[oslo_policy]
policy_file`` unless ``[image_deactivation] policy_file`` names another),
which oslo.policy re-reads when it changes.  Generate a sample with::

    oslopolicy-sample-generator --namespace glance_deactivate
"""

from oslo_config import cfg
from oslo_policy import policy

from glance_deactivate import opts

PREFIX = 'image_deactivation:'
ADMIN = PREFIX + 'admin'
DEACTIVATE = PREFIX + 'deactivate'
REACTIVATE = PREFIX + 'reactivate'
DOWNLOAD_DEACTIVATED = PREFIX + 'download_deactivated'
GET_DEACTIVATED_LOCATIONS = PREFIX + 'get_deactivated_locations'

ADMIN_CHECK = 'rule:%s' % ADMIN
ADMIN_OR_PROJECT_MEMBER = (
    '%s or (role:member and project_id:%%(project_id)s)' % ADMIN_CHECK)
# oslo.policy compares a literal on the left with the target's value
# (its GenericCheck: "True:%(user.enabled)s"); a target without "held"
# matches nothing.
ADMIN_OR_PROJECT_MEMBER_UNLESS_HELD = (
    '%s or (role:member and project_id:%%(project_id)s and '
    'False:%%(held)s)' % ADMIN_CHECK)
# The reactivate rule of Glance itself (no hold), for operators who want it.
GLANCE_REACTIVATE = ADMIN_OR_PROJECT_MEMBER

rules = [
    policy.RuleDefault(
        name=ADMIN,
        check_str='role:admin or is_admin:True',
        description='Who counts as an administrator for the other '
                    'image_deactivation rules. is_admin:True matches a '
                    'caller the image service itself treats as admin.'),
    policy.DocumentedRuleDefault(
        name=DEACTIVATE,
        check_str=ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Deactivate an image: its data can no longer be '
                    'downloaded except by those allowed by %s.'
                    % DOWNLOAD_DEACTIVATED,
        operations=[{'path': '/v2/images/{image_id}/actions/deactivate',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=REACTIVATE,
        check_str=ADMIN_OR_PROJECT_MEMBER_UNLESS_HELD,
        scope_types=['project'],
        description='Reactivate a deactivated image. The target\'s held '
                    'is true when an administrator deactivated it: by '
                    'default only an administrator may then reactivate it. '
                    'Glance\'s own behaviour (the owning project may lift '
                    'any deactivation) is "%s".' % GLANCE_REACTIVATE,
        operations=[{'path': '/v2/images/{image_id}/actions/reactivate',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=DOWNLOAD_DEACTIVATED,
        check_str=ADMIN_CHECK,
        scope_types=['project'],
        description='Download the data of a deactivated image.',
        operations=[{'path': '/v2/images/{image_id}/file',
                     'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=GET_DEACTIVATED_LOCATIONS,
        check_str=ADMIN_CHECK,
        scope_types=['project'],
        description='See the locations and direct_url of a deactivated '
                    'image. Others get an empty locations list and no '
                    'direct_url.',
        operations=[{'path': '/v2/images/{image_id}', 'method': 'GET'},
                    {'path': '/v2/images', 'method': 'GET'},
                    {'path': '/v2/images/{image_id}/locations',
                     'method': 'GET'}]),
]

# The read API: one image's record and history, and the list of records.
GET_DEACTIVATION = PREFIX + 'get_deactivation'
LIST_DEACTIVATIONS = PREFIX + 'list_deactivations'

rules.extend([
    policy.DocumentedRuleDefault(
        name=GET_DEACTIVATION,
        check_str=ADMIN_CHECK,
        scope_types=['project'],
        description='Read whether an image is deactivated, since when, by '
                    'whom, why, whether it is held, and its deactivation '
                    'history. The target is the image (owner, '
                    'project_id, visibility, ...): "rule:%s or '
                    '(role:reader and project_id:%%(project_id)s)" opens '
                    'it to the owning project. An image the caller cannot '
                    'see is a 404 whatever this rule says.' % ADMIN,
        operations=[{'path': '/v2/images/{image_id}/deactivation',
                     'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=LIST_DEACTIVATIONS,
        check_str=ADMIN_CHECK,
        scope_types=['project'],
        description='List the deactivated images with their records. The '
                    'target\'s owner and project_id are the owner filter '
                    'of the request (None without one).',
        operations=[{'path': '/v2/deactivations', 'method': 'GET'}]),
])


# Content quarantine: make, lift, read one, list.
QUARANTINE = PREFIX + 'quarantine'
LIFT_QUARANTINE = PREFIX + 'lift_quarantine'
GET_QUARANTINE = PREFIX + 'get_quarantine'
LIST_QUARANTINES = PREFIX + 'list_quarantines'

rules.extend([
    policy.DocumentedRuleDefault(
        name=QUARANTINE,
        check_str=ADMIN_CHECK,
        scope_types=['project'],
        description='Quarantine a content: every image whose data has the '
                    'hash given, or the hash of the image named, in any '
                    'project, now or later, is deactivated while the '
                    'quarantine is live. Made from an image, the target is '
                    'that image (checked after the image service shows it '
                    'to the caller); made from a hash, the target is '
                    'empty.',
        operations=[{'path': '/v2/quarantines', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=LIFT_QUARANTINE,
        check_str=ADMIN_CHECK,
        scope_types=['project'],
        description='Lift a quarantine: the images it held are reactivated '
                    'unless deactivated on their own. The target is the '
                    'quarantine (id, and project_id and user_id of its '
                    'creator); a caller refused gets the 404 of a missing '
                    'quarantine.',
        operations=[{'path': '/v2/quarantines/{quarantine_id}/actions/lift',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=GET_QUARANTINE,
        check_str=ADMIN_CHECK,
        scope_types=['project'],
        description='Read one quarantine and the images it matches (those '
                    'the caller can see). The target is the quarantine; a '
                    'caller refused gets the 404 of a missing quarantine.',
        operations=[{'path': '/v2/quarantines/{quarantine_id}',
                     'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=LIST_QUARANTINES,
        check_str=ADMIN_CHECK,
        scope_types=['project'],
        description='List the quarantines, live and lifted. The target is '
                    'empty.',
        operations=[{'path': '/v2/quarantines', 'method': 'GET'}]),
])


def list_rules():
    """The ``oslo.policy.policies`` entry point."""
    return rules


def quarantine_target(quarantine):
    """The policy target for a quarantine (a ``quarantine.Quarantine``)."""
    return {
        'id': quarantine.id,
        'quarantine_id': quarantine.id,
        'project_id': quarantine.project_id,
        'user_id': quarantine.user_id,
    }


def image_target(image, held=False):
    """The policy target for an image, from its API representation.

    :param held: whether the image's current deactivation holds it.
    """
    return {
        'id': image.get('id'),
        'image_id': image.get('id'),
        'owner': image.get('owner'),
        'project_id': image.get('owner'),
        'visibility': image.get('visibility'),
        'status': image.get('status'),
        'held': bool(held),
    }


def credentials(context):
    """oslo.policy credentials for a request context (None: anonymous).

    ``is_admin`` is the host context's own flag (Glance's noauth context
    sets it for everyone), which ``to_policy_values`` leaves out.

    Values that are None are left out: oslo.policy compares
    ``project_id:%(project_id)s`` as strings, so a caller without a project
    would match a target without an owner (``'None' == 'None'``); a
    missing credential matches nothing.
    """
    if context is None:
        return {'roles': [], 'is_admin': False}
    creds = {key: value for key, value in context.to_policy_values().items()
             if value is not None}
    creds['is_admin'] = bool(getattr(context, 'is_admin', False))
    return creds


class Policy(object):
    """The enforcer and the one question this package asks of it."""

    def __init__(self, conf, enforcer=None):
        if enforcer is None:
            enforcer = policy.Enforcer(
                conf, policy_file=conf[opts.GROUP].policy_file or None)
            enforcer.register_defaults(list_rules())
        self.enforcer = enforcer

    def allows(self, rule: str, context, image: dict,
               held: bool = False) -> bool:
        """True when ``rule`` allows the caller to act on ``image``.

        ``authorize``: a rule name that is not registered raises
        ``PolicyNotRegistered`` (a typo fails loudly, never closed in
        silence).  A token of the wrong scope (a system-scoped token on
        these project-scoped rules) is a refusal like any other.

        :param held: the target's ``held`` (see "The hold" above).
        """
        return bool(self.enforcer.authorize(
            rule, image_target(image, held), credentials(context)))

    def allows_target(self, rule: str, context, target: dict) -> bool:
        """True when ``rule`` allows the caller on ``target`` (a dict).

        As :meth:`allows`, for targets that are not images (a quarantine,
        see :func:`quarantine_target`; ``{}`` for a collection).
        """
        return bool(self.enforcer.authorize(
            rule, dict(target), credentials(context)))

    def is_admin(self, context) -> bool:
        """True when the caller passes ``image_deactivation:admin``.

        A deactivation by such a caller holds the image.
        """
        return bool(self.enforcer.authorize(ADMIN, {}, credentials(context)))


def get_enforcer():
    """The ``oslo.policy.enforcer`` entry point for oslopolicy-* tools."""
    conf = cfg.ConfigOpts()
    opts.register_opts(conf)
    conf([], project='glance')
    return Policy(conf).enforcer
