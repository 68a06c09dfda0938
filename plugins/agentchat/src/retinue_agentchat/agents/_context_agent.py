"""The base of agents that keep their conversation in a model context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retinue.cancellation import CancellationToken
from retinue.chat import BaseChatMessage, ChatCompletionContext, HandoffMessage
from retinue.components import ComponentModel, load_component

from ._base_chat_agent import BaseChatAgent

__all__ = ["ModelContextAgent", "load_model_context"]


class ModelContextAgent(BaseChatAgent):
    """A :class:`BaseChatAgent` whose conversation lives in a ``ChatCompletionContext``.

    Without a ``model_context`` it keeps everything (``UnboundedChatCompletionContext``).
    ``on_reset`` clears the context; the state holds it under ``llm_context``.
    """

    def __init__(
        self, name: str, description: str, model_context: ChatCompletionContext | None
    ) -> None:
        super().__init__(name, description)
        if model_context is None:
            from retinue.chat import UnboundedChatCompletionContext

            model_context = UnboundedChatCompletionContext()
        self._model_context = model_context

    @property
    def model_context(self) -> ChatCompletionContext:
        """The model context holding this agent's conversation."""
        return self._model_context

    async def _add_to_context(self, messages: Sequence[BaseChatMessage]) -> None:
        """Add new messages to the context; a handoff brings its earlier context first."""
        for message in messages:
            if isinstance(message, HandoffMessage):
                for context_message in message.context:
                    await self._model_context.add_message(context_message)
            await self._model_context.add_message(message.to_model_message())

    async def _state_with_context(self, state_type: str, **extra: Any) -> dict[str, Any]:
        """A saved state of ``state_type``: ``extra`` entries, then the context's state."""
        return {
            "type": state_type,
            "version": "1.0.0",
            **extra,
            "llm_context": dict(await self._model_context.save_state()),
        }

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        await self._model_context.clear()


def load_model_context(spec: ComponentModel | None) -> ChatCompletionContext | None:
    """The model context a spec's ``model_context`` field describes, or None without one."""
    return load_component(spec, ChatCompletionContext) if spec is not None else None
