"""``ModelContextConformance``: what every chat completion context must do.

A plugin that provides a model context (kind ``model_context``) subclasses the suite
and provides a ``model_context`` fixture, a fresh context::

    from retinue.testing import ModelContextConformance

    class TestMyContext(ModelContextConformance):
        @pytest.fixture
        def model_context(self):
            return MyContext(window=4)

The suite adds ``conversation`` (a user turn, a tool call with its result, an
answer and a second user turn) to the context one message at a time.  Override
``conversation`` when the context needs other messages to show something; the
last one must be a message the model has to see (the turn it answers).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .._errors import RetinueError
from ..chat import ChatCompletionContext
from ..components import load_component
from ..models import (
    AssistantMessage,
    FunctionCall,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    LLMMessage,
    SystemMessage,
    UserMessage,
)
from ._suites_common import ConformanceBase, missing_fixture

__all__ = ["ModelContextConformance"]

_MESSAGE_TYPES = (SystemMessage, UserMessage, AssistantMessage, FunctionExecutionResultMessage)


def _unpaired_call_ids(view: list[LLMMessage]) -> tuple[list[str], list[str]]:
    """Call ids of results no earlier message asked for, and of calls no later result
    answers (a call in the newest message is still being run, so it counts as answered)."""
    asked: dict[str, int] = {}
    answered: set[str] = set()
    orphans: list[str] = []
    for position, message in enumerate(view):
        if isinstance(message, AssistantMessage) and isinstance(message.content, list):
            asked.update((call.id, position) for call in message.content)
        elif isinstance(message, FunctionExecutionResultMessage):
            for result in message.content:
                answered.add(result.call_id)
                if result.call_id not in asked:
                    orphans.append(result.call_id)
    last = len(view) - 1
    dangling = [id_ for id_, at in asked.items() if id_ not in answered and at != last]
    return orphans, dangling


class ModelContextConformance(ConformanceBase):
    """Checks a :class:`~retinue.chat.ChatCompletionContext`: the view it gives the model,
    ``clear``, state and specs."""

    @pytest.fixture
    def model_context(self) -> ChatCompletionContext:
        return missing_fixture(  # type: ignore[no-any-return]
            "ModelContextConformance", "model_context", "a fresh model context"
        )

    @pytest.fixture
    def conversation(self) -> list[LLMMessage]:
        """The messages the suite adds, oldest first; the last is the turn to answer."""
        call = FunctionCall(id="call-1", name="lookup", arguments='{"city": "Paris"}')
        return [
            UserMessage(content="What is the weather in Paris?", source="user"),
            AssistantMessage(content=[call], source="assistant"),
            FunctionExecutionResultMessage(
                content=[FunctionExecutionResult(content="sunny", name="lookup", call_id="call-1")]
            ),
            AssistantMessage(content="It is sunny in Paris.", source="assistant"),
            UserMessage(content="And tomorrow?", source="user"),
        ]

    @staticmethod
    async def _fill(context: ChatCompletionContext, messages: list[LLMMessage]) -> None:
        for message in messages:
            await context.add_message(message)

    async def test_the_view_is_a_list_of_messages_ending_with_the_newest(
        self, model_context: ChatCompletionContext, conversation: list[LLMMessage]
    ) -> None:
        await self._fill(model_context, conversation)
        view = await model_context.get_messages()
        assert isinstance(view, list), f"get_messages() must return a list, got {type(view)}"
        wrong = [m for m in view if not isinstance(m, _MESSAGE_TYPES)]
        assert not wrong, f"get_messages() must return LLM messages only, got {wrong!r:.300}"
        assert view and view[-1] == conversation[-1], (
            "the newest message must be the last one the model sees (it is the turn the "
            f"model answers); the view ends with {view[-1:]!r:.300}"
        )

    async def test_tool_calls_and_results_stay_paired(
        self, model_context: ChatCompletionContext, conversation: list[LLMMessage]
    ) -> None:
        # Providers reject a request holding a tool result without its call, or a call
        # without its result, so a view that leaves out one of them must drop both.
        for message in conversation:
            await model_context.add_message(message)
            orphans, dangling = _unpaired_call_ids(await model_context.get_messages())
            assert not orphans, (
                f"the view holds results of calls it does not show (call ids {orphans}); "
                "leave out a tool result together with its call"
            )
            assert not dangling, (
                f"the view holds calls whose results it does not show (call ids {dangling}); "
                "leave out a tool call together with its result"
            )

    async def test_reading_the_view_changes_nothing(
        self, model_context: ChatCompletionContext, conversation: list[LLMMessage]
    ) -> None:
        await self._fill(model_context, conversation)
        first = await model_context.get_messages()
        first.clear()
        second = await model_context.get_messages()
        assert second, "emptying the returned list must not empty the context"
        assert second == await model_context.get_messages(), (
            "two get_messages() calls with nothing added in between must agree"
        )

    async def test_clear_restores_the_fresh_view(
        self, model_context: ChatCompletionContext, conversation: list[LLMMessage]
    ) -> None:
        fresh = await model_context.get_messages()
        await self._fill(model_context, conversation)
        await model_context.clear()
        assert await model_context.get_messages() == fresh, (
            "after clear() the context must show what it showed when it was new"
        )

    async def test_state_round_trips_through_json(
        self,
        model_context: ChatCompletionContext,
        conversation: list[LLMMessage],
        component_registry: Any,
    ) -> None:
        await self._fill(model_context, conversation)
        view = await model_context.get_messages()
        state = json.loads(json.dumps(await model_context.save_state()))
        await model_context.clear()
        await model_context.load_state(state)
        assert await model_context.get_messages() == view, (
            "load_state(save_state()) must restore the same view"
        )
        twin = load_component(
            model_context.dump_component(), ChatCompletionContext, registry=component_registry
        )
        await twin.load_state(state)
        assert await twin.get_messages() == view, (
            "a context built from the same spec must show the same view after load_state()"
        )

    @pytest.mark.parametrize("state", [["not", "a", "mapping"], {"messages": [{"type": "?"}]}])
    async def test_a_malformed_state_is_refused_and_changes_nothing(
        self, model_context: ChatCompletionContext, conversation: list[LLMMessage], state: Any
    ) -> None:
        await self._fill(model_context, conversation)
        view = await model_context.get_messages()
        with pytest.raises(RetinueError):
            await model_context.load_state(state)
        assert await model_context.get_messages() == view, (
            "a refused load_state() must leave the context as it was"
        )

    def test_dump_and_load_round_trip(
        self, model_context: ChatCompletionContext, component_registry: Any
    ) -> None:
        spec = model_context.dump_component()
        assert spec.kind == "model_context", f"kind must be 'model_context', got {spec.kind!r}"
        loaded = load_component(spec, ChatCompletionContext, registry=component_registry)
        assert type(loaded) is type(model_context)
        assert loaded.dump_component() == spec, "dump(load(dump(x))) must equal dump(x)"
