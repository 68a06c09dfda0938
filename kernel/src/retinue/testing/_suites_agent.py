"""``AgentConformance``: what every chat agent must do.

Subclass the suite and provide an ``agent`` fixture: a fresh agent that answers a
simple text message (for a model-backed agent, give it a scripted client that
answers every call)::

    class TestMyAgent(AgentConformance):
        @pytest.fixture
        def agent(self):
            return MyAgent("helper", ScriptedChatCompletionClient(["hi"], cycle=True))

Override ``task`` when the agent needs a particular message to answer (e.g. a
fenced code block for a code-running agent).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .._errors import RetinueError
from ..cancellation import CancellationToken
from ..chat import BaseAgentEvent, BaseChatMessage, ChatAgent, Response, TaskResult, TextMessage
from ..components import load_component
from ._suites_common import ConformanceBase, missing_fixture

__all__ = ["AgentConformance"]


class AgentConformance(ConformanceBase):
    """Checks a :class:`~retinue.chat.ChatAgent`: naming, replies, runs, reset, state, specs."""

    @pytest.fixture
    def agent(self) -> ChatAgent:
        return missing_fixture(  # type: ignore[no-any-return]
            "AgentConformance", "agent", "a fresh agent that answers a simple text message"
        )

    @pytest.fixture
    def task(self) -> str:
        """The text the agent is asked to answer."""
        return "Say hello."

    def test_name_is_an_identifier(self, agent: ChatAgent) -> None:
        assert isinstance(agent.name, str) and agent.name.isidentifier(), (
            f"agent names must be Python identifiers (teams build tool names from them), "
            f"got {agent.name!r}"
        )
        assert isinstance(agent.description, str), "description must be a string"

    def test_produced_message_types_are_chat_messages(self, agent: ChatAgent) -> None:
        types = list(agent.produced_message_types)
        assert types, "produced_message_types must name at least one message class"
        wrong = [t for t in types if not (isinstance(t, type) and issubclass(t, BaseChatMessage))]
        assert not wrong, f"produced_message_types must be BaseChatMessage classes, got {wrong}"

    async def test_on_messages_returns_a_response_with_a_chat_message(
        self, agent: ChatAgent, task: str
    ) -> None:
        message = TextMessage(content=task, source="user")
        response = await agent.on_messages([message], CancellationToken())
        assert isinstance(response, Response), (
            f"on_messages must return a Response, got {type(response).__name__}"
        )
        assert isinstance(response.chat_message, BaseChatMessage), (
            "Response.chat_message must be a chat message, got "
            f"{type(response.chat_message).__name__}"
        )
        assert response.chat_message.source == agent.name, (
            f"the reply's source must be the agent's name {agent.name!r}, "
            f"got {response.chat_message.source!r}"
        )
        assert isinstance(response.chat_message, tuple(agent.produced_message_types)), (
            f"{type(response.chat_message).__name__} is not among produced_message_types "
            f"{[t.__name__ for t in agent.produced_message_types]}"
        )

    async def test_on_messages_stream_ends_with_a_response(
        self, agent: ChatAgent, task: str
    ) -> None:
        message = TextMessage(content=task, source="user")
        items = [item async for item in agent.on_messages_stream([message], CancellationToken())]
        assert items, "on_messages_stream yielded nothing; it must end with a Response"
        assert isinstance(items[-1], Response), (
            f"on_messages_stream must end with a Response, got {type(items[-1]).__name__}"
        )
        responses = [item for item in items if isinstance(item, Response)]
        assert len(responses) == 1, (
            f"on_messages_stream must yield exactly one Response, got {len(responses)}"
        )
        wrong = [
            type(item).__name__
            for item in items[:-1]
            if not isinstance(item, (BaseAgentEvent, BaseChatMessage))
        ]
        assert not wrong, (
            f"before the Response only messages and events may be yielded, got {wrong}"
        )

    async def test_run_returns_a_task_result(self, agent: ChatAgent, task: str) -> None:
        result = await agent.run(task=task)
        assert isinstance(result, TaskResult), (
            f"run must return a TaskResult, got {type(result).__name__}"
        )
        assert result.messages, "the TaskResult must hold the task and the reply"
        first, last = result.messages[0], result.messages[-1]
        assert (
            isinstance(first, TextMessage) and first.content == task and first.source == "user"
        ), "a string task must come first in the result as TextMessage(source='user')"
        assert isinstance(last, BaseChatMessage) and last.source == agent.name, (
            "the agent's reply must be the last message of the result"
        )

    async def test_run_stream_yields_messages_then_the_task_result(
        self, agent: ChatAgent, task: str
    ) -> None:
        items = [item async for item in agent.run_stream(task=task)]
        assert isinstance(items[-1], TaskResult), (
            f"run_stream must end with a TaskResult, got {type(items[-1]).__name__}"
        )
        assert not any(isinstance(item, TaskResult) for item in items[:-1]), (
            "run_stream must yield exactly one TaskResult, at the end"
        )
        assert not any(isinstance(item, Response) for item in items), (
            "run_stream yields chat messages, never Response objects"
        )

    async def test_run_without_task_messages(self, agent: ChatAgent, task: str) -> None:
        result = await agent.run(task=task, output_task_messages=False)
        assert all(getattr(m, "source", None) != "user" for m in result.messages), (
            "with output_task_messages=False the task must not appear in the result"
        )

    async def test_reset_then_answer_again(self, agent: ChatAgent, task: str) -> None:
        fresh = json.loads(json.dumps(await agent.save_state()))
        await agent.run(task=task)
        await agent.on_reset(CancellationToken())
        assert json.loads(json.dumps(await agent.save_state())) == fresh, (
            "after on_reset the agent's state must be what it was when the agent was new"
        )
        result = await agent.run(task=task)
        assert isinstance(result.messages[-1], BaseChatMessage), (
            "the agent must answer after on_reset"
        )

    async def test_state_survives_json_and_loads_back(self, agent: ChatAgent, task: str) -> None:
        await agent.run(task=task)
        state = await agent.save_state()
        try:
            text = json.dumps(state)
        except (TypeError, ValueError) as exc:
            pytest.fail(f"save_state() must return JSON-serializable data: {exc}", pytrace=False)
        # Loaded into a reset agent, so a load_state that does nothing is caught.
        await agent.on_reset(CancellationToken())
        await agent.load_state(json.loads(text))
        assert json.loads(json.dumps(await agent.save_state())) == json.loads(text), (
            "save_state() after load_state(state) must give the same state"
        )

    async def test_bad_state_is_refused_clearly(self, agent: ChatAgent, task: str) -> None:
        with pytest.raises(RetinueError) as caught:
            await agent.load_state("not a state")  # type: ignore[arg-type]
        assert agent.name in str(caught.value), "the error must name the agent"
        result = await agent.run(task=task)
        assert isinstance(result.messages[-1], BaseChatMessage), (
            "the agent must keep working after a refused state"
        )

    def test_dump_and_load_round_trip(self, agent: ChatAgent, component_registry: Any) -> None:
        spec = agent.dump_component()
        assert spec.kind == "agent", f"kind must be 'agent', got {spec.kind!r}"
        loaded = load_component(
            json.loads(spec.model_dump_json()), ChatAgent, registry=component_registry
        )
        assert type(loaded) is type(agent), f"loading gave {type(loaded).__name__}"
        assert loaded.name == agent.name
        assert loaded.dump_component() == spec, "dump(load(dump(x))) must equal dump(x)"

    def test_bad_name_in_spec_is_refused(self, agent: ChatAgent, component_registry: Any) -> None:
        spec = agent.dump_component()
        config = dict(spec.config, name="not an identifier")
        with pytest.raises(RetinueError, match="identifier"):
            load_component(
                spec.model_copy(update={"config": config}), ChatAgent, registry=component_registry
            )
