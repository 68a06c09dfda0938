"""``Console``: print a team's or an agent's run as it happens, in AutoGen's format."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterable
from typing import TextIO

from retinue import ConfigurationError
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    ModelClientStreamingChunkEvent,
    Response,
    TaskResult,
    UserInputRequestedEvent,
)
from retinue.models import RequestUsage

__all__ = ["Console"]

_BOLD = "\033[1m"
_RESET = "\033[0m"


def _use_color(output: TextIO) -> bool:
    # Escape codes only for a real terminal, never into files or pipes, nor with NO_COLOR
    # set to a non-empty value (no-color.org: an empty NO_COLOR leaves colour on).
    isatty = getattr(output, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


async def Console(
    stream: AsyncIterable[BaseAgentEvent | BaseChatMessage | TaskResult | Response],
    *,
    no_inline_images: bool = False,
    output_stats: bool = False,
    output: TextIO | None = None,
) -> TaskResult | Response:
    """Print every message and event of ``stream`` and return its final result.

    Each message gets a ``---------- {Class} ({source}) ----------`` header and its text;
    streamed model chunks print inline as they arrive.  With ``output_stats`` each
    message shows its token usage and the run ends with a summary: number of messages,
    stop reason, total prompt and completion tokens, and the duration; a run cancelled
    or interrupted (Ctrl-C) ends with the summary so far, finish reason ``interrupted``.
    A ``UserInputRequestedEvent`` is not printed: the input function shows the prompt.

    Args:
        stream: ``team.run_stream(...)``, ``agent.run_stream(...)`` or
            ``agent.on_messages_stream(...)``.
        no_inline_images: accepted for AutoGen compatibility; images always print as
            ``<image>`` placeholders.
        output_stats: print token usage and the closing summary.
        output: where to write (default: standard output).  Plain text unless it is a
            terminal.

    Raises:
        ConfigurationError: the stream ended without a ``TaskResult`` or ``Response``.
    """
    del no_inline_images  # images are never rendered inline
    out = output if output is not None else sys.stdout
    bold, reset = (_BOLD, _RESET) if _use_color(out) else ("", "")
    started = time.perf_counter()
    total = RequestUsage()
    final: TaskResult | Response | None = None
    streaming = False
    streamed_id: str | None = None
    # Messages whose text was printed as chunks and that are still to come.
    pending: set[str] = set()
    unnamed_pending = False

    def write(text: str) -> None:
        out.write(text)
        out.flush()

    def header(item: BaseAgentEvent | BaseChatMessage) -> str:
        return f"{bold}{'-' * 10} {type(item).__name__} ({item.source}) {'-' * 10}{reset}\n"

    items = aiter(stream)
    count = 0
    try:
        async for item in items:
            if isinstance(item, (BaseChatMessage, BaseAgentEvent)) and not isinstance(
                item, ModelClientStreamingChunkEvent
            ):
                count += 1  # what the run's TaskResult.messages would hold so far
            if isinstance(item, UserInputRequestedEvent):
                # The input function shows the prompt itself (``input(prompt)``); printing
                # the event too would show it twice.
                continue
            if isinstance(item, TaskResult):
                final = item
                if output_stats:
                    write(
                        _summary(
                            [
                                f"Number of messages: {len(item.messages)}",
                                f"Finish reason: {item.stop_reason}",
                            ],
                            total,
                            time.perf_counter() - started,
                        )
                    )
                continue
            if isinstance(item, Response):
                final = item
                if output_stats:
                    inner = len(item.inner_messages or [])
                    elapsed = time.perf_counter() - started
                    write(_summary([f"Number of inner messages: {inner}"], total, elapsed))
                continue
            if isinstance(item, ModelClientStreamingChunkEvent):
                if not streaming or item.full_message_id != streamed_id:
                    if streaming:
                        write("\n")
                    write(header(item))
                    streaming, streamed_id = True, item.full_message_id
                    if streamed_id is None:
                        unnamed_pending = True
                    else:
                        pending.add(streamed_id)
                write(item.content)
                continue
            if streaming:
                write("\n")
                streaming = False
            # The chunks already showed the text of the message they announced: the one with
            # their full_message_id (events in between, like a ThoughtEvent, still print), or
            # for chunks without an id, a chat message right after them.
            if item.id in pending:
                pending.discard(item.id)
            elif unnamed_pending and isinstance(item, BaseChatMessage):
                unnamed_pending = False
            else:
                unnamed_pending = False
                write(header(item) + item.to_text() + "\n")
            usage = item.models_usage
            if usage is not None:
                total = total + usage
                if output_stats:
                    write(
                        f"[Prompt tokens: {usage.prompt_tokens}, "
                        f"Completion tokens: {usage.completion_tokens}]\n"
                    )
    except (asyncio.CancelledError, KeyboardInterrupt):
        # Ctrl-C: the run stops here; say how far it got, as the summary of a finished run.
        if output_stats and final is None:
            if streaming:
                write("\n")
            elapsed = time.perf_counter() - started
            write(
                _summary(
                    [f"Number of messages: {count}", "Finish reason: interrupted"], total, elapsed
                )
            )
        raise
    finally:
        # Printing failed (a closed pipe, an interrupted program): close the stream so
        # the run behind it stops now instead of running on for nobody.
        aclose = getattr(items, "aclose", None)
        if aclose is not None:
            await aclose()
    if final is None:
        raise ConfigurationError(
            "Console got a stream that ended without a TaskResult or Response; pass "
            "team.run_stream(...), agent.run_stream(...) or agent.on_messages_stream(...)"
        )
    return final


def _summary(lines: list[str], total: RequestUsage, duration: float) -> str:
    return "\n".join(
        [
            f"{'-' * 10} Summary {'-' * 10}",
            *lines,
            f"Total prompt tokens: {total.prompt_tokens}",
            f"Total completion tokens: {total.completion_tokens}",
            f"Duration: {duration:.2f} seconds",
            "",
        ]
    )
