"""UserProxyAgent: sync and async input, handoffs back, cancellation, input errors."""

from __future__ import annotations

import asyncio
import json

import pytest
from retinue import CancellationToken, CancelledError, ConfigurationError, load_component
from retinue.chat import HandoffMessage, TextMessage, UserInputRequestedEvent
from retinue_agentchat import UserProxyAgent
from retinue_agentchat.agents import UserInputError


async def test_sync_input_function_answers() -> None:
    prompts: list[str] = []

    def answer(prompt: str) -> str:
        prompts.append(prompt)
        return "yes please"

    agent = UserProxyAgent("human", input_func=answer)

    result = await agent.run(task="Shall I go on?")

    event, reply = result.messages[1], result.messages[2]
    assert isinstance(event, UserInputRequestedEvent) and event.source == "human"
    assert isinstance(reply, TextMessage) and reply.content == "yes please"
    assert prompts == ["Enter your response: "]


async def test_async_input_function_gets_the_token_and_the_request_id() -> None:
    seen: list[tuple[str, CancellationToken | None, str]] = []

    async def answer(prompt: str, token: CancellationToken | None) -> str:
        seen.append((prompt, token, UserProxyAgent.InputRequestContext.request_id()))
        return "async answer"

    agent = UserProxyAgent("human", input_func=answer)
    token = CancellationToken()

    stream = [item async for item in agent.on_messages_stream([], token)]

    event = stream[0]
    assert isinstance(event, UserInputRequestedEvent)
    assert seen == [("Enter your response: ", token, event.request_id)]
    assert stream[-1].chat_message.content == "async answer"


async def test_an_object_with_an_async_call_is_awaited_with_the_token() -> None:
    class Desk:
        """An input source that answers asynchronously."""

        async def __call__(self, prompt: str, token: CancellationToken | None) -> str:
            assert isinstance(token, CancellationToken)
            return f"desk answers {prompt!r}"

    agent = UserProxyAgent("human", input_func=Desk())

    result = await agent.run(task="Ready?")

    assert result.messages[-1].content == "desk answers 'Enter your response: '"


async def test_sync_input_function_sees_the_request_id() -> None:
    ids: list[str] = []

    def answer(prompt: str) -> str:
        ids.append(UserProxyAgent.InputRequestContext.request_id())
        return "ok"

    agent = UserProxyAgent("human", input_func=answer)
    result = await agent.run(task="go")

    assert ids == [result.messages[1].request_id]


def test_request_id_outside_an_input_function_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="outside an input function"):
        UserProxyAgent.InputRequestContext.request_id()


async def test_handoff_to_the_user_is_answered_with_a_handoff_back() -> None:
    agent = UserProxyAgent("user", input_func=lambda prompt: f"answer to: {prompt}")
    handoff = HandoffMessage(content="need input", target="user", source="planner")

    response = await agent.on_messages([handoff], CancellationToken())

    reply = response.chat_message
    assert isinstance(reply, HandoffMessage)
    assert reply.target == "planner" and reply.source == "user"
    assert reply.content == "answer to: Handoff received from planner. Enter your response: "


async def test_handoff_to_someone_else_is_refused() -> None:
    agent = UserProxyAgent("user", input_func=lambda prompt: "x")
    handoff = HandoffMessage(content="for bob", target="bob", source="planner")

    with pytest.raises(ConfigurationError, match="addressed to 'bob'"):
        await agent.on_messages([handoff], CancellationToken())


async def test_cancellation_stops_waiting_for_async_input() -> None:
    started = asyncio.Event()

    async def wait_forever(prompt: str, token: CancellationToken | None) -> str:
        started.set()
        await asyncio.Event().wait()
        return "never"

    agent = UserProxyAgent("human", input_func=wait_forever)
    token = CancellationToken()
    run = asyncio.ensure_future(agent.run(task="hi", cancellation_token=token))
    await started.wait()
    token.cancel()

    with pytest.raises(CancelledError, match="cancelled"):
        await run
    # still usable afterwards
    agent2 = UserProxyAgent("human", input_func=lambda p: "back")
    assert (await agent2.run(task="again")).messages[-1].content == "back"


async def test_cancellation_stops_waiting_for_sync_input() -> None:
    release = asyncio.Event()
    loop = asyncio.get_running_loop()
    asked = asyncio.Event()

    def blocking(prompt: str) -> str:
        loop.call_soon_threadsafe(asked.set)
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result()
        return "late"

    agent = UserProxyAgent("human", input_func=blocking)
    token = CancellationToken()
    run = asyncio.ensure_future(agent.run(task="hi", cancellation_token=token))
    await asked.wait()
    token.cancel()

    with pytest.raises(CancelledError):
        await run
    release.set()


async def test_failing_input_function_is_reported() -> None:
    def broken(prompt: str) -> str:
        raise EOFError("stdin closed")

    agent = UserProxyAgent("human", input_func=broken)

    with pytest.raises(UserInputError, match="EOFError: stdin closed"):
        await agent.run(task="hi")


async def test_non_string_input_is_reported() -> None:
    agent = UserProxyAgent("human", input_func=lambda p: 42)  # type: ignore[arg-type,return-value]

    with pytest.raises(UserInputError, match="must return a string, got int"):
        await agent.run(task="hi")


def test_bad_constructor_arguments() -> None:
    with pytest.raises(ConfigurationError, match="input_func must be a function"):
        UserProxyAgent("human", input_func="stdin")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="not a valid identifier"):
        UserProxyAgent("a human")


async def test_spec_and_state_round_trip() -> None:
    agent = UserProxyAgent("human", description="The product owner")

    loaded = load_component(agent.dump_component().model_dump(), UserProxyAgent)
    state = json.loads(json.dumps(await agent.save_state()))
    await loaded.load_state(state)

    assert loaded.name == "human" and loaded.description == "The product owner"
    assert loaded.produced_message_types == [TextMessage, HandoffMessage]
