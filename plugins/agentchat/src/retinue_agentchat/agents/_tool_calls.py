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
from typing import Any

from retinue.cancellation import CancellationToken
from retinue.chat import BaseAgentEvent, BaseChatMessage
from retinue.models import FunctionCall, FunctionExecutionResult
from retinue.tools import StreamWorkbench, TextResultContent, ToolResult, Workbench

__all__ = ["ToolCallRunner"]

logger = logging.getLogger(__name__)

_DONE = object()


class ToolCallRunner:
    """Finds each called tool in the workbenches and runs all calls of one model reply."""

    def __init__(
        self, workbenches: Sequence[Workbench], handoff_messages: Mapping[str, str]
    ) -> None:
        self._workbenches = list(workbenches)
        # Handoff tools only announce the transfer; the agent acts on them itself.
        self._handoff_messages = dict(handoff_messages)

    async def run_all(
        self, calls: Sequence[FunctionCall], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | list[FunctionExecutionResult], None]:
        """Run ``calls`` concurrently; yield streamed tool events, then the results in order."""
        queue: asyncio.Queue[Any] = asyncio.Queue()

        async def run_one(call: FunctionCall) -> FunctionExecutionResult:
            try:
                return await self._run(call, cancellation_token, queue)
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
        self, call: FunctionCall, cancellation_token: CancellationToken, events: asyncio.Queue[Any]
    ) -> FunctionExecutionResult:
        if call.name in self._handoff_messages:
            return _result(call, self._handoff_messages[call.name])
        arguments, problem = _parse_arguments(call)
        if problem is not None:
            return _result(call, problem, is_error=True)
        workbench = await self._find(call.name)
        if workbench is None:
            available = await self._tool_names()
            hint = f" Available tools: {', '.join(available)}." if available else ""
            return _result(
                call, f"Error: tool '{call.name}' not found in any workbench.{hint}", is_error=True
            )
        try:
            result = await self._call(workbench, call, arguments, cancellation_token, events)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # Workbenches should return errors as results; this covers ones that raise anyway.
            logger.warning("tool %r raised %s", call.name, exc, exc_info=True)
            return _result(call, f"Error: {type(exc).__name__}: {exc}", is_error=True)
        return _result(call, result.to_text(), is_error=result.is_error)

    @staticmethod
    async def _call(
        workbench: Workbench,
        call: FunctionCall,
        arguments: dict[str, Any],
        cancellation_token: CancellationToken,
        events: asyncio.Queue[Any],
    ) -> ToolResult:
        if not isinstance(workbench, StreamWorkbench):
            return await workbench.call_tool(call.name, arguments, cancellation_token, call.id)
        result: ToolResult | None = None
        async for item in workbench.call_tool_stream(
            call.name, arguments, cancellation_token, call.id
        ):
            if isinstance(item, ToolResult):
                result = item
            elif isinstance(item, (BaseAgentEvent, BaseChatMessage)):
                events.put_nowait(item)
        if result is None:
            text = f"Error: tool '{call.name}' ended its stream without a result."
            return ToolResult(
                name=call.name, result=[TextResultContent(content=text)], is_error=True
            )
        return result

    async def _find(self, name: str) -> Workbench | None:
        for workbench in self._workbenches:
            if any(schema["name"] == name for schema in await workbench.list_tools()):
                return workbench
        return None

    async def _tool_names(self) -> list[str]:
        names = [s["name"] for wb in self._workbenches for s in await wb.list_tools()]
        return names + list(self._handoff_messages)


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
