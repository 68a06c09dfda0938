"""The ``task`` of ``run``/``run_stream``, read the same way by agents and teams."""

from __future__ import annotations

from collections.abc import Sequence

from retinue import ConfigurationError
from retinue.chat import BaseChatMessage, TextMessage

__all__ = ["Task", "task_messages"]

Task = str | BaseChatMessage | Sequence[BaseChatMessage] | None


def task_messages(task: Task, owner: str, name: str) -> list[BaseChatMessage] | None:
    """``task`` as chat messages (a string becomes a ``TextMessage`` from ``"user"``).

    None stays None (no new task).  ``owner`` and ``name`` (e.g. ``"agent"``, ``"helper"``)
    say in an error whose ``run`` got the bad task.
    """
    if task is None:
        return None
    if isinstance(task, str):
        return [TextMessage(content=task, source="user")]
    if isinstance(task, BaseChatMessage):
        return [task]
    if isinstance(task, Sequence):
        wrong = [type(item).__name__ for item in task if not isinstance(item, BaseChatMessage)]
        if not wrong:
            return list(task)
        raise ConfigurationError(
            f"{owner} {name!r}: a task list must hold chat messages only, got "
            f"{', '.join(wrong)}; pass a string, a chat message, or a list of chat messages"
        )
    raise ConfigurationError(
        f"{owner} {name!r}: task must be a string, a chat message or a list of chat "
        f"messages, got {type(task).__name__}"
    )
