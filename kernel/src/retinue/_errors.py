"""The kernel's exception hierarchy.

Every error the kernel or a first-party plugin raises on purpose derives from
:class:`RetinueError`, so callers can catch one type.  Messages say what was
wrong, with which input, and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "AgentNotFoundError",
    "CancelledError",
    "CantHandleError",
    "CodeExecutionError",
    "ComponentError",
    "ComponentLoadError",
    "ConfigurationError",
    "MessageDroppedError",
    "ModelClientError",
    "PluginError",
    "ProviderConflictError",
    "ProviderNotFoundError",
    "RetinueError",
    "RuntimeClosedError",
    "SecretNotFoundError",
    "SerializationError",
    "TerminatedError",
    "ToolError",
    "UndeliverableError",
]


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


class ToolError(RetinueError):
    """A tool could not be found or called."""


class CodeExecutionError(RetinueError):
    """A code executor failed to run code (not: the code itself failed)."""


class SerializationError(RetinueError, ValueError):
    """A message could not be serialized or deserialized."""


class UndeliverableError(RetinueError):
    """A message has no recipient that can take it."""


class AgentNotFoundError(UndeliverableError, LookupError):
    """No agent type is registered under the recipient's type."""


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
