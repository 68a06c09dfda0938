"""The kernel's exception hierarchy.

Every error the kernel or a first-party plugin raises on purpose derives from
:class:`RetinueError`, so callers can catch one type.  Messages say what was
wrong, with which input, and what to do about it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AgentCreationError",
    "AgentNotFoundError",
    "CancelledError",
    "CantHandleError",
    "CodeExecutionError",
    "ComponentError",
    "ComponentLoadError",
    "ConfigurationError",
    "MessageDroppedError",
    "ModelAuthenticationError",
    "ModelClientError",
    "ModelConnectionError",
    "ModelContentFilterError",
    "ModelNotFoundError",
    "ModelRateLimitError",
    "ModelResponseError",
    "ModelTimeoutError",
    "PluginError",
    "ProviderConflictError",
    "ProviderNotFoundError",
    "RetinueError",
    "RuntimeClosedError",
    "SecretNotFoundError",
    "SerializationError",
    "StateError",
    "TerminatedError",
    "ToolError",
    "UndeliverableError",
]


#: the longest ``repr`` of an input an error message echoes
ECHO_LIMIT = 80


def bounded_repr(value: Any, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters.

    A longer repr ends with ``… (N chars)``, so a 10 MB input makes a short message
    that still says how long the input was.  Use it wherever a message echoes input.
    """
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not replace the error being reported
        text = f"<{type(value).__name__}>"
    return bounded_text(text, limit)


def bounded_text(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, ending with ``… (N chars)`` when cut."""
    return text if len(text) <= limit else f"{text[:limit]}\u2026 ({len(text)} chars)"


class RetinueError(Exception):
    """Root of every error raised by retinue on purpose."""


class ConfigurationError(RetinueError, ValueError):
    """A setting, argument or spec is invalid."""


class PluginError(RetinueError):
    """A plugin could not be loaded or misbehaved (raised only in strict mode or on request)."""


class ProviderNotFoundError(RetinueError, LookupError):
    """No provider of the requested kind and name is registered."""


class ProviderConflictError(PluginError):
    """Two plugins registered the same provider name for one kind."""


class ComponentError(RetinueError):
    """Base for errors about declarative components."""


class ComponentLoadError(ComponentError):
    """A component spec could not be parsed, validated or resolved.

    Deliberately not a ``ValueError``: pydantic would swallow it inside validators.
    """


class SecretNotFoundError(ComponentLoadError):
    """A secret referenced by a spec (for example ``{"env": "OPENAI_API_KEY"}``) is not set."""


class ModelClientError(RetinueError):
    """A model provider call failed.  Plugins subclass this per failure (auth, rate limit, ...)."""


class _ModelCallError(ModelClientError):
    """Shared shape of the model-call errors below.

    Each names the provider and the model so a failure deep inside a team run says
    which entry of the spec to fix.  Messages never contain credentials: callers
    pass a description of what happened, not the raw request.

    Example::

        raise ModelAuthenticationError(
            "the API key was rejected (HTTP 401)",
            provider="openai", model="gpt-4o",
            todo="set OPENAI_API_KEY to a valid key",
        )
    """

    default_todo = "check the model client's configuration"

    def __init__(
        self,
        what: str,
        *,
        provider: str,
        model: str,
        todo: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.what = what
        self.provider = provider
        self.model = model
        self.todo = todo or self.default_todo
        self.status_code = status_code
        super().__init__(f"provider {provider!r}, model {model!r}: {what} \u2014 {self.todo}")

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments do not survive the default exception pickling.
        kwargs = {
            "provider": self.provider,
            "model": self.model,
            "todo": self.todo,
            "status_code": self.status_code,
        }
        return (_rebuild_model_error, (type(self), self.what, kwargs))


def _rebuild_model_error(
    cls: type[_ModelCallError], what: str, kwargs: dict[str, object]
) -> _ModelCallError:
    return cls(what, **kwargs)  # type: ignore[arg-type]


class ModelAuthenticationError(_ModelCallError):
    """The provider rejected the credentials (HTTP 401/403) or none were given."""

    default_todo = "check the API key (or token) configured for this model client"


class ModelNotFoundError(_ModelCallError):
    """The provider does not know the model or deployment (HTTP 404)."""

    default_todo = "check the model (or deployment) name and that your account can use it"


class ModelRateLimitError(_ModelCallError):
    """The provider kept answering 429 after every retry."""

    default_todo = "wait and retry, raise max_retries, or lower the request rate"


class ModelTimeoutError(_ModelCallError):
    """The provider did not answer within the client's timeout."""

    default_todo = "raise the client's timeout or check that the server is responsive"


class ModelContentFilterError(_ModelCallError):
    """The provider refused the request or response under its content policy."""

    default_todo = "rephrase the request; the provider's content filter blocked it"


class ModelConnectionError(_ModelCallError):
    """The provider could not be reached, or dropped the connection, after every retry."""

    default_todo = "check base_url/endpoint and the network, then retry"


class ModelResponseError(_ModelCallError):
    """The provider's answer was malformed, truncated, or a server error (HTTP 5xx/4xx)."""

    default_todo = "retry; if it persists, report the response to the provider"


class ToolError(RetinueError):
    """A tool could not be found or called."""


class CodeExecutionError(RetinueError):
    """A code executor failed to run code (not: the code itself failed)."""


class SerializationError(RetinueError, ValueError):
    """A message could not be serialized or deserialized."""


class StateError(SerializationError, ConfigurationError):
    """A saved state cannot be loaded: it is not what ``save_state()`` returned, is partial,
    corrupted, or of an unknown version.  Nothing was changed by the failed load.

    Also a :class:`SerializationError` and a :class:`ConfigurationError`, which runtimes
    and agents raised for bad states before, so existing handlers keep catching it."""


class UndeliverableError(RetinueError):
    """A message has no recipient that can take it."""


class AgentNotFoundError(UndeliverableError, LookupError):
    """No agent type is registered under the recipient's type."""


class AgentCreationError(UndeliverableError):
    """The factory registered for an agent type raised while creating the recipient."""


class CantHandleError(RetinueError):
    """An agent has no handler for a message type."""


class MessageDroppedError(RetinueError):
    """An intervention handler dropped a message."""


class RuntimeClosedError(RetinueError):
    """The runtime was stopped or closed before the operation could complete."""


class TerminatedError(RetinueError):
    """A termination condition was called again after it had fired, without a reset."""


class CancelledError(RetinueError):
    """An operation was cancelled through its :class:`~retinue.CancellationToken`."""
