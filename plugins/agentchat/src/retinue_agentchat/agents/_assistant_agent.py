"""``AssistantAgent``: answers with a model, calls tools, hands off, remembers."""

from __future__ import annotations

import logging
import string
import uuid
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from retinue import ConfigurationError, ModelClientError, StateError, bounded_repr, bounded_text
from retinue.cancellation import CancellationToken
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    ChatCompletionContext,
    HandoffMessage,
    Memory,
    MemoryQueryEvent,
    ModelClientStreamingChunkEvent,
    Response,
    StructuredMessage,
    TextMessage,
    ThoughtEvent,
    ToolCallExecutionEvent,
    ToolCallRequestEvent,
    ToolCallSummaryMessage,
)
from retinue.components import ComponentModel, load_component, validate_config
from retinue.models import (
    AssistantMessage,
    ChatCompletionClient,
    CreateResult,
    FunctionCall,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    LLMMessage,
    SystemMessage,
    ToolChoice,
)
from retinue.tools import Tool, ToolSchema, Workbench

from ._base_chat_agent import invoke_agent_span, require_state_mapping
from ._context_agent import ModelContextAgent, load_model_context
from ._handoff import Handoff
from ._model_calls import call_model, call_model_once, to_spec, to_specs
from ._tool_calls import DEFAULT_MAX_TOOL_RESULT_CHARS, ToolCallRunner, ToolListing

__all__ = ["AssistantAgent", "AssistantAgentConfig"]

logger = logging.getLogger(__name__)

DEFAULT_SYSTEM_MESSAGE = (
    "You are a helpful AI assistant. Solve tasks using your tools. "
    "Reply with TERMINATE when the task has been completed."
)
DEFAULT_DESCRIPTION = "An agent that provides assistance with ability to use tools."

ToolCallSummaryFormatter = Callable[[FunctionCall, FunctionExecutionResult], str]

SUMMARY_PLACEHOLDERS = ("tool_name", "arguments", "result", "is_error")
"""The placeholders ``tool_call_summary_format`` may use (AutoGen's)."""


def check_summary_format(agent_name: str, summary_format: Any) -> str:
    """Refuse a ``tool_call_summary_format`` that would fail when the first summary is made.

    Placeholders must be bare names from :data:`SUMMARY_PLACEHOLDERS` (a conversion
    and a format spec are fine); the format is tried once on sample values.
    """
    allowed = ", ".join(f"{{{name}}}" for name in SUMMARY_PLACEHOLDERS)
    where = f"agent {agent_name!r}: tool_call_summary_format"
    if not isinstance(summary_format, str):
        raise ConfigurationError(
            f"{where} must be a string using {allowed}, got {type(summary_format).__name__}"
        )
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(summary_format)]
    except ValueError as exc:
        raise ConfigurationError(
            f"{where} {bounded_repr(summary_format)} is not a format string ({exc}); "
            "write literal braces as {{ and }}"
        ) from exc
    for field in fields:
        if field is not None and field not in SUMMARY_PLACEHOLDERS:
            raise ConfigurationError(
                f"{where} has the placeholder {bounded_repr('{' + field + '}')}; the allowed "
                f"placeholders are {allowed} (write literal braces as {{{{ and }}}})"
            )
    try:
        summary_format.format(tool_name="tool", arguments="{}", result="result", is_error=False)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"{where} {bounded_repr(summary_format)} cannot be applied ({exc}); check the "
            "format specs after ':' in its placeholders"
        ) from exc
    return summary_format


class AssistantAgentConfig(BaseModel):
    """The declarative config of :class:`AssistantAgent` (version 2).

    ``output_content_type`` and ``tool_call_summary_formatter`` are Python objects and
    are not part of the config: set them again after loading.
    """

    model_config = ConfigDict(defer_build=True)

    name: str
    model_client: ComponentModel
    workbench: list[ComponentModel] | None = None
    tools: list[ComponentModel] | None = None
    handoffs: list[Handoff | str] | None = None
    model_context: ComponentModel | None = None
    memory: list[ComponentModel] | None = None
    description: str = DEFAULT_DESCRIPTION
    system_message: str | None = None
    model_client_stream: bool = False
    reflect_on_tool_use: bool = False
    tool_call_summary_format: str = "{result}"
    max_tool_iterations: int = Field(default=1, ge=1)
    max_tool_result_chars: int | None = Field(default=DEFAULT_MAX_TOOL_RESULT_CHARS, ge=1)
    metadata: dict[str, str] | None = None

    _spec = field_validator("model_client", "model_context", mode="before")(to_spec)
    _specs = field_validator("workbench", "tools", "memory", mode="before")(to_specs)


class AssistantAgent(ModelContextAgent):
    """An agent that answers with a model and can call tools, hand off and use memory.

    One turn: the new messages go into the model context (a handoff's context first);
    each memory may add to it (``MemoryQueryEvent``); the model is called with the
    system message, the context, the tools of every workbench and one tool per
    handoff.  A text reply ends the turn as a ``TextMessage`` (a ``StructuredMessage``
    when ``output_content_type`` is set).  Tool calls are announced
    (``ToolCallRequestEvent``), run concurrently and reported
    (``ToolCallExecutionEvent``); a handoff call ends the turn with a
    ``HandoffMessage``.  Otherwise the model is called again, up to
    ``max_tool_iterations`` rounds, and the turn ends with a reflection (a last model
    call) or a ``ToolCallSummaryMessage`` built with ``tool_call_summary_format``.

    Tool errors, unknown tool names and arguments that are not JSON (or nest too
    deeply, or hold numbers too long to read) go back to the model as error results.
    A tool result longer than ``max_tool_result_chars`` (default 50 000; None for no
    limit) enters the model context cut to that length, with a note telling the model
    how much was cut and to ask for less.  Cancelling the run's token during a tool
    call raises :class:`~retinue.CancelledError`; the model context then records the
    interrupted calls as error results, so the next run starts from a valid context.

    With ``model_client_stream=True`` the model's text streams as
    ``ModelClientStreamingChunkEvent``\\ s; a model's reasoning is reported as a
    ``ThoughtEvent``.  Images are replaced by ``[image]`` for models
    without vision.

    Example::

        agent = AssistantAgent("helper", model_client, tools=[get_weather])
        result = await agent.run(task="What is the weather in Paris?")
    """

    component_provider = "assistant_agent"
    component_version = 2
    component_config_schema = AssistantAgentConfig

    def __init__(
        self,
        name: str,
        model_client: ChatCompletionClient,
        *,
        tools: Sequence[Tool | Callable[..., Any]] | None = None,
        workbench: Workbench | Sequence[Workbench] | None = None,
        handoffs: Sequence[Handoff | str] | None = None,
        model_context: ChatCompletionContext | None = None,
        description: str = DEFAULT_DESCRIPTION,
        system_message: str | None = DEFAULT_SYSTEM_MESSAGE,
        model_client_stream: bool = False,
        reflect_on_tool_use: bool | None = None,
        max_tool_iterations: int = 1,
        tool_call_summary_format: str = "{result}",
        tool_call_summary_formatter: ToolCallSummaryFormatter | None = None,
        max_tool_result_chars: int | None = DEFAULT_MAX_TOOL_RESULT_CHARS,
        output_content_type: type[BaseModel] | None = None,
        output_content_type_format: str | None = None,
        memory: Sequence[Memory] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(name, description, model_context)
        if not isinstance(model_client, ChatCompletionClient):
            raise ConfigurationError(
                f"agent {name!r}: model_client must be a ChatCompletionClient, got "
                f"{type(model_client).__name__}"
            )
        if (
            isinstance(max_tool_iterations, bool)
            or not isinstance(max_tool_iterations, int)
            or (max_tool_iterations < 1)
        ):
            raise ConfigurationError(
                f"agent {name!r}: max_tool_iterations must be an integer >= 1, got "
                f"{max_tool_iterations!r}"
            )
        if max_tool_result_chars is not None and (
            isinstance(max_tool_result_chars, bool)
            or not isinstance(max_tool_result_chars, int)
            or max_tool_result_chars < 1
        ):
            raise ConfigurationError(
                f"agent {name!r}: max_tool_result_chars must be an integer >= 1 or None (no "
                f"limit), got {bounded_repr(max_tool_result_chars)}"
            )
        check_summary_format(name, tool_call_summary_format)
        if output_content_type is not None and not (
            isinstance(output_content_type, type) and issubclass(output_content_type, BaseModel)
        ):
            raise ConfigurationError(
                f"agent {name!r}: output_content_type must be a pydantic model class, got "
                f"{output_content_type!r}"
            )
        self._model_client = model_client
        self._system_messages = [SystemMessage(content=system_message)] if system_message else []
        self._system_message = system_message
        self._model_client_stream = model_client_stream
        self._max_tool_iterations = max_tool_iterations
        self._tool_call_summary_format = tool_call_summary_format
        self._tool_call_summary_formatter = tool_call_summary_formatter
        self._max_tool_result_chars = max_tool_result_chars
        self._output_content_type = output_content_type
        self._output_content_type_format = output_content_type_format
        self._reflect_on_tool_use = (
            reflect_on_tool_use
            if reflect_on_tool_use is not None
            else output_content_type is not None
        )
        self._memory = list(memory or [])
        self._metadata = dict(metadata or {})
        self._workbenches = self._build_workbenches(tools, workbench)
        self._handoffs = self._build_handoffs(handoffs)
        # Tools given here and handoffs need function calling from the start.  A workbench
        # may list no tools at all (AutoGen's AssistantAgent specs always carry an empty
        # StaticStreamWorkbench), so what it lists is checked when it is listed.
        if (tools or self._handoffs) and not self._function_calling:
            raise ConfigurationError(
                f"agent {name!r}: tools and handoffs need a model with function calling, but "
                f"the model_info of {type(model_client).__name__} says function_calling=False"
            )
        self._tool_runner = ToolCallRunner(
            self._workbenches,
            {h.name: h.message for h in self._handoffs.values()},
            max_tool_result_chars,
        )

    # -- construction helpers -------------------------------------------------

    def _build_workbenches(
        self,
        tools: Sequence[Tool | Callable[..., Any]] | None,
        workbench: Workbench | Sequence[Workbench] | None,
    ) -> list[Workbench]:
        if tools and workbench:
            raise ConfigurationError(
                f"agent {self.name!r}: pass either tools or workbench, not both; put the tools "
                "into the workbench (e.g. StaticWorkbench([...]))"
            )
        if workbench is not None:
            workbenches = [workbench] if isinstance(workbench, Workbench) else list(workbench)
            wrong = [type(w).__name__ for w in workbenches if not isinstance(w, Workbench)]
            if wrong:
                raise ConfigurationError(
                    f"agent {self.name!r}: workbench must be Workbench objects, "
                    f"got {', '.join(wrong)}"
                )
            return workbenches
        if not tools:
            return []
        from retinue.tools import FunctionTool, StaticStreamWorkbench

        built: list[Tool] = []
        for tool in tools:
            if isinstance(tool, Tool):
                built.append(tool)
            elif callable(tool):
                description = (getattr(tool, "__doc__", None) or "").strip()
                built.append(FunctionTool(tool, description=description))
            else:
                raise ConfigurationError(
                    f"agent {self.name!r}: tools must be Tool objects or functions, "
                    f"got {type(tool).__name__}"
                )
        names = [tool.name for tool in built]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigurationError(
                f"agent {self.name!r}: tool names must be unique, {', '.join(duplicates)} "
                "appears more than once; rename one of them"
            )
        return [StaticStreamWorkbench(built)]

    def _build_handoffs(self, handoffs: Sequence[Handoff | str] | None) -> dict[str, Handoff]:
        result: dict[str, Handoff] = {}
        for item in handoffs or []:
            if isinstance(item, str):
                item = Handoff(target=item)
            elif not isinstance(item, Handoff):
                raise ConfigurationError(
                    f"agent {self.name!r}: handoffs must be agent names or Handoff objects, got "
                    f"{type(item).__name__}"
                )
            if item.name in result:
                raise ConfigurationError(
                    f"agent {self.name!r}: two handoffs use the tool name {item.name!r}; "
                    "give each a distinct name"
                )
            result[item.name] = item
        return result

    # -- properties ---------------------------------------------------------

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        types: list[type[BaseChatMessage]] = [
            StructuredMessage if self._output_content_type is not None else TextMessage
        ]
        if self._handoffs:
            types.append(HandoffMessage)
        if self._workbenches and not self._reflect_on_tool_use:
            types.append(ToolCallSummaryMessage)
        return types

    @property
    def model_client(self) -> ChatCompletionClient:
        return self._model_client

    @property
    def handoffs(self) -> dict[str, Handoff]:
        """Handoffs by tool name."""
        return dict(self._handoffs)

    # -- the turn -----------------------------------------------------------

    async def on_messages_stream(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        with invoke_agent_span(self):
            async for item in self._turn(messages, cancellation_token):
                yield item

    async def _turn(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        await self._add_to_context(messages)

        inner: list[BaseAgentEvent | BaseChatMessage] = []
        for memory in self._memory:
            update = await memory.update_context(self._model_context)
            if update.memories.results:
                event = MemoryQueryEvent(content=list(update.memories.results), source=self.name)
                inner.append(event)
                yield event

        listing = await self._list_tools()
        tools: Sequence[ToolSchema] = listing.schemas
        tool_choice: ToolChoice = "auto"
        reflecting = False
        iterations = 0
        while True:
            # One model call per pass: first, after each tool round, and the reflection.
            # Only a streamed reply needs its message id before the reply is complete.
            message_id = str(uuid.uuid4()) if self._model_client_stream else None
            if message_id is not None:
                result: CreateResult | None = None
                async for item in self._streamed_reply(
                    message_id, tools, tool_choice, cancellation_token
                ):
                    if isinstance(item, CreateResult):
                        result = item
                    else:
                        yield item
                assert result is not None
            else:
                result = await call_model_once(
                    self._model_client,
                    [*self._system_messages, *await self._model_context.get_messages()],
                    cancellation_token=cancellation_token,
                    tools=tools,
                    tool_choice=tool_choice,
                    json_output=self._output_content_type,
                )
            await self._model_context.add_message(
                AssistantMessage(
                    content=result.content,
                    source=self.name,
                    thought=result.thought,
                    # Signed reasoning goes back with the reply, or the provider refuses
                    # the next request of a tool loop.
                    thinking_blocks=result.thinking_blocks,
                )
            )
            if result.thought:
                thought = ThoughtEvent(content=result.thought, source=self.name)
                inner.append(thought)
                yield thought
            if isinstance(result.content, str):
                yield Response(
                    chat_message=self._final_message(result, message_id), inner_messages=inner
                )
                return
            if reflecting:
                raise ModelClientError(
                    f"agent {self.name!r}: the model answered the reflection call (made without "
                    "tools) with tool calls; use a model client that honours an empty tool list"
                )

            calls = list(result.content)
            request = ToolCallRequestEvent(
                content=calls, source=self.name, models_usage=result.usage
            )
            inner.append(request)
            yield request
            results: list[FunctionExecutionResult] = []
            try:
                async for output in self._tool_runner.run_all(calls, listing, cancellation_token):
                    if isinstance(output, list):
                        results = output
                    else:
                        inner.append(output)
                        yield output
            except BaseException as exc:
                # The context holds the model's tool calls; without their results the
                # next model call would be refused, so record them as interrupted.
                interrupted = self._tool_runner.interrupted_results(calls, exc)
                await self._model_context.add_message(
                    FunctionExecutionResultMessage(content=interrupted)
                )
                raise
            execution = ToolCallExecutionEvent(content=results, source=self.name)
            inner.append(execution)
            yield execution
            await self._model_context.add_message(FunctionExecutionResultMessage(content=results))

            handoff = self._handoff_response(calls, results, inner)
            if handoff is not None:
                yield handoff
                return
            iterations += 1
            if iterations < self._max_tool_iterations:
                continue
            if not self._reflect_on_tool_use:
                yield Response(chat_message=self._summary(calls, results), inner_messages=inner)
                return
            # The reflection asks for text: no tools and tool_choice "none", as AutoGen
            # sends it (a client passes "none" on only where the request has tools).
            reflecting = True
            tools = []
            tool_choice = "none"

    @property
    def _function_calling(self) -> bool:
        return bool(self._model_client.model_info.get("function_calling", False))

    async def _list_tools(self) -> ToolListing:
        listing = await self._tool_runner.list_tools()
        if listing.schemas and not self._function_calling:
            names = ", ".join(schema["name"] for schema in listing.schemas)
            raise ConfigurationError(
                f"agent {self.name!r}: the workbench lists tools ({bounded_text(names, 200)}) "
                f"but the model_info of {type(self._model_client).__name__} says "
                "function_calling=False; use a model with function calling, or a workbench "
                "without tools"
            )
        if not self._handoffs:
            return listing
        clashes = sorted(set(self._handoffs) & set(listing.routes))
        if clashes:
            raise ConfigurationError(
                f"agent {self.name!r}: the handoff tool name(s) {', '.join(clashes)} clash with "
                "workbench tools; give the handoffs other names"
            )
        listing.schemas.extend(handoff.tool_schema for handoff in self._handoffs.values())
        return listing

    async def _streamed_reply(
        self,
        message_id: str,
        tools: Sequence[ToolSchema],
        tool_choice: ToolChoice,
        cancellation_token: CancellationToken,
    ) -> AsyncGenerator[ModelClientStreamingChunkEvent | CreateResult, None]:
        """Stream one model call: chunk events, then the ``CreateResult``."""
        messages: list[LLMMessage] = [
            *self._system_messages,
            *await self._model_context.get_messages(),
        ]
        async for item in call_model(
            self._model_client,
            messages,
            source=self.name,
            message_id=message_id,
            stream=True,
            cancellation_token=cancellation_token,
            tools=tools,
            tool_choice=tool_choice,
            json_output=self._output_content_type,
        ):
            yield item

    def _final_message(self, result: CreateResult, message_id: str | None) -> BaseChatMessage:
        assert isinstance(result.content, str)
        # A streamed reply keeps the id its chunks announced; otherwise the message makes one.
        given_id = {"id": message_id} if message_id is not None else {}
        if result.refusal is not None:
            # The model declined: its reason is the reply, marked so callers can tell.
            return TextMessage(
                content=result.content,
                source=self.name,
                models_usage=result.usage,
                metadata={"refusal": "true"},
                **given_id,
            )
        if self._output_content_type is None:
            return TextMessage(
                content=result.content, source=self.name, models_usage=result.usage, **given_id
            )
        try:
            content = self._output_content_type.model_validate_json(result.content)
        except ValidationError as exc:
            raise ModelClientError(
                f"agent {self.name!r}: the model's reply does not match output_content_type "
                f"{self._output_content_type.__name__}: {exc.errors()[0]['msg']} "
                f"(reply: {result.content[:200]!r}); use a model with structured output"
            ) from exc
        message_class = StructuredMessage[self._output_content_type]  # type: ignore[name-defined]
        return message_class(
            **given_id,
            content=content,
            source=self.name,
            models_usage=result.usage,
            format_string=self._output_content_type_format,
            content_type=self._output_content_type.__name__,
        )

    def _handoff_response(
        self,
        calls: Sequence[FunctionCall],
        results: Sequence[FunctionExecutionResult],
        inner: list[BaseAgentEvent | BaseChatMessage],
    ) -> Response | None:
        chosen = [call for call in calls if call.name in self._handoffs]
        if not chosen:
            return None
        if len(chosen) > 1:
            logger.warning(
                "agent %r: the model called %d handoffs at once; using the first, %s",
                self.name,
                len(chosen),
                chosen[0].name,
            )
        handoff = self._handoffs[chosen[0].name]
        # The target gets the other calls and their results, so it knows what was done.
        other_calls = [call for call in calls if call.name not in self._handoffs]
        other_results = [result for result in results if result.name not in self._handoffs]
        context: list[LLMMessage] = []
        if other_calls:
            context = [
                AssistantMessage(content=other_calls, source=self.name),
                FunctionExecutionResultMessage(content=other_results),
            ]
        message = HandoffMessage(
            content=handoff.message, target=handoff.target, source=self.name, context=context
        )
        return Response(chat_message=message, inner_messages=inner)

    def _summary(
        self, calls: Sequence[FunctionCall], results: Sequence[FunctionExecutionResult]
    ) -> ToolCallSummaryMessage:
        lines = []
        for call, result in zip(calls, results, strict=True):
            if self._tool_call_summary_formatter is not None:
                lines.append(self._tool_call_summary_formatter(call, result))
            else:
                lines.append(
                    self._tool_call_summary_format.format(
                        tool_name=call.name,
                        arguments=call.arguments,
                        result=result.content,
                        is_error=result.is_error,
                    )
                )
        return ToolCallSummaryMessage(
            content="\n".join(lines),
            source=self.name,
            tool_calls=list(calls),
            results=list(results),
        )

    # -- lifecycle and state ----------------------------------------------------

    async def save_state(self) -> Mapping[str, Any]:
        return await self._state_with_context("AssistantAgentState")

    async def load_state(self, state: Mapping[str, Any]) -> None:
        state = require_state_mapping(self.name, state)
        context = state.get("llm_context")
        if not isinstance(context, Mapping):
            raise StateError(
                f"agent {self.name!r}: state has no 'llm_context' mapping; pass a state saved "
                "by AssistantAgent.save_state()"
            )
        await self._model_context.load_state(context)

    async def close(self) -> None:
        await self._model_client.close()

    # -- declarative config -----------------------------------------------------

    def _to_config(self) -> AssistantAgentConfig:
        if self._tool_call_summary_formatter is not None:
            logger.warning(
                "agent %r: tool_call_summary_formatter is a function and is not dumped", self.name
            )
        if self._output_content_type is not None:
            logger.warning(
                "agent %r: output_content_type is a Python class and is not dumped", self.name
            )
        return AssistantAgentConfig(
            name=self.name,
            model_client=self._model_client.dump_component(),
            workbench=[wb.dump_component() for wb in self._workbenches] or None,
            handoffs=list(self._handoffs.values()) or None,
            model_context=self._model_context.dump_component(),
            memory=[memory.dump_component() for memory in self._memory] or None,
            description=self.description,
            system_message=self._system_message,
            model_client_stream=self._model_client_stream,
            reflect_on_tool_use=self._reflect_on_tool_use,
            tool_call_summary_format=self._tool_call_summary_format,
            max_tool_iterations=self._max_tool_iterations,
            max_tool_result_chars=self._max_tool_result_chars,
            metadata=self._metadata or None,
        )

    @classmethod
    def _from_config(cls, config: AssistantAgentConfig) -> AssistantAgent:
        tools = [load_component(spec, Tool) for spec in config.tools or []]
        workbenches = [load_component(spec, Workbench) for spec in config.workbench or []]
        return cls(
            name=config.name,
            model_client=load_component(config.model_client, ChatCompletionClient),
            tools=tools or None,
            workbench=workbenches or None,
            handoffs=config.handoffs,
            model_context=load_model_context(config.model_context),
            memory=[load_component(spec, Memory) for spec in config.memory or []] or None,
            description=config.description,
            system_message=config.system_message,
            model_client_stream=config.model_client_stream,
            reflect_on_tool_use=config.reflect_on_tool_use,
            max_tool_iterations=config.max_tool_iterations,
            tool_call_summary_format=config.tool_call_summary_format,
            max_tool_result_chars=config.max_tool_result_chars,
            metadata=config.metadata,
        )

    @classmethod
    def _from_config_past_version(cls, config: dict[str, Any], version: int) -> AssistantAgent:
        """Version 1 (AutoGen 0.4 era) listed ``tools`` and had no ``workbench``."""
        if version != 1:
            return super()._from_config_past_version(config, version)  # type: ignore[no-any-return]
        migrated = {key: value for key, value in config.items() if key != "workbench"}
        return cls._from_config(validate_config(AssistantAgentConfig, migrated))
