"""``AnthropicChatCompletionClient``: Claude through the Messages API."""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, SecretStr
from retinue import (
    CancellationToken,
    ComponentError,
    ConfigurationError,
    secret_from_env,
    secret_value,
)
from retinue.models import (
    BaseChatCompletionClient,
    CreateResult,
    LLMMessage,
    ModelErrorContext,
    ModelInfo,
    TokenEstimator,
    ToolChoice,
    reveal_headers,
    secret_headers,
    url_secrets,
)
from retinue.tools import Tool, ToolSchema

from ._config import AnthropicClientConfig
from ._errors import SDK_LOGGERS, stream_broken, translate_sdk_error
from ._messages import to_anthropic_messages, to_anthropic_tools, tool_schema
from ._model_info import resolve_model_info
from ._parse import MalformedAnswer, MessageAssembler, to_create_result

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

__all__ = ["JSON_INSTRUCTION", "STRUCTURED_OUTPUT_TOOL", "AnthropicChatCompletionClient"]

KEY_ENV = "ANTHROPIC_API_KEY"

STRUCTURED_OUTPUT_TOOL = "structured_output"
"""The synthetic tool whose input carries the answer when ``json_output`` is a model class."""

JSON_INSTRUCTION = (
    "Respond with a single valid JSON object and nothing else: no prose, no code fences."
)
"""Added to the system prompt for ``json_output=True`` (the API has no JSON mode)."""

_SAMPLING_ARGS = ("temperature", "top_p", "top_k", "stop_sequences", "thinking", "metadata")


class AnthropicChatCompletionClient(BaseChatCompletionClient["AsyncAnthropic"]):
    """A client for Anthropic's Messages API (Claude models).

    The key comes from ``api_key`` or the ``ANTHROPIC_API_KEY`` environment variable;
    ``base_url`` points the client at another server that speaks the API (a proxy, a
    gateway, or a local test server).  ``thinking={"type": "enabled", "budget_tokens": N}``
    turns on extended thinking, returned as ``CreateResult.thought``.

    Message order is repaired to the API's rules (see ``retinue_anthropic._messages``):
    system messages become the top-level system prompt, consecutive turns of one role
    are merged, and tool results follow their calls.

    ``json_output=True`` asks for JSON through the system prompt; ``json_output=MyModel``
    makes the model call a synthetic ``structured_output`` tool whose input schema is
    ``MyModel``'s, and returns that input as JSON text.

    ``remaining_tokens`` assumes a 200,000-token window for a model whose model info
    has no ``context_window``.

    Example::

        client = AnthropicChatCompletionClient(model="claude-sonnet-4-5")
        result = await client.create([UserMessage(content="Hello")])
    """

    component_provider: ClassVar[str | None] = "anthropic"
    component_config_schema = AnthropicClientConfig
    component_ignored_keys: ClassVar[dict[str, str]] = {
        "tools": "AutoGen's client-level tools; retinue passes tools with each call",
        "tool_choice": "AutoGen's client-level tool choice; retinue passes it with each call",
        "response_format": "AutoGen's response format; Claude has no response_format setting",
        "model_capabilities": "AutoGen's deprecated form of model_info",
    }
    default_context_window: ClassVar[int | None] = 200_000
    sdk_loggers: ClassVar[tuple[str, ...]] = SDK_LOGGERS
    # 1 token per 3.5 UTF-8 bytes and 4 per message; an image costs 1,600 (the largest
    # size the API keeps without downscaling); tools add their schema plus 8 each and
    # the ~350-token tool-use preamble the API inserts.  Sources are not sent.
    token_estimator: ClassVar[TokenEstimator] = TokenEstimator(
        bytes_per_token=3.5,
        per_message=4,
        per_image=1600,
        per_tool=8,
        tools_preamble=350,
        count_sources=False,
    )

    def __init__(
        self,
        model: str,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        max_tokens: int = 4096,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        stop_sequences: Sequence[str] | None = None,
        thinking: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        timeout: float | None = 60.0,
        max_retries: int = 2,
        model_info: ModelInfo | Mapping[str, Any] | None = None,
        default_headers: Mapping[str, str | SecretStr] | None = None,
    ) -> None:
        if not model:
            raise ConfigurationError("provider 'anthropic': model must be a non-empty model name")
        self._api_key = secret_from_env(api_key, KEY_ENV)
        if self._api_key is None:
            raise ConfigurationError(
                f"provider 'anthropic', model {model!r}: no API key; set {KEY_ENV} or pass "
                "api_key=... (any non-empty string for a server that needs none)"
            )
        if max_tokens < 1:
            raise ConfigurationError(
                f"provider 'anthropic', model {model!r}: max_tokens must be at least 1, "
                f"got {max_tokens}"
            )
        budget = (thinking or {}).get("budget_tokens")
        if isinstance(budget, int) and budget >= max_tokens:
            raise ConfigurationError(
                f"provider 'anthropic', model {model!r}: max_tokens ({max_tokens}) must be "
                f"larger than thinking.budget_tokens ({budget}); raise max_tokens"
            )
        self._model_info_arg = dict(model_info) if model_info is not None else None
        # Header values and a URL's userinfo may be credentials: scrubbed like the key.
        self._default_headers = secret_headers(default_headers)
        self._errors = ModelErrorContext(
            "anthropic",
            model,
            # Held as secrets: a reference to a variable is read only on first use.
            self._api_key,
            KEY_ENV,
            (*(self._default_headers or {}).values(), *url_secrets(base_url)),
        )
        super().__init__(
            model=model,
            model_info=resolve_model_info(model, self._model_info_arg),
            errors=self._errors,
        )
        self._base_url = base_url
        self._max_tokens = max_tokens
        self._sampling: dict[str, Any] = {
            "temperature": temperature,
            "top_p": top_p,
            "top_k": top_k,
            "stop_sequences": list(stop_sequences) if stop_sequences is not None else None,
            "thinking": dict(thinking) if thinking is not None else None,
            "metadata": dict(metadata) if metadata is not None else None,
        }
        self._timeout = timeout
        self._max_retries = max_retries

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
        request, structured_tool = self._request(
            messages, tools, tool_choice, json_output, extra_create_args
        )
        sdk = self._sdk()
        response = await self._guarded(sdk.messages.create(**request), cancellation_token)
        result = to_create_result(response.model_dump(), structured_tool)
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
        request, structured_tool = self._request(
            messages, tools, tool_choice, json_output, extra_create_args
        )
        opening = self._sdk().messages.create(**request, stream=True)
        assembler = MessageAssembler(structured_tool=structured_tool)
        async for event in self._guarded_stream(opening, cancellation_token):
            text = self._parsed(assembler.add, event.model_dump())
            if text:
                yield text
        result = self._parsed(lambda _: assembler.result(), None)
        self._record(result.usage)
        yield result

    # -- helpers -------------------------------------------------------------------------

    def _make_sdk_client(self) -> AsyncAnthropic:
        from anthropic import AsyncAnthropic

        options: dict[str, Any] = {
            "api_key": secret_value(self._api_key),
            "base_url": self._base_url,
            "max_retries": self._max_retries,
            "default_headers": reveal_headers(self._default_headers),
        }
        if self._timeout is not None:
            options["timeout"] = self._timeout
        return AsyncAnthropic(**options)

    def _translate_error(self, exc: Exception) -> Exception:
        return translate_sdk_error(exc, self._errors) or stream_broken(exc, self._errors)

    def _parsed(self, parse: Any, value: Any) -> Any:
        try:
            return parse(value)
        except MalformedAnswer as exc:
            raise self._response_error(exc.what, todo=exc.todo) from None

    def _request(
        self,
        messages: Sequence[LLMMessage],
        tools: Sequence[Tool | ToolSchema],
        tool_choice: ToolChoice,
        json_output: bool | type[BaseModel] | None,
        extra_create_args: Mapping[str, Any],
    ) -> tuple[dict[str, Any], str | None]:
        """The keyword arguments of ``messages.create`` and the structured-output tool name."""
        self._check_request(messages, tools)
        info = self._model_info
        sampling = {k: v for k, v in self._sampling.items() if v is not None}
        thinking = {**sampling, **extra_create_args}.get("thinking") or {}
        system, turns = to_anthropic_messages(
            messages, keep_thinking=thinking.get("type") in ("enabled", "adaptive")
        )
        body: dict[str, Any] = {
            "model": self._model,
            "max_tokens": self._max_tokens,
            "messages": turns,
            **sampling,
        }
        instructions = [system] if system else []
        api_tools = to_anthropic_tools(tools)
        choice = self._tool_choice(tool_choice, tools)
        structured_tool = None
        if json_output is True:
            self._require(info["json_output"], "JSON output", "json_output")
            instructions.append(JSON_INSTRUCTION)
        elif isinstance(json_output, type) and issubclass(json_output, BaseModel):
            self._require(
                info.get("structured_output", False), "structured output", "structured_output"
            )
            structured_tool = STRUCTURED_OUTPUT_TOOL
            if any(t["name"] == structured_tool for t in api_tools):
                raise ConfigurationError(
                    f"{self._who()}: a tool is named {structured_tool!r}, which structured "
                    "output uses; rename the tool"
                )
            api_tools.append(
                {
                    "name": structured_tool,
                    "description": f"Give the final answer as a {json_output.__name__} object.",
                    "input_schema": json_output.model_json_schema(),
                }
            )
            if tools or body.get("thinking", {}).get("type") == "enabled":
                # The API forbids forcing a tool while thinking, and forcing it would keep
                # the model from calling the caller's tools first.
                instructions.append(
                    f"Give your final answer by calling the {structured_tool} tool."
                )
            else:
                choice = {"type": "tool", "name": structured_tool}
        elif json_output not in (None, False):
            raise ConfigurationError(
                f"{self._who()}: json_output must be True, False, None or a pydantic model "
                f"class, got {json_output!r}"
            )
        if api_tools:
            body["tools"] = api_tools
            if choice is not None:
                body["tool_choice"] = choice
        if instructions:
            body["system"] = "\n\n".join(instructions)
        body.update(extra_create_args)
        return _split_sdk_arguments(body), structured_tool

    def _tool_choice(
        self, tool_choice: ToolChoice, tools: Sequence[Tool | ToolSchema]
    ) -> dict[str, Any] | None:
        if isinstance(tool_choice, str):
            mapped = {"auto": None, "required": {"type": "any"}, "none": {"type": "none"}}
            if tool_choice not in mapped:
                raise ConfigurationError(
                    f"{self._who()}: tool_choice must be 'auto', 'required', 'none' or a tool, "
                    f"got {tool_choice!r}"
                )
            return mapped[tool_choice]
        names = [tool_schema(t)["name"] for t in tools]
        if tool_choice.name not in names:
            raise ConfigurationError(
                f"{self._who()}: tool_choice names the tool {tool_choice.name!r}, which is not "
                f"among the tools passed ({', '.join(names) or 'none'})"
            )
        return {"type": "tool", "name": tool_choice.name}

    def _require(self, supported: bool, what: str, key: str) -> None:
        if not supported:
            raise ConfigurationError(
                f"{self._who()}: {what} was requested but the model info says the model does "
                f"not support it; set model_info[{key!r}]=True if it does"
            )

    # -- declarative config --------------------------------------------------------------

    def _to_config(self) -> AnthropicClientConfig:
        if url_secrets(self._base_url):
            raise ComponentError(
                "AnthropicChatCompletionClient cannot be dumped: its base_url carries "
                "credentials (user:password@) and specs never hold secrets in clear; drop "
                "them from the URL and send them as a header read from the environment, "
                'e.g. default_headers={"Authorization": {"env": "MY_GATEWAY_AUTH"}}'
            )
        return AnthropicClientConfig(
            model=self._model,
            api_key=self._api_key,
            base_url=self._base_url,
            max_tokens=self._max_tokens,
            timeout=self._timeout,
            max_retries=self._max_retries,
            model_info=self._model_info_arg,
            default_headers=self._default_headers,
            **self._sampling,
        )

    @classmethod
    def _from_config(cls, config: AnthropicClientConfig) -> AnthropicChatCompletionClient:
        return cls(
            config.model,
            api_key=config.api_key,
            base_url=config.base_url,
            max_tokens=config.max_tokens,
            temperature=config.temperature,
            top_p=config.top_p,
            top_k=config.top_k,
            stop_sequences=config.stop_sequences,
            thinking=config.thinking,
            metadata=config.metadata,
            timeout=config.timeout,
            max_retries=config.max_retries,
            model_info=config.model_info,
            default_headers=config.default_headers,
        )


_SDK_PARAMETERS: set[str] | None = None


def _split_sdk_arguments(body: dict[str, Any]) -> dict[str, Any]:
    """Pass what the installed SDK knows as arguments and the rest as ``extra_body``.

    So ``extra_create_args`` can carry API fields newer than the installed SDK.
    """
    global _SDK_PARAMETERS
    if _SDK_PARAMETERS is None:
        from anthropic.resources.messages import AsyncMessages

        _SDK_PARAMETERS = set(inspect.signature(AsyncMessages.create).parameters) - {"self"}
    known = {k: v for k, v in body.items() if k in _SDK_PARAMETERS}
    extra = {k: v for k, v in body.items() if k not in _SDK_PARAMETERS}
    if extra:
        known["extra_body"] = {**known.get("extra_body", {}), **extra}
    return known
