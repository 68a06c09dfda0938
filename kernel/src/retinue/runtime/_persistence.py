"""Saving and restoring the in-process runtime's agents and subscriptions.

:class:`StatePersistence` is the layer of :class:`~retinue.runtime.InProcessRuntime`
behind ``save_state``/``load_state`` and their one-agent forms.  It needs only the
:class:`AgentDirectory` (agents and subscriptions), never delivery, so it sits
beside the delivery layers rather than on top of them.  The saved form is
documented in ``docs/runtime.md`` ("State").
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from .._errors import AgentNotFoundError, SerializationError
from ._directory import AgentDirectory
from ._ids import AgentId
from ._subscriptions import Subscription, TypePrefixSubscription, TypeSubscription

__all__ = ["StatePersistence"]

logger = logging.getLogger(__name__)

_STATE_VERSION = 1


class StatePersistence(AgentDirectory):
    """JSON-compatible state of every agent created so far and of the subscriptions."""

    async def agent_save_state(self, agent: AgentId) -> Mapping[str, Any]:
        instance = await self._existing_type_agent(agent)
        state: Mapping[str, Any] = _checked_json(
            await instance.save_state(), f"the state of agent {agent}"
        )
        return state

    async def agent_load_state(self, agent: AgentId, state: Mapping[str, Any]) -> None:
        await (await self._existing_type_agent(agent)).load_state(state)

    async def save_state(self) -> dict[str, Any]:
        """State of every agent created so far, plus subscriptions added at run time.

        The result is JSON-compatible (checked here); call it when the runtime is idle.
        """
        agents: dict[str, Any] = {}
        for agent_id, agent in list(self._instances.items()):
            agents[str(agent_id)] = _checked_json(
                await agent.save_state(), f"the state of agent {agent_id}"
            )
        subscriptions = [_dump_subscription(s) for s in self._subscriptions.values()]
        return {
            "version": _STATE_VERSION,
            "agents": agents,
            "subscriptions": [s for s in subscriptions if s is not None],
        }

    async def load_state(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`save_state` output (AutoGen's flat ``{agent_id: state}`` also works).

        Agent types must be registered first; agents are created and handed their state.
        """
        if not isinstance(state, Mapping):
            raise SerializationError(f"runtime state must be a mapping, got {type(state).__name__}")
        if "agents" in state and "version" in state:
            agents = state["agents"]
            for item in state.get("subscriptions", ()):
                subscription = _load_subscription(item)
                if not self._has_subscription(subscription):
                    await self.add_subscription(subscription)
        else:
            agents = state
        if not isinstance(agents, Mapping):
            raise SerializationError(
                f"the 'agents' of a runtime state must map agent ids to states, got "
                f"{type(agents).__name__}; pass what save_state() returned"
            )
        for key, agent_state in agents.items():
            agent_id = AgentId.from_str(key)
            if agent_id.type not in self._factories:
                raise AgentNotFoundError(
                    f"cannot load the state of {agent_id}: {self._not_found_message(agent_id)}"
                )
            agent = await self._get_agent(agent_id)
            await agent.load_state(agent_state)


def _checked_json(state: Any, what: str) -> Any:
    try:
        return json.loads(json.dumps(state, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise SerializationError(
            f"{what} is not JSON-compatible ({exc}); return only dicts, lists, strings, "
            "numbers, booleans and None from save_state()"
        ) from exc


def _dump_subscription(subscription: Subscription) -> dict[str, str] | None:
    if isinstance(subscription, TypeSubscription):
        kind, topic_key, topic = "type", "topic_type", subscription.topic_type
    elif isinstance(subscription, TypePrefixSubscription):
        kind, topic_key = "type_prefix", "topic_type_prefix"
        topic = subscription.topic_type_prefix
    else:
        logger.warning(
            "subscription %r is not saved: only type and prefix subscriptions are", subscription
        )
        return None
    return {
        "kind": kind,
        "id": subscription.id,
        topic_key: topic,
        "agent_type": subscription.agent_type,
    }


def _load_subscription(item: Mapping[str, str]) -> Subscription:
    try:
        if item["kind"] == "type":
            return TypeSubscription(item["topic_type"], item["agent_type"], id=item["id"])
        if item["kind"] == "type_prefix":
            return TypePrefixSubscription(
                item["topic_type_prefix"], item["agent_type"], id=item["id"]
            )
    except (KeyError, TypeError) as exc:
        raise SerializationError(f"invalid saved subscription {item!r}: missing {exc}") from exc
    raise SerializationError(f"invalid saved subscription {item!r}: unknown kind")
