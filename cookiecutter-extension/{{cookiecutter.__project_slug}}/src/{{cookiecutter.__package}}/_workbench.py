"""A workbench that offers this plugin's tools together."""

from __future__ import annotations

from pydantic import BaseModel
from retinue.tools import StaticWorkbench

from ._tool import {{ cookiecutter.__class_prefix }}WordCountTool

__all__ = ["{{ cookiecutter.__class_prefix }}Workbench", "{{ cookiecutter.__class_prefix }}WorkbenchConfig"]


class {{ cookiecutter.__class_prefix }}WorkbenchConfig(BaseModel):
    """Configuration of :class:`{{ cookiecutter.__class_prefix }}Workbench` (nothing to set yet)."""


class {{ cookiecutter.__class_prefix }}Workbench(StaticWorkbench):
    """Every tool of this plugin behind one workbench."""

    component_provider = "{{ cookiecutter.plugin_name }}"
    component_config_schema = {{ cookiecutter.__class_prefix }}WorkbenchConfig

    def __init__(self) -> None:
        super().__init__([{{ cookiecutter.__class_prefix }}WordCountTool()])

    def _to_config(self) -> {{ cookiecutter.__class_prefix }}WorkbenchConfig:
        return {{ cookiecutter.__class_prefix }}WorkbenchConfig()

    @classmethod
    def _from_config(
        cls, config: {{ cookiecutter.__class_prefix }}WorkbenchConfig
    ) -> {{ cookiecutter.__class_prefix }}Workbench:
        return cls()
