"""Messages the group chat manager, the participant containers and the team exchange.

They travel over the team's runtime.  In-process they are passed as Python objects
(no copies, no validation), which keeps the framework's cost per team message small.
"""

from __future__ import annotations

from dataclasses import dataclass

from retinue.chat import BaseAgentEvent, BaseChatMessage, Response, StopMessage, TaskResult

__all__ = [
    "GroupChatAgentResponse",
    "GroupChatError",
    "GroupChatMessage",
    "GroupChatPause",
    "GroupChatRequestPublish",
    "GroupChatReset",
    "GroupChatResume",
    "GroupChatStart",
    "GroupChatTeamResponse",
    "GroupChatTermination",
]


@dataclass(slots=True)
class GroupChatStart:
    """Starts (or continues) a run; ``messages`` is the task, if any."""

    messages: list[BaseChatMessage] | None = None
    output_task_messages: bool = True


@dataclass(slots=True)
class GroupChatRequestPublish:
    """Asks a participant to speak; ``run_id`` lets the manager ignore stale replies."""

    run_id: int = 0


@dataclass(slots=True)
class GroupChatAgentResponse:
    """An agent participant's reply, published to the whole group."""

    response: Response
    name: str
    run_id: int = 0


@dataclass(slots=True)
class GroupChatTeamResponse:
    """A nested team participant's result, published to the whole group."""

    result: TaskResult
    name: str
    run_id: int = 0


@dataclass(slots=True)
class GroupChatMessage:
    """A message or event for the team's output stream."""

    message: BaseAgentEvent | BaseChatMessage


@dataclass(slots=True)
class GroupChatError:
    """A participant failed while speaking."""

    name: str
    error: BaseException
    run_id: int = 0


@dataclass(slots=True)
class GroupChatTermination:
    """Ends the output stream of a run, with the stop reason or the error that ended it."""

    message: StopMessage | None = None
    error: GroupChatError | None = None


@dataclass(slots=True)
class GroupChatReset:
    """Forget the conversation."""


@dataclass(slots=True)
class GroupChatPause:
    """Tell participants the team is paused."""


@dataclass(slots=True)
class GroupChatResume:
    """Tell participants the team resumes."""
