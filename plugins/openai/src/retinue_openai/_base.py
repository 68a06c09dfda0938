"""The shared engine of every client that speaks OpenAI's chat-completions API."""

from __future__ import annotations

import functools
import inspect
import json
from abc import abstractmethod
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, SecretStr
from retinue import CancellationToken, ConfigurationError, ModelConnectionError
from retinue.models import (
    BaseChatCompletionClient,
    CreateResult,
    FunctionCall,
    LLMMessage,
    ModelErrorContext,
    ModelInfo,
    TokenEstimator,
    ToolChoice,
    UserMessage,
    secret_headers,
)
from retinue.tools import Tool, ToolSchema

from ._errors import SDK_LOGGERS, stream_broken, translate_sdk_error
from ._messages import to_openai_messages, to_openai_tool_choice, to_openai_tools
from ._model_info import REASONING_FAMILIES
from ._parse import (
    StreamAssembler,
    finish_reason,
    function_calls,
    reasoning_text,
    refusal_text,
    split_thought,
    usage_of as _usage_of,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["BaseOpenAIChatCompletionClient"]


class BaseOpenAIChatCompletionClient(BaseChatCompletionClient["AsyncOpenAI"]):
    """Common behaviour of the OpenAI, Azure OpenAI and OpenAI-compatible clients.

    Subclasses build the SDK client (:meth:`_make_sdk_client`), which happens on first
    use so that importing or constructing a client never imports ``openai``.
    ``remaining_tokens`` needs ``context_window`` in the model info (it raises
    ``ConfigurationError`` without one).
    """

    key_env = "OPENAI_API_KEY"
    sdk_loggers: ClassVar[tuple[str, ...]] = SDK_LOGGERS
    # 1 token per 3.5 UTF-8 bytes, 4 per message, 765 per image (a 512x512 high-detail
    # tile's price), the schema plus 8 per tool, and 3 that prime the reply.
    token_estimator: ClassVar[TokenEstimator] = TokenEstimator(
        bytes_per_token=3.5, per_message=4, per_image=765, per_tool=8, reply_priming=3
    )

    def __init__(
        self,
        *,
        model: str,
        model_info: ModelInfo,
        model_info_arg: dict[str, Any] | None,
        create_args: Mapping[str, Any],
        include_name_in_message: bool,
        add_name_prefixes: bool,
        include_usage_in_stream: bool,
        timeout: float | None,
        max_retries: int,
        default_headers: Mapping[str, str | SecretStr] | None,
        secret: SecretStr | None,
        other_secrets: tuple[str | SecretStr, ...] = (),
    ) -> None:
        self._default_headers = secret_headers(default_headers)
        # Held as secrets, not clear values: a reference to an environment variable is
        # read only when the client first needs it.
        headers = self._default_headers or {}
        errors = ModelErrorContext(
            self.provider_name, model, secret, self.key_env, (*headers.values(), *other_secrets)
        )
        super().__init__(model=model, model_info=model_info, errors=errors)
        # Checked here, not left to the SDK: SDK releases before 3.x take a negative
        # count silently, so the declared openai range would behave two ways.
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError(
                f"{self._who()}: max_retries must be a whole number 0 or more, "
                f"got {repr(max_retries)[:40]}; pass 0 to turn retries off"
            )
        # What the caller passed, kept for dumping the config (model_info is the resolved one).
        self._model_info_arg = model_info_arg
        self._timeout = timeout
        self._max_retries = max_retries
        self._options = {
            "include_name_in_message": include_name_in_message,
            "add_name_prefixes": add_name_prefixes,
            "include_usage_in_stream": include_usage_in_stream,
        }
        self._create_args = {k: v for k, v in create_args.items() if v is not None}
        self._include_name = include_name_in_message
        self._add_name_prefixes = add_name_prefixes
        self._include_usage_in_stream = include_usage_in_stream
        self._error_context = errors

    @abstractmethod
    def _make_sdk_client(self) -> AsyncOpenAI:
        """Build the ``openai`` SDK client (imports the SDK)."""

    # -- the contract --------------------------------------------------------------------

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
        request = self._request(messages, tools, tool_choice, json_output, extra_create_args)
        sdk = self._sdk()
        response = await self._guarded(
            sdk.chat.completions.create(**_sdk_arguments(sdk, request)), cancellation_token
        )
        if not response.choices:
            raise self._response_error("the response has no choices")
        choice = response.choices[0]
        message = choice.message
        return self._result(
            function_calls(message.tool_calls),
            message.content or "",
            reasoning_text(message),
            refusal_text(message),
            choice.finish_reason,
            response.usage,
            _logprobs(choice),
        )

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
        request = self._request(messages, tools, tool_choice, json_output, extra_create_args)
        request["stream"] = True
        if self._include_usage_in_stream and "stream_options" not in request:
            request["stream_options"] = {"include_usage": True}
        sdk = self._sdk()
        opening = sdk.chat.completions.create(**_sdk_arguments(sdk, request))
        assembler = StreamAssembler()
        async for chunk in self._guarded_stream(
            opening, cancellation_token, self._translate_stream_error
        ):
            text = assembler.add(chunk)
            if text:
                yield text
        if assembler.finish is None:
            raise self._response_error(
                "the stream ended without a finish_reason (truncated response)",
                todo="retry the call; the connection closed before the answer was complete",
            )
        yield self._stream_result(assembler)

    # -- helpers -------------------------------------------------------------------------

    def _stream_result(self, assembler: StreamAssembler) -> CreateResult:
        return self._result(
            assembler.function_calls(),
            "".join(assembler.text),
            "".join(assembler.reasoning) or None,
            "".join(assembler.refusal) or None,
            assembler.finish,
            assembler.usage,
            None,
        )

    def _result(
        self,
        calls: list[FunctionCall],
        text: str,
        reasoning: str | None,
        refusal: str | None,
        raw_finish: str | None,
        usage: Any,
        logprobs: Any,
    ) -> CreateResult:
        """One answer, whole or assembled from a stream, as a recorded ``CreateResult``."""
        content, thought = split_thought(text, reasoning)
        if refusal is not None and not calls:
            # A refusal comes with empty content and finish reason "stop": the caller and
            # the agent must see that the model declined, and why.
            result = CreateResult(
                finish_reason="content_filter",
                content=content or refusal,
                usage=_usage_of(usage),
                thought=thought,
                refusal=refusal,
                logprobs=logprobs,
            )
        else:
            result = CreateResult(
                finish_reason=finish_reason(raw_finish, bool(calls)),
                content=calls or content,
                usage=_usage_of(usage),
                thought=(content or None) if calls else thought,
                logprobs=logprobs,
            )
        self._record(result.usage)
        return result

    def _translate_error(self, exc: Exception) -> Exception:
        return translate_sdk_error(exc, self._error_context) or stream_broken(
            exc, self._error_context
        )

    def _translate_stream_error(self, exc: Exception) -> Exception:
        # A dropped connection while reading an answer's stream means a truncated
        # answer, not an unreachable server.
        translated = self._translate_error(exc)
        if isinstance(translated, ModelConnectionError):
            return stream_broken(exc, self._error_context)
        return translated

    def _request(
        self,
        messages: Sequence[LLMMessage],
        tools: Sequence[Tool | ToolSchema],
        tool_choice: ToolChoice,
        json_output: bool | type[BaseModel] | None,
        extra_create_args: Mapping[str, Any],
    ) -> dict[str, Any]:
        self._check_request(messages, tools)
        if self._add_name_prefixes:
            messages = [_with_name_prefix(m) for m in messages]
        system_role = "developer" if self._model_info["family"] in REASONING_FAMILIES else "system"
        request: dict[str, Any] = {
            **self._create_args,
            "model": self._model,
            "messages": to_openai_messages(
                messages, system_role=system_role, include_name=self._include_name
            ),
        }
        if tools:
            request["tools"] = to_openai_tools(tools)
            request["tool_choice"] = to_openai_tool_choice(tool_choice, tools)
        elif not isinstance(tool_choice, str):
            raise ConfigurationError(
                f"{self._who()}: tool_choice names a tool but no tools were passed"
            )
        if json_output is not None:
            request["response_format"] = self._response_format(json_output)
        request.update(extra_create_args)
        return request

    def _response_format(self, json_output: bool | type[BaseModel]) -> dict[str, Any]:
        info = self._model_info
        if json_output is False:
            return {"type": "text"}
        if json_output is True:
            if not info["json_output"]:
                raise ConfigurationError(
                    f"{self._who()}: JSON mode was requested but the model does not support "
                    "it; set model_info['json_output']=True if it does"
                )
            return {"type": "json_object"}
        if isinstance(json_output, type) and issubclass(json_output, BaseModel):
            if not info.get("structured_output", False):
                raise ConfigurationError(
                    f"{self._who()}: structured output ({json_output.__name__}) was requested "
                    "but the model does not support it; set model_info['structured_output']="
                    "True if it does, or use json_output=True"
                )
            return {
                "type": "json_schema",
                "json_schema": {
                    "name": json_output.__name__,
                    "schema": strict_json_schema(json_output.model_json_schema()),
                    "strict": True,
                },
            }
        raise ConfigurationError(
            f"{self._who()}: json_output must be True, False or a pydantic model class, "
            f"got {json_output!r}"
        )


@functools.lru_cache(maxsize=4)
def _sdk_parameters(create: Any) -> frozenset[str]:
    return frozenset(inspect.signature(create).parameters)


def _sdk_arguments(sdk: AsyncOpenAI, request: dict[str, Any]) -> dict[str, Any]:
    """Move arguments this SDK version does not know into ``extra_body``.

    Compatible servers take extra parameters (vLLM's ``top_k``, Gemini's
    ``extra_body.google``), and a newer API field should not need a newer SDK.
    """
    known = _sdk_parameters(type(sdk.chat.completions).create)
    unknown = {k: v for k, v in request.items() if k not in known}
    if not unknown:
        return request
    arguments = {k: v for k, v in request.items() if k in known}
    arguments["extra_body"] = {**unknown, **(request.get("extra_body") or {})}
    return arguments


def _with_name_prefix(message: LLMMessage) -> LLMMessage:
    if isinstance(message, UserMessage) and isinstance(message.content, str):
        return message.model_copy(update={"content": f"{message.source} said:\n{message.content}"})
    return message


def _logprobs(choice: Any) -> Any:
    logprobs = getattr(choice, "logprobs", None)
    content = getattr(logprobs, "content", None) if logprobs is not None else None
    if not content:
        return None
    return [item.model_dump() for item in content]


def strict_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's strict mode wants every object closed and every property required."""
    schema = json.loads(json.dumps(schema))

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema
