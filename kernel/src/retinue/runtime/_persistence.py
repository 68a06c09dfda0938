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

from .._errors import (
    AgentNotFoundError,
    ConfigurationError,
    SerializationError,
    StateError,
    bounded_repr,
    bounded_text,
)
from .._state import StateTarget, load_all_or_nothing
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
        instance = await self._existing_type_agent(agent)
        await load_all_or_nothing(
            [StateTarget(f"agent {agent}", instance.save_state, instance.load_state, state)]
        )

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
        All or nothing: the whole state is checked first, and when an agent refuses its
        part, every agent gets its previous state back, agents created for the load are
        dropped and no subscription is added; the error is a :class:`StateError`.
        """
        agents, subscriptions = self._parse_state(state)
        created = [agent_id for agent_id in agents if agent_id not in self._instances]
        try:
            instances = {agent_id: await self._get_agent(agent_id) for agent_id in agents}
            await load_all_or_nothing(
                [
                    StateTarget(
                        f"agent {agent_id}",
                        instances[agent_id].save_state,
                        instances[agent_id].load_state,
                        agent_state,
                    )
                    for agent_id, agent_state in agents.items()
                ]
            )
        except BaseException:
            for agent_id in created:
                self._forget_agent(agent_id)
            raise
        for subscription in subscriptions:
            if not self._has_subscription(subscription):
                await self.add_subscription(subscription)

    def _parse_state(
        self, state: Any
    ) -> tuple[dict[AgentId, Mapping[str, Any]], list[Subscription]]:
        """Check a whole runtime state without changing anything."""
        if not isinstance(state, Mapping):
            raise StateError(
                f"runtime state must be a mapping, got {type(state).__name__}; pass what "
                "save_state() returned"
            )
        subscriptions: list[Subscription] = []
        if "agents" in state and "version" in state:
            if state["version"] != _STATE_VERSION:
                raise StateError(
                    f"runtime state version {bounded_repr(state['version'])} is not supported "
                    f"(this runtime reads version {_STATE_VERSION}); save it again with this "
                    "version of retinue"
                )
            agents = state["agents"]
            items = state.get("subscriptions", [])
            if not isinstance(items, list):
                raise StateError(
                    f"the 'subscriptions' of a runtime state must be a list, got "
                    f"{type(items).__name__}; pass what save_state() returned"
                )
            subscriptions = [_load_subscription(item) for item in items]
        else:
            agents = state
        if not isinstance(agents, Mapping):
            raise StateError(
                f"the 'agents' of a runtime state must map agent ids to states, got "
                f"{type(agents).__name__}; pass what save_state() returned"
            )
        parsed: dict[AgentId, Mapping[str, Any]] = {}
        for key, agent_state in agents.items():
            if not isinstance(key, str):
                raise StateError(
                    f"runtime state: agent id {bounded_repr(key)} is not text like 'type/key'"
                )
            try:
                agent_id = AgentId.from_str(key)
            except ConfigurationError as exc:
                raise StateError(f"runtime state: {exc}") from None
            if agent_id.type not in self._factories:
                raise AgentNotFoundError(
                    f"cannot load the state of {bounded_text(str(agent_id))}: "
                    f"{self._not_found_message(agent_id)}"
                )
            if not isinstance(agent_state, Mapping):
                raise StateError(
                    f"runtime state: the state of agent {bounded_text(key)} must be a mapping, "
                    f"got {type(agent_state).__name__}; pass what save_state() returned"
                )
            parsed[agent_id] = agent_state
        return parsed, subscriptions

    def _forget_agent(self, agent_id: AgentId) -> None:
        """Drop an agent created only to take a state that was then refused."""
        self._instances.pop(agent_id, None)
        self._mailboxes.pop(agent_id, None)


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


def _load_subscription(item: Any) -> Subscription:
    kind = item.get("kind") if isinstance(item, Mapping) else None
    fields = (
        {
            "type": ("topic_type", "agent_type", "id"),
            "type_prefix": ("topic_type_prefix", "agent_type", "id"),
        }.get(kind)
        if isinstance(kind, str)
        else None
    )
    if fields is None or not all(isinstance(item.get(name), str) for name in fields):
        raise StateError(
            f"invalid saved subscription {bounded_repr(item)}: expected kind 'type' with "
            "topic_type, agent_type and id, or kind 'type_prefix' with topic_type_prefix, "
            "agent_type and id (all text); pass what save_state() returned"
        )
    topic, agent_type, subscription_id = (item[name] for name in fields)
    if kind == "type":
        return TypeSubscription(topic, agent_type, id=subscription_id)
    return TypePrefixSubscription(topic, agent_type, id=subscription_id)
