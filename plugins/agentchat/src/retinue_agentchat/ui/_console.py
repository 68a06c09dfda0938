"""``Console``: print a team's or an agent's run as it happens, in AutoGen's format."""

from __future__ import annotations

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
)
from retinue.models import RequestUsage

__all__ = ["Console"]

_BOLD = "\033[1m"
_RESET = "\033[0m"


def _use_color(output: TextIO) -> bool:
    # Escape codes only for a real terminal, never into files or pipes (or with NO_COLOR).
    isatty = getattr(output, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ


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
    stop reason, total prompt and completion tokens, and the duration.

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

    def write(text: str) -> None:
        out.write(text)
        out.flush()

    async for item in stream:
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
                write(
                    _summary(
                        [f"Number of inner messages: {inner}"], total, time.perf_counter() - started
                    )
                )
            continue
        if not streaming:
            write(f"{bold}{'-' * 10} {type(item).__name__} ({item.source}) {'-' * 10}{reset}\n")
        if isinstance(item, ModelClientStreamingChunkEvent):
            write(item.content)
            streaming = True
            continue
        if streaming:
            # The chunks already showed this message's text.
            write("\n")
            streaming = False
        else:
            write(item.to_text() + "\n")
        usage = item.models_usage
        if usage is not None:
            total = total + usage
            if output_stats:
                write(
                    f"[Prompt tokens: {usage.prompt_tokens}, "
                    f"Completion tokens: {usage.completion_tokens}]\n"
                )
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
