"""A model context that always shows the system messages and a window of the newest others.

Replace ``get_messages`` with your own view of the conversation; the kernel's
``ChatCompletionContext`` keeps the complete list, ``clear`` and the saved state.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field
from retinue import ConfigurationError
from retinue.chat import ChatCompletionContext
from retinue.models import FunctionExecutionResultMessage, LLMMessage, SystemMessage

__all__ = ["{{ cookiecutter.__class_prefix }}PinnedSystemContext", "{{ cookiecutter.__class_prefix }}PinnedSystemContextConfig"]


class {{ cookiecutter.__class_prefix }}PinnedSystemContextConfig(BaseModel):
    """Configuration of :class:`{{ cookiecutter.__class_prefix }}PinnedSystemContext`."""

    window: int = Field(default=6, gt=0)
    initial_messages: list[LLMMessage] | None = None


class {{ cookiecutter.__class_prefix }}PinnedSystemContext(ChatCompletionContext):
    """Shows every system message, then the newest ``window`` other messages.

    A tool result at the start of the window is left out: its call fell outside,
    and providers reject a result without its call.
    """

    component_provider = "{{ cookiecutter.plugin_name }}"
    component_config_schema = {{ cookiecutter.__class_prefix }}PinnedSystemContextConfig

    def __init__(
        self, window: int = 6, initial_messages: Sequence[LLMMessage] | None = None
    ) -> None:
        if not isinstance(window, int) or window <= 0:
            raise ConfigurationError(f"window must be a positive integer, got {window!r}")
        super().__init__(initial_messages)
        self._window = window

    async def get_messages(self) -> list[LLMMessage]:
        pinned = [m for m in self._messages if isinstance(m, SystemMessage)]
        recent = [m for m in self._messages if not isinstance(m, SystemMessage)][-self._window :]
        while recent and isinstance(recent[0], FunctionExecutionResultMessage):
            recent = recent[1:]
        return [*pinned, *recent]

    def _to_config(self) -> {{ cookiecutter.__class_prefix }}PinnedSystemContextConfig:
        return {{ cookiecutter.__class_prefix }}PinnedSystemContextConfig(
            window=self._window, initial_messages=self._initial_messages or None
        )

    @classmethod
    def _from_config(
        cls, config: {{ cookiecutter.__class_prefix }}PinnedSystemContextConfig
    ) -> {{ cookiecutter.__class_prefix }}PinnedSystemContext:
        return cls(config.window, config.initial_messages)
