"""Messages the group chat manager, the participant containers and the team exchange.

In-process they travel as plain dataclasses (no copies, no validation), which keeps the
framework's cost per team message small.  Their chat-message fields carry serializers
that keep each message's concrete class (``TextMessage``, ``HandoffMessage``, ...), so
a runtime that crosses processes can encode and decode them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    BaseMessage,
    StopMessage,
    load_chat_message,
)

__all__ = [
    "AnyMessage",
    "ChatMessage",
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


def _load(value: Any) -> BaseMessage:
    return value if isinstance(value, BaseMessage) else load_chat_message(value)


def _dump(message: BaseMessage) -> dict[str, Any]:
    return message.dump()


ChatMessage = Annotated[BaseChatMessage, PlainValidator(_load), PlainSerializer(_dump)]
AnyMessage = Annotated[
    BaseAgentEvent | BaseChatMessage, PlainValidator(_load), PlainSerializer(_dump)
]


@dataclass(slots=True)
class GroupChatStart:
    """Starts (or continues) a run; ``messages`` is the task, if any."""

    messages: list[ChatMessage] | None = None
    output_task_messages: bool = True


@dataclass(slots=True)
class GroupChatRequestPublish:
    """Asks a participant to speak; ``run_id`` lets the manager ignore stale replies.

    ``messages`` are the chat messages the participant has not seen yet (the task and
    the others' replies since it last spoke), in order.
    """

    run_id: int = 0
    messages: list[ChatMessage] = field(default_factory=list)


@dataclass(slots=True)
class GroupChatAgentResponse:
    """An agent participant's reply (and what happened on the way), sent to the group."""

    chat_message: ChatMessage
    inner_messages: list[AnyMessage] | None
    name: str
    run_id: int = 0


@dataclass(slots=True)
class GroupChatTeamResponse:
    """A nested team participant's messages for one turn, sent to the group."""

    messages: list[AnyMessage]
    name: str
    run_id: int = 0


@dataclass(slots=True)
class GroupChatMessage:
    """A message or event for the team's output stream."""

    message: AnyMessage


@dataclass(slots=True)
class GroupChatError:
    """A participant (or the manager) failed; the text is what the caller is told."""

    name: str
    error_type: str
    error_message: str
    run_id: int = 0

    @classmethod
    def from_exception(cls, name: str, error: BaseException, run_id: int) -> GroupChatError:
        return cls(name, type(error).__name__, str(error), run_id)


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
