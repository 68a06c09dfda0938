"""{{ cookiecutter.description }}

Public names are imported on first access: retinue imports this package when it
discovers ``plugin.py``, and discovery must stay cheap.
"""
{%- set P = cookiecutter.__class_prefix %}
{%- set names = cookiecutter.kind | exported_names(P) %}

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "{{ cookiecutter.version }}"

# public name -> module that defines it
__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
{%- for module, name in names %}
        "{{ name }}": ".{{ module }}",
{%- endfor %}
    },
)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
{%- for module, name in names %}
    from .{{ module }} import {{ name }} as {{ name }}
{%- endfor %}
