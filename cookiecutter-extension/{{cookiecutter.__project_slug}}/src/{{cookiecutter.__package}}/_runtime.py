"""The in-process runtime, counting the messages it is asked to deliver.

Subclass a runtime to add behaviour around delivery (metrics, auditing, routing);
implement ``retinue.runtime.AgentRuntime`` directly for a new transport.
"""

from __future__ import annotations

from typing import Any

from retinue.runtime import AgentId, InProcessRuntime, TopicId

__all__ = ["{{ cookiecutter.__class_prefix }}Runtime"]


class {{ cookiecutter.__class_prefix }}Runtime(InProcessRuntime):
    """Delivers exactly like ``InProcessRuntime``; ``sent_count`` and ``published_count``
    say how many messages went through ``send_message`` and ``publish_message``."""

    component_provider = "{{ cookiecutter.plugin_name }}"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.sent_count = 0
        self.published_count = 0

    async def send_message(self, message: Any, recipient: AgentId, **options: Any) -> Any:
        self.sent_count += 1
        return await super().send_message(message, recipient, **options)

    async def publish_message(self, message: Any, topic_id: TopicId, **options: Any) -> None:
        self.published_count += 1
        await super().publish_message(message, topic_id, **options)
