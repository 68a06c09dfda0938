"""ScriptedChatCompletionClient: scripted replies, streaming, usage, recording, specs."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from retinue import CancellationToken, CancelledError, ConfigurationError, ModelClientError
from retinue.components import load_component
from retinue.models import CreateResult, FunctionCall, RequestUsage, SystemMessage, UserMessage
from retinue.testing import ScriptedChatCompletionClient, ScriptExhaustedError, isolated_registry
from retinue.tools import FunctionTool

HI = [UserMessage(content="Say hello to the world")]


def add(a: int, b: int) -> int:
    return a + b


async def test_replies_in_order_text_calls_and_results() -> None:
    call = FunctionCall(id="c1", name="add", arguments='{"a": 1, "b": 2}')
    full = CreateResult(finish_reason="length", content="cut", usage=RequestUsage(prompt_tokens=7))
    client = ScriptedChatCompletionClient(["hello", [call], full])
    first = await client.create(HI)
    assert (first.content, first.finish_reason) == ("hello", "stop")
    second = await client.create(HI)
    assert second.finish_reason == "function_calls"
    assert second.content == [call]
    third = await client.create(HI)
    assert third.finish_reason == "length"
    assert third.usage.prompt_tokens == 7


async def test_running_out_raises_a_clear_error_or_cycles() -> None:
    client = ScriptedChatCompletionClient(["only"])
    await client.create(HI)
    with pytest.raises(ScriptExhaustedError, match=r"no reply left for call 2.*cycle=True"):
        await client.create(HI)
    assert isinstance(ScriptExhaustedError("x"), ModelClientError)
    cycling = ScriptedChatCompletionClient(["a", "b"], cycle=True)
    assert [(await cycling.create(HI)).content for _ in range(3)] == ["a", "b", "a"]


async def test_stream_splits_text_into_chunks_then_one_result() -> None:
    client = ScriptedChatCompletionClient(["Hello big world", ["He", "llo"]])
    items = [item async for item in client.create_stream(HI)]
    assert items[:-1] == ["Hello ", "big ", "world"]
    assert isinstance(items[-1], CreateResult)
    assert items[-1].content == "Hello big world"
    scripted = [item async for item in client.create_stream(HI)]
    assert scripted[:-1] == ["He", "llo"]
    assert scripted[-1].content == "Hello"
    assert client.requests[-1].stream is True


async def test_records_every_request() -> None:
    client = ScriptedChatCompletionClient(["ok"])

    class Answer(BaseModel):
        text: str

    tool = FunctionTool(add, description="Add.")
    await client.create(
        HI,
        tools=[tool],
        tool_choice="required",
        json_output=Answer,
        extra_create_args={"temperature": 0},
    )
    request = client.requests[0]
    assert request.messages == HI
    assert request.tools == [tool.schema]
    assert request.tool_choice == "required"
    assert request.json_output is Answer
    assert request.extra_create_args == {"temperature": 0}


async def test_usage_is_estimated_and_summed() -> None:
    client = ScriptedChatCompletionClient(["one two", "three"])
    await client.create(HI)
    first = client.actual_usage()
    assert first.prompt_tokens == client.count_tokens(HI) > 0
    assert first.completion_tokens == 2
    await client.create(HI)
    assert client.total_usage().completion_tokens == 3
    assert client.total_usage().prompt_tokens == 2 * first.prompt_tokens


def test_token_counting_includes_tools_and_the_window() -> None:
    client = ScriptedChatCompletionClient([], model_info={**_INFO, "context_window": 100})
    tool = FunctionTool(add, description="Add.")
    assert client.count_tokens(HI, tools=[tool]) > client.count_tokens(HI)
    assert client.remaining_tokens(HI) == 100 - client.count_tokens(HI)


_INFO = {"vision": False, "function_calling": False, "json_output": False, "family": "unknown"}


async def test_model_info_limits_are_enforced() -> None:
    client = ScriptedChatCompletionClient(["x", "y"], model_info=_INFO)
    assert client.model_info["function_calling"] is False
    with pytest.raises(ModelClientError, match="function_calling=False"):
        await client.create(HI, tools=[FunctionTool(add, description="Add.")])
    with pytest.raises(ModelClientError, match="json_output=False"):
        await client.create(HI, json_output=True)
    assert (await client.create(HI)).content == "x"


def test_bad_script_and_model_info_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="scripted reply 1 is an empty list"):
        ScriptedChatCompletionClient(["a", []])
    with pytest.raises(ConfigurationError, match=r"(?s)invalid script.*replies\[0\]"):
        ScriptedChatCompletionClient([42])  # type: ignore[list-item]
    with pytest.raises(
        ConfigurationError, match="model_info is missing function_calling, json_output, family"
    ):
        ScriptedChatCompletionClient(["a"], model_info={"vision": True})  # type: ignore[typeddict-item]


async def test_cancelled_token_stops_the_call() -> None:
    token = CancellationToken()
    token.cancel()
    client = ScriptedChatCompletionClient(["a"])
    with pytest.raises(CancelledError):
        await client.create(HI, cancellation_token=token)
    assert client.calls_left == 1


async def test_round_trips_as_a_component() -> None:
    call = FunctionCall(id="c1", name="add", arguments="{}")
    client = ScriptedChatCompletionClient(["hi", [call], ["a", "b"]], cycle=True)
    spec = client.dump_component()
    assert spec.provider == "scripted"
    loaded = load_component(spec, ScriptedChatCompletionClient, registry=isolated_registry())
    assert loaded.replies == client.replies
    assert [(await loaded.create([SystemMessage(content="x")])).content for _ in range(4)] == [
        "hi",
        [call],
        "ab",
        "hi",
    ]


async def test_fixtures_give_an_isolated_registry_and_a_client(
    retinue_registry: object, scripted_client: ScriptedChatCompletionClient
) -> None:
    assert (await scripted_client.create(HI)).content == "hello"
    assert (await scripted_client.create(HI)).content == "hello"
    assert "scripted" in retinue_registry.names("model_client")  # type: ignore[attr-defined]
    scripted_client.reset()
    assert scripted_client.requests == []
