"""A tool that counts the words of a text: replace ``run`` with your own work."""

from __future__ import annotations

from pydantic import BaseModel, Field
from retinue import CancellationToken
from retinue.tools import BaseTool

__all__ = ["{{ cookiecutter.__class_prefix }}WordCountTool", "WordCountArgs", "WordCountConfig"]


class WordCountArgs(BaseModel):
    """The arguments the model passes."""

    text: str = Field(description="the text whose words to count")


class WordCountConfig(BaseModel):
    """Configuration of :class:`{{ cookiecutter.__class_prefix }}WordCountTool`."""

    name: str = "{{ cookiecutter.plugin_name | replace('-', '_') }}_word_count"


class {{ cookiecutter.__class_prefix }}WordCountTool(BaseTool[WordCountArgs, int]):
    """Counts the whitespace-separated words of ``text``."""

    component_provider = "{{ cookiecutter.plugin_name }}"
    component_config_schema = WordCountConfig

    def __init__(self, name: str = WordCountConfig().name) -> None:
        super().__init__(WordCountArgs, int, name, "Count the words in a text.")

    async def run(self, args: WordCountArgs, cancellation_token: CancellationToken) -> int:
        return len(args.text.split())

    def _to_config(self) -> WordCountConfig:
        return WordCountConfig(name=self.name)

    @classmethod
    def _from_config(cls, config: WordCountConfig) -> {{ cookiecutter.__class_prefix }}WordCountTool:
        return cls(name=config.name)
