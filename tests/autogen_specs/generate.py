"""Regenerate the AutoGen 0.7.5 component specs in this folder from AutoGen itself.

The JSON files next to this script are what AutoGen 0.7.5 writes with
``dump_component()``, one per component AutoGen can dump (model clients, agents,
teams, termination conditions, model contexts, tools, workbenches, code executors,
memory, cache stores), with keys masked as AutoGen masks them.
``tests/test_autogen_specs.py`` loads every one with retinue.  They are committed, so
the tests need no AutoGen; to refresh them run, in the benchmark's AutoGen environment
(``bench/README.md``) with the extras these components need (never the workspace's)::

    uv pip install --python bench/.envs/autogen/bin/python \\
        "autogen-ext[openai,anthropic,azure,mcp,ollama,http-tool,diskcache,redis,jupyter-executor,file-surfer,docker]==0.7.5"
    bench/.envs/autogen/bin/python tests/autogen_specs/generate.py

Nothing here connects anywhere: components are built and dumped, never run.  The files
in ``messages/`` are a ``StructuredMessage[Weather]`` and the state of a team that
produced one, as AutoGen saves them.  The files in ``states/`` are what
``team.save_state()`` returns after a first run of a round-robin, selector and swarm team
of AssistantAgents (one with a tool call in its model context, one with a buffered
context), each with ``"continuation"``: the source and text of every message AutoGen's
team produced when run once more after saving, so retinue's continuation can be compared.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autogen_agentchat.agents import (
    AssistantAgent,
    CodeExecutorAgent,
    MessageFilterAgent,
    MessageFilterConfig,
    PerSourceFilter,
    SocietyOfMindAgent,
    UserProxyAgent,
)
from autogen_agentchat.conditions import (
    ExternalTermination,
    FunctionCallTermination,
    HandoffTermination,
    MaxMessageTermination,
    SourceMatchTermination,
    StopMessageTermination,
    TextMentionTermination,
    TextMessageTermination,
    TimeoutTermination,
    TokenUsageTermination,
)
from autogen_agentchat.teams import (
    DiGraphBuilder,
    GraphFlow,
    MagenticOneGroupChat,
    RoundRobinGroupChat,
    SelectorGroupChat,
    Swarm,
)
from autogen_agentchat.tools import AgentTool, TeamTool
from autogen_core import InMemoryStore
from autogen_core.memory import ListMemory, MemoryContent
from autogen_core.model_context import (
    BufferedChatCompletionContext,
    HeadAndTailChatCompletionContext,
    TokenLimitedChatCompletionContext,
    UnboundedChatCompletionContext,
)
from autogen_core.models import ModelFamily
from autogen_core.tools import FunctionTool, StaticStreamWorkbench, StaticWorkbench
from pydantic import BaseModel

HERE = Path(__file__).parent

TOOL_MODEL_INFO = {
    "vision": False,
    "function_calling": True,
    "json_output": False,
    "family": ModelFamily.UNKNOWN,
    "structured_output": False,
}
PLAIN_MODEL_INFO = {**TOOL_MODEL_INFO, "function_calling": False}


class Weather(BaseModel):
    city: str
    celsius: float


def word_count(text: str) -> int:
    """Count the words in a text."""
    return len(text.split())


def replay(*replies: str, model_info: dict[str, Any] = TOOL_MODEL_INFO) -> Any:
    from autogen_ext.models.replay import ReplayChatCompletionClient

    return ReplayChatCompletionClient(list(replies), model_info=model_info)


def openai() -> Any:
    from autogen_ext.models.openai import OpenAIChatCompletionClient

    return OpenAIChatCompletionClient(model="gpt-4o", api_key="sk-not-a-real-key")


def word_count_tool() -> FunctionTool:
    return FunctionTool(word_count, description="Count the words in a text.")


def mcp_tool() -> Any:
    from mcp.types import Tool

    return Tool(
        name="echo",
        description="Echo a text back.",
        inputSchema={"type": "object", "properties": {"text": {"type": "string"}}},
    )


def stdio_params() -> Any:
    from autogen_ext.tools.mcp import StdioServerParams

    return StdioServerParams(
        command="python", args=["-m", "my_mcp_server"], read_timeout_seconds=10
    )


def sse_params() -> Any:
    from autogen_ext.tools.mcp import SseServerParams

    return SseServerParams(url="http://127.0.0.1:8931/sse", timeout=10)


def http_params() -> Any:
    from autogen_ext.tools.mcp import StreamableHttpServerParams

    return StreamableHttpServerParams(url="http://127.0.0.1:8931/mcp", timeout=10)


def model_clients() -> dict[str, Callable[[], Any]]:
    from autogen_ext.models.anthropic import (
        AnthropicBedrockChatCompletionClient,
        AnthropicChatCompletionClient,
        BedrockInfo,
    )
    from autogen_ext.models.cache import ChatCompletionCache
    from autogen_ext.models.ollama import OllamaChatCompletionClient
    from autogen_ext.models.openai import (
        AzureOpenAIChatCompletionClient,
        OpenAIChatCompletionClient,
    )

    return {
        "replay_client": lambda: replay("Hello"),
        "openai_client": openai,
        "openai_client_with_options": lambda: OpenAIChatCompletionClient(
            model="gpt-4o-mini",
            api_key="sk-not-a-real-key",
            temperature=0.2,
            max_tokens=500,
            seed=7,
            timeout=30,
            max_retries=5,
            stream_options={"include_usage": True},
        ),
        "openai_compatible_client": lambda: OpenAIChatCompletionClient(
            model="llama3.2",
            base_url="http://127.0.0.1:11434/v1",
            api_key="not-needed",
            model_info=TOOL_MODEL_INFO,
        ),
        "openai_client_for_gemini": lambda: OpenAIChatCompletionClient(
            model="gemini-2.0-flash", api_key="not-a-real-key"
        ),
        "azure_openai_client": lambda: AzureOpenAIChatCompletionClient(
            model="gpt-4o",
            azure_endpoint="https://example.openai.azure.com",
            azure_deployment="gpt-4o",
            api_version="2024-10-21",
            api_key="not-a-real-key",
        ),
        "anthropic_client": lambda: AnthropicChatCompletionClient(
            model="claude-3-5-sonnet-20241022", api_key="not-a-real-key"
        ),
        "anthropic_bedrock_client": lambda: AnthropicBedrockChatCompletionClient(
            model="anthropic.claude-3-5-sonnet-20241022-v2:0",
            model_info=TOOL_MODEL_INFO,
            bedrock_info=BedrockInfo(
                aws_access_key="not-a-real-key",
                aws_secret_key="not-a-real-secret",
                aws_session_token="not-a-real-token",
                aws_region="us-east-1",
            ),
        ),
        "ollama_client": lambda: OllamaChatCompletionClient(model="llama3.2"),
        "cached_client": lambda: ChatCompletionCache(openai(), InMemoryStore()),
    }


def agents() -> dict[str, Callable[[], Any]]:
    from autogen_ext.agents.file_surfer import FileSurfer
    from autogen_ext.code_executors.local import LocalCommandLineCodeExecutor
    from autogen_ext.tools.mcp import McpWorkbench

    return {
        "assistant_agent": writer,
        "assistant_agent_openai": lambda: AssistantAgent(
            "helper", model_client=openai(), system_message="You are a helpful assistant."
        ),
        "assistant_agent_without_function_calling": lambda: AssistantAgent(
            "plain",
            model_client=replay("Just text.", model_info=PLAIN_MODEL_INFO),
            system_message="You answer in plain text.",
        ),
        "assistant_agent_reflecting": lambda: AssistantAgent(
            "reflector",
            model_client=openai(),
            tools=[word_count_tool()],
            reflect_on_tool_use=True,
            model_client_stream=True,
        ),
        "assistant_agent_with_handoffs": lambda: AssistantAgent(
            "triage", model_client=openai(), handoffs=["billing", "support"]
        ),
        "assistant_agent_with_memory": lambda: AssistantAgent(
            "rememberer",
            model_client=openai(),
            memory=[
                ListMemory(
                    memory_contents=[MemoryContent(content="Likes tea.", mime_type="text/plain")]
                )
            ],
            model_context=BufferedChatCompletionContext(buffer_size=4),
        ),
        "assistant_agent_with_mcp_workbench": lambda: AssistantAgent(
            "mcp_user", model_client=openai(), workbench=McpWorkbench(stdio_params())
        ),
        "code_executor_agent": lambda: CodeExecutorAgent(
            "executor", code_executor=LocalCommandLineCodeExecutor(timeout=30)
        ),
        "code_executor_agent_with_model": lambda: CodeExecutorAgent(
            "coder",
            code_executor=LocalCommandLineCodeExecutor(timeout=30),
            model_client=openai(),
            max_retries_on_error=2,
        ),
        "user_proxy_agent": lambda: UserProxyAgent("user"),
        "society_of_mind_agent": lambda: SocietyOfMindAgent(
            "society",
            team=RoundRobinGroupChat([writer(), critic()], max_turns=2),
            model_client=openai(),
        ),
        "message_filter_agent": lambda: MessageFilterAgent(
            "filtered",
            wrapped_agent=critic(),
            filter=MessageFilterConfig(
                per_source=[PerSourceFilter(source="user", position="last", count=1)]
            ),
        ),
        "file_surfer_agent": lambda: FileSurfer("file_surfer", model_client=openai()),
    }


def writer() -> AssistantAgent:
    return AssistantAgent(
        "writer",
        model_client=replay("A first draft.", "The final text. APPROVE"),
        system_message="You write short texts.",
        tools=[word_count_tool()],
        reflect_on_tool_use=False,
    )


def critic() -> AssistantAgent:
    return AssistantAgent(
        "critic",
        model_client=replay("Make it shorter.", "Good."),
        system_message="You review texts.",
        model_context=BufferedChatCompletionContext(buffer_size=5),
    )


def teams() -> dict[str, Callable[[], Any]]:
    stop = TextMentionTermination("APPROVE") | MaxMessageTermination(10)

    def graph_flow() -> GraphFlow:
        first, second = writer(), critic()
        builder = DiGraphBuilder()
        builder.add_node(first).add_node(second).add_edge(first, second)
        return GraphFlow(
            [first, second], graph=builder.build(), termination_condition=MaxMessageTermination(5)
        )

    return {
        "round_robin_team": lambda: RoundRobinGroupChat(
            [writer(), critic()], termination_condition=stop
        ),
        "round_robin_team_openai": lambda: RoundRobinGroupChat(
            [
                AssistantAgent("planner", model_client=openai()),
                AssistantAgent("reviewer", model_client=openai()),
            ],
            termination_condition=TextMentionTermination("TERMINATE"),
            max_turns=6,
        ),
        "selector_team": lambda: SelectorGroupChat(
            [writer(), critic()],
            model_client=replay("writer", "critic", "writer"),
            termination_condition=stop,
        ),
        "selector_team_openai": lambda: SelectorGroupChat(
            [
                AssistantAgent("planner", model_client=openai()),
                AssistantAgent("reviewer", model_client=openai()),
            ],
            model_client=openai(),
            termination_condition=MaxMessageTermination(8),
            allow_repeated_speaker=True,
        ),
        "swarm_team": lambda: Swarm(
            [
                AssistantAgent(
                    "alice", model_client=replay("Hi from alice. TERMINATE"), handoffs=["bob"]
                ),
                AssistantAgent("bob", model_client=replay("Hi from bob.")),
            ],
            termination_condition=TextMentionTermination("TERMINATE"),
        ),
        "graph_flow_team": graph_flow,
        "magentic_one_team": lambda: MagenticOneGroupChat(
            [AssistantAgent("researcher", model_client=openai())],
            model_client=openai(),
            max_turns=10,
        ),
    }


def conditions() -> dict[str, Callable[[], Any]]:
    return {
        "max_message_termination": lambda: MaxMessageTermination(5, include_agent_event=True),
        "text_mention_termination": lambda: TextMentionTermination("DONE", sources=["writer"]),
        "stop_message_termination": StopMessageTermination,
        "token_usage_termination": lambda: TokenUsageTermination(
            max_total_token=1000, max_prompt_token=800
        ),
        "handoff_termination": lambda: HandoffTermination(target="user"),
        "timeout_termination": lambda: TimeoutTermination(timeout_seconds=60),
        "external_termination": ExternalTermination,
        "source_match_termination": lambda: SourceMatchTermination(["critic"]),
        "text_message_termination": lambda: TextMessageTermination(source="writer"),
        "function_call_termination": lambda: FunctionCallTermination("word_count"),
        "conditions": lambda: (
            (
                MaxMessageTermination(5)
                | TextMentionTermination("DONE")
                | StopMessageTermination()
                | TokenUsageTermination(max_total_token=1000)
                | HandoffTermination(target="user")
                | TimeoutTermination(timeout_seconds=60)
                | ExternalTermination()
                | SourceMatchTermination(["critic"])
                | TextMessageTermination(source="writer")
                | FunctionCallTermination("word_count")
            )
            & MaxMessageTermination(2)
        ),
    }


def contexts() -> dict[str, Callable[[], Any]]:
    return {
        "unbounded_context": UnboundedChatCompletionContext,
        "buffered_context": lambda: BufferedChatCompletionContext(buffer_size=5),
        "head_and_tail_context": lambda: HeadAndTailChatCompletionContext(head_size=2, tail_size=3),
        "token_limited_context": lambda: TokenLimitedChatCompletionContext(
            model_client=openai(), token_limit=2000
        ),
    }


def tools_and_workbenches() -> dict[str, Callable[[], Any]]:
    from autogen_ext.code_executors.local import LocalCommandLineCodeExecutor
    from autogen_ext.tools.code_execution import PythonCodeExecutionTool
    from autogen_ext.tools.http import HttpTool
    from autogen_ext.tools.mcp import (
        McpWorkbench,
        SseMcpToolAdapter,
        StdioMcpToolAdapter,
        StreamableHttpMcpToolAdapter,
    )

    return {
        "function_tool": word_count_tool,
        "agent_tool": lambda: AgentTool(critic()),
        "team_tool": lambda: TeamTool(
            RoundRobinGroupChat([writer(), critic()], max_turns=2),
            name="writing_team",
            description="Writes and reviews a short text.",
        ),
        "stdio_mcp_tool": lambda: StdioMcpToolAdapter(stdio_params(), mcp_tool()),
        "sse_mcp_tool": lambda: SseMcpToolAdapter(sse_params(), mcp_tool()),
        "streamable_http_mcp_tool": lambda: StreamableHttpMcpToolAdapter(http_params(), mcp_tool()),
        "http_tool": lambda: HttpTool(
            name="lookup",
            description="Look a word up.",
            scheme="http",
            host="127.0.0.1",
            port=8080,
            path="/lookup",
            method="POST",
            json_schema={"type": "object", "properties": {"word": {"type": "string"}}},
        ),
        "python_code_execution_tool": lambda: PythonCodeExecutionTool(
            LocalCommandLineCodeExecutor(timeout=30)
        ),
        "static_workbench": lambda: StaticWorkbench([word_count_tool()]),
        "static_stream_workbench": lambda: StaticStreamWorkbench([word_count_tool()]),
        "mcp_workbench_stdio": lambda: McpWorkbench(stdio_params()),
        "mcp_workbench_sse": lambda: McpWorkbench(sse_params()),
        "mcp_workbench_streamable_http": lambda: McpWorkbench(http_params()),
    }


def executors_memory_stores() -> dict[str, Callable[[], Any]]:
    import diskcache
    import redis
    from autogen_ext.cache_store.diskcache import DiskCacheStore
    from autogen_ext.cache_store.redis import RedisStore
    from autogen_ext.code_executors.docker import DockerCommandLineCodeExecutor
    from autogen_ext.code_executors.jupyter import JupyterCodeExecutor
    from autogen_ext.code_executors.local import LocalCommandLineCodeExecutor

    return {
        "local_code_executor": lambda: LocalCommandLineCodeExecutor(timeout=30, work_dir="coding"),
        "docker_code_executor": lambda: DockerCommandLineCodeExecutor(
            image="python:3-slim", timeout=30, work_dir="coding"
        ),
        "jupyter_code_executor": lambda: JupyterCodeExecutor(timeout=30),
        "list_memory": lambda: ListMemory(
            name="notes",
            memory_contents=[MemoryContent(content="Likes tea.", mime_type="text/plain")],
        ),
        "in_memory_store": InMemoryStore,
        "diskcache_store": lambda: DiskCacheStore(diskcache.Cache(tempfile.mkdtemp())),
        "redis_store": lambda: RedisStore(redis.Redis(host="127.0.0.1", port=6379)),
    }


def specs() -> dict[str, Callable[[], Any]]:
    return {
        **model_clients(),
        **agents(),
        **teams(),
        **conditions(),
        **contexts(),
        **tools_and_workbenches(),
        **executors_memory_stores(),
    }


async def messages_and_states() -> dict[str, Any]:
    from autogen_agentchat.messages import StructuredMessage

    message = StructuredMessage[Weather](
        content=Weather(city="Oslo", celsius=4.5),
        source="forecaster",
        format_string="{city}: {celsius} C",
    )
    structured_info = {**PLAIN_MODEL_INFO, "json_output": True, "structured_output": True}
    forecaster = AssistantAgent(
        "forecaster",
        model_client=replay('{"city": "Oslo", "celsius": 4.5}', model_info=structured_info),
        output_content_type=Weather,
    )
    team = RoundRobinGroupChat(
        [forecaster], max_turns=1, custom_message_types=[StructuredMessage[Weather]]
    )
    await team.run(task="Weather in Oslo?")
    return {"structured_message": message.dump(), "round_robin_team_state": await team.save_state()}


def tool_call_reply(name: str = "word_count", arguments: str = '{"text": "a first draft"}') -> Any:
    from autogen_core import FunctionCall
    from autogen_core.models import CreateResult, RequestUsage

    call = FunctionCall(id="call_1", name=name, arguments=arguments)
    return CreateResult(
        finish_reason="function_calls", content=[call], usage=RequestUsage(0, 0), cached=False
    )


def state_writer() -> AssistantAgent:
    return AssistantAgent(
        "writer",
        model_client=replay(tool_call_reply(), "The final text."),
        system_message="You write short texts.",
        tools=[word_count_tool()],
    )


def state_teams() -> dict[str, Callable[[], Any]]:
    """Teams run for two turns, saved, then run for two more; replies are scripted."""
    return {
        "round_robin": lambda: RoundRobinGroupChat([state_writer(), critic()], max_turns=2),
        "selector": lambda: SelectorGroupChat(
            [state_writer(), critic()],
            model_client=replay("writer", "critic", "writer"),
            max_turns=2,
        ),
        "swarm": lambda: Swarm(
            [
                AssistantAgent(
                    "alice",
                    model_client=replay(tool_call_reply("transfer_to_bob", "{}")),
                    handoffs=["bob"],
                ),
                AssistantAgent(
                    "bob", model_client=replay("Hi from bob.", "Bob again.", "Bob once more.")
                ),
            ],
            max_turns=2,
        ),
    }


async def team_states() -> dict[str, Any]:
    states: dict[str, Any] = {}
    for name, build in state_teams().items():
        team = build()
        await team.run(task="Write a short text about the sea.")
        state = await team.save_state()
        continued = await team.run()
        states[f"{name}_team_state"] = {
            "state": state,
            "continuation": [{"source": m.source, "text": m.to_text()} for m in continued.messages],
        }
    return states


def write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    print("wrote", path.name)


def main() -> None:
    for name, build in specs().items():
        write(HERE / f"{name}.json", build().dump_component().model_dump(mode="json"))
    (HERE / "messages").mkdir(exist_ok=True)
    for name, data in asyncio.run(messages_and_states()).items():
        write(HERE / "messages" / f"{name}.json", data)
    (HERE / "states").mkdir(exist_ok=True)
    for name, data in asyncio.run(team_states()).items():
        write(HERE / "states" / f"{name}.json", data)


if __name__ == "__main__":
    main()
