"""MCP tool results (wire form) mapped onto the kernel's :class:`~retinue.tools.ToolResult`.

The kernel's results hold text and images.  Other MCP content becomes text a model can
read: audio and binary resources as a note saying what was left out, text resources
with their URI, resource links as their URI and description, and structured content
as JSON when the server sent no other content.  Results larger than the cap are cut
with a note saying so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from retinue.models import Image
from retinue.tools import ImageResultContent, TextResultContent, ToolResult

__all__ = ["DEFAULT_MAX_RESULT_CHARS", "to_tool_result"]

DEFAULT_MAX_RESULT_CHARS = 100_000
"""The default cap on a result's size (text characters plus base64 image characters)."""

Part = TextResultContent | ImageResultContent


def _base64_size(data: str) -> int:
    return len(data) * 3 // 4 - len(data) + len(data.rstrip("="))


def _resource_part(resource: Mapping[str, Any]) -> Part:
    uri = resource.get("uri", "")
    mime = resource.get("mimeType")
    if "text" in resource:
        return TextResultContent(content=f"[resource {uri}]\n{resource['text']}")
    blob = str(resource.get("blob", ""))
    if isinstance(mime, str) and mime.startswith("image/"):
        return ImageResultContent(content=Image(data=blob, mime_type=mime))
    return TextResultContent(
        content=f"[binary resource {uri} ({mime or 'unknown type'}, "
        f"{_base64_size(blob)} bytes) not shown]"
    )


def _part(item: Mapping[str, Any]) -> Part:
    kind = item.get("type")
    if kind == "text":
        return TextResultContent(content=str(item.get("text", "")))
    if kind == "image":
        return ImageResultContent(
            content=Image(
                data=str(item.get("data", "")), mime_type=item.get("mimeType", "image/png")
            )
        )
    if kind == "audio":
        return TextResultContent(
            content=f"[audio ({item.get('mimeType', 'unknown type')}, "
            f"{_base64_size(str(item.get('data', '')))} bytes) not shown]"
        )
    if kind == "resource":
        return _resource_part(item.get("resource") or {})
    if kind == "resource_link":
        details = [f"resource link {item.get('name', '')}: {item.get('uri', '')}"]
        if item.get("mimeType"):
            details.append(f"({item['mimeType']})")
        if item.get("description"):
            details.append(f"- {item['description']}")
        return TextResultContent(content="[" + " ".join(details) + "]")
    return TextResultContent(content=f"[content of type {str(kind)[:40]!r} not shown]")


def _cap(parts: list[Part], limit: int) -> list[Part]:
    """Keep parts up to ``limit`` characters; cut the text that crosses it and say so."""
    total = sum(
        len(p.content) if isinstance(p, TextResultContent) else len(p.content.data) for p in parts
    )
    if total <= limit:
        return parts
    kept: list[Part] = []
    used = 0
    for part in parts:
        size = len(part.content) if isinstance(part, TextResultContent) else len(part.content.data)
        if used + size <= limit:
            kept.append(part)
            used += size
            continue
        if isinstance(part, TextResultContent) and used < limit:
            kept.append(TextResultContent(content=part.content[: limit - used]))
            used = limit
        break
    kept.append(
        TextResultContent(
            content=f"[result cut: {used} of {total} characters shown (limit {limit}); "
            "ask the tool for less, e.g. a narrower query or a smaller range]"
        )
    )
    return kept


def to_tool_result(name: str, result: Mapping[str, Any], max_chars: int) -> ToolResult:
    """A ``tools/call`` result's wire form as a :class:`ToolResult` named ``name``."""
    parts = [_part(item) for item in result.get("content") or [] if isinstance(item, Mapping)]
    structured = result.get("structuredContent")
    if structured is not None and not parts:
        # Servers should mirror structured content in a text block; when one does not,
        # the JSON is the only thing the model can read.
        parts.append(TextResultContent(content=json.dumps(structured, ensure_ascii=False)))
    if not parts:
        parts.append(TextResultContent(content=""))
    return ToolResult(
        name=name, result=_cap(parts, max_chars), is_error=bool(result.get("isError", False))
    )
