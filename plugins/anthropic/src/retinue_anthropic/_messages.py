"""retinue messages and tools in the Messages API's shape, obeying its ordering rules.

The Messages API takes the system prompt apart from the messages, wants user and
assistant turns to alternate starting with a user turn, and wants every ``tool_use``
block answered by a ``tool_result`` block in the very next user turn.  Conversations
built by agents do not always look like that, so :func:`to_anthropic_messages` fixes
them up rather than letting the API reject them:

* system messages are joined (blank line between) into the top-level ``system``;
* consecutive turns of the same role are merged into one turn, tool results first;
* a conversation that does not start with a user turn gets a placeholder user turn
  (:data:`FIRST_TURN_PLACEHOLDER`);
* a tool result whose call is not in the preceding assistant turn (its call was cut from
  the context) becomes plain text; a call without a result gets an error result saying
  none was recorded;
* empty text is left out (the API rejects empty text blocks); a turn left with nothing
  gets :data:`EMPTY_TURN_PLACEHOLDER`;
* an assistant message's signed ``thinking_blocks`` open its turn unchanged (extended
  thinking with tool use is refused without them), and its ``thought`` is sent as text
  only for what was said, not for the thinking those blocks already carry.  With
  ``keep_thinking=False`` (thinking off for the request) they are left out, as the API
  would drop them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from retinue.models import (
    AssistantMessage,
    FunctionExecutionResultMessage,
    Image,
    LLMMessage,
    SystemMessage,
    ThinkingBlock,
    UserMessage,
)
from retinue.tools import Tool, ToolSchema

from ._parse import thinking_text

__all__ = [
    "EMPTY_TURN_PLACEHOLDER",
    "FIRST_TURN_PLACEHOLDER",
    "to_anthropic_messages",
    "to_anthropic_tools",
    "tool_schema",
]

logger = logging.getLogger(__name__)

FIRST_TURN_PLACEHOLDER = "(conversation start)"
"""The user turn put before a conversation whose first message is not from the user."""

EMPTY_TURN_PLACEHOLDER = "(empty message)"
"""The text of a turn whose content was empty."""

_NO_RESULT = "No result was recorded for this tool call."

Block = dict[str, Any]
Turn = dict[str, Any]  # {"role": "user" | "assistant", "content": [Block, ...]}


def to_anthropic_messages(
    messages: Sequence[LLMMessage], *, keep_thinking: bool = True
) -> tuple[str | None, list[Turn]]:
    """The ``system`` prompt (None when there is none) and the ``messages`` list."""
    system = [m.content for m in messages if isinstance(m, SystemMessage) and m.content.strip()]
    turns: list[Turn] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            continue
        role, blocks = _convert(message, keep_thinking)
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    if not turns or turns[0]["role"] != "user":
        turns.insert(0, {"role": "user", "content": [_text(FIRST_TURN_PLACEHOLDER)]})
    _pair_tool_results(turns)
    for turn in turns:
        # The API wants a user turn's tool results before anything else in it.
        turn["content"].sort(key=lambda block: block["type"] != "tool_result")
        if not turn["content"]:
            turn["content"] = [_text(EMPTY_TURN_PLACEHOLDER)]
    return ("\n\n".join(system) or None), turns


def _convert(message: LLMMessage, keep_thinking: bool) -> tuple[str, list[Block]]:
    if isinstance(message, UserMessage):
        parts = [message.content] if isinstance(message.content, str) else message.content
        return "user", [_user_part(part) for part in parts if not _is_blank(part)]
    if isinstance(message, AssistantMessage):
        signed = message.thinking_blocks or []
        blocks = [_thinking_block(b) for b in signed] if keep_thinking else []
        if isinstance(message.content, str):
            return "assistant", blocks + (
                [_text(message.content)] if message.content.strip() else []
            )
        said = _said(message.thought, signed)
        blocks += [_text(said)] if said.strip() else []
        blocks += [
            {"type": "tool_use", "id": c.id, "name": c.name, "input": _arguments(c.arguments)}
            for c in message.content
        ]
        return "assistant", blocks
    if isinstance(message, FunctionExecutionResultMessage):
        return "user", [
            {
                "type": "tool_result",
                "tool_use_id": r.call_id,
                "content": r.content or EMPTY_TURN_PLACEHOLDER,
                "is_error": r.is_error,
                "_name": r.name,  # dropped before sending; kept to describe orphaned results
            }
            for r in message.content
        ]
    raise TypeError(f"not an LLM message: {type(message).__name__}")


def _thinking_block(block: ThinkingBlock) -> Block:
    if block.type == "redacted_thinking":
        return {"type": "redacted_thinking", "data": block.data or ""}
    return {"type": "thinking", "thinking": block.thinking, "signature": block.signature or ""}


def _said(thought: str | None, signed: Sequence[ThinkingBlock]) -> str:
    """The text of ``thought`` the model said, without the thinking its blocks carry.

    A tool-calling reply's ``thought`` is its thinking, a newline, then its text
    (see ``to_create_result``); the thinking travels in the signed blocks instead.
    """
    thought = thought or ""
    thinking = thinking_text([b.thinking for b in signed if b.type == "thinking"])
    if thinking and thought.startswith(thinking):
        return thought[len(thinking) :].removeprefix("\n")
    return thought


def _is_blank(part: str | Image) -> bool:
    return isinstance(part, str) and not part.strip()


def _user_part(part: str | Image) -> Block:
    if isinstance(part, Image):
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": part.mime_type, "data": part.data},
        }
    return _text(part)


def _text(text: str) -> Block:
    return {"type": "text", "text": text}


def _arguments(arguments: str) -> dict[str, Any]:
    # Only a model can produce malformed arguments, and the tool's error result already
    # tells it so; the raw text is kept so it can see what it sent.
    try:
        parsed = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        return parsed
    logger.debug("tool-call arguments are not a JSON object; sending them as {'_raw': ...}")
    return {"_raw": arguments}


def _pair_tool_results(turns: list[Turn]) -> None:
    """Make every tool_use answered in the next turn and every tool_result answer one."""
    for index, turn in enumerate(turns):
        if turn["role"] != "user":
            continue
        previous = turns[index - 1] if index > 0 else None
        calls = (
            [b["id"] for b in previous["content"] if b["type"] == "tool_use"] if previous else []
        )
        answered = set()
        for position, block in enumerate(turn["content"]):
            if block["type"] != "tool_result":
                continue
            name = block.pop("_name")
            if block["tool_use_id"] in calls:
                answered.add(block["tool_use_id"])
            else:
                turn["content"][position] = _text(
                    f"Result of tool {name!r} (call {block['tool_use_id']}): {block['content']}"
                )
        turn["content"][:0] = [
            {"type": "tool_result", "tool_use_id": call, "content": _NO_RESULT, "is_error": True}
            for call in calls
            if call not in answered
        ]
    last = turns[-1]
    if last["role"] == "assistant" and any(b["type"] == "tool_use" for b in last["content"]):
        # A trailing call with no result yet: answer it so the request is valid.
        calls = [b["id"] for b in last["content"] if b["type"] == "tool_use"]
        turns.append(
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": c,
                        "content": _NO_RESULT,
                        "is_error": True,
                    }
                    for c in calls
                ],
            }
        )


def tool_schema(tool: Tool | ToolSchema) -> ToolSchema:
    """The schema of a tool or the schema itself."""
    return tool.schema if isinstance(tool, Tool) else tool


def to_anthropic_tools(tools: Sequence[Tool | ToolSchema]) -> list[Block]:
    """Tool schemas as the API's ``tools`` entries (``input_schema`` instead of ``parameters``)."""
    converted = []
    for tool in tools:
        schema = tool_schema(tool)
        parameters = schema.get("parameters") or {"type": "object", "properties": {}}
        entry: Block = {"name": schema["name"], "input_schema": dict(parameters)}
        if schema.get("description"):
            entry["description"] = schema["description"]
        converted.append(entry)
    return converted
