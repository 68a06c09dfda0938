"""Running a model's tool calls on workbenches, concurrently, with errors as results.

Whatever goes wrong with one call (unknown tool, arguments that are not JSON, a
tool that raises) becomes a ``FunctionExecutionResult(is_error=True)`` whose text
tells the model what was wrong, so the model can correct itself and the agent
keeps working.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any, NamedTuple

from retinue.cancellation import CancellationToken
from retinue.chat import BaseAgentEvent, BaseChatMessage
from retinue.models import FunctionCall, FunctionExecutionResult
from retinue.tools import StreamWorkbench, ToolResult, ToolSchema, Workbench

__all__ = ["ToolCallRunner", "ToolListing"]

logger = logging.getLogger(__name__)

_DONE = object()


class ToolListing(NamedTuple):
    """The tools offered to the model in one turn, and the workbench serving each name."""

    schemas: list[ToolSchema]
    routes: dict[str, Workbench]


class ToolCallRunner:
    """Finds each called tool in the workbenches and runs all calls of one model reply."""

    def __init__(
        self, workbenches: Sequence[Workbench], handoff_messages: Mapping[str, str]
    ) -> None:
        self._workbenches = list(workbenches)
        # Handoff tools only announce the transfer; the agent acts on them itself.
        self._handoff_messages = dict(handoff_messages)

    async def list_tools(self) -> ToolListing:
        """Every workbench's tools, and which workbench serves each name (the first wins)."""
        schemas: list[ToolSchema] = []
        routes: dict[str, Workbench] = {}
        for workbench in self._workbenches:
            listed = await workbench.list_tools()
            for schema in listed:
                routes.setdefault(schema["name"], workbench)
            schemas.extend(listed)
        return ToolListing(schemas, routes)

    async def run_all(
        self,
        calls: Sequence[FunctionCall],
        listing: ToolListing,
        cancellation_token: CancellationToken,
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | list[FunctionExecutionResult], None]:
        """Run ``calls`` concurrently; yield streamed tool events, then the results in order.

        Calls go to the workbenches by ``listing``, the tools the model was offered.
        """
        if len(calls) == 1:
            # Nothing to run alongside: no task, no queue.
            async for item in self._run(calls[0], listing, cancellation_token):
                if isinstance(item, FunctionExecutionResult):
                    yield [item]
                else:
                    yield item
            return
        queue: asyncio.Queue[Any] = asyncio.Queue()

        async def run_one(call: FunctionCall) -> FunctionExecutionResult:
            try:
                async for item in self._run(call, listing, cancellation_token):
                    if isinstance(item, FunctionExecutionResult):
                        return item
                    queue.put_nowait(item)
                raise AssertionError("_run ends with a FunctionExecutionResult")
            finally:
                queue.put_nowait(_DONE)

        tasks = [asyncio.ensure_future(run_one(call)) for call in calls]
        try:
            remaining = len(tasks)
            while remaining:
                item = await queue.get()
                if item is _DONE:
                    remaining -= 1
                else:
                    yield item
            yield [task.result() for task in tasks]
        finally:
            for task in tasks:
                task.cancel()

    async def _run(
        self, call: FunctionCall, listing: ToolListing, cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | FunctionExecutionResult, None]:
        """Yield the tool's streamed events, then its result (errors become results)."""
        if call.name in self._handoff_messages:
            yield _result(call, self._handoff_messages[call.name])
            return
        arguments, problem = _parse_arguments(call)
        if problem is not None:
            yield _result(call, problem, is_error=True)
            return
        workbench = listing.routes.get(call.name)
        if workbench is None:
            available = [*listing.routes, *self._handoff_messages]
            hint = f" Available tools: {', '.join(available)}." if available else ""
            yield _result(
                call, f"Error: tool '{call.name}' not found in any workbench.{hint}", is_error=True
            )
            return
        result: ToolResult | None = None
        try:
            if not isinstance(workbench, StreamWorkbench):
                result = await workbench.call_tool(
                    call.name, arguments, cancellation_token, call.id
                )
            else:
                async for item in workbench.call_tool_stream(
                    call.name, arguments, cancellation_token, call.id
                ):
                    if isinstance(item, ToolResult):
                        result = item
                    elif isinstance(item, (BaseAgentEvent, BaseChatMessage)):
                        yield item
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # Workbenches should return errors as results; this covers ones that raise anyway.
            logger.warning("tool %r raised %s", call.name, exc, exc_info=True)
            yield _result(call, f"Error: {type(exc).__name__}: {exc}", is_error=True)
            return
        if result is None:
            text = f"Error: tool '{call.name}' ended its stream without a result."
            yield _result(call, text, is_error=True)
            return
        yield _result(call, result.to_text(), is_error=result.is_error)


def _parse_arguments(call: FunctionCall) -> tuple[dict[str, Any], str | None]:
    try:
        arguments = json.loads(call.arguments) if call.arguments.strip() else {}
    except json.JSONDecodeError as exc:
        return {}, (
            f"Error: the arguments for tool '{call.name}' are not valid JSON ({exc.msg} at "
            f"position {exc.pos}): {call.arguments!r}. Call the tool again with a JSON object "
            "matching its parameters."
        )
    if not isinstance(arguments, dict):
        return {}, (
            f"Error: the arguments for tool '{call.name}' must be a JSON object, got "
            f"{type(arguments).__name__}: {call.arguments!r}. Call the tool again with an object."
        )
    return arguments, None


def _result(call: FunctionCall, content: str, *, is_error: bool = False) -> FunctionExecutionResult:
    return FunctionExecutionResult(
        content=content, name=call.name, call_id=call.id, is_error=is_error
    )
