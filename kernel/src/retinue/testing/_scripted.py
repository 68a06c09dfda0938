"""``ScriptedChatCompletionClient``: a model client that answers from a script, for tests."""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import AliasChoices, BaseModel, Field, ValidationError

from .._errors import CancelledError, ConfigurationError, ModelClientError
from ..cancellation import CancellationToken
from ..components import format_validation_error
from ..models import (
    BaseChatCompletionClient,
    CreateResult,
    FinishReason,
    FunctionCall,
    Image,
    LLMMessage,
    ModelInfo,
    RequestUsage,
    ToolChoice,
    validate_model_info,
)
from ..tools import Tool, ToolSchema

__all__ = [
    "ScriptExhaustedError",
    "ScriptedChatCompletionClient",
    "ScriptedChatCompletionClientConfig",
    "ScriptedReply",
    "ScriptedRequest",
    "estimate_tokens",
]

ScriptedReply = str | CreateResult | list[FunctionCall] | list[str]
"""One scripted answer: text, a full ``CreateResult``, tool calls, or the chunks of a stream."""

_DEFAULT_CONTEXT_WINDOW = 8192

DEFAULT_MODEL_INFO: ModelInfo = {
    "vision": True,
    "function_calling": True,
    "json_output": True,
    "structured_output": True,
    "family": "unknown",
    "context_window": _DEFAULT_CONTEXT_WINDOW,
}

_TOKEN = re.compile(r"\w+|[^\w\s]")
_CHUNK = re.compile(r"\s*\S+\s*|\s+")
_NO_USAGE = RequestUsage()
_IMAGE_TOKENS = 85  # what one low-detail image costs with OpenAI; any fixed number will do


class ScriptExhaustedError(ModelClientError):
    """The scripted client was called more often than its script has replies."""


# Every call counts the whole context again; the texts mostly repeat, so their counts
# are remembered (strings are immutable: a hit is always right).
_CACHED_TEXTS = 4096


@functools.lru_cache(maxsize=_CACHED_TEXTS)
def estimate_tokens(text: str) -> int:
    """A deterministic, offline token estimate: words and punctuation marks."""
    return len(_TOKEN.findall(text))


_model_token_cache: dict[tuple[Any, ...], int] = {}


def _models_tokens(models: Sequence[BaseModel], render: Callable[[], str]) -> int:
    """Tokens of ``render()``, remembered by the models' types and field values."""
    try:
        key = tuple((type(model), *model.__dict__.values()) for model in models)
        return _model_token_cache[key]
    except KeyError:
        pass
    except TypeError:  # a field value that cannot be a key: count without remembering
        return estimate_tokens(render())
    if len(_model_token_cache) >= _CACHED_TEXTS:
        _model_token_cache.clear()
    tokens = _model_token_cache[key] = estimate_tokens(render())
    return tokens


def _calls_json(calls: list[FunctionCall]) -> str:
    """A tool-call reply as the text a model would have produced: the JSON list of its calls."""
    return json.dumps([call.model_dump() for call in calls])


def _content_tokens(content: Any) -> int:
    """Tokens of one message, from its content (``str`` or a list of parts)."""
    if isinstance(content, str):
        return 3 + estimate_tokens(content)
    total = 3
    for part in content:
        if isinstance(part, str):
            total += estimate_tokens(part)
        elif isinstance(part, Image):
            total += _IMAGE_TOKENS
        else:  # FunctionCall, FunctionExecutionResult
            total += _models_tokens((part,), part.model_dump_json)
    return total


_content_of = operator.attrgetter("content")


class _PromptTokens:
    """Counts a context from where it differs from the one counted before.

    An agent's context only grows between calls, so each call counts just the new
    messages.  Model contexts hand out the message objects they hold, so the messages
    counted before are first compared by identity (one pass in C, with no list of
    contents built); only when one differs are contents compared by value.  A content
    list changed in place after it was counted is not noticed, which no model context
    does.
    """

    __slots__ = ("_contents", "_messages", "_running_totals", "_tool_schemas", "_tool_tokens")

    def __init__(self) -> None:
        self._messages: list[LLMMessage] = []
        self._contents: list[Any] = []
        self._running_totals: list[int] = []  # tokens up to and including message i
        self._tool_schemas: list[ToolSchema] = []
        self._tool_tokens = 0

    def count(self, messages: Sequence[LLMMessage], tools: Sequence[Tool | ToolSchema]) -> int:
        return self._count_tools([_schema_of(tool) for tool in tools]) + self._count_messages(
            messages
        )

    def _count_tools(self, schemas: list[ToolSchema]) -> int:
        if schemas != self._tool_schemas:
            self._tool_schemas = schemas
            self._tool_tokens = sum(estimate_tokens(json.dumps(schema)) for schema in schemas)
        return self._tool_tokens

    def _count_messages(self, messages: Sequence[LLMMessage]) -> int:
        known = self._messages
        shared = len(known)
        # list == list checks each pair by identity first, so the same objects compare
        # without looking into them.
        if len(messages) >= shared and list(messages[:shared]) == known:
            # The same context grown: count only the new messages.
            contents = self._contents
            totals = self._running_totals
        else:
            contents = list(map(_content_of, messages))
            shared = min(shared, len(contents))
            if contents[:shared] != self._contents[:shared]:
                shared = 0
            totals = self._running_totals[:shared]
            contents = contents[:shared]
            known = list(messages[:shared])
        total = totals[-1] if totals else 0
        for message in messages[shared:]:
            content = message.content
            total += _content_tokens(content)
            totals.append(total)
            contents.append(content)
        known.extend(messages[shared:])
        self._messages = known
        self._contents = contents
        self._running_totals = totals
        return total


def _schema_of(tool: Tool | ToolSchema) -> ToolSchema:
    return tool.schema if isinstance(tool, Tool) else tool


@dataclass
class ScriptedRequest:
    """One call the scripted client received, as it was made."""

    messages: list[LLMMessage]
    tools: list[ToolSchema] = field(default_factory=list)
    tool_choice: ToolChoice = "auto"
    json_output: bool | type[BaseModel] | None = None
    extra_create_args: dict[str, Any] = field(default_factory=dict)
    stream: bool = False


class ScriptedChatCompletionClientConfig(BaseModel):
    """The spec of a :class:`ScriptedChatCompletionClient`."""

    # ``chat_completions`` is the field name of AutoGen's ReplayChatCompletionClient spec.
    replies: list[ScriptedReply] = Field(
        default_factory=list, validation_alias=AliasChoices("replies", "chat_completions")
    )
    model_info: dict[str, Any] | None = None
    cycle: bool = False


class ScriptedChatCompletionClient(BaseChatCompletionClient[Any]):
    """A model client that returns scripted replies in order and records every request.

    Each reply is text, a :class:`~retinue.models.CreateResult`, a list of
    :class:`~retinue.models.FunctionCall` (a tool-call turn) or a list of text chunks
    (what ``create_stream`` yields; ``create`` returns them joined).  ``create_stream``
    splits plain text into word chunks.  Usage not given in a script is estimated.
    When the script runs out the client raises :class:`ScriptExhaustedError`, or starts
    over with ``cycle=True``.

    >>> call = FunctionCall(id="1", name="add", arguments='{"a": 1, "b": 2}')
    >>> client = ScriptedChatCompletionClient(["Hello!", [call], ["Str", "eamed"]])
    """

    component_provider = "scripted"
    component_config_schema = ScriptedChatCompletionClientConfig
    default_context_window = _DEFAULT_CONTEXT_WINDOW

    def __init__(
        self,
        replies: Sequence[ScriptedReply],
        *,
        model_info: ModelInfo | None = None,
        cycle: bool = False,
    ) -> None:
        # Validating through the config catches a bad reply up front, with its index.
        try:
            self._config = ScriptedChatCompletionClientConfig(
                replies=list(replies),
                model_info=dict(model_info) if model_info else None,
                cycle=cycle,
            )
        except ValidationError as exc:
            raise ConfigurationError(
                "invalid script for ScriptedChatCompletionClient (each reply is text, a "
                "CreateResult, a list of FunctionCall or a list of text chunks):\n"
                + format_validation_error(exc)
            ) from exc
        for index, reply in enumerate(self._config.replies):
            if isinstance(reply, list) and not reply:
                raise ConfigurationError(
                    f"scripted reply {index} is an empty list; give text, a CreateResult, "
                    "a list of FunctionCall or a non-empty list of text chunks"
                )
        super().__init__(
            model="scripted",
            model_info=validate_model_info(
                dict(model_info) if model_info is not None else dict(DEFAULT_MODEL_INFO)
            ),
        )
        self._next = 0
        self._prompt_tokens = _PromptTokens()
        self.requests: list[ScriptedRequest] = []

    @property
    def replies(self) -> list[ScriptedReply]:
        """The script."""
        return list(self._config.replies)

    @property
    def calls_left(self) -> int:
        """How many replies remain before the script runs out (ignores ``cycle``)."""
        return len(self._config.replies) - self._next

    def reset(self) -> None:
        """Rewind the script and forget recorded requests and usage."""
        self._next = 0
        self.requests.clear()
        self._last_usage = RequestUsage()
        self._total_usage = RequestUsage()

    def _take(
        self, request: ScriptedRequest, cancellation_token: CancellationToken | None
    ) -> ScriptedReply:
        if cancellation_token is not None and cancellation_token.is_cancelled():
            raise CancelledError("the model call was cancelled before it started")
        if request.tools and not self._model_info["function_calling"]:
            raise ModelClientError(
                "tools were passed, but this client's model_info says function_calling=False; "
                "set it to True in model_info or call without tools"
            )
        if request.json_output and not self._model_info["json_output"]:
            raise ModelClientError(
                "json_output was requested, but this client's model_info says "
                "json_output=False; set it to True in model_info or call without it"
            )
        replies = self._config.replies
        if self._next >= len(replies):
            if not (self._config.cycle and replies):
                raise ScriptExhaustedError(
                    "ScriptedChatCompletionClient has no reply left for call "
                    f"{len(self.requests) + 1} "
                    f"(the script has {len(replies)}); add replies to the script or pass cycle=True"
                )
            self._next = 0
        self.requests.append(request)
        reply = replies[self._next]
        self._next += 1
        return reply

    def _result(self, request: ScriptedRequest, reply: ScriptedReply) -> CreateResult:
        if isinstance(reply, CreateResult):
            if reply.usage == _NO_USAGE:
                usage = self._estimated_usage(request, reply.content)
                result = reply.model_copy(update={"usage": usage})
            else:
                result = reply
        else:
            finish_reason: FinishReason = "stop"
            content: str | list[FunctionCall]
            if isinstance(reply, str):
                content = reply
            elif isinstance(reply[0], FunctionCall):
                finish_reason = "function_calls"
                content = [item for item in reply if isinstance(item, FunctionCall)]
            else:
                content = "".join(map(str, reply))
            result = CreateResult(
                finish_reason=finish_reason,
                content=content,
                usage=self._estimated_usage(request, content),
            )
        self._record(result.usage)
        return result

    def _estimated_usage(
        self, request: ScriptedRequest, content: str | list[FunctionCall]
    ) -> RequestUsage:
        if isinstance(content, str):
            completion = estimate_tokens(content)
        else:
            completion = _models_tokens(content, lambda: _calls_json(content))
        return RequestUsage(
            prompt_tokens=self.count_tokens(request.messages, tools=request.tools),
            completion_tokens=completion,
        )

    def _request(
        self,
        messages: Sequence[LLMMessage],
        tools: Sequence[Tool | ToolSchema],
        tool_choice: ToolChoice,
        json_output: bool | type[BaseModel] | None,
        extra_create_args: Mapping[str, Any],
        stream: bool,
    ) -> ScriptedRequest:
        return ScriptedRequest(
            messages=list(messages),
            tools=[_schema_of(tool) for tool in tools],
            tool_choice=tool_choice,
            json_output=json_output,
            extra_create_args=dict(extra_create_args),
            stream=stream,
        )

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
        request = self._request(messages, tools, tool_choice, json_output, extra_create_args, False)
        return self._result(request, self._take(request, cancellation_token))

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
        request = self._request(messages, tools, tool_choice, json_output, extra_create_args, True)
        reply = self._take(request, cancellation_token)
        if isinstance(reply, list) and all(isinstance(item, str) for item in reply):
            chunks: list[str] = list(reply)  # type: ignore[arg-type]
        else:
            content = reply.content if isinstance(reply, CreateResult) else reply
            chunks = _CHUNK.findall(content) if isinstance(content, str) else []
        for chunk in chunks:
            if cancellation_token is not None and cancellation_token.is_cancelled():
                raise CancelledError("the streamed model call was cancelled")
            yield chunk
        yield self._result(request, reply)

    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        return self._prompt_tokens.count(messages, tools)

    def _to_config(self) -> ScriptedChatCompletionClientConfig:
        return self._config

    @classmethod
    def _from_config(
        cls, config: ScriptedChatCompletionClientConfig
    ) -> ScriptedChatCompletionClient:
        return cls(config.replies, model_info=config.model_info, cycle=config.cycle)  # type: ignore[arg-type]
