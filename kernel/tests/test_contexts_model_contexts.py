"""Model contexts and ListMemory: the views they give the model, state and specs."""

from __future__ import annotations

import pytest
from retinue import ConfigurationError
from retinue.chat import (
    BufferedChatCompletionContext,
    ChatCompletionContext,
    HeadAndTailChatCompletionContext,
    ListMemory,
    MemoryContent,
    TokenLimitedChatCompletionContext,
    UnboundedChatCompletionContext,
)
from retinue.components import load_component
from retinue.models import (
    AssistantMessage,
    FunctionCall,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    LLMMessage,
    SystemMessage,
    UserMessage,
)
from retinue.testing import ScriptedChatCompletionClient, isolated_registry
from retinue.tools import ToolSchema


def user(n: int) -> UserMessage:
    return UserMessage(content=f"message {n}", source="user")


CALL = AssistantMessage(content=[FunctionCall(id="1", name="f", arguments="{}")], source="a")
RESULT = FunctionExecutionResultMessage(
    content=[FunctionExecutionResult(content="ok", name="f", call_id="1")]
)


async def fill(context: ChatCompletionContext, messages: list[LLMMessage]) -> None:
    for message in messages:
        await context.add_message(message)


async def test_unbounded_shows_everything_and_clear_restores_initial() -> None:
    context = UnboundedChatCompletionContext(initial_messages=[SystemMessage(content="s")])
    await fill(context, [user(1), user(2)])
    assert len(await context.get_messages()) == 3
    await context.clear()
    assert await context.get_messages() == [SystemMessage(content="s")]


async def test_buffered_keeps_the_last_n_without_orphan_results() -> None:
    context = BufferedChatCompletionContext(buffer_size=2)
    await fill(context, [user(1), user(2), user(3)])
    assert await context.get_messages() == [user(2), user(3)]
    await fill(context, [CALL, RESULT, user(4)])
    # the window [RESULT, user(4)] would start with a result whose call is cut off
    assert await context.get_messages() == [user(4)]


async def test_head_and_tail_notes_what_was_skipped() -> None:
    context = HeadAndTailChatCompletionContext(head_size=1, tail_size=2)
    await fill(context, [user(n) for n in range(6)])
    messages = await context.get_messages()
    assert messages[0] == user(0)
    assert messages[1] == UserMessage(content="Skipped 3 messages.", source="System")
    assert messages[2:] == [user(4), user(5)]
    short = HeadAndTailChatCompletionContext(head_size=2, tail_size=2)
    await fill(short, [user(1), user(2)])
    assert await short.get_messages() == [user(1), user(2)]


async def test_head_and_tail_keeps_tool_calls_with_their_results() -> None:
    context = HeadAndTailChatCompletionContext(head_size=2, tail_size=1)
    await fill(context, [user(0), CALL, RESULT, user(1), user(2)])
    messages = await context.get_messages()
    assert messages == [
        user(0),
        UserMessage(content="Skipped 3 messages.", source="System"),
        user(2),
    ]


async def test_token_limited_drops_middle_messages_until_it_fits() -> None:
    client = ScriptedChatCompletionClient([])
    history = [user(n) for n in range(6)]
    per_message = client.count_tokens([user(0)])
    context = TokenLimitedChatCompletionContext(client, token_limit=per_message * 3)
    await fill(context, history)
    messages = await context.get_messages()
    assert client.count_tokens(messages) <= per_message * 3
    assert messages[0] == user(0)
    assert messages[-1] == user(5)
    assert len(messages) == 3


SEARCH_SCHEMA: ToolSchema = {
    "name": "search_the_product_catalogue",
    "description": "Search the product catalogue by name, colour, size and price range.",
    "parameters": {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "words to look for"},
            "max_price": {"type": "number", "description": "highest price in euros"},
        },
        "required": ["query"],
    },
}


@pytest.mark.parametrize("with_window", [False, True], ids=["token_limit", "context_window"])
async def test_token_limited_counts_the_tool_schemas_against_the_budget(with_window: bool) -> None:
    info = {"vision": False, "function_calling": True, "json_output": True, "family": "x"}
    client = ScriptedChatCompletionClient([])
    history = [user(n) for n in range(6)]
    # A budget that holds the whole history alone, but only three messages next to the
    # tool schema.
    budget = client.count_tokens(history[:3], tools=[SEARCH_SCHEMA])
    assert client.count_tokens(history) <= budget
    if with_window:
        client = ScriptedChatCompletionClient([], model_info={**info, "context_window": budget})
    limit = None if with_window else budget
    without_tools = TokenLimitedChatCompletionContext(client, token_limit=limit)
    with_tools = TokenLimitedChatCompletionContext(
        client, token_limit=limit, tool_schema=[SEARCH_SCHEMA]
    )
    await fill(without_tools, history)
    await fill(with_tools, history)
    assert await without_tools.get_messages() == history
    assert await with_tools.get_messages() == [user(0), user(1), user(5)]


async def test_token_limited_uses_the_context_window_without_a_limit() -> None:
    info = {"vision": False, "function_calling": True, "json_output": True, "family": "x"}
    client = ScriptedChatCompletionClient([], model_info={**info, "context_window": 20})
    context = TokenLimitedChatCompletionContext(client)
    await fill(context, [user(n) for n in range(10)])
    messages = await context.get_messages()
    assert client.remaining_tokens(messages) >= 0
    assert len(messages) < 10


async def test_state_round_trips_exactly() -> None:
    context = BufferedChatCompletionContext(buffer_size=1)
    await fill(context, [user(1), CALL, RESULT])
    state = await context.save_state()
    other = BufferedChatCompletionContext(buffer_size=1)
    await other.load_state(state)
    assert await other.save_state() == state
    assert other._messages == context._messages


@pytest.mark.parametrize(
    "context",
    [
        UnboundedChatCompletionContext(initial_messages=[SystemMessage(content="s")]),
        BufferedChatCompletionContext(buffer_size=3),
        HeadAndTailChatCompletionContext(head_size=1, tail_size=2),
        TokenLimitedChatCompletionContext(ScriptedChatCompletionClient(["x"]), token_limit=50),
    ],
    ids=lambda c: type(c).__name__,
)
async def test_every_context_round_trips_as_a_spec(context: ChatCompletionContext) -> None:
    spec = context.dump_component()
    assert spec.kind == "model_context"
    loaded = load_component(spec, ChatCompletionContext, registry=isolated_registry())
    assert type(loaded) is type(context)
    assert loaded.dump_component() == spec


def test_autogen_context_spec_loads_through_its_alias() -> None:
    spec = {
        "provider": "autogen_core.model_context.BufferedChatCompletionContext",
        "component_type": "chat_completion_context",
        "version": 1,
        "component_version": 1,
        "config": {"buffer_size": 5},
    }
    loaded = load_component(spec, registry=isolated_registry())
    assert isinstance(loaded, BufferedChatCompletionContext)


def test_sizes_must_be_positive() -> None:
    with pytest.raises(ConfigurationError, match="buffer_size > 0, got 0"):
        BufferedChatCompletionContext(buffer_size=0)
    with pytest.raises(ConfigurationError, match="tail_size > 0, got -1"):
        HeadAndTailChatCompletionContext(head_size=1, tail_size=-1)
    with pytest.raises(ConfigurationError, match="token_limit > 0"):
        TokenLimitedChatCompletionContext(ScriptedChatCompletionClient([]), token_limit=0)


async def test_list_memory_adds_numbered_memories_to_the_context() -> None:
    memory = ListMemory(name="prefs", memory_contents=[MemoryContent(content="Use metric units.")])
    await memory.add(MemoryContent(content="Answer briefly."))
    context = UnboundedChatCompletionContext()
    await context.add_message(user(1))
    result = await memory.update_context(context)
    assert [item.content for item in result.memories.results] == [
        "Use metric units.",
        "Answer briefly.",
    ]
    messages = await context.get_messages()
    assert messages[-1] == SystemMessage(
        content="\nRelevant memory content (in chronological order):\n"
        "1. Use metric units.\n2. Answer briefly.\n"
    )
    assert len((await memory.query("anything")).results) == 2


async def test_empty_list_memory_leaves_the_context_alone() -> None:
    memory = ListMemory()
    context = UnboundedChatCompletionContext()
    result = await memory.update_context(context)
    assert result.memories.results == []
    assert await context.get_messages() == []
    await memory.add(MemoryContent(content="x"))
    await memory.clear()
    assert memory.content == []


async def test_list_memory_round_trips_as_a_spec() -> None:
    memory = ListMemory(name="prefs", memory_contents=[MemoryContent(content="metric")])
    spec = memory.dump_component()
    assert (spec.provider, spec.kind) == ("list", "memory")
    loaded = load_component(spec, ListMemory, registry=isolated_registry())
    assert loaded.name == "prefs"
    assert loaded.content == memory.content
