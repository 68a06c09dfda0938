"""Running a model's tool calls on workbenches, concurrently, with errors as results.

Whatever goes wrong with one call (unknown tool, arguments that are not JSON or too
deep or too big, a tool or workbench that raises, a result that cannot be rendered)
becomes a ``FunctionExecutionResult(is_error=True)`` whose text tells the model what
was wrong, so the model can correct itself and the agent keeps working.  Only a
cancellation stops the run: a cancelled token raises :class:`~retinue.CancelledError`,
a cancelled task ``asyncio.CancelledError``.

Every result passes through :func:`_result` on its way into the model context: lone
surrogates (undecodable file names, ...) become U+FFFD, which any model client can
encode, and text beyond the agent's ``max_tool_result_chars`` is cut with a note.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any, NamedTuple

from retinue import CancelledError, bounded_repr
from retinue.cancellation import CancellationToken
from retinue.chat import BaseAgentEvent, BaseChatMessage
from retinue.models import FunctionCall, FunctionExecutionResult
from retinue.tools import StreamWorkbench, ToolResult, ToolSchema, Workbench

__all__ = ["DEFAULT_MAX_TOOL_RESULT_CHARS", "ToolCallRunner", "ToolListing"]

logger = logging.getLogger(__name__)

_DONE = object()

DEFAULT_MAX_TOOL_RESULT_CHARS = 50_000
"""How much of one tool result goes into the model context unless the agent says otherwise."""

MAX_ARGUMENT_DEPTH = 100
"""How deeply a tool call's JSON arguments may nest; deeper ones are refused."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class ToolListing(NamedTuple):
    """The tools offered to the model in one turn, and the workbench serving each name."""

    schemas: list[ToolSchema]
    routes: dict[str, Workbench]


class ToolCallRunner:
    """Finds each called tool in the workbenches and runs all calls of one model reply."""

    def __init__(
        self,
        workbenches: Sequence[Workbench],
        handoff_messages: Mapping[str, str],
        max_result_chars: int | None = DEFAULT_MAX_TOOL_RESULT_CHARS,
    ) -> None:
        self._workbenches = list(workbenches)
        # Handoff tools only announce the transfer; the agent acts on them itself.
        self._handoff_messages = dict(handoff_messages)
        self._max_result_chars = max_result_chars

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
        A token cancelled by the end raises :class:`~retinue.CancelledError`, even if
        the workbenches answered anyway (some report a cancellation as an error result).
        """
        if len(calls) == 1:
            # Nothing to run alongside: no task, no queue.
            async for item in self._run(calls[0], listing, cancellation_token):
                if isinstance(item, FunctionExecutionResult):
                    _raise_if_cancelled(cancellation_token, calls)
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
            results = [task.result() for task in tasks]
            _raise_if_cancelled(cancellation_token, calls)
            yield results
        finally:
            for task in tasks:
                task.cancel()

    async def _run(
        self, call: FunctionCall, listing: ToolListing, cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | FunctionExecutionResult, None]:
        """Yield the tool's streamed events, then its result (errors become results)."""
        if call.name in self._handoff_messages:
            yield self._result(call, self._handoff_messages[call.name])
            return
        arguments, problem = _parse_arguments(call)
        if problem is not None:
            yield self._result(call, problem, is_error=True)
            return
        workbench = listing.routes.get(call.name)
        if workbench is None:
            available = [*listing.routes, *self._handoff_messages]
            hint = f" Available tools: {', '.join(available)}." if available else ""
            text = f"Error: tool {bounded_repr(call.name)} not found in any workbench.{hint}"
            yield self._result(call, text, is_error=True)
            return
        result: Any = None
        requests_before = _cancel_requests()
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
            text = result.to_text() if isinstance(result, ToolResult) else None
        except CancelledError:
            raise
        except asyncio.CancelledError:
            _raise_if_cancelled(cancellation_token, [call])
            if requests_before is None or _cancel_requests() != requests_before:
                raise  # this task itself was cancelled
            yield self._result(
                call,
                f"Error: tool {bounded_repr(call.name)} stopped with asyncio.CancelledError "
                "although this call was not cancelled; it has no result.",
                is_error=True,
            )
            return
        except Exception as exc:
            _raise_if_cancelled(cancellation_token, [call])
            # Workbenches should return errors as results; this covers ones that raise anyway.
            logger.warning("tool %r raised %s", call.name, type(exc).__name__, exc_info=True)
            yield self._result(call, f"Error: {_describe(exc)}", is_error=True)
            return
        if text is None:
            got = "no result" if result is None else f"a {type(result).__name__}"
            text = f"Error: tool {bounded_repr(call.name)} ended with {got}, not a ToolResult."
            yield self._result(call, text, is_error=True)
            return
        yield self._result(call, text, is_error=result.is_error)

    def interrupted_results(
        self, calls: Sequence[FunctionCall], exc: BaseException
    ) -> list[FunctionExecutionResult]:
        """Error results for ``calls`` whose round ``exc`` stopped before the results came in."""
        cancelled = isinstance(exc, (CancelledError, asyncio.CancelledError, GeneratorExit))
        why = "the run was cancelled" if cancelled else f"the run failed ({type(exc).__name__})"
        text = (
            f"Error: {why} before this tool call's result came in; whether the call took "
            "effect is unknown."
        )
        return [self._result(call, text, is_error=True) for call in calls]

    def _result(
        self, call: FunctionCall, content: str, *, is_error: bool = False
    ) -> FunctionExecutionResult:
        """The result as it enters the model context: encodable, and no longer than the cap."""
        content = _LONE_SURROGATE.sub("\ufffd", content)
        limit = self._max_result_chars
        if limit is not None and len(content) > limit:
            content = (
                f"{content[:limit]}\n\n[Output truncated: showed the first {limit} of "
                f"{len(content)} characters; {len(content) - limit} were cut. Call the tool "
                "again with arguments that select less output (a narrower query, a range, "
                "a page or a limit) to see the rest.]"
            )
        return FunctionExecutionResult(
            content=content, name=call.name, call_id=call.id, is_error=is_error
        )


def _raise_if_cancelled(token: CancellationToken, calls: Sequence[FunctionCall]) -> None:
    if token.is_cancelled():
        names = ", ".join(bounded_repr(call.name) for call in calls)
        raise CancelledError(f"the run was cancelled while tool calls ran ({names})")


def _cancel_requests() -> int | None:
    """Cancellations standing on this task; None where Python cannot count them (3.10)."""
    task = asyncio.current_task()
    if sys.version_info < (3, 11) or task is None:
        return None
    return task.cancelling()


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # an exception whose __str__ fails still has a type to report
        text = "(its message could not be rendered)"
    return f"{type(exc).__name__}: {text}"


def _parse_arguments(call: FunctionCall) -> tuple[dict[str, Any], str | None]:
    """The call's arguments as a dict, or an error text the model can act on (never raises)."""
    raw = call.arguments
    shown = bounded_repr(raw)
    fix = "Call the tool again with a JSON object matching its parameters."
    name = bounded_repr(call.name)
    if not isinstance(raw, str):
        return {}, f"Error: the arguments for tool {name} are not a JSON string. {fix}"
    try:
        arguments = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        return {}, (
            f"Error: the arguments for tool {name} are not valid JSON "
            f"({exc.msg} at position {exc.pos}): {shown}. {fix}"
        )
    except RecursionError:
        return {}, _too_deep(name, shown, fix)
    except ValueError:
        # The only other ValueError json raises: an integer past Python's digit limit.
        return {}, (
            f"Error: the arguments for tool {name} hold a number with too many digits to "
            f"read: {shown}. {fix}"
        )
    if not isinstance(arguments, dict):
        return {}, (
            f"Error: the arguments for tool {name} must be a JSON object, got "
            f"{type(arguments).__name__}: {shown}. {fix}"
        )
    if _deeper_than(arguments, MAX_ARGUMENT_DEPTH):
        return {}, _too_deep(name, shown, fix)
    return arguments, None


def _too_deep(name: str, shown: str, fix: str) -> str:
    return (
        f"Error: the arguments for tool {name} nest more than {MAX_ARGUMENT_DEPTH} levels "
        f"deep: {shown}. {fix}"
    )


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects in ``value`` nest more than ``limit`` levels (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
