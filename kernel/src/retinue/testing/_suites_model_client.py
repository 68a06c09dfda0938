"""Conformance suite for model clients."""

from __future__ import annotations

from typing import Any

import pytest

from ..components import load_component
from ..models import (
    ChatCompletionClient,
    CreateResult,
    RequestUsage,
    SystemMessage,
    UserMessage,
    validate_model_info,
)
from ._suites_common import ConformanceBase, missing_fixture

__all__ = ["ModelClientConformance"]

_PROMPT = [UserMessage(content="Say hello.", source="user")]


class ModelClientConformance(ConformanceBase):
    """Checks a :class:`~retinue.models.ChatCompletionClient` behaves as agents expect.

    Override the fixture ``model_client``: a fresh client whose **next call answers with
    the text "hello"** (scripted, or served by a local wire server such as
    :class:`retinue.testing.wire.WireServer`).  Each test makes at most one model call::

        class TestMyClient(ModelClientConformance):
            @pytest.fixture
            def model_client(self, wire_server):
                wire_server.enqueue(hello_response())
                return MyClient(base_url=wire_server.base_url, api_key="x")
    """

    @pytest.fixture
    def model_client(self) -> ChatCompletionClient:
        return missing_fixture(  # type: ignore[no-any-return]
            "ModelClientConformance",
            "model_client",
            "a fresh client whose next call answers with the text 'hello'",
        )

    async def test_create_returns_the_answer(self, model_client: ChatCompletionClient) -> None:
        result = await model_client.create(_PROMPT)
        assert isinstance(result, CreateResult), (
            f"create() must return a CreateResult, got {type(result).__name__}"
        )
        assert isinstance(result.content, str) and "hello" in result.content.lower(), (
            f"create() should return the served text 'hello' as content, got {result.content!r}"
        )
        assert result.finish_reason == "stop", (
            f"a plain text answer must have finish_reason 'stop', got {result.finish_reason!r}"
        )

    async def test_create_stream_yields_text_then_one_result(
        self, model_client: ChatCompletionClient
    ) -> None:
        items = [item async for item in model_client.create_stream(_PROMPT)]
        assert items and isinstance(items[-1], CreateResult), (
            "create_stream() must end with exactly one CreateResult"
        )
        chunks = items[:-1]
        assert all(isinstance(chunk, str) for chunk in chunks), (
            "create_stream() must yield only str chunks before the final CreateResult, got "
            f"{[type(chunk).__name__ for chunk in chunks]}"
        )
        if chunks:
            assert "".join(chunks) == items[-1].content, (  # type: ignore[arg-type]
                "the final CreateResult's content must equal the joined chunks"
            )

    async def test_usage_is_reported(self, model_client: ChatCompletionClient) -> None:
        result = await model_client.create(_PROMPT)
        assert isinstance(result.usage, RequestUsage), "CreateResult.usage must be a RequestUsage"
        assert result.usage.prompt_tokens >= 0 and result.usage.completion_tokens >= 0
        assert model_client.actual_usage() == result.usage, (
            "actual_usage() must return the usage of the most recent call"
        )
        total = model_client.total_usage()
        assert total.prompt_tokens >= result.usage.prompt_tokens, (
            "total_usage() must include the most recent call"
        )

    def test_token_counts(self, model_client: ChatCompletionClient) -> None:
        short = model_client.count_tokens(_PROMPT)
        longer = model_client.count_tokens(
            [SystemMessage(content="You are a helpful assistant. " * 20), *_PROMPT]
        )
        assert isinstance(short, int) and short > 0, (
            f"count_tokens() must estimate a positive int offline, got {short!r}"
        )
        assert longer > short, "count_tokens() must grow with the messages"
        remaining = model_client.remaining_tokens(_PROMPT)
        assert isinstance(remaining, int), "remaining_tokens() must return an int"
        assert (
            model_client.remaining_tokens(
                [SystemMessage(content="You are a helpful assistant. " * 20), *_PROMPT]
            )
            < remaining
        ), "remaining_tokens() must shrink as messages grow"

    def test_model_info_is_valid(self, model_client: ChatCompletionClient) -> None:
        validate_model_info(dict(model_client.model_info))

    async def test_close_can_be_called_twice(self, model_client: ChatCompletionClient) -> None:
        await model_client.close()
        await model_client.close()

    def test_dump_and_load_round_trip(
        self, model_client: ChatCompletionClient, component_registry: Any
    ) -> None:
        spec = model_client.dump_component()
        assert spec.kind == "model_client", f"kind must be 'model_client', got {spec.kind!r}"
        loaded = load_component(spec, ChatCompletionClient, registry=component_registry)
        assert type(loaded) is type(model_client), (
            f"spec provider {spec.provider!r} loads a {type(loaded).__name__}, expected "
            f"{type(model_client).__name__}; register the class under that name"
        )
        assert loaded.dump_component() == spec, "dump(load(dump(x))) must equal dump(x)"
