"""Hook implementations of {{ cookiecutter.__distribution }}: registration only.

This module is imported when retinue discovers plugins, so it imports nothing
heavy: targets are ``"module:attr"`` strings, imported on first use.
"""

from __future__ import annotations

from retinue import hookimpl
from retinue.hookspecs import Register

_PACKAGE = "{{ cookiecutter.__package }}"
{%- set P = cookiecutter.__class_prefix %}
{%- set providers = cookiecutter.kind | registered_providers(P) %}


@hookimpl
def {{ cookiecutter.kind | provider_hook }}(register: Register) -> None:
{%- for module, class_name, kind in providers %}
    register(
        "{{ cookiecutter.plugin_name }}",
        f"{_PACKAGE}.{{ module }}:{{ class_name }}",
        aliases=["{{ class_name }}"],
        description="{{ cookiecutter.description }}",
{%- if kind %}
        kind="{{ kind }}",
{%- endif %}
    )
{%- endfor %}
