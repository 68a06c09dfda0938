"""A termination condition that stops a run when a chat message mentions a keyword."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel
from retinue import ConfigurationError, TerminatedError
from retinue.chat import BaseAgentEvent, BaseChatMessage, StopMessage, TerminationCondition

__all__ = ["{{ cookiecutter.__class_prefix }}KeywordTermination", "{{ cookiecutter.__class_prefix }}KeywordTerminationConfig"]


class {{ cookiecutter.__class_prefix }}KeywordTerminationConfig(BaseModel):
    """Configuration of :class:`{{ cookiecutter.__class_prefix }}KeywordTermination`."""

    keyword: str = "DONE"


class {{ cookiecutter.__class_prefix }}KeywordTermination(TerminationCondition):
    """Fires when a chat message (not an event) contains ``keyword``."""

    component_provider = "{{ cookiecutter.plugin_name }}"
    component_config_schema = {{ cookiecutter.__class_prefix }}KeywordTerminationConfig

    def __init__(self, keyword: str = "DONE") -> None:
        if not keyword:
            raise ConfigurationError("keyword must not be empty; pass e.g. keyword='DONE'")
        self._keyword = keyword
        self._terminated = False

    @property
    def terminated(self) -> bool:
        return self._terminated

    async def __call__(
        self, messages: Sequence[BaseAgentEvent | BaseChatMessage]
    ) -> StopMessage | None:
        if self._terminated:
            raise TerminatedError("termination condition already fired; call reset() first")
        for message in messages:
            if isinstance(message, BaseChatMessage) and self._keyword in message.to_text():
                self._terminated = True
                return StopMessage(
                    content=f"Keyword {self._keyword!r} mentioned by {message.source}",
                    source=type(self).__name__,
                )
        return None

    async def reset(self) -> None:
        self._terminated = False

    def _to_config(self) -> {{ cookiecutter.__class_prefix }}KeywordTerminationConfig:
        return {{ cookiecutter.__class_prefix }}KeywordTerminationConfig(keyword=self._keyword)

    @classmethod
    def _from_config(
        cls, config: {{ cookiecutter.__class_prefix }}KeywordTerminationConfig
    ) -> {{ cookiecutter.__class_prefix }}KeywordTermination:
        return cls(keyword=config.keyword)
