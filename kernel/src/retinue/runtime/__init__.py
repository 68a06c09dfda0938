"""The agent runtime: ids, subscriptions, agents, serialization and the in-process runtime."""

from ._agent import Agent, BaseAgent, MessageContext
from ._closure import ClosureAgent, ClosureContext
from ._context import DefaultTopicId, current_agent_id
from ._ids import AgentId, AgentMetadata, AgentType, TopicId
from ._inprocess import InProcessRuntime, InProcessRuntimeConfig, SingleThreadedAgentRuntime
from ._intervention import DROP, DefaultInterventionHandler, DropMessage, InterventionHandler
from ._routed import RoutedAgent, event, message_handler, rpc
from ._runtime import AgentRuntime
from ._serialization import (
    JSON_DATA_CONTENT_TYPE,
    DataclassJsonMessageSerializer,
    JsonValueSerializer,
    MessageSerializer,
    PydanticJsonMessageSerializer,
    SerializationRegistry,
    UnknownPayload,
    qualified_type_name,
    try_get_known_serializers_for_type,
)
from ._subscriptions import (
    DefaultSubscription,
    Subscription,
    TypePrefixSubscription,
    TypeSubscription,
    default_subscription,
    type_subscription,
)

__all__ = [
    "DROP",
    "JSON_DATA_CONTENT_TYPE",
    "Agent",
    "AgentId",
    "AgentMetadata",
    "AgentRuntime",
    "AgentType",
    "BaseAgent",
    "ClosureAgent",
    "ClosureContext",
    "DataclassJsonMessageSerializer",
    "DefaultInterventionHandler",
    "DefaultSubscription",
    "DefaultTopicId",
    "DropMessage",
    "InProcessRuntime",
    "InProcessRuntimeConfig",
    "InterventionHandler",
    "JsonValueSerializer",
    "MessageContext",
    "MessageSerializer",
    "PydanticJsonMessageSerializer",
    "RoutedAgent",
    "SerializationRegistry",
    "SingleThreadedAgentRuntime",
    "Subscription",
    "TopicId",
    "TypePrefixSubscription",
    "TypeSubscription",
    "UnknownPayload",
    "current_agent_id",
    "default_subscription",
    "event",
    "message_handler",
    "qualified_type_name",
    "rpc",
    "try_get_known_serializers_for_type",
    "type_subscription",
]
