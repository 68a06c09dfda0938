"""Turn the anthropic SDK's exceptions into retinue's model errors, never leaking a key."""

from __future__ import annotations

import re
from typing import Any

from retinue import (
    ModelAuthenticationError,
    ModelClientError,
    ModelConnectionError,
    ModelContentFilterError,
    ModelNotFoundError,
    ModelRateLimitError,
    ModelResponseError,
    ModelTimeoutError,
)
from retinue.models import ModelErrorContext

__all__ = ["SDK_LOGGERS", "stream_broken", "translate_sdk_error"]

SDK_LOGGERS = ("anthropic", "httpx", "httpcore", "httpx2", "httpcore2")
"""The loggers the SDK and its HTTP library write to (request options at DEBUG)."""

_CONTENT_POLICY = re.compile(r"content (filter|policy)|usage polic", re.IGNORECASE)


def _error_fields(exc: Any) -> tuple[str, str]:
    """``(error.type, error.message)`` of an API error body, or empty strings."""
    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", str(getattr(exc, "message", "") or "")
    return str(error.get("type") or ""), str(error.get("message") or "")


def translate_sdk_error(exc: BaseException, ctx: ModelErrorContext) -> ModelClientError | None:
    """The retinue error for an SDK exception, or None when it is not one of the SDK's."""
    import anthropic

    who: dict[str, Any] = {"provider": ctx.provider, "model": ctx.model}
    if isinstance(exc, anthropic.APITimeoutError):
        return ModelTimeoutError("the request timed out (after every retry)", **who)
    if isinstance(exc, anthropic.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        reason = f"{type(cause).__name__}: {cause}" if cause else "connection error"
        return ModelConnectionError(f"could not reach the server ({ctx.redact(reason)})", **who)
    if not isinstance(exc, anthropic.APIError):
        return None
    status = getattr(exc, "status_code", None)
    kind, message = _error_fields(exc)
    detail = ctx.redact(message or kind or str(exc))
    who["status_code"] = status
    if status in (401, 403) or kind in ("authentication_error", "permission_error"):
        # The server's text may quote part of the key, so only the status is reported.
        return ModelAuthenticationError(
            f"the server rejected the credentials (HTTP {status}, {kind or 'no error type'})",
            todo=f"set {ctx.key_env} (or the client's api_key) to a valid key for this endpoint",
            **who,
        )
    if status == 404 or kind == "not_found_error":
        return ModelNotFoundError(f"not found (HTTP 404): {detail}", **who)
    if status == 429 or kind == "rate_limit_error":
        return ModelRateLimitError(f"rate limited (HTTP 429) after every retry: {detail}", **who)
    if status == 529 or kind == "overloaded_error":
        return ModelResponseError(
            f"the service is overloaded: {detail}",
            todo="retry later, or raise max_retries so the client waits longer",
            **who,
        )
    if kind == "invalid_request_error" and _CONTENT_POLICY.search(message):
        return ModelContentFilterError(f"the request was refused: {detail}", **who)
    if kind == "timeout_error":
        return ModelTimeoutError(f"the server timed out: {detail}", **who)
    if status is not None and 400 <= status < 500:
        return ModelResponseError(
            f"the server rejected the request (HTTP {status}): {detail}",
            todo="check the request arguments (model, messages, tools, extra_create_args)",
            **who,
        )
    if status is not None and status != 200:
        return ModelResponseError(f"the server answered HTTP {status}: {detail}", **who)
    # An error event inside a stream (HTTP 200) or an unreadable answer.
    return ModelResponseError(f"the server reported an error: {detail}", **who)


def stream_broken(exc: BaseException, ctx: ModelErrorContext) -> ModelClientError:
    """The error for an answer whose connection failed or stalled before it was complete.

    The SDK wraps transport errors only until the response starts; later ones arrive as
    the HTTP library's own exceptions (``httpx`` or its successor), recognised by name.
    """
    if any(cls.__name__ == "TimeoutException" for cls in type(exc).__mro__):
        return ModelTimeoutError(
            "the server stopped sending in the middle of the answer (read timeout)",
            provider=ctx.provider,
            model=ctx.model,
        )
    return ModelResponseError(
        "the response was cut off before it finished "
        f"({type(exc).__name__}: {ctx.redact(str(exc))})",
        provider=ctx.provider,
        model=ctx.model,
        todo="retry the call; if it keeps happening, check the server or a proxy in between",
    )
