"""ScriptedChatCompletionClient counts a context incrementally; the counts stay exact."""

from __future__ import annotations

from retinue.models import (
    AssistantMessage,
    FunctionCall,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    LLMMessage,
    SystemMessage,
    UserMessage,
)
from retinue.testing import ScriptedChatCompletionClient


def _conversation(turns: int) -> list[LLMMessage]:
    messages: list[LLMMessage] = [SystemMessage(content="You add numbers.")]
    for i in range(turns):
        messages.append(UserMessage(content=f"add {i} and {i + 1}", source="user"))
        call = FunctionCall(id=str(i), name="add", arguments=f'{{"a": {i}, "b": {i + 1}}}')
        messages.append(AssistantMessage(content=[call], source="calc"))
        result = FunctionExecutionResult(content=str(2 * i + 1), name="add", call_id=str(i))
        messages.append(FunctionExecutionResultMessage(content=[result]))
    return messages


def _fresh_count(messages: list[LLMMessage]) -> int:
    return ScriptedChatCompletionClient(["unused"]).count_tokens(messages)


def test_growing_shrinking_and_changed_contexts_count_as_a_fresh_client_does() -> None:
    client = ScriptedChatCompletionClient(["unused"])
    full = _conversation(6)
    for size in [1, 4, 10, len(full), 3, len(full)]:
        assert client.count_tokens(full[:size]) == _fresh_count(full[:size])
    # A different message in the middle (not just appended) is counted anew.
    edited = [*full[:5], UserMessage(content="a much longer message than before", source="u")]
    edited += full[6:]
    assert client.count_tokens(edited) == _fresh_count(edited) != _fresh_count(full)
    # Replacing a message's content (not mutating it in place) is noticed too.
    full[2] = full[2].model_copy(update={"content": "now plain text with more words"})
    assert client.count_tokens(full) == _fresh_count(full)


async def test_prompt_usage_matches_count_tokens_as_the_context_grows() -> None:
    client = ScriptedChatCompletionClient(["ok"], cycle=True)
    conversation = _conversation(4)
    for size in range(1, len(conversation) + 1):
        result = await client.create(conversation[:size])
        assert result.usage.prompt_tokens == _fresh_count(conversation[:size])


def test_a_grown_context_is_counted_without_reading_the_messages_counted_before() -> None:
    # Model contexts hand out the message objects they hold; the client matches them by
    # identity and reads only the new ones, so each turn of a long conversation costs the
    # same.  Shown by a message changed in place after it was counted (which no model
    # context does): the messages counted before are not looked into again.
    client = ScriptedChatCompletionClient(["unused"])
    messages = _conversation(50)
    first = client.count_tokens(messages)
    old = messages[1]
    object.__setattr__(old, "content", "a much longer message " * 20)
    added = UserMessage(content="and one more", source="user")
    grown = [*messages, added]
    assert client.count_tokens(grown) == first + _fresh_count([added])
    # A list with another message in that place is counted anew.
    replaced = [*messages[:1], UserMessage(content="other", source="user"), *grown[2:]]
    assert client.count_tokens(replaced) == _fresh_count(replaced)
