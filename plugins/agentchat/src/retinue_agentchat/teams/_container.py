"""The runtime agent that holds one participant (an agent or a nested team) of a team.

When the manager asks it to speak (handing over what the others said since it last
spoke), it runs its participant, streams the participant's events to the team's
output topic and publishes the reply to the group.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import aclosing
from typing import Any

from retinue import StateError
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    ChatAgent,
    Response,
    TaskResult,
    Team,
)
from retinue.runtime import MessageContext, RoutedAgent, TopicId, event, rpc

from ._manager import load_saved_messages
from ._protocol import (
    GroupChatAgentResponse,
    GroupChatError,
    GroupChatMessage,
    GroupChatPause,
    GroupChatRequestPublish,
    GroupChatReset,
    GroupChatResume,
    GroupChatTeamResponse,
)

__all__ = ["ParticipantContainer"]

logger = logging.getLogger(__name__)


class ParticipantContainer(RoutedAgent):
    """Runs one participant inside a team."""

    # Pause, resume and the others' replies must reach the container while its
    # participant is still speaking.
    concurrent = True

    def __init__(
        self,
        participant: ChatAgent | Team,
        name: str,
        *,
        team_id: str,
        group_topic_type: str,
        output_topic_type: str,
    ) -> None:
        super().__init__(description=getattr(participant, "description", name))
        self._participant = participant
        self._name = name
        self._buffer: list[BaseChatMessage] = []
        self._group_topic = TopicId(group_topic_type, team_id)
        self._output_topic = TopicId(output_topic_type, team_id)

    @event
    async def handle_request(self, message: GroupChatRequestPublish, ctx: MessageContext) -> None:
        token = ctx.cancellation_token
        # A buffer is left only by a loaded state: it is older than what the manager sends.
        if self._buffer:
            messages, self._buffer = [*self._buffer, *message.messages], []
        else:
            messages = message.messages
        try:
            reply: GroupChatAgentResponse | GroupChatTeamResponse
            if isinstance(self._participant, Team):
                result = await self._run_team(messages, ctx)
                reply = GroupChatTeamResponse(result.messages, self._name, message.run_id)
            else:
                # The manager hands the reply itself to the team's output.
                response = await self._run_agent(self._participant, messages, ctx)
                reply = GroupChatAgentResponse(
                    response.chat_message, response.inner_messages, self._name, message.run_id
                )
        except Exception as exc:
            logger.debug("participant %s failed", self._name, exc_info=True)
            if token.is_cancelled():
                return  # the run was cancelled or its reader left: nobody awaits this turn
            await self.publish_message(
                GroupChatError.from_exception(self._name, exc, message.run_id),
                self._group_topic,
                cancellation_token=token,
            )
            return
        if token.is_cancelled():
            return
        await self.publish_message(reply, self._group_topic, cancellation_token=token)

    async def _run_agent(
        self, agent: ChatAgent, messages: list[BaseChatMessage], ctx: MessageContext
    ) -> Response:
        response: Response | None = None
        # Closed here when this handler is cancelled (the team's caller left), not later
        # by the garbage collector.
        async with aclosing(agent.on_messages_stream(messages, ctx.cancellation_token)) as stream:
            async for item in stream:
                if isinstance(item, Response):
                    response = item
                else:
                    await self._output(item, ctx)
        if response is None:
            raise RuntimeError(
                f"agent {self._name!r} ended on_messages_stream without yielding a Response"
            )
        return response

    async def _run_team(self, messages: list[BaseChatMessage], ctx: MessageContext) -> TaskResult:
        assert isinstance(self._participant, Team)
        result: TaskResult | None = None
        async with aclosing(
            self._participant.run_stream(
                task=messages, cancellation_token=ctx.cancellation_token, output_task_messages=False
            )
        ) as stream:
            async for item in stream:
                if isinstance(item, TaskResult):
                    result = item
                else:
                    await self._output(item, ctx)
        assert result is not None  # run_stream always ends with the TaskResult
        return result

    async def _output(self, item: BaseAgentEvent | BaseChatMessage, ctx: MessageContext) -> None:
        await self.publish_message(
            GroupChatMessage(item), self._output_topic, cancellation_token=ctx.cancellation_token
        )

    @rpc
    async def handle_reset(self, message: GroupChatReset, ctx: MessageContext) -> None:
        self._buffer.clear()
        if isinstance(self._participant, Team):
            await self._participant.reset()
        else:
            await self._participant.on_reset(ctx.cancellation_token)

    @rpc
    async def handle_pause(self, message: GroupChatPause, ctx: MessageContext) -> None:
        if isinstance(self._participant, Team):
            await self._participant.pause()
        else:
            await self._participant.on_pause(ctx.cancellation_token)

    @rpc
    async def handle_resume(self, message: GroupChatResume, ctx: MessageContext) -> None:
        if isinstance(self._participant, Team):
            await self._participant.resume()
        else:
            await self._participant.on_resume(ctx.cancellation_token)

    async def save_state(self) -> Mapping[str, Any]:
        return {
            "type": "ChatAgentContainerState",
            "agent_state": dict(await self._participant.save_state()),
            "message_buffer": [m.dump() for m in self._buffer],
        }

    async def load_state(self, state: Mapping[str, Any]) -> None:
        """The participant's state and the buffer; checked first, loaded all or nothing."""
        if not isinstance(state, Mapping) or not isinstance(state.get("agent_state", {}), Mapping):
            raise StateError(
                f"the state of participant {self._name!r} must be a mapping with an "
                "'agent_state' mapping, as save_state() returns it"
            )
        buffer = load_saved_messages(state.get("message_buffer", []), "'message_buffer'")
        await self._participant.load_state(state.get("agent_state", {}))
        self._buffer = buffer
