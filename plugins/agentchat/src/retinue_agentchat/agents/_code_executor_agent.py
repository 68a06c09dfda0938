"""``CodeExecutorAgent``: runs code from messages, or writes it with a model and runs it."""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from retinue import ConfigurationError
from retinue.cancellation import CancellationToken
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    ChatCompletionContext,
    CodeExecutionEvent,
    CodeGenerationEvent,
    Response,
    TextMessage,
)
from retinue.code import CodeBlock, CodeExecutor, CodeResult, extract_markdown_code_blocks
from retinue.components import ComponentModel, load_component
from retinue.models import (
    AssistantMessage,
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
    SystemMessage,
    UserMessage,
)

from ._base_chat_agent import invoke_agent_span, require_state_mapping
from ._context_agent import ModelContextAgent, load_model_context
from ._model_calls import call_model, to_spec

__all__ = [
    "ApprovalFuncType",
    "ApprovalRequest",
    "ApprovalResponse",
    "CodeExecutorAgent",
    "CodeExecutorAgentConfig",
    "RetryDecision",
]

logger = logging.getLogger(__name__)

DEFAULT_DESCRIPTION = (
    "An agent that runs Python and shell code: it executes the code blocks it is given, "
    "or writes code for a task and runs it."
)
DEFAULT_SYSTEM_MESSAGE = (
    "You solve tasks by writing code that an executor runs for you. Put each script in a "
    "fenced markdown block tagged with its language (```python or ```sh). Make scripts "
    "print their results. When a run fails, read the output and fix the code."
)
NO_CODE_FOUND = (
    "No code blocks found in the thread. Provide at least one fenced markdown code block "
    "to execute, e.g. ```python or ```sh."
)
_RETRY_PROMPT = (
    "The code failed. Decide whether to try again with corrected code. Answer with JSON "
    '{"reason": "<why>", "retry": true|false}.'
)
_REFLECT_PROMPT = "Summarize the outcome of the code execution above for the task."


class ApprovalRequest(BaseModel):
    """Code about to run and the model context it was written in."""

    model_config = ConfigDict(defer_build=True)

    code: str
    context: list[LLMMessage]


class ApprovalResponse(BaseModel):
    """Whether the code may run; ``reason`` is reported when it may not."""

    model_config = ConfigDict(defer_build=True)

    approved: bool
    reason: str


class RetryDecision(BaseModel):
    """The model's answer to "retry after this failure?"."""

    model_config = ConfigDict(defer_build=True)

    reason: str
    retry: bool


ApprovalFuncType = Callable[[ApprovalRequest], "ApprovalResponse | Awaitable[ApprovalResponse]"]


class CodeExecutorAgentConfig(BaseModel):
    """Declarative config of :class:`CodeExecutorAgent` (``approval_func`` is not dumped)."""

    model_config = ConfigDict(defer_build=True)

    name: str
    code_executor: ComponentModel
    model_client: ComponentModel | None = None
    description: str = DEFAULT_DESCRIPTION
    sources: list[str] | None = None
    system_message: str | None = DEFAULT_SYSTEM_MESSAGE
    model_client_stream: bool = False
    model_context: ComponentModel | None = None
    supported_languages: list[str] | None = None
    max_retries_on_error: int = Field(default=0, ge=0)

    _spec = field_validator("code_executor", "model_client", "model_context", mode="before")(
        to_spec
    )


class CodeExecutorAgent(ModelContextAgent):
    """Runs code with a :class:`~retinue.code.CodeExecutor`.

    Without ``model_client`` it runs the fenced code blocks of the incoming
    ``TextMessage``\\ s (from ``sources`` only, when given) whose language is in
    ``supported_languages``, and replies with the output.

    With ``model_client`` it writes code for the task (``CodeGenerationEvent``), runs
    it (``CodeExecutionEvent``) and, when the run fails, asks the model whether to
    retry, up to ``max_retries_on_error`` times; a last model call summarizes the
    outcome as the reply.

    ``approval_func`` (sync or async) receives an :class:`ApprovalRequest` before any
    code runs; code it rejects is not run, and the reason is reported as the result.
    """

    component_provider = "code_executor_agent"
    component_config_schema = CodeExecutorAgentConfig

    def __init__(
        self,
        name: str,
        code_executor: CodeExecutor,
        *,
        model_client: ChatCompletionClient | None = None,
        model_context: ChatCompletionContext | None = None,
        model_client_stream: bool = False,
        max_retries_on_error: int = 0,
        description: str | None = None,
        system_message: str | None = DEFAULT_SYSTEM_MESSAGE,
        sources: Sequence[str] | None = None,
        supported_languages: Sequence[str] | None = None,
        approval_func: ApprovalFuncType | None = None,
    ) -> None:
        super().__init__(
            name, description if description is not None else DEFAULT_DESCRIPTION, model_context
        )
        if not isinstance(code_executor, CodeExecutor):
            raise ConfigurationError(
                f"agent {name!r}: code_executor must be a CodeExecutor, got "
                f"{type(code_executor).__name__}"
            )
        if model_client is not None and not isinstance(model_client, ChatCompletionClient):
            raise ConfigurationError(
                f"agent {name!r}: model_client must be a ChatCompletionClient or None, got "
                f"{type(model_client).__name__}"
            )
        if (
            isinstance(max_retries_on_error, bool)
            or not isinstance(max_retries_on_error, int)
            or (max_retries_on_error < 0)
        ):
            raise ConfigurationError(
                f"agent {name!r}: max_retries_on_error must be an integer >= 0, got "
                f"{max_retries_on_error!r}"
            )
        if max_retries_on_error and model_client is None:
            raise ConfigurationError(
                f"agent {name!r}: max_retries_on_error needs a model_client to write new code; "
                "pass one or set max_retries_on_error=0"
            )
        if approval_func is not None and not callable(approval_func):
            raise ConfigurationError(
                f"agent {name!r}: approval_func must be a function, "
                f"got {type(approval_func).__name__}"
            )
        self._code_executor = code_executor
        self._model_client = model_client
        self._model_client_stream = model_client_stream
        self._max_retries_on_error = max_retries_on_error
        self._system_message = system_message
        self._sources = list(sources) if sources is not None else None
        self._supported_languages = [
            language.lower() for language in (supported_languages or ["python", "sh"])
        ]
        self._approval_func = approval_func

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return [TextMessage]

    @property
    def code_executor(self) -> CodeExecutor:
        return self._code_executor

    async def on_messages_stream(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        with invoke_agent_span(self):
            steps = (
                self._run_given_code(messages, cancellation_token)
                if self._model_client is None
                else self._write_and_run(messages, cancellation_token)
            )
            async for item in steps:
                yield item

    # -- without a model: run what we are given -----------------------------------

    async def _run_given_code(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | Response, None]:
        blocks: list[CodeBlock] = []
        for message in messages:
            if not isinstance(message, TextMessage):
                continue
            if self._sources is not None and message.source not in self._sources:
                continue
            blocks.extend(self._supported(extract_markdown_code_blocks(message.content)))
        if not blocks:
            yield Response(chat_message=TextMessage(content=NO_CODE_FOUND, source=self.name))
            return
        context = [message.to_model_message() for message in messages]
        result = await self._approve_and_execute(blocks, context, cancellation_token)
        event = CodeExecutionEvent(retry_attempt=0, result=result, source=self.name)
        yield event
        yield Response(
            chat_message=TextMessage(content=_describe(result), source=self.name),
            inner_messages=[event],
        )

    def _supported(self, blocks: Sequence[CodeBlock]) -> list[CodeBlock]:
        kept = [block for block in blocks if block.language in self._supported_languages]
        skipped = sorted({block.language for block in blocks} - set(self._supported_languages))
        if skipped:
            logger.info(
                "agent %r skips code blocks in %s (supported: %s)",
                self.name,
                ", ".join(skipped),
                ", ".join(self._supported_languages),
            )
        return kept

    async def _approve_and_execute(
        self,
        blocks: Sequence[CodeBlock],
        context: Sequence[LLMMessage],
        cancellation_token: CancellationToken,
    ) -> CodeResult:
        if self._approval_func is not None:
            request = ApprovalRequest(
                code="\n\n".join(block.code for block in blocks), context=list(context)
            )
            decision = self._approval_func(request)
            if inspect.isawaitable(decision):
                decision = await decision
            if not isinstance(decision, ApprovalResponse):
                raise ConfigurationError(
                    f"agent {self.name!r}: approval_func must return an ApprovalResponse, got "
                    f"{type(decision).__name__}"
                )
            if not decision.approved:
                return CodeResult(
                    exit_code=1,
                    output=f"Code execution was not approved. Reason: {decision.reason}",
                )
        return await self._code_executor.execute_code_blocks(list(blocks), cancellation_token)

    # -- with a model: write, run, retry, reflect -----------------------------------

    async def _write_and_run(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        assert self._model_client is not None
        await self._add_to_context(messages)
        inner: list[BaseAgentEvent | BaseChatMessage] = []
        for attempt in range(self._max_retries_on_error + 1):
            result: CreateResult | None = None
            async for item in self._call(cancellation_token):
                if isinstance(item, CreateResult):
                    result = item
                else:
                    yield item
            assert result is not None
            text = result.content if isinstance(result.content, str) else ""
            await self._model_context.add_message(
                AssistantMessage(content=text, source=self.name, thought=result.thought)
            )
            blocks = self._supported(extract_markdown_code_blocks(text))
            generation = CodeGenerationEvent(
                retry_attempt=attempt, content=text, code_blocks=blocks, source=self.name
            )
            inner.append(generation)
            yield generation
            if not blocks:
                # The model answered without code: that answer is the reply.
                reply = TextMessage(content=text, source=self.name, models_usage=result.usage)
                yield Response(chat_message=reply, inner_messages=inner)
                return
            context = await self._model_context.get_messages()
            outcome = await self._approve_and_execute(blocks, context, cancellation_token)
            execution = CodeExecutionEvent(retry_attempt=attempt, result=outcome, source=self.name)
            inner.append(execution)
            yield execution
            await self._model_context.add_message(
                UserMessage(content=_describe(outcome), source=self.name)
            )
            if outcome.exit_code == 0 or attempt == self._max_retries_on_error:
                break
            if not await self._should_retry(cancellation_token):
                break
        reflection: CreateResult | None = None
        await self._model_context.add_message(UserMessage(content=_REFLECT_PROMPT, source="user"))
        async for item in self._call(cancellation_token):
            if isinstance(item, CreateResult):
                reflection = item
            else:
                yield item
        assert reflection is not None
        content = (
            reflection.content if isinstance(reflection.content, str) else str(reflection.content)
        )
        await self._model_context.add_message(AssistantMessage(content=content, source=self.name))
        reply = TextMessage(content=content, source=self.name, models_usage=reflection.usage)
        yield Response(chat_message=reply, inner_messages=inner)

    async def _call(
        self, cancellation_token: CancellationToken, json_output: type[BaseModel] | None = None
    ) -> AsyncGenerator[Any, None]:
        assert self._model_client is not None
        system = [SystemMessage(content=self._system_message)] if self._system_message else []
        messages: list[LLMMessage] = [*system, *await self._model_context.get_messages()]
        async for item in call_model(
            self._model_client,
            messages,
            source=self.name,
            message_id=str(uuid.uuid4()),
            stream=self._model_client_stream and json_output is None,
            cancellation_token=cancellation_token,
            json_output=json_output,
        ):
            yield item

    async def _should_retry(self, cancellation_token: CancellationToken) -> bool:
        await self._model_context.add_message(UserMessage(content=_RETRY_PROMPT, source="user"))
        result: CreateResult | None = None
        async for item in self._call(cancellation_token, json_output=RetryDecision):
            if isinstance(item, CreateResult):
                result = item
        assert result is not None
        text = result.content if isinstance(result.content, str) else ""
        await self._model_context.add_message(AssistantMessage(content=text, source=self.name))
        try:
            decision = RetryDecision.model_validate_json(text)
        except ValidationError:
            # A model that cannot answer in JSON still gets its retries.
            logger.warning("agent %r: retry decision is not valid JSON: %r", self.name, text)
            return True
        return decision.retry

    # -- lifecycle, state, config --------------------------------------------------

    async def save_state(self) -> Mapping[str, Any]:
        return await self._state_with_context("CodeExecutorAgentState")

    async def load_state(self, state: Mapping[str, Any]) -> None:
        state = require_state_mapping(self.name, state)
        await self._model_context.load_state(state.get("llm_context", {"messages": []}))

    def _to_config(self) -> CodeExecutorAgentConfig:
        if self._approval_func is not None:
            logger.warning("agent %r: approval_func is a function and is not dumped", self.name)
        return CodeExecutorAgentConfig(
            name=self.name,
            code_executor=self._code_executor.dump_component(),
            model_client=self._model_client.dump_component() if self._model_client else None,
            description=self.description,
            sources=self._sources,
            system_message=self._system_message,
            model_client_stream=self._model_client_stream,
            model_context=self._model_context.dump_component(),
            supported_languages=self._supported_languages,
            max_retries_on_error=self._max_retries_on_error,
        )

    @classmethod
    def _from_config(cls, config: CodeExecutorAgentConfig) -> CodeExecutorAgent:
        return cls(
            config.name,
            load_component(config.code_executor, CodeExecutor),
            model_client=(
                load_component(config.model_client, ChatCompletionClient)
                if config.model_client is not None
                else None
            ),
            model_context=load_model_context(config.model_context),
            model_client_stream=config.model_client_stream,
            max_retries_on_error=config.max_retries_on_error,
            description=config.description,
            system_message=config.system_message,
            sources=config.sources,
            supported_languages=config.supported_languages,
        )


def _describe(result: CodeResult) -> str:
    """The text the model (or the caller) sees for a run."""
    if result.exit_code == 0:
        return (
            result.output
            if result.output.strip()
            else ("The code ran and printed nothing (exit code 0); print the values you need.")
        )
    return f"The code failed with exit code {result.exit_code}. Its output was:\n{result.output}"
