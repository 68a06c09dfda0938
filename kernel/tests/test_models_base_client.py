"""``BaseChatCompletionClient`` and ``TokenEstimator``: the half every provider shares."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel
from retinue import (
    CancellationToken,
    CancelledError,
    ConfigurationError,
    ModelAuthenticationError,
    ModelClientError,
    ModelResponseError,
    telemetry,
)
from retinue.models import (
    AssistantMessage,
    BaseChatCompletionClient,
    CreateResult,
    FunctionCall,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    Image,
    LLMMessage,
    ModelInfo,
    RequestUsage,
    SystemMessage,
    TokenEstimator,
    ToolChoice,
    UserMessage,
    validate_model_info,
)
from retinue.tools import Tool, ToolSchema

SECRET = "sk-fake-0123456789abcdef"
HELLO: list[LLMMessage] = [UserMessage(content="Hello", source="user")]


def model_info(**extra: Any) -> ModelInfo:
    return validate_model_info(
        {
            "vision": True,
            "function_calling": True,
            "json_output": True,
            "structured_output": False,
            "family": "unknown",
            **extra,
        }
    )


class SDKAuthError(Exception):
    """What a provider SDK raises for a rejected key (its text echoes the key)."""


class FakeSDK:
    """A provider SDK: answers from a queue, or waits forever until cancelled."""

    def __init__(self) -> None:
        self.answers: list[str | Exception] = []
        self.closed = False
        self.cancelled_calls = 0

    async def complete(self, prompt: str) -> str:
        answer = self.answers.pop(0) if self.answers else None
        if answer is None:
            try:
                await asyncio.Event().wait()  # a request that never gets an answer
            except asyncio.CancelledError:
                self.cancelled_calls += 1
                raise
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, str)
        return answer

    async def stream(self, chunks: list[str | Exception]) -> AsyncIterator[str]:
        for chunk in chunks:
            if isinstance(chunk, Exception):
                raise chunk
            if chunk == "...":
                await asyncio.Event().wait()
            yield chunk

    async def close(self) -> None:
        self.closed = True


class AcmeClient(BaseChatCompletionClient[FakeSDK]):
    """A minimal provider client built on the base, as a plugin would write one."""

    component_provider: ClassVar[str | None] = "acme"
    made: ClassVar[int] = 0

    def __init__(self, model: str = "acme-1", **info: Any) -> None:
        super().__init__(model=model, model_info=model_info(**info))
        self.sdk_in_test = FakeSDK()
        self.usages: list[RequestUsage] = []

    def _make_sdk_client(self) -> FakeSDK:
        type(self).made += 1
        return self.sdk_in_test

    def _translate_error(self, exc: Exception) -> Exception:
        if isinstance(exc, SDKAuthError):
            return ModelAuthenticationError(
                "the API key was rejected", provider="acme", model=self._model, todo="fix the key"
            )
        return super()._translate_error(exc)

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: ToolChoice = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> CreateResult:
        self._check_request(messages, tools)
        answer = await self._guarded(self._sdk().complete("prompt"), cancellation_token)
        usage = self.usages.pop(0) if self.usages else RequestUsage()
        result = CreateResult(finish_reason="stop", content=answer, usage=usage)
        self._record(result.usage)
        return result

    async def create_stream(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: ToolChoice = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> AsyncGenerator[str | CreateResult, None]:
        chunks = list(extra_create_args.get("chunks", ["Hel", "lo"]))
        stream = self._sdk().stream(chunks)
        text = []
        async for chunk in self._guarded_iter(stream, cancellation_token, _stream_translator):
            text.append(chunk)
            yield chunk
        result = CreateResult(finish_reason="stop", content="".join(text), usage=RequestUsage())
        self._record(result.usage)
        yield result


def _stream_translator(exc: Exception) -> Exception:
    return ModelResponseError("the stream broke off", provider="acme", model="acme-1")


class LargeWindowClient(AcmeClient):
    default_context_window: ClassVar[int | None] = 200_000


class CallsSuperClient(AcmeClient):
    async def create(self, messages: Sequence[LLMMessage], **kwargs: Any) -> CreateResult:
        return await super().create(messages, **kwargs)


# -- TokenEstimator -----------------------------------------------------------------------


def test_estimate_counts_bytes_per_token_rounded_up_per_text() -> None:
    estimator = TokenEstimator()
    # "Hello": 5 bytes -> 2, source "user": 4 bytes -> 2, plus 4 per message.
    assert estimator.estimate(HELLO) == 8
    assert estimator.text_tokens("日本") == 2  # 6 UTF-8 bytes / 3.5, rounded up
    assert estimator.text_tokens("") == 0
    assert estimator.estimate([]) == 0


def test_estimate_uses_the_declared_constants() -> None:
    image = Image.from_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 16)
    messages: list[LLMMessage] = [UserMessage(content=["look", image], source="user")]
    base = TokenEstimator(per_image=100).estimate(messages)
    assert TokenEstimator(per_image=1600).estimate(messages) == base + 1500
    assert TokenEstimator(per_image=100, reply_priming=3).estimate(messages) == base + 3
    # Sources count only for providers that send them.
    assert TokenEstimator(per_image=100, count_sources=False).estimate(messages) == base - 2
    assert TokenEstimator(per_image=100, bytes_per_token=1).estimate(messages) == 4 + 4 + 100 + 4


def test_estimate_counts_tool_calls_results_thoughts_and_tools() -> None:
    estimator = TokenEstimator(per_message=4, per_tool=8, tools_preamble=350)
    call = FunctionCall(id="1", name="add", arguments='{"a":1}')
    messages: list[LLMMessage] = [
        SystemMessage(content="Be brief."),  # 9 bytes -> 3
        AssistantMessage(content=[call], thought="sum"),  # add 1 + args 2 + 4, thought 1
        FunctionExecutionResultMessage(
            content=[FunctionExecutionResult(call_id="1", name="add", content="2")]
        ),  # "2" 1 + 4
    ]
    assert estimator.estimate(messages) == (4 + 3) + (4 + 7 + 1) + (4 + 5)
    schema: ToolSchema = {"name": "add", "description": "Add"}
    schema_tokens = estimator.text_tokens('{"name": "add", "description": "Add"}')
    with_tool = estimator.estimate(messages, [schema])
    assert with_tool == estimator.estimate(messages) + 350 + schema_tokens + 8
    # The preamble comes once, however many tools.
    two = estimator.estimate(messages, [schema, schema])
    assert two == with_tool + schema_tokens + 8


# -- usage, model info, token counts --------------------------------------------------------


async def test_usage_of_last_call_and_running_total() -> None:
    client = AcmeClient()
    assert client.actual_usage() == RequestUsage() == client.total_usage()
    client.sdk_in_test.answers = ["one", "two"]
    client.usages = [
        RequestUsage(prompt_tokens=10, completion_tokens=2, cached_prompt_tokens=4),
        RequestUsage(prompt_tokens=5, completion_tokens=1, reasoning_tokens=3),
    ]
    await client.create(HELLO)
    await client.create(HELLO)
    assert client.actual_usage() == RequestUsage(
        prompt_tokens=5, completion_tokens=1, reasoning_tokens=3
    )
    assert client.total_usage() == RequestUsage(
        prompt_tokens=15, completion_tokens=3, cached_prompt_tokens=4, reasoning_tokens=3
    )


def test_model_name_info_and_token_counts() -> None:
    client = AcmeClient("acme-large", context_window=1000)
    assert client.model_name == "acme-large"
    assert client.model_info["context_window"] == 1000
    assert client.provider_name == "acme"
    assert client.count_tokens(HELLO) == AcmeClient.token_estimator.estimate(HELLO)
    assert client.remaining_tokens(HELLO) == 1000 - client.count_tokens(HELLO)


def test_remaining_tokens_falls_back_to_the_class_default_window() -> None:
    client = LargeWindowClient()
    assert client.remaining_tokens(HELLO) == 200_000 - client.count_tokens(HELLO)
    # The model info's own window wins over the default.
    assert LargeWindowClient(context_window=500).remaining_tokens(HELLO) == 500 - 8


def test_remaining_tokens_without_any_window_says_what_to_add() -> None:
    client = AcmeClient("acme-mystery")
    with pytest.raises(ConfigurationError) as caught:
        client.remaining_tokens(HELLO)
    message = str(caught.value)
    assert "provider 'acme', model 'acme-mystery'" in message
    assert "context_window" in message
    assert client.count_tokens(HELLO) == 8  # the client keeps working


@pytest.mark.parametrize(
    ("info", "messages", "tools", "expected"),
    [
        ({}, [], [], "create() needs at least one message"),
        (
            {"vision": False},
            [UserMessage(content=["look", Image.from_bytes(b"x")])],
            [],
            "set model_info['vision']=True",
        ),
        (
            {"function_calling": False},
            HELLO,
            [{"name": "add"}],
            "set model_info['function_calling']=True",
        ),
    ],
    ids=["no-messages", "images-without-vision", "tools-without-function-calling"],
)
async def test_requests_the_model_cannot_take_are_refused_before_sending(
    info: dict[str, Any], messages: list[LLMMessage], tools: list[ToolSchema], expected: str
) -> None:
    client = AcmeClient("acme-small", **info)
    with pytest.raises(ConfigurationError) as caught:
        await client.create(messages, tools=tools)
    assert "provider 'acme', model 'acme-small'" in str(caught.value)
    assert expected in str(caught.value)
    assert client._sdk_handle is None  # nothing was sent
    client.sdk_in_test.answers = ["fine"]
    assert (await client.create(HELLO)).content == "fine"


# -- guarded SDK calls ---------------------------------------------------------------------


async def test_cancelling_the_token_aborts_the_sdk_call() -> None:
    client = AcmeClient()
    token = CancellationToken()
    call = asyncio.ensure_future(client.create(HELLO, cancellation_token=token))
    await asyncio.sleep(0.01)
    token.cancel()
    with pytest.raises(CancelledError) as caught:
        await call
    assert "provider 'acme', model 'acme-1'" in str(caught.value)
    assert "cancelled" in str(caught.value)
    assert client.sdk_in_test.cancelled_calls == 1
    client.sdk_in_test.answers = ["still here"]
    assert (await client.create(HELLO)).content == "still here"


async def test_a_cancelled_caller_is_not_turned_into_a_retinue_error() -> None:
    client = AcmeClient()
    call = asyncio.ensure_future(client.create(HELLO, cancellation_token=CancellationToken()))
    await asyncio.sleep(0.01)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert client.sdk_in_test.cancelled_calls == 1


async def test_sdk_errors_go_through_the_providers_translator() -> None:
    client = AcmeClient()
    client.sdk_in_test.answers = [SDKAuthError(f"bad key {SECRET}")]
    with pytest.raises(ModelAuthenticationError) as caught:
        await client.create(HELLO)
    assert caught.value.provider == "acme"
    assert caught.value.__cause__ is None  # the SDK's exception (with the key) is dropped
    assert SECRET not in str(caught.value)


async def test_untranslated_sdk_errors_name_only_the_exception_type() -> None:
    client = AcmeClient()
    client.sdk_in_test.answers = [RuntimeError(f"boom {SECRET}")]
    with pytest.raises(ModelResponseError) as caught:
        await client.create(HELLO)
    assert "RuntimeError" in str(caught.value)
    assert "provider 'acme', model 'acme-1'" in str(caught.value)
    assert SECRET not in str(caught.value)


async def test_model_client_errors_pass_unchanged() -> None:
    client = AcmeClient()
    original = ModelResponseError("already translated", provider="acme", model="acme-1")
    client.sdk_in_test.answers = [original]
    with pytest.raises(ModelClientError) as caught:
        await client.create(HELLO)
    assert caught.value is original


async def test_streams_are_read_through_the_guard() -> None:
    client = AcmeClient()
    items = [item async for item in client.create_stream(HELLO)]
    assert items[:2] == ["Hel", "lo"]
    assert isinstance(items[-1], CreateResult) and items[-1].content == "Hello"

    broken = client.create_stream(HELLO, extra_create_args={"chunks": ["a", OSError("reset")]})
    with pytest.raises(ModelResponseError, match="the stream broke off"):
        [item async for item in broken]

    token = CancellationToken()
    stalled = client.create_stream(
        HELLO, extra_create_args={"chunks": ["a", "..."]}, cancellation_token=token
    )
    assert await stalled.__anext__() == "a"
    asyncio.get_running_loop().call_later(0.01, token.cancel)
    with pytest.raises(CancelledError):
        await stalled.__anext__()


# -- the lazily created SDK client ---------------------------------------------------------


async def test_sdk_client_is_made_once_on_first_use_and_closed() -> None:
    client = AcmeClient()
    made = AcmeClient.made
    assert client._sdk_handle is None  # constructing imports and builds no SDK
    client.sdk_in_test.answers = ["a", "b"]
    await client.create(HELLO)
    await client.create(HELLO)
    assert AcmeClient.made == made + 1
    await client.close()
    assert client.sdk_in_test.closed
    with pytest.raises(ConfigurationError, match="the client was closed; create a new one"):
        await client.create(HELLO)
    await AcmeClient().close()  # closing a client that never called is fine


# -- telemetry ------------------------------------------------------------------------------


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.set_tracer_provider(provider)
    yield exporter
    telemetry.set_tracer_provider(None)


async def test_subclasses_of_the_base_are_traced_once_per_call(
    exporter: InMemorySpanExporter,
) -> None:
    client = AcmeClient()
    client.sdk_in_test.answers = ["hi"]
    client.usages = [RequestUsage(prompt_tokens=7, completion_tokens=1)]
    await client.create(HELLO)
    [span] = exporter.get_finished_spans()
    assert span.name == "chat acme-1"
    assert span.attributes is not None
    assert span.attributes["gen_ai.provider.name"] == "acme"
    assert span.attributes["gen_ai.usage.input_tokens"] == 7

    exporter.clear()
    [item async for item in client.create_stream(HELLO)]
    assert [s.name for s in exporter.get_finished_spans()] == ["chat acme-1"]

    exporter.clear()
    deeper = CallsSuperClient()
    deeper.sdk_in_test.answers = ["hi"]
    await deeper.create(HELLO)
    assert [s.name for s in exporter.get_finished_spans()] == ["chat acme-1"]


def test_the_base_itself_defines_no_traced_create() -> None:
    assert "create" not in BaseChatCompletionClient.__dict__
    assert "create_stream" not in BaseChatCompletionClient.__dict__
    with pytest.raises(TypeError):
        BaseChatCompletionClient(model="m", model_info=model_info())  # type: ignore[abstract]
