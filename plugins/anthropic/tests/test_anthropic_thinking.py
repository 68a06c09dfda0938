"""Extended thinking with tool use: signed blocks come back unchanged, refusals are visible.

The server validates requests as the Messages API does (see ``AnthropicWireServer``):
a thinking block whose text or signature changed, or a tool-use turn continued
without its thinking, is refused with HTTP 400, so these tests fail on such a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from retinue import ModelResponseError
from retinue.models import (
    AssistantMessage,
    CreateResult,
    FunctionCall,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    ThinkingBlock,
    UserMessage,
)
from retinue.testing.wire import WireServer
from retinue.tools import ToolSchema
from retinue_anthropic import AnthropicChatCompletionClient
from retinue_anthropic.testing import (
    messages_response,
    messages_stream,
    redacted_thinking,
    text,
    thinking,
    tool_use,
    validate_messages_request,
)

MakeClient = Callable[..., AnthropicChatCompletionClient]
THINKING = {"type": "enabled", "budget_tokens": 2048}
WEATHER: ToolSchema = {
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}
QUESTION = UserMessage(content="Weather in Paris?")


def answer(stream: bool, blocks: list[dict[str, Any]], stop_reason: str = "tool_use") -> Any:
    """The reply as the API sends it, whole or as its event stream."""
    return (messages_stream if stream else messages_response)(blocks, stop_reason=stop_reason)


async def call(
    client: AnthropicChatCompletionClient, stream: bool, messages: list[Any], **kwargs: Any
) -> CreateResult:
    if not stream:
        return await client.create(messages, **kwargs)
    items = [item async for item in client.create_stream(messages, **kwargs)]
    assert isinstance(items[-1], CreateResult)
    return items[-1]


def as_context(result: CreateResult) -> list[Any]:
    """What an agent records: the reply (with its thinking blocks) and the tool's result."""
    assert isinstance(result.content, list)
    return [
        QUESTION,
        AssistantMessage(
            content=result.content, thought=result.thought, thinking_blocks=result.thinking_blocks
        ),
        FunctionExecutionResultMessage(
            content=[
                FunctionExecutionResult(content="sunny", name=c.name, call_id=c.id)
                for c in result.content
            ]
        ),
    ]


@pytest.mark.parametrize("stream", [False, True], ids=["create", "create_stream"])
async def test_signed_thinking_goes_back_unchanged_with_the_tool_result(
    wire: WireServer, make_client: MakeClient, stream: bool
) -> None:
    signed = thinking("The user wants Paris weather; call the tool.")
    hidden = redacted_thinking("safety-reasoning")
    call_block = tool_use("get_weather", {"city": "Paris"}, id="toolu_p")
    wire.enqueue(answer(stream, [signed, hidden, text("Let me check."), call_block]))
    wire.enqueue(answer(stream, [thinking("Sunny it is."), text("Sunny.")], "end_turn"))
    client = make_client(thinking=THINKING, max_tokens=8000)

    first = await call(client, stream, [QUESTION], tools=[WEATHER])
    assert first.thinking_blocks == [
        ThinkingBlock(thinking=signed["thinking"], signature=signed["signature"]),
        ThinkingBlock(type="redacted_thinking", data=hidden["data"]),
    ]
    assert first.thought == "The user wants Paris weather; call the tool.\nLet me check."

    second = await call(client, stream, as_context(first), tools=[WEATHER])
    assert second.content == "Sunny." and second.thought == "Sunny it is."
    assert wire.rejections == []
    assistant = wire.requests[1].json["messages"][1]
    assert assistant == {
        "role": "assistant",
        "content": [
            signed,
            hidden,
            {"type": "text", "text": "Let me check."},
            {
                "type": "tool_use",
                "id": "toolu_p",
                "name": "get_weather",
                "input": {"city": "Paris"},
            },
        ],
    }


async def test_a_tool_turn_continued_without_its_thinking_is_refused_like_the_api(
    wire: WireServer, make_client: MakeClient
) -> None:
    # What the client sent before signed blocks were kept: the thought as plain text.
    context = [
        QUESTION,
        AssistantMessage(
            content=[FunctionCall(id="toolu_p", name="get_weather", arguments="{}")],
            thought="I should call the tool.",
        ),
        FunctionExecutionResultMessage(
            content=[
                FunctionExecutionResult(content="sunny", name="get_weather", call_id="toolu_p")
            ]
        ),
    ]
    wire.enqueue(messages_response("never sent"))
    client = make_client(thinking=THINKING, max_tokens=8000)
    with pytest.raises(ModelResponseError, match="Expected `thinking` or `redacted_thinking`"):
        await client.create(context, tools=[WEATHER])
    assert len(wire.rejections) == 1


async def test_an_altered_thinking_block_is_refused_like_the_api(
    wire: WireServer, make_client: MakeClient
) -> None:
    signed = thinking("Call the tool.")
    tampered = ThinkingBlock(thinking="Call the tool!", signature=signed["signature"])
    context = as_context(
        CreateResult(
            finish_reason="function_calls",
            content=[FunctionCall(id="toolu_p", name="get_weather", arguments="{}")],
            thinking_blocks=[tampered],
        )
    )
    client = make_client(thinking=THINKING, max_tokens=8000)
    with pytest.raises(ModelResponseError, match="Invalid `signature` in `thinking` block"):
        await client.create(context, tools=[WEATHER])


async def test_thinking_blocks_are_left_out_when_thinking_is_off(
    wire: WireServer, make_client: MakeClient
) -> None:
    signed = thinking("Call the tool.")
    context = as_context(
        CreateResult(
            finish_reason="function_calls",
            content=[FunctionCall(id="toolu_p", name="get_weather", arguments="{}")],
            thought="Call the tool.\nChecking.",
            thinking_blocks=[
                ThinkingBlock(thinking=signed["thinking"], signature=signed["signature"])
            ],
        )
    )
    wire.enqueue(messages_response("Sunny."))
    await make_client().create(context, tools=[WEATHER])
    assistant = wire.last_request.json["messages"][1]["content"]
    # Only what the model said is sent as text; its thinking is not passed off as speech.
    assert [b["type"] for b in assistant] == ["text", "tool_use"]
    assert assistant[0]["text"] == "Checking."


@pytest.mark.parametrize("stream", [False, True], ids=["create", "create_stream"])
@pytest.mark.parametrize("said", ["", "I can't help with that."], ids=["no-text", "with-text"])
async def test_a_refusal_is_visible_to_the_caller(
    wire: WireServer, make_client: MakeClient, stream: bool, said: str
) -> None:
    # The API stops with stop_reason "refusal", with or without some text.
    wire.enqueue(answer(stream, [text(said)] if said else [], "refusal"))
    result = await call(make_client(), stream, [QUESTION])
    assert result.finish_reason == "content_filter"
    assert result.refusal and result.content == result.refusal
    if said:
        assert result.refusal == said


# -- the validator itself, on bodies the API documents as refused ----------------------


def body(messages: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-5", "max_tokens": 100, "messages": messages, **fields}


def user(*blocks: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def assistant(*blocks: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


RESULT = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}
CALL = tool_use("get_weather", {}, id="toolu_1")


@pytest.mark.parametrize(
    ("request_body", "complaint"),
    [
        ({"messages": [user(text("hi"))], "max_tokens": 5}, "model: Field required"),
        ({"model": "m", "messages": [user(text("hi"))]}, "max_tokens"),
        (body([]), "messages: Field required"),
        (body([assistant(text("hi"))]), "first message"),
        (body([user({"type": "text", "text": " "})]), "non-whitespace"),
        (body([user(text("hi")), assistant(CALL), user(text("x"), RESULT)]), "come first"),
        (body([user(text("hi")), assistant(CALL), user(text("x"))]), "without `tool_result`"),
        (body([user(RESULT)]), "unexpected `tool_use_id`"),
        (body([user(text("hi")), assistant(CALL)]), "without `tool_result`"),
        (body([user(text("hi"))], thinking={"type": "enabled", "budget_tokens": 500}), "1024"),
        (
            body([user(text("hi"))], thinking={"type": "enabled", "budget_tokens": 2000}),
            "max_tokens",
        ),
        (
            body(
                [user(text("hi"))],
                max_tokens=4000,
                thinking=THINKING,
                tools=[{"name": "t", "input_schema": {"type": "object"}}],
                tool_choice={"type": "any"},
            ),
            "forces tool use",
        ),
        (
            body([user(text("hi"))], max_tokens=4000, thinking=THINKING, temperature=0.2),
            "temperature",
        ),
        (
            body([user(text("hi")), assistant({"type": "thinking", "thinking": "x"}, text("y"))]),
            "signature: Field required",
        ),
        (body([user(text("hi"))], tools=[{"name": "bad name", "input_schema": {}}]), "pattern"),
    ],
)
def test_the_validator_refuses_what_the_api_refuses(
    request_body: dict[str, Any], complaint: str
) -> None:
    found = validate_messages_request(request_body)
    assert found is not None and complaint in found


def test_the_validator_accepts_a_valid_tool_loop_with_thinking() -> None:
    valid = body(
        [user(text("hi")), assistant(thinking("plan"), CALL), user(RESULT, text("go on"))],
        max_tokens=4000,
        thinking=THINKING,
        tools=[{"name": "get_weather", "input_schema": {"type": "object"}}],
    )
    assert validate_messages_request(valid) is None
