"""Turn the openai SDK's exceptions into retinue's model errors, never leaking a key."""

from __future__ import annotations

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

SDK_LOGGERS = ("openai", "httpx", "httpcore", "httpx2", "httpcore2")
"""The loggers the SDK and its HTTP library write to (request options at DEBUG)."""

_CONTENT_FILTER_CODES = {"content_filter", "content_policy_violation", "content_filtered"}


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], dict):
        # Gemini's OpenAI-compatible endpoint wraps its error in a one-item list.
        body = body[0].get("error", body[0])
    if isinstance(body, dict):
        message = body.get("message") or body.get("error", {})
        if isinstance(message, dict):
            message = message.get("message")
        if isinstance(message, str) and message:
            return message
    return str(getattr(exc, "message", "") or exc)


def _error_code(exc: Any) -> str:
    code = getattr(exc, "code", None)
    body = getattr(exc, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0].get("error", body[0])
    if code is None and isinstance(body, dict):
        code = body.get("code")
    return str(code or "")


def translate_sdk_error(exc: BaseException, ctx: ModelErrorContext) -> ModelClientError | None:
    """The retinue error for an SDK or transport exception, or None when it is not one."""
    import openai

    who: dict[str, Any] = {"provider": ctx.provider, "model": ctx.model}
    status = getattr(exc, "status_code", None)
    detail = ctx.redact(_server_message(exc))
    if isinstance(exc, openai.APITimeoutError):
        return ModelTimeoutError("the request timed out", **who)
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        reason = ctx.redact(f"{type(cause).__name__}: {cause}") if cause else detail
        return ModelConnectionError(f"could not reach the server ({reason})", **who)
    # Gemini answers a bad key with HTTP 400 INVALID_ARGUMENT, not 401.
    bad_key_400 = isinstance(exc, openai.BadRequestError) and (
        "API_KEY_INVALID" in str(exc) or "API key not valid" in detail
    )
    if bad_key_400 or isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        # The server's text may quote part of the key, so only the status is reported.
        return ModelAuthenticationError(
            f"the server rejected the credentials (HTTP {status})",
            todo=f"set {ctx.key_env} (or the client's api_key) to a valid key for this endpoint",
            status_code=status,
            **who,
        )
    if isinstance(exc, openai.NotFoundError):
        return ModelNotFoundError(f"not found (HTTP 404): {detail}", status_code=status, **who)
    if isinstance(exc, openai.RateLimitError):
        return ModelRateLimitError(
            f"rate limited (HTTP 429) after every retry: {detail}", status_code=status, **who
        )
    if isinstance(exc, openai.BadRequestError) and (
        _error_code(exc) in _CONTENT_FILTER_CODES or "content management policy" in detail
    ):
        return ModelContentFilterError(
            f"the content filter refused the request: {detail}", status_code=status, **who
        )
    if isinstance(exc, openai.APIStatusError):
        todo = (
            "check the request arguments (model, messages, tools, extra_create_args)"
            if status is not None and status < 500
            else None
        )
        return ModelResponseError(
            f"the server answered HTTP {status}: {detail}", todo=todo, status_code=status, **who
        )
    if isinstance(exc, openai.APIError) and getattr(exc, "body", None) is not None:
        # The SDK raises this for an error event inside a stream that had started.
        return ModelResponseError(
            f"the server reported an error in the middle of the answer: {detail}",
            todo="retry the call; the text received so far is incomplete",
            **who,
        )
    if isinstance(exc, openai.APIError):
        return ModelResponseError(f"malformed response: {detail}", **who)
    return None


def stream_broken(exc: BaseException, ctx: ModelErrorContext) -> ModelResponseError:
    """The error for a stream whose connection failed before it finished."""
    cause = exc.__cause__ or exc
    return ModelResponseError(
        "the response stream was cut off before it finished "
        f"({type(cause).__name__}: {ctx.redact(str(cause))})",
        provider=ctx.provider,
        model=ctx.model,
        todo="retry the call; if it keeps happening, check the server or a proxy in between",
    )
