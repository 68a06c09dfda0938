"""Contracts everyone codes against: message types, cancellation, code blocks, model info."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from typing import Any

import pytest
from pydantic import TypeAdapter
from retinue import CancellationToken, ConfigurationError, SerializationError
from retinue.chat import (
    HandoffMessage,
    MultiModalMessage,
    StopMessage,
    TextMessage,
    ToolCallRequestEvent,
    load_chat_message,
    message_types,
)
from retinue.code import CodeBlock, extract_markdown_code_blocks
from retinue.models import (
    AssistantMessage,
    CreateResult,
    FunctionCall,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    Image,
    LLMMessage,
    ModelFamily,
    RequestUsage,
    SystemMessage,
    ThinkingBlock,
    UserMessage,
    validate_model_info,
)

LLM_MESSAGES = TypeAdapter(list[LLMMessage])


# --- LLM message types --------------------------------------------------------------


def test_llm_messages_round_trip_through_json_by_their_type() -> None:
    image = Image.from_bytes(b"\x89PNG-bytes", "image/png")
    messages: list[Any] = [
        SystemMessage(content="Be brief."),
        UserMessage(content=["Look:", image], source="alice"),
        AssistantMessage(
            content=[FunctionCall(id="c1", name="add", arguments='{"a": 1}')], thought="hmm"
        ),
        FunctionExecutionResultMessage(
            content=[FunctionExecutionResult(content="2", name="add", call_id="c1")]
        ),
    ]
    dumped = LLM_MESSAGES.dump_json(messages)
    assert LLM_MESSAGES.validate_json(dumped) == messages


def test_signed_reasoning_and_provider_data_survive_a_json_round_trip() -> None:
    signed = FunctionCall(
        id="c1", name="add", arguments="{}", provider_data={"google": {"thought_signature": "s"}}
    )
    blocks = [
        ThinkingBlock(thinking="Add them.", signature="sig-1"),
        ThinkingBlock(type="redacted_thinking", data="ENCRYPTED"),
    ]
    message = AssistantMessage(content=[signed], thought="Add them.", thinking_blocks=blocks)
    loaded = LLM_MESSAGES.validate_json(LLM_MESSAGES.dump_json([message]))
    assert loaded == [message]
    assert loaded[0].thinking_blocks[1].data == "ENCRYPTED"
    assert loaded[0].content[0].provider_data == {"google": {"thought_signature": "s"}}
    refused = CreateResult(finish_reason="content_filter", content="No.", refusal="No.")
    assert CreateResult.model_validate_json(refused.model_dump_json()) == refused


def test_unused_new_fields_leave_dumps_in_their_earlier_shape() -> None:
    # States saved before these fields existed, and readers that do not know them,
    # see exactly the keys they always saw.
    call = FunctionCall(id="c1", name="add", arguments="{}")
    assert call.model_dump() == {"id": "c1", "name": "add", "arguments": "{}"}
    message = AssistantMessage(content=[call], thought="hmm")
    assert set(message.model_dump()) == {"content", "thought", "source", "type"}
    result = CreateResult(finish_reason="stop", content="hi")
    assert "refusal" not in result.model_dump() and "thinking_blocks" not in result.model_dump()
    earlier = {"content": "hi", "thought": None, "source": "a", "type": "AssistantMessage"}
    assert AssistantMessage.model_validate(earlier).thinking_blocks is None
    # Schemas still describe every field, for serialization as for validation.
    schema = CreateResult.model_json_schema(mode="serialization")
    assert {"refusal", "thinking_blocks", "content"} <= set(schema["properties"])


def test_an_unknown_llm_message_type_is_rejected() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="SecretMessage"):
        LLM_MESSAGES.validate_python([{"type": "SecretMessage", "content": "x"}])


def test_images_convert_between_bytes_and_data_uris() -> None:
    image = Image.from_bytes(b"abc", "image/jpeg")
    assert image.data_uri == "data:image/jpeg;base64,YWJj"
    assert Image.from_data_uri(image.data_uri) == image
    assert image.to_bytes() == b"abc"


def test_usage_adds_up() -> None:
    total = RequestUsage(prompt_tokens=1, completion_tokens=2) + RequestUsage(
        prompt_tokens=3, completion_tokens=4, cached_prompt_tokens=1
    )
    assert (total.prompt_tokens, total.completion_tokens, total.cached_prompt_tokens) == (4, 6, 1)


def test_create_result_rejects_an_unknown_finish_reason() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="finish_reason"):
        CreateResult(finish_reason="bored", content="x")  # type: ignore[arg-type]


# --- chat messages -------------------------------------------------------------------


def test_chat_messages_dump_and_load_by_type() -> None:
    for message in (
        TextMessage(content="hi", source="user"),
        StopMessage(content="done", source="Max"),
        HandoffMessage(content="over", source="a", target="b", context=[UserMessage(content="x")]),
        MultiModalMessage(content=["see", Image.from_bytes(b"x")], source="user"),
        ToolCallRequestEvent(content=[FunctionCall(id="1", name="f", arguments="{}")], source="a"),
    ):
        loaded = load_chat_message(message.dump())
        assert loaded == message
        assert type(loaded) is type(message)
    assert "TextMessage" in message_types()


def test_chat_messages_render_for_people_and_models() -> None:
    text = TextMessage(content="hello", source="alice")
    assert text.to_text() == "hello"
    assert text.to_model_message() == UserMessage(content="hello", source="alice")
    multi = MultiModalMessage(content=["see", Image.from_bytes(b"x")], source="bob")
    assert multi.to_text() == "see\n<image>"
    assert isinstance(multi.to_model_message().content, list)


def test_loading_an_unknown_chat_message_type_says_what_to_do() -> None:
    with pytest.raises(SerializationError, match="import the module that defines it"):
        load_chat_message({"type": "NoSuchMessage", "source": "x"})
    with pytest.raises(SerializationError, match="unknown chat message type None"):
        load_chat_message({"source": "x"})


# --- cancellation ----------------------------------------------------------------------


def test_cancel_runs_callbacks_once_and_late_callbacks_at_once() -> None:
    token = CancellationToken()
    calls: list[str] = []
    token.add_callback(lambda: calls.append("early"))
    assert not token.is_cancelled()
    token.cancel()
    token.cancel()
    assert calls == ["early"]
    token.add_callback(lambda: calls.append("late"))
    assert calls == ["early", "late"]
    assert token.is_cancelled()


async def test_linked_futures_are_cancelled() -> None:
    token = CancellationToken()
    future = token.link_future(asyncio.ensure_future(asyncio.sleep(60)))
    token.cancel()
    with pytest.raises(asyncio.CancelledError):
        await future


async def test_a_long_lived_token_does_not_keep_finished_work_alive() -> None:
    class Reply:
        pass

    token = CancellationToken()
    loop = asyncio.get_running_loop()
    replies: list[weakref.ref[Reply]] = []
    for _ in range(1000):
        done = token.link_future(loop.create_future())
        reply = Reply()
        replies.append(weakref.ref(reply))
        done.set_result(reply)
        del done, reply
    gc.collect()
    assert sum(ref() is not None for ref in replies) <= 128
    pending = token.link_future(loop.create_future())
    token.cancel()
    assert pending.cancelled()


async def test_cancelling_from_another_thread_reaches_the_loop() -> None:
    token = CancellationToken()
    future = token.link_future(asyncio.ensure_future(asyncio.sleep(60)))
    thread = threading.Thread(target=token.cancel)
    thread.start()
    thread.join()
    with pytest.raises(asyncio.CancelledError):
        await future


# --- code blocks -------------------------------------------------------------------------


def test_code_blocks_are_extracted_in_order_with_languages() -> None:
    text = (
        "First:\n```python\nprint('a')\n```\nthen\n```sh\necho b\n```\n"
        "and a bare one:\n```\nx = 1\n```\n"
    )
    assert extract_markdown_code_blocks(text) == [
        CodeBlock(code="print('a')\n", language="python"),
        CodeBlock(code="echo b\n", language="sh"),
        CodeBlock(code="x = 1\n", language="python"),
    ]


def test_fences_inside_code_do_not_end_the_block() -> None:
    text = '```python title="demo"\ns = "```"\nprint(s)\n```\n'
    assert extract_markdown_code_blocks(text) == [
        CodeBlock(code='s = "```"\nprint(s)\n', language="python")
    ]
    assert extract_markdown_code_blocks("no code here") == []


# --- model info ----------------------------------------------------------------------------

_INFO = {"vision": False, "function_calling": True, "json_output": True, "family": "unknown"}


def test_valid_model_info_passes() -> None:
    assert validate_model_info({**_INFO, "structured_output": True}) == {
        **_INFO,
        "structured_output": True,
    }


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ({"vision": False}, "missing function_calling, json_output, family"),
        ({**_INFO, "vision": "yes"}, r"model_info\['vision'\] must be true or false"),
        ({**_INFO, "family": 3}, r"model_info\['family'\] must be a string"),
        ("gpt-4o", "must be a mapping"),
    ],
)
def test_invalid_model_info_says_what_is_wrong(info: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        validate_model_info(info)


def test_model_families_are_recognised() -> None:
    assert ModelFamily.is_openai(ModelFamily.GPT_4O)
    assert ModelFamily.is_claude(ModelFamily.CLAUDE_3_5_SONNET)
    assert ModelFamily.is_gemini(ModelFamily.GEMINI_2_5_PRO)
    assert ModelFamily.is_llama(ModelFamily.LLAMA_4_SCOUT)
    assert ModelFamily.is_mistral(ModelFamily.CODESTRAL)
    assert not ModelFamily.is_openai(ModelFamily.UNKNOWN)


async def test_task_runner_run_reads_run_stream_to_its_result() -> None:
    from collections.abc import AsyncGenerator

    from retinue import RetinueError
    from retinue.chat import TaskResult, TaskRunner

    class Echo(TaskRunner):
        def __init__(self, finish: bool) -> None:
            self.finish = finish

        async def run_stream(
            self,
            *,
            task: Any = None,
            cancellation_token: Any = None,
            output_task_messages: bool = True,
        ) -> AsyncGenerator[Any, None]:
            message = TextMessage(content=str(task), source="user")
            yield message
            if self.finish:
                yield TaskResult(messages=[message], stop_reason="done")

    result = await Echo(finish=True).run(task="hi")
    assert result.stop_reason == "done" and result.messages[0].content == "hi"
    with pytest.raises(RetinueError, match=r"Echo.run_stream\(\) ended without a TaskResult"):
        await Echo(finish=False).run(task="hi")
