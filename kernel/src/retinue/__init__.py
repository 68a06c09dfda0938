"""retinue: the kernel of a plugin-based multi-agent framework.

Public names are loaded on first access, so ``import retinue`` (and therefore
plugin discovery and ``retinue plugins``) stays cheap: no pydantic model, no
runtime and no SDK is imported until it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    **{
        name: "retinue._errors"
        for name in (
            "AgentCreationError", "AgentNotFoundError", "CancelledError", "CantHandleError", "CodeExecutionError",
            "ComponentError", "ComponentLoadError", "ConfigurationError", "MessageDroppedError",
            "ModelAuthenticationError", "ModelClientError", "ModelConnectionError",
            "ModelContentFilterError", "ModelNotFoundError", "ModelRateLimitError",
            "ModelResponseError", "ModelTimeoutError", "PluginError", "ProviderConflictError",
            "ProviderNotFoundError",
            "RetinueError", "RuntimeClosedError", "SecretNotFoundError", "SerializationError",
            "TerminatedError", "ToolError", "UndeliverableError",
        )
    },
    "CancellationToken": "retinue.cancellation",
    # plugins and registry
    "hookimpl": "retinue._markers",
    "hookspec": "retinue._markers",
    "get_plugin_manager": "retinue.plugins",
    "get_registry": "retinue.registry",
    "create": "retinue.registry",
    # declarative components
    "Component": "retinue.components",
    "ComponentModel": "retinue.components",
    "KINDS": "retinue.components",
    "dump_component": "retinue.components",
    "load_component": "retinue.components",
    "EnvSecret": "retinue._secrets",
    "Secret": "retinue._secrets",
    "secret_from_env": "retinue._secrets",
    "secret_value": "retinue._secrets",
    # agent runtime
    "AgentId": "retinue.runtime",
    "TopicId": "retinue.runtime",
    "DefaultTopicId": "retinue.runtime",
    "AgentRuntime": "retinue.runtime",
    "InProcessRuntime": "retinue.runtime",
    "SingleThreadedAgentRuntime": "retinue.runtime",
    "RoutedAgent": "retinue.runtime",
    "BaseAgent": "retinue.runtime",
    "MessageContext": "retinue.runtime",
    "message_handler": "retinue.runtime",
    "event": "retinue.runtime",
    "rpc": "retinue.runtime",
    "TypeSubscription": "retinue.runtime",
    "TypePrefixSubscription": "retinue.runtime",
    "DefaultSubscription": "retinue.runtime",
    "default_subscription": "retinue.runtime",
    "type_subscription": "retinue.runtime",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'retinue' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._errors import *  # noqa: F403
    from ._markers import hookimpl, hookspec
    from ._secrets import EnvSecret, Secret, secret_from_env, secret_value
    from .cancellation import CancellationToken
    from .components import KINDS, Component, ComponentModel, dump_component, load_component
    from .plugins import get_plugin_manager
    from .registry import create, get_registry
    from .runtime import (
        AgentId,
        AgentRuntime,
        BaseAgent,
        DefaultSubscription,
        DefaultTopicId,
        InProcessRuntime,
        MessageContext,
        RoutedAgent,
        SingleThreadedAgentRuntime,
        TopicId,
        TypePrefixSubscription,
        TypeSubscription,
        default_subscription,
        event,
        message_handler,
        rpc,
        type_subscription,
    )
