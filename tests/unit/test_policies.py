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

import fixtures
from oslo_config import cfg
from oslo_context import context
from oslo_policy import policy as oslo_policy
import testtools

from glance_deactivate import opts
from glance_deactivate import policies

IMAGE = {'id': 'i1', 'owner': 'p1', 'visibility': 'private',
         'status': 'active'}


def ctx(project='p1', roles=('member', 'reader'), is_admin=False, **kw):
    return context.RequestContext(project_id=project, roles=list(roles),
                                  is_admin=is_admin, **kw)


class TestPolicies(testtools.TestCase):

    def setUp(self):
        super(TestPolicies, self).setUp()
        self.conf = cfg.ConfigOpts()
        opts.register_opts(self.conf)
        self.conf([])
        self.policy = policies.Policy(self.conf)

    def with_rules(self, rules):
        enforcer = oslo_policy.Enforcer(self.conf)
        enforcer.register_defaults(policies.list_rules())
        enforcer.set_rules(oslo_policy.Rules.from_dict(rules), overwrite=False,
                           use_conf=False)
        return policies.Policy(self.conf, enforcer=enforcer)

    def test_names_are_prefixed_and_documented(self):
        for rule in policies.list_rules():
            self.assertTrue(rule.name.startswith('image_deactivation:'))
            self.assertTrue(rule.description)
        names = {r.name for r in policies.list_rules()}
        self.assertNotIn('deactivate', names)
        self.assertNotIn('reactivate', names)

    def test_deactivate_defaults_mirror_glance(self):
        allows = self.policy.allows
        self.assertTrue(allows(policies.DEACTIVATE, ctx(), IMAGE))
        self.assertFalse(allows(policies.DEACTIVATE, ctx(roles=('reader',)),
                                IMAGE))
        self.assertFalse(allows(policies.DEACTIVATE, ctx(project='p2'),
                                IMAGE))
        self.assertTrue(allows(policies.DEACTIVATE,
                               ctx(project='p2', roles=('admin',)), IMAGE))
        self.assertTrue(allows(policies.REACTIVATE, ctx(), IMAGE))

    def test_data_and_locations_default_to_admin(self):
        for rule in (policies.DOWNLOAD_DEACTIVATED,
                     policies.GET_DEACTIVATED_LOCATIONS):
            self.assertFalse(self.policy.allows(rule, ctx(), IMAGE))
            self.assertTrue(self.policy.allows(rule, ctx(roles=('admin',)),
                                               IMAGE))

    def test_host_admin_without_roles_is_admin(self):
        # Glance's unauthenticated ("noauth") context: is_admin, no roles.
        noauth = context.RequestContext(is_admin=True, roles=[])
        self.assertTrue(self.policy.allows(policies.DOWNLOAD_DEACTIVATED,
                                           noauth, IMAGE))
        self.assertTrue(self.policy.allows(policies.DEACTIVATE, noauth,
                                           IMAGE))

    def test_anonymous_is_refused(self):
        self.assertFalse(self.policy.allows(policies.DEACTIVATE, None,
                                            IMAGE))

    def test_a_misspelt_rule_name_fails_loudly(self):
        self.assertRaises(oslo_policy.PolicyNotRegistered, self.policy.allows,
                          'image_deactivation:deactivte', ctx(),
                          {'owner': 'p1'})

    def test_system_scope_token_is_a_refusal_not_an_error(self):
        system = ctx(project=None, roles=('admin',), system_scope='all')
        self.assertFalse(self.policy.allows(policies.DEACTIVATE, system,
                                            IMAGE))

    def test_operator_rules_override_defaults(self):
        policy = self.with_rules({
            policies.DOWNLOAD_DEACTIVATED: 'project_id:%(project_id)s'})
        self.assertTrue(policy.allows(policies.DOWNLOAD_DEACTIVATED, ctx(),
                                      IMAGE))
        self.assertFalse(policy.allows(policies.DOWNLOAD_DEACTIVATED,
                                       ctx(project='p2'), IMAGE))

    def test_policy_file_option(self):
        path = self.useFixture(fixtures.TempDir()).path + '/p.yaml'
        with open(path, 'w') as f:
            f.write('"image_deactivation:deactivate": "!"\n')
        self.conf.set_override('policy_file', path, group=opts.GROUP)
        policy = policies.Policy(self.conf)
        self.assertFalse(policy.allows(policies.DEACTIVATE,
                                       ctx(roles=('admin',)), IMAGE))

    def test_get_enforcer_entry_point(self):
        enforcer = policies.get_enforcer()
        self.assertIn(policies.DEACTIVATE, enforcer.registered_rules)


class TestHold(testtools.TestCase):
    """The reactivate rule's target carries ``held``."""

    def setUp(self):
        super(TestHold, self).setUp()
        self.conf = cfg.ConfigOpts()
        opts.register_opts(self.conf)
        self.conf([])
        self.policy = policies.Policy(self.conf)

    def test_owner_may_reactivate_only_what_is_not_held(self):
        allows = self.policy.allows
        self.assertTrue(allows(policies.REACTIVATE, ctx(), IMAGE))
        self.assertTrue(allows(policies.REACTIVATE, ctx(), IMAGE,
                               held=False))
        self.assertFalse(allows(policies.REACTIVATE, ctx(), IMAGE,
                                held=True))
        self.assertFalse(allows(policies.REACTIVATE, ctx(project='p2'),
                                IMAGE, held=False))
        for admin in (ctx(project='p2', roles=('admin',)),
                      context.RequestContext(is_admin=True, roles=[])):
            self.assertTrue(allows(policies.REACTIVATE, admin, IMAGE,
                                   held=True))
        # The hold does not touch deactivation.
        self.assertTrue(allows(policies.DEACTIVATE, ctx(), IMAGE,
                               held=True))

    def test_target_without_held_matches_nothing(self):
        target = policies.image_target(IMAGE)
        self.assertIs(False, target['held'])
        del target['held']
        self.assertFalse(self.policy.enforcer.authorize(
            policies.REACTIVATE, target, policies.credentials(ctx())))

    def test_one_policy_line_restores_glance(self):
        path = self.useFixture(fixtures.TempDir()).path + '/policy.yaml'
        with open(path, 'w') as f:
            f.write('"image_deactivation:reactivate": "%s"\n'
                    % policies.GLANCE_REACTIVATE)
        self.conf.set_override('policy_file', path, group=opts.GROUP)
        policy = policies.Policy(self.conf)
        self.assertTrue(policy.allows(policies.REACTIVATE, ctx(), IMAGE,
                                      held=True))
        self.assertFalse(policy.allows(policies.REACTIVATE,
                                       ctx(project='p2'), IMAGE, held=True))
        self.assertEqual('rule:image_deactivation:admin or (role:member and '
                         'project_id:%(project_id)s)',
                         policies.GLANCE_REACTIVATE)

    def test_who_is_an_admin(self):
        self.assertTrue(self.policy.is_admin(ctx(roles=('admin',))))
        self.assertTrue(self.policy.is_admin(
            context.RequestContext(is_admin=True, roles=[])))
        self.assertFalse(self.policy.is_admin(ctx()))
        self.assertFalse(self.policy.is_admin(None))
