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


"""How Glance picks the pipeline it runs from its paste file.

Part of the pipeline check (:mod:`glance_deactivate.pipeline_check`, whose
docstring is the operator manual).  Glance loads one application from its
paste file: ``glance-api`` followed by ``-FLAVOR`` when ``[paste_deploy]
flavor`` is set (``glance/common/config.py``, ``load_paste_app`` and
``_get_deployment_flavor``).  :func:`running` follows that name as paste
does, through ``urlmap``-style composites (their ``/v2`` entry, else
``/``), to a classic ``[pipeline:NAME]`` section or to the flavor key of a
``pipeline_factory`` composite (``glance/api/__init__.py``; ``default``
when no flavor is set), and says how it got there or why it could not.
"""

from glance_deactivate import pipeline_paste


# The application Glance loads: this name, plus '-FLAVOR' when
# [paste_deploy] flavor is set (glance/common/config.py load_paste_app).
DEFAULT_APP = 'glance-api'
# glance.api:pipeline_factory's key when no flavor is set.
DEFAULT_FLAVOR_KEY = 'default'
_MAX_APP_HOPS = 10


def _app_section(parser, name):
    for kind in pipeline_paste.APP_KINDS:
        section = '%s:%s' % (kind, name)
        if parser.has_section(section):
            return kind, section
    return None, None


def running(parser, app_name, flavor):
    """Follow Glance's look-up of ``app_name`` to a pipeline.

    :returns: ((section, key) of the pipeline, route, error); the first is
        None when no pipeline is reached, with ``error`` saying why.
    """
    route = []
    name = app_name
    for _hop in range(_MAX_APP_HOPS):
        kind, section = _app_section(parser, name)
        if section is None:
            return None, tuple(route), (
                'no section defines %s (%s): glance-api would not start'
                % (name, 'the application Glance loads' if name == app_name
                   else 'named by %s' % route[-1]))
        local = pipeline_paste.local_conf(parser, section)
        if kind == 'pipeline':
            route.append('[%s]' % section)
            return (section, 'pipeline'), tuple(route), None
        if (kind in ('composite', 'composit')
                and pipeline_paste.is_pipeline_factory(local)):
            key = flavor or DEFAULT_FLAVOR_KEY
            route.append('[%s] %s' % (section, key))
            if key not in local:
                return None, tuple(route), (
                    '[%s] has no "%s" pipeline (pipeline_factory takes the '
                    'flavor as key): glance-api would not start'
                    % (section, key))
            return (section, key), tuple(route), None
        if (kind in ('composite', 'composit')
                and pipeline_paste.is_urlmap(local)):
            path = '/v2' if '/v2' in local else '/'
            if path not in local:
                return None, tuple(route + ['[%s]' % section]), (
                    '[%s] maps neither /v2 nor /' % section)
            route.append('[%s] %s ->' % (section, path))
            name = local[path].strip()
            continue
        route.append('[%s]' % section)
        return None, tuple(route), (
            '%s runs no pipeline the check can follow ([%s])'
            % (app_name, section))
    return None, tuple(route), 'too many hops from %s' % app_name


def app_name_for(flavor, app=DEFAULT_APP):
    """The application Glance loads for ``flavor`` (load_paste_app)."""
    return app + ('-' + flavor if flavor else '')


def defines_app(parser, app):
    """Whether any section defines ``app`` or one of its flavors."""
    for section in parser.sections():
        kind, sep, name = section.partition(':')
        name = name.strip()
        if (sep and kind.strip() in pipeline_paste.APP_KINDS
                and (name == app or name.startswith(app + '-'))):
            return True
    return False
