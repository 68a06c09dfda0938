"""retinue: the kernel of a plugin-based multi-agent framework.

Public names are loaded on first access, so ``import retinue`` (and therefore
plugin discovery and ``retinue plugins``) stays cheap: no pydantic model, no
runtime and no SDK is imported until it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _errors, _slots
from ._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "__version__": "retinue._version",
    # errors (_errors is a leaf module with no imports, cheap to read here)
    **dict.fromkeys(_errors.__all__, "retinue._errors"),
    "CancellationToken": "retinue.cancellation",
    "lazy_exports": "retinue._lazy",
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
    "bounded_repr": "retinue._errors",
    "bounded_text": "retinue._errors",
    "StateTarget": "retinue._state",
    "load_all_or_nothing": "retinue._state",
    "Secret": "retinue._secrets",
    "masked_secret_as_env": "retinue._secrets",
    "refuse_masked_secret": "retinue._secrets",
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
    # the rest of autogen_core's top-level names retinue has (docs/migration.md)
    **dict.fromkeys(
        (
            "Agent",
            "AgentMetadata",
            "AgentType",
            "ClosureAgent",
            "ClosureContext",
            "DefaultInterventionHandler",
            "DropMessage",
            "InterventionHandler",
            "JSON_DATA_CONTENT_TYPE",
            "MessageSerializer",
            "Subscription",
            "UnknownPayload",
            "try_get_known_serializers_for_type",
        ),
        "retinue.runtime",
    ),
    "FunctionCall": "retinue.models",
    "Image": "retinue.models",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, extra=())


# This package is the kernel's composition root.  Python runs it before any kernel
# module, so it fills the slots through which a lower layer gets what it needs from a
# higher one (see retinue._slots and the design's "Kernel layers").  Each filler
# imports its layer on first call, so ``import retinue`` stays cheap.
def _instrument_class(kind: str, cls: type) -> None:
    from ._instrument import instrument_class

    instrument_class(kind, cls)


def _collect_interceptors(family: str, target: object) -> list[object]:
    # The first model call, tool call or runtime starts the plugin manager if nothing did.
    from .plugins import get_plugin_manager

    return get_plugin_manager().collect_interceptors(family, target)


def _default_registry() -> object:
    from .registry import get_registry

    return get_registry()


_slots.fill(
    instrument_class=_instrument_class,
    interceptors=_collect_interceptors,
    registry=_default_registry,
    builtin_plugins={"retinue.builtins": "retinue._builtins", "retinue.new": "retinue._new"},
)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    # `X as X` marks each name as re-exported for mypy --strict users of the package.
    from ._errors import (
        AgentCreationError as AgentCreationError,
        AgentNotFoundError as AgentNotFoundError,
        CancelledError as CancelledError,
        CantHandleError as CantHandleError,
        CodeExecutionError as CodeExecutionError,
        ComponentError as ComponentError,
        ComponentLoadError as ComponentLoadError,
        ConfigurationError as ConfigurationError,
        MessageDroppedError as MessageDroppedError,
        ModelAuthenticationError as ModelAuthenticationError,
        ModelClientError as ModelClientError,
        ModelConnectionError as ModelConnectionError,
        ModelContentFilterError as ModelContentFilterError,
        ModelNotFoundError as ModelNotFoundError,
        ModelRateLimitError as ModelRateLimitError,
        ModelResponseError as ModelResponseError,
        ModelTimeoutError as ModelTimeoutError,
        PluginError as PluginError,
        ProviderConflictError as ProviderConflictError,
        ProviderNotFoundError as ProviderNotFoundError,
        RetinueError as RetinueError,
        RuntimeClosedError as RuntimeClosedError,
        SecretNotFoundError as SecretNotFoundError,
        SerializationError as SerializationError,
        StateError as StateError,
        TerminatedError as TerminatedError,
        ToolError as ToolError,
        UndeliverableError as UndeliverableError,
        bounded_repr as bounded_repr,
        bounded_text as bounded_text,
    )
    from ._lazy import (
        lazy_exports as lazy_exports,
    )
    from ._markers import (
        hookimpl as hookimpl,
        hookspec as hookspec,
    )
    from ._secrets import (
        EnvSecret as EnvSecret,
        Secret as Secret,
        masked_secret_as_env as masked_secret_as_env,
        refuse_masked_secret as refuse_masked_secret,
        secret_from_env as secret_from_env,
        secret_value as secret_value,
    )
    from ._state import StateTarget as StateTarget, load_all_or_nothing as load_all_or_nothing
    from ._version import __version__ as __version__
    from .cancellation import (
        CancellationToken as CancellationToken,
    )
    from .components import (
        KINDS as KINDS,
        Component as Component,
        ComponentModel as ComponentModel,
        dump_component as dump_component,
        load_component as load_component,
    )
    from .models import (
        FunctionCall as FunctionCall,
        Image as Image,
    )
    from .plugins import (
        get_plugin_manager as get_plugin_manager,
    )
    from .registry import (
        create as create,
        get_registry as get_registry,
    )
    from .runtime import (
        JSON_DATA_CONTENT_TYPE as JSON_DATA_CONTENT_TYPE,
        Agent as Agent,
        AgentId as AgentId,
        AgentMetadata as AgentMetadata,
        AgentRuntime as AgentRuntime,
        AgentType as AgentType,
        BaseAgent as BaseAgent,
        ClosureAgent as ClosureAgent,
        ClosureContext as ClosureContext,
        DefaultInterventionHandler as DefaultInterventionHandler,
        DefaultSubscription as DefaultSubscription,
        DefaultTopicId as DefaultTopicId,
        DropMessage as DropMessage,
        InProcessRuntime as InProcessRuntime,
        InterventionHandler as InterventionHandler,
        MessageContext as MessageContext,
        MessageSerializer as MessageSerializer,
        RoutedAgent as RoutedAgent,
        SingleThreadedAgentRuntime as SingleThreadedAgentRuntime,
        Subscription as Subscription,
        TopicId as TopicId,
        TypePrefixSubscription as TypePrefixSubscription,
        TypeSubscription as TypeSubscription,
        UnknownPayload as UnknownPayload,
        default_subscription as default_subscription,
        event as event,
        message_handler as message_handler,
        rpc as rpc,
        try_get_known_serializers_for_type as try_get_known_serializers_for_type,
        type_subscription as type_subscription,
    )
