"""``McpWorkbench``: the tools, prompts and resources of one MCP server as a workbench."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mcp import ClientSession, types
from pydantic import BaseModel, Field, field_validator
from retinue import CancelledError, ConfigurationError, bounded_repr, bounded_text
from retinue.cancellation import CancellationToken
from retinue.components import ComponentModel, load_nested
from retinue.models import (
    AssistantMessage,
    ChatCompletionClient,
    Image,
    LLMMessage,
    SystemMessage,
    UserMessage,
)
from retinue.tools import (
    StreamWorkbench,
    TextResultContent,
    ToolOverride,
    ToolResult,
    ToolSchema,
    inline_schema_refs,
    validate_tool_name,
)

from ._compat import (
    McpProtocolError,
    cancel_notification,
    error_code,
    from_wire,
    next_request_id,
    sdk_sends_cancellation,
    to_wire,
)
from ._errors import McpServerError
from ._events import McpProgressEvent
from ._params import McpServerParams, check_params
from ._results import DEFAULT_MAX_RESULT_CHARS, to_tool_result
from ._session import Connection, is_connection_loss

__all__ = ["McpWorkbench", "McpWorkbenchConfig", "UserInputFunc"]

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[float, float | None, str | None], Awaitable[None]]

UserInputFunc = Callable[
    [str], "str | Mapping[str, Any] | Awaitable[str | Mapping[str, Any] | None] | None"
]
"""Answers a server's elicitation: gets a prompt, returns the reply (text, an object, or
None to decline); may be async."""

_DECLINE = {"", "decline", "no", "n"}
_NOTHING = object()


class McpWorkbenchConfig(BaseModel):
    """The spec of an :class:`McpWorkbench` (AutoGen's fields, plus filters and limits)."""

    server_params: McpServerParams
    tool_overrides: dict[str, ToolOverride] = Field(default_factory=dict)
    tools: list[str] | None = None
    model_client: ComponentModel | None = None
    timeout: float | None = None
    max_result_chars: int = DEFAULT_MAX_RESULT_CHARS
    roots: list[str] = Field(default_factory=list)

    @field_validator("timeout")
    @classmethod
    def _positive_timeout(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError("timeout must be a positive number of seconds (or null for none)")
        return value

    @field_validator("max_result_chars")
    @classmethod
    def _positive_cap(cls, value: int) -> int:
        if value < 100:
            raise ValueError("max_result_chars must be at least 100")
        return value


def _root_uri(root: str) -> str:
    return root if "://" in root else Path(root).resolve().as_uri()


def _error(name: str, text: str) -> ToolResult:
    return ToolResult(name=name, result=[TextResultContent(content=text)], is_error=True)


class McpWorkbench(StreamWorkbench):
    """The tools of one MCP server (stdio, SSE or streamable HTTP) as a workbench.

    One session serves every call; it starts on first use (or with ``start()`` / ``async
    with``), and a server that died is started again on the next call.  The client side
    of the protocol is complete: tools with every content type, prompts, resources and
    resource templates, sampling (answered by ``model_client``), elicitation (routed to
    ``elicitation_input``; refused when there is none), roots, ``tools/list_changed`` and
    progress (streamed by :meth:`call_tool_stream` as :class:`McpProgressEvent`).

    Args:
        server_params: how to reach the server.
        tool_overrides: server tool name -> new name and/or description for the model.
        tools: only these server tools are shown (all when None).
        model_client: answers the server's sampling requests.
        elicitation_input: answers the server's elicitation requests (a user-input
            callback taking a prompt; return text, an object, or None to decline).
        timeout: seconds a tool call may take (default: no limit); a call past it returns
            an error result and the server is told the request was cancelled.  The start
            and the other requests are bounded by the server params' timeout
            (``read_timeout_seconds`` for stdio, ``timeout`` for HTTP).
        max_result_chars: results are cut to this many characters, with a note.
        roots: directories (or ``file://`` URIs) offered to the server as roots.

    >>> from retinue_mcp import McpWorkbench, StdioServerParams
    >>> bench = McpWorkbench(StdioServerParams(command="mcp-server-everything", args=["stdio"]))
    """

    component_provider = "mcp"
    component_config_schema = McpWorkbenchConfig
    component_label = "McpWorkbench"

    def __init__(
        self,
        server_params: Any,
        tool_overrides: Mapping[str, ToolOverride] | None = None,
        model_client: ChatCompletionClient | None = None,
        *,
        tools: Sequence[str] | None = None,
        elicitation_input: UserInputFunc | None = None,
        timeout: float | None = None,
        max_result_chars: int = DEFAULT_MAX_RESULT_CHARS,
        roots: Sequence[str | Path] = (),
    ) -> None:
        self._params = check_params(server_params)
        self._overrides = dict(tool_overrides or {})
        for server_name, override in self._overrides.items():
            if override.name:
                validate_tool_name(override.name)
            if not isinstance(server_name, str):
                raise ConfigurationError("tool_overrides keys must be the servers' tool names")
        self._filter = list(tools) if tools is not None else None
        self._model_client = model_client
        self._elicitation_input = elicitation_input
        # Validates the settings the same way a spec is validated.
        self._config = McpWorkbenchConfig(
            server_params=self._params,
            tool_overrides=self._overrides,
            tools=self._filter,
            timeout=timeout,
            max_result_chars=max_result_chars,
            roots=[str(root) for root in roots],
        )
        self._roots = [_root_uri(str(root)) for root in roots]
        self._timeout = timeout
        self._connection = Connection(self._params, self._session_kwargs, self._tools_changed)
        self._lock = asyncio.Lock()
        # server tools in wire form, by the name shown to the model; None = list again
        self._tools: dict[str, dict[str, Any]] | None = None
        # each listed tool's argument validator, built on its first call (None: the
        # server's schema is broken, the server judges the arguments)
        self._validators: dict[str, Any] = {}

    # --- lifecycle ----------------------------------------------------------------

    @property
    def server_params(self) -> Any:
        """How the server is reached."""
        return self._params

    async def start(self) -> None:
        """Start the session now (otherwise the first call starts it)."""
        await self._session()

    async def stop(self) -> None:
        """End the session and stop the server process, if any."""
        async with self._lock:
            self._tools = None
            await self._connection.close()

    async def reset(self) -> None:
        """Start over with a fresh session on the next call."""
        await self.stop()

    async def _session(self) -> ClientSession:
        session = self._connection.session
        if session is not None:
            return session
        async with self._lock:
            session = self._connection.session
            if session is None:
                await self._connection.close()  # a session that died: clean it up first
                self._tools = None
                session = await self._connection.open()
            return session

    async def _lost(self) -> None:
        async with self._lock:
            self._tools = None
            await self._connection.close()

    # --- callbacks the server drives ----------------------------------------------

    def _session_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"message_handler": self._on_message}
        kwargs["logging_callback"] = self._on_log
        if self._model_client is not None:
            kwargs["sampling_callback"] = self._on_sampling
        if self._elicitation_input is not None:
            kwargs["elicitation_callback"] = self._on_elicitation
        if self._roots:
            kwargs["list_roots_callback"] = self._on_list_roots
        return kwargs

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, Exception):
            # Garbage on a stdio server's stdout, a broken HTTP response...: the session
            # goes on; a failure before it is ready fails the start with this cause.
            self._connection.note_transport_error(message)
            logger.warning(
                "MCP server %s sent something that is not a protocol message: %s",
                self._connection.describe(),
                bounded_text(str(message), 200),
            )
            return
        data = to_wire(message)
        if isinstance(data, Mapping) and data.get("method") == "notifications/tools/list_changed":
            await self._tools_changed()

    async def _tools_changed(self) -> None:
        self._tools = None  # listed again on next use

    async def _on_log(self, params: Any) -> None:
        data = to_wire(params)
        logger.debug("MCP server %s log: %s", self._connection.describe(), bounded_text(str(data)))

    async def _on_list_roots(self, context: Any) -> Any:
        return from_wire(types.ListRootsResult, {"roots": [{"uri": uri} for uri in self._roots]})

    async def _on_sampling(self, context: Any, params: Any) -> Any:
        assert self._model_client is not None
        request = to_wire(params)
        messages: list[LLMMessage] = []
        if request.get("systemPrompt"):
            messages.append(SystemMessage(content=str(request["systemPrompt"])))
        for message in request.get("messages", []):
            blocks = message.get("content")
            blocks = blocks if isinstance(blocks, list) else [blocks]
            parts: list[str | Image] = []
            for block in blocks:
                if block.get("type") == "text":
                    parts.append(str(block.get("text", "")))
                elif block.get("type") == "image":
                    parts.append(Image(data=block["data"], mime_type=block.get("mimeType")))
            if message.get("role") == "assistant":
                text = "\n".join(p for p in parts if isinstance(p, str))
                messages.append(AssistantMessage(content=text, source="assistant"))
            else:
                only_text = all(isinstance(p, str) for p in parts)
                content: Any = "\n".join(parts) if only_text else parts  # type: ignore[arg-type]
                messages.append(UserMessage(content=content, source="user"))
        try:
            result = await self._model_client.create(messages)
        except Exception as exc:
            logger.info("sampling for MCP server %s failed: %s", self._connection.describe(), exc)
            return from_wire(
                types.ErrorData, {"code": -32603, "message": f"sampling failed: {exc}"[:300]}
            )
        text = (
            result.content
            if isinstance(result.content, str)
            else json.dumps([call.model_dump() for call in result.content])
        )
        return from_wire(
            types.CreateMessageResult,
            {
                "role": "assistant",
                "content": {"type": "text", "text": text},
                "model": str(
                    getattr(self._model_client, "model", type(self._model_client).__name__)
                ),
                "stopReason": "maxTokens" if result.finish_reason == "length" else "endTurn",
            },
        )

    async def _on_elicitation(self, context: Any, params: Any) -> Any:
        assert self._elicitation_input is not None
        request = to_wire(params)
        schema = request.get("requestedSchema") or {}
        properties: dict[str, Any] = schema.get("properties") or {}
        fields = ", ".join(
            f"{name} ({spec.get('type', 'any')})" for name, spec in properties.items()
        )
        prompt = str(request.get("message", "The server asks for input."))
        if fields:
            prompt += f"\nReply with {fields}"
            prompt += " as a JSON object" if len(properties) > 1 else ""
            prompt += ", or 'decline'."
        try:
            reply = self._elicitation_input(prompt)
            if inspect.isawaitable(reply):
                reply = await reply
        except Exception as exc:
            logger.info("the elicitation input callback failed: %s", exc)
            return from_wire(types.ElicitResult, {"action": "cancel"})
        content = _elicited(reply, properties)
        if content is None:
            return from_wire(types.ElicitResult, {"action": "decline"})
        return from_wire(types.ElicitResult, {"action": "accept", "content": content})

    # --- tools --------------------------------------------------------------------

    def _shown(self, tool: Mapping[str, Any]) -> str:
        override = self._overrides.get(tool["name"])
        return override.name if override is not None and override.name else str(tool["name"])

    async def _listing(self, refresh: bool = False) -> dict[str, dict[str, Any]]:
        tools = self._tools
        if tools is not None and not refresh:
            return tools
        session = await self._session()
        listed: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params = from_wire(types.PaginatedRequestParams, {"cursor": cursor}) if cursor else None
            page = to_wire(await self._request(session.list_tools(params=params)))
            listed.extend(page.get("tools", []))
            cursor = page.get("nextCursor")
            if not cursor:
                break
        if self._filter is not None:
            listed = [tool for tool in listed if tool.get("name") in self._filter]
        tools = {self._shown(tool): tool for tool in listed}
        self._validators = {}
        self._tools = tools
        return tools

    async def _request(self, awaitable: Awaitable[Any], bounded: bool = True) -> Any:
        """Await a request; a lost connection ends the session and says so.

        ``bounded`` requests (all but tool calls) get the server params' timeout.
        """
        limit = self._connection.startup_timeout() if bounded else None
        try:
            return await asyncio.wait_for(awaitable, limit)
        except (TimeoutError, asyncio.TimeoutError):
            raise McpServerError(
                f"the MCP server {self._connection.describe()!r} did not answer within "
                f"{limit:g} s; check that it is responsive, or raise the server params' timeout"
            ) from None
        except Exception as exc:
            if is_connection_loss(exc):
                tail = self._connection.stderr_tail()
                await self._lost()
                raise McpServerError(
                    f"the MCP server {self._connection.describe()!r} closed the connection "
                    f"(it exited or hung up){tail}; the next call starts it again"
                ) from None
            if isinstance(exc, McpProtocolError):
                raise McpServerError(
                    f"the MCP server {self._connection.describe()!r} refused the request: "
                    f"{bounded_text(str(exc), 300)} (code {error_code(exc)})"
                ) from None
            raise

    async def list_tools(self) -> list[ToolSchema]:
        """The server's tools (filtered and overridden) as tool schemas.

        Raises:
            McpServerError: the server could not be started or reached.
        """
        schemas = []
        for shown, tool in (await self._listing()).items():
            override = self._overrides.get(tool["name"])
            description = tool.get("description") or ""
            if override is not None and override.description is not None:
                description = override.description
            parameters = inline_schema_refs(tool.get("inputSchema") or {})
            parameters.setdefault("type", "object")
            parameters.setdefault("properties", {})
            parameters.pop("$schema", None)
            schemas.append(ToolSchema(name=shown, description=description, parameters=parameters))  # type: ignore[typeddict-item]
        return schemas

    async def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        cancellation_token: CancellationToken | None = None,
        call_id: str | None = None,
    ) -> ToolResult:
        """Call a tool; failures (unknown tool, bad arguments, server errors, timeouts,
        a server that died) are results with ``is_error=True``.

        Raises:
            retinue.CancelledError: ``cancellation_token`` was cancelled (the server is
                sent ``notifications/cancelled``).
        """
        # No progress callback: the SDK then asks for no progress, and the call needs
        # none of the streaming machinery.
        return await self._call(name, arguments, cancellation_token or CancellationToken(), None)

    async def call_tool_stream(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        cancellation_token: CancellationToken | None = None,
        call_id: str | None = None,
    ) -> AsyncGenerator[McpProgressEvent | ToolResult, None]:
        """Like :meth:`call_tool`, yielding an :class:`McpProgressEvent` for each progress
        notification before the result."""
        events: asyncio.Queue[McpProgressEvent] = asyncio.Queue()

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            events.put_nowait(
                McpProgressEvent(source=name, progress=progress, total=total, message=message)
            )

        call = asyncio.ensure_future(
            self._call(name, arguments, cancellation_token or CancellationToken(), on_progress)
        )
        try:
            while not call.done():
                getter = asyncio.ensure_future(events.get())
                await asyncio.wait({call, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    yield getter.result()
                else:
                    getter.cancel()
            while not events.empty():
                yield events.get_nowait()
            yield call.result()
        finally:
            if not call.done():
                call.cancel()
                await asyncio.wait({call})

    async def _call(
        self,
        name: str,
        arguments: Mapping[str, Any] | None,
        token: CancellationToken,
        on_progress: ProgressCallback | None,
    ) -> ToolResult:
        try:
            tools = await self._listing()
            tool = tools.get(name)
            if tool is None:  # the server may have added it since we listed
                tools = await self._listing(refresh=True)
                tool = tools.get(name)
        except McpServerError as exc:
            return _error(name, f"Error: {exc}")
        if tool is None:
            return _error(
                name,
                f"Error: tool {bounded_repr(name)} not found on the MCP server; available "
                f"tools: {', '.join(sorted(tools)) or '(none)'}",
            )
        validator = self._validators.get(name, _NOTHING)
        if validator is _NOTHING:
            validator = _argument_validator(tool.get("inputSchema") or {})
            self._validators[name] = validator
        problem = _check_arguments(name, validator, arguments)
        if problem is not None:
            return _error(name, problem)
        try:
            session = await self._session()
        except McpServerError as exc:
            return _error(name, f"Error: {exc}")
        return await self._send(
            session, name, tool["name"], dict(arguments or {}), token, on_progress
        )

    async def _send(
        self,
        session: ClientSession,
        shown: str,
        server_name: str,
        arguments: dict[str, Any],
        token: CancellationToken,
        on_progress: ProgressCallback | None,
    ) -> ToolResult:
        request_ids: list[Any] = []

        async def send() -> Any:
            # Read right before the SDK takes it (no await in between), so it is this
            # request's id; 1.x needs it to send notifications/cancelled itself.
            request_ids.append(next_request_id(session))
            return await session.call_tool(server_name, arguments, progress_callback=on_progress)

        task = asyncio.ensure_future(send())
        token.link_future(task)
        try:
            done, _ = await asyncio.wait({task}, timeout=self._timeout)
        except asyncio.CancelledError:  # the caller itself was cancelled
            await self._abandon(session, task, request_ids, "the caller was cancelled")
            raise
        if not done:
            await self._abandon(session, task, request_ids, "timed out")
            return _error(
                shown,
                f"Error: tool {shown!r} did not answer within {self._timeout:g} s; the server "
                "was asked to cancel it. Try again with a smaller request, or raise the "
                "workbench's timeout",
            )
        if task.cancelled():
            await self._abandon(session, task, request_ids, "cancelled")
            raise CancelledError(f"tool {shown!r} was cancelled")
        try:
            result = await self._request(task, bounded=False)
        except McpServerError as exc:
            return _error(shown, f"Error: {exc}")
        except Exception as exc:
            logger.info("MCP tool %r failed: %s", shown, exc, exc_info=True)
            return _error(shown, f"Error: {type(exc).__name__}: {bounded_text(str(exc), 300)}")
        return to_tool_result(shown, to_wire(result), self._config.max_result_chars)

    async def _abandon(
        self, session: ClientSession, task: asyncio.Future[Any], request_ids: list[Any], why: str
    ) -> None:
        task.cancel()
        await asyncio.wait({task}, timeout=5.0)
        if not sdk_sends_cancellation() and request_ids and request_ids[0] is not None:
            try:
                await asyncio.wait_for(
                    session.send_notification(cancel_notification(request_ids[0], why)), 5.0
                )
            except Exception as exc:  # the session may be gone: nothing left to cancel
                logger.debug("could not send notifications/cancelled: %s", exc)

    # --- prompts and resources ------------------------------------------------------

    async def _offering(self, feature: str) -> ClientSession | None:
        """The session when the server declared ``feature`` at start, else None.

        A server without a feature answers its requests with "method not found"; one
        that declared none has none to list.
        """
        session = await self._session()
        return session if feature in self._connection.capabilities else None

    async def _requiring(self, feature: str) -> ClientSession:
        session = await self._offering(feature)
        if session is None:
            raise McpServerError(
                f"the MCP server {self._connection.describe()!r} offers no {feature} (it "
                f"declared no {feature!r} capability when it started); use a server that "
                f"has {feature}, or check list_{feature}() first"
            )
        return session

    async def list_prompts(self) -> list[dict[str, Any]]:
        """The server's prompts (wire form: name, description, arguments); none when
        the server offers no prompts."""
        session = await self._offering("prompts")
        if session is None:
            return []
        return list(to_wire(await self._request(session.list_prompts())).get("prompts", []))

    async def get_prompt(
        self, name: str, arguments: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """One prompt filled with ``arguments`` (wire form: description, messages).

        Raises:
            McpServerError: the server offers no prompts, or refused this one.
        """
        session = await self._requiring("prompts")
        result = await self._request(session.get_prompt(name, dict(arguments or {})))
        return dict(to_wire(result))

    async def list_resources(self) -> list[dict[str, Any]]:
        """The server's resources (wire form: uri, name, mimeType, ...); none when the
        server offers no resources."""
        session = await self._offering("resources")
        if session is None:
            return []
        return list(to_wire(await self._request(session.list_resources())).get("resources", []))

    async def list_resource_templates(self) -> list[dict[str, Any]]:
        """The server's resource templates (wire form: uriTemplate, name, ...); none when
        the server offers no resources."""
        session = await self._offering("resources")
        if session is None:
            return []
        result = await self._request(session.list_resource_templates())
        return list(to_wire(result).get("resourceTemplates", []))

    async def read_resource(self, uri: str) -> list[dict[str, Any]]:
        """The contents of one resource (wire form: uri, mimeType, text or blob).

        Raises:
            McpServerError: the server offers no resources, or refused this one.
        """
        session = await self._requiring("resources")
        return list(to_wire(await self._request(session.read_resource(uri))).get("contents", []))

    async def set_roots(self, roots: Sequence[str | Path]) -> None:
        """Replace the roots offered to the server and tell it they changed."""
        self._roots = [_root_uri(str(root)) for root in roots]
        self._config.roots = [str(root) for root in roots]
        session = self._connection.session
        if session is not None:
            await self._request(session.send_roots_list_changed())

    # --- state and specs ------------------------------------------------------------

    async def save_state(self) -> Mapping[str, Any]:
        """Nothing to save: the server holds its own state."""
        return {}

    async def load_state(self, state: Mapping[str, Any]) -> None:
        """Nothing to load (see :meth:`save_state`)."""
        return None

    def _to_config(self) -> McpWorkbenchConfig:
        config = self._config.model_copy()
        if self._model_client is not None:
            config.model_client = self._model_client.dump_component()
        return config

    @classmethod
    def _from_config(cls, config: McpWorkbenchConfig) -> McpWorkbench:
        model_client = (
            load_nested(config.model_client, ChatCompletionClient, "model_client")
            if config.model_client is not None
            else None
        )
        return cls(
            config.server_params,
            tool_overrides=config.tool_overrides,
            model_client=model_client,
            tools=config.tools,
            timeout=config.timeout,
            max_result_chars=config.max_result_chars,
            roots=config.roots,
        )


def _elicited(reply: Any, properties: Mapping[str, Any]) -> dict[str, Any] | None:
    """The content of an accepted elicitation, or None to decline."""
    if reply is None:
        return None
    if isinstance(reply, Mapping):
        return dict(reply)
    text = str(reply).strip()
    if text.lower() in _DECLINE:
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = _NOTHING
    if isinstance(parsed, dict):
        return parsed
    if len(properties) == 1:
        ((field, spec),) = properties.items()
        kind = spec.get("type") if isinstance(spec, Mapping) else None
        value: Any = text
        if kind in ("integer", "number", "boolean") and parsed is not _NOTHING:
            value = parsed
        return {field: value}
    return None


def _argument_validator(schema: Mapping[str, Any]) -> Any:
    """A validator for a tool's input schema, or None when the schema itself is broken."""
    import jsonschema

    validator_class = jsonschema.validators.validator_for(schema, jsonschema.Draft202012Validator)
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError:
        return None  # the server's own schema is broken: let the server judge the call
    return validator_class(schema)


def _check_arguments(name: str, validator: Any, arguments: Mapping[str, Any] | None) -> str | None:
    """A message the model can act on when ``arguments`` do not match the tool's schema."""
    if arguments is not None and not isinstance(arguments, Mapping):
        return (
            f"Error: invalid arguments for tool {name!r}: expected a JSON object of named "
            f"arguments, got {type(arguments).__name__}"
        )
    if validator is None:
        return None
    errors = sorted(validator.iter_errors(dict(arguments or {})), key=lambda e: list(e.path))
    if not errors:
        return None
    problems = []
    for error in errors[:5]:
        where = ".".join(str(part) for part in error.path) or "arguments"
        problems.append(f"{bounded_text(where)}: {bounded_text(error.message, 160)}")
    more = f"; and {len(errors) - 5} more" if len(errors) > 5 else ""
    return (
        f"Error: invalid arguments for tool {name!r}: {'; '.join(problems)}{more}. "
        "Call the tool again with corrected arguments."
    )
