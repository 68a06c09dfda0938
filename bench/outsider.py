"""The outsider's measurement: medians and spreads, replay doubles, unbounded history.

Every framework answers from a model double that records each request and returns
scripted results: AutoGen's ``ReplayChatCompletionClient``, retinue's
``ScriptedChatCompletionClient`` (it keeps every request in ``.requests``), and for
LangGraph's agents-as-nodes a node that records the messages it is given and answers
from langchain-core's ``FakeListChatModel``.  Model contexts are unbounded (the
default on every side), so each turn's request carries the whole conversation.

Measurements (``value`` is the median of the repeats; ``min`` and ``max`` the spread):

* ``outsider_conversation`` (``size`` = 20, 200, 1000): a round-robin team of two
  ``AssistantAgent`` s, from ``run(task=...)`` to its result, in ms per message
  (start-up included, as a user feels it).  LangGraph runs a bare ``StateGraph`` (two
  nodes appending a string each, ``framework=langgraph_bare``) and two agents as nodes
  (``framework=langgraph_agents``) over the same number of messages;
* ``outsider_startup``: a team run of one message, in ms, on a team built once and
  reset (``team=reused``) and on a team built for the run (``team=fresh``);
* ``outsider_tool``: an ``AssistantAgent`` run whose model asks for ``add`` once minus
  the same run answering with text, in µs (``tool`` = sync, async);
* ``outsider_send``: one in-process ``send_message`` round trip to an idle agent, µs.

    python bench/outsider.py --framework retinue|autogen|langgraph
    python bench/compare.py outsider      # all three, rounds interleaved, ratio table
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

BENCH_FRAMEWORKS = ("retinue", "autogen", "langgraph")

REPLY = "Here is my contribution to the discussion."
SIZES = (20, 200, 1000)
REPEATS = {20: 31, 200: 9, 1000: 5}
ARGS = '{"a": 1, "b": 2}'


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


async def add_async(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def emit(bench: str, framework: str, timings: list[float], unit: str, **extra: Any) -> None:
    record = {
        "bench": bench,
        "framework": framework,
        **extra,
        "value": round(statistics.median(timings), 4),
        "min": round(min(timings), 4),
        "max": round(max(timings), 4),
        "repeats": len(timings),
        "unit": unit,
        "python": sys.version.split()[0],
    }
    print(json.dumps(record), flush=True)


async def repeat(run: Callable[[], Awaitable[Any]], repeats: int) -> list[float]:
    """Seconds of each of ``repeats`` runs after two warm-up runs."""
    timings = []
    for attempt in range(repeats + 2):
        started = time.perf_counter()
        await run()
        if attempt >= 2:
            timings.append(time.perf_counter() - started)
    return timings


# -- retinue and AutoGen: the same code, only the imports and the model double differ --


def agentchat_api(framework: str) -> dict[str, Any]:
    if framework == "retinue":
        from retinue.cancellation import CancellationToken
        from retinue.models import FunctionCall
        from retinue.runtime import InProcessRuntime
        from retinue.testing import ScriptedChatCompletionClient
        from retinue_agentchat.agents import AssistantAgent
        from retinue_agentchat.conditions import MaxMessageTermination
        from retinue_agentchat.teams import RoundRobinGroupChat

        def model(script: list[Any]) -> Any:
            return ScriptedChatCompletionClient(script, cycle=True)

        def tool_call() -> Any:
            return [FunctionCall(id="1", name="add", arguments=ARGS)]

        runtime = InProcessRuntime
    else:
        logging.disable(logging.WARNING)  # the replay client warns on tool-call replies
        from autogen_agentchat.agents import AssistantAgent
        from autogen_agentchat.conditions import MaxMessageTermination
        from autogen_agentchat.teams import RoundRobinGroupChat
        from autogen_core import CancellationToken, FunctionCall, SingleThreadedAgentRuntime
        from autogen_core.models import CreateResult, RequestUsage
        from autogen_ext.models.replay import ReplayChatCompletionClient

        info: Any = {
            "vision": False,
            "function_calling": True,
            "json_output": False,
            "family": "unknown",
            "structured_output": False,
        }

        def model(script: list[Any]) -> Any:
            # The replay client stops at the end of its list: give it enough for every run.
            return ReplayChatCompletionClient(script * 20_000, model_info=info)

        def tool_call() -> Any:
            return CreateResult(
                finish_reason="function_calls",
                content=[FunctionCall(id="1", name="add", arguments=ARGS)],
                usage=RequestUsage(prompt_tokens=0, completion_tokens=0),
                cached=False,
            )

        runtime = SingleThreadedAgentRuntime
    return {
        "AssistantAgent": AssistantAgent,
        "MaxMessageTermination": MaxMessageTermination,
        "RoundRobinGroupChat": RoundRobinGroupChat,
        "model": model,
        "tool_call": tool_call,
        "Runtime": runtime,
        "CancellationToken": CancellationToken,
    }


async def agentchat(framework: str) -> None:
    api = agentchat_api(framework)

    def team(messages: int) -> Any:
        agents = [api["AssistantAgent"](name, api["model"]([REPLY])) for name in ("a", "b")]
        stop = api["MaxMessageTermination"](messages + 1)  # the task counts as one
        return api["RoundRobinGroupChat"](agents, termination_condition=stop)

    for size in SIZES:
        built = team(size)

        async def conversation(built: Any = built, size: int = size) -> None:
            await built.reset()
            result = await built.run(task="Discuss.")
            assert len(result.messages) == size + 1, len(result.messages)

        timings = await repeat(conversation, REPEATS[size])
        emit(
            "outsider_conversation",
            framework,
            [t / size * 1e3 for t in timings],
            "ms/message",
            size=str(size),
        )

    one = team(1)

    async def startup() -> None:
        await one.reset()
        await one.run(task="Discuss.")

    async def startup_fresh() -> None:
        await team(1).run(task="Discuss.")

    for build, run in (("reused", startup), ("fresh", startup_fresh)):
        timings = await repeat(run, 51)
        emit("outsider_startup", framework, [t * 1e3 for t in timings], "ms", team=build)

    for kind, func in (("sync", add), ("async", add_async)):
        from_tool = api["model"]([api["tool_call"]()])
        from_text = api["model"]([REPLY])
        tool_agent = api["AssistantAgent"]("calc", from_tool, tools=[func])
        text_agent = api["AssistantAgent"]("calc", from_text, tools=[func])

        tool_run = fresh_run(tool_agent, api["CancellationToken"])
        text_run = fresh_run(text_agent, api["CancellationToken"])

        # Interleave batches of the two kinds of run so a burst of load hits both alike.
        differences = []
        for _ in range(21):
            tool = sum(await repeat(tool_run, 20))
            text = sum(await repeat(text_run, 20))
            differences.append((tool - text) / 20 * 1e6)
        emit("outsider_tool", framework, differences, "us/call", tool=kind)

    await send(framework)


def fresh_run(agent: Any, token: Any) -> Callable[[], Awaitable[None]]:
    """A run of ``agent`` on an empty model context (a context keeps every run's messages)."""

    async def run() -> None:
        await agent.on_reset(token())
        await agent.run(task="add things")

    return run


async def send(framework: str) -> None:
    from _harness import Ping, framework_api

    harness = framework_api(framework)
    runtime = harness.Runtime()
    await harness.Echo.register(runtime, "echo", harness.Echo)
    runtime.start()
    recipient = harness.AgentId("echo", "default")
    batch = 2_000

    async def sends() -> None:
        for i in range(batch):
            await runtime.send_message(Ping(i), recipient)

    timings = await repeat(sends, 15)
    await runtime.stop_when_idle()
    emit("outsider_send", framework, [t / batch * 1e6 for t in timings], "us/send")


# -- LangGraph: a bare StateGraph, and agents as nodes ---------------------------------


async def langgraph() -> None:
    import operator
    from typing import Annotated, TypedDict

    from langchain_core.language_models.fake_chat_models import FakeListChatModel
    from langchain_core.messages import AnyMessage, HumanMessage
    from langgraph.graph import END, START, StateGraph
    from langgraph.graph.message import add_messages

    # The functional form: the class form's annotations would be strings here.
    Bare = TypedDict("Bare", {"messages": Annotated[list[str], operator.add]})  # noqa: UP013
    Chat = TypedDict("Chat", {"messages": Annotated[list[AnyMessage], add_messages]})  # noqa: UP013

    def bare_graph(size: int) -> Any:
        def speak(state: Any) -> dict[str, list[str]]:
            return {"messages": [REPLY]}

        def route(state: Any) -> str:
            return END if len(state["messages"]) > size else "next"

        graph = StateGraph(Bare)
        graph.add_node("a", speak)
        graph.add_node("b", speak)
        graph.add_edge(START, "a")
        graph.add_conditional_edges("a", route, {"next": "b", END: END})
        graph.add_conditional_edges("b", route, {"next": "a", END: END})
        return graph.compile()

    requests: list[Any] = []

    def agents_graph(size: int) -> Any:
        def agent(name: str) -> Any:
            model = FakeListChatModel(responses=[REPLY])

            async def node(state: Any) -> dict[str, list[Any]]:
                requests.append(list(state["messages"]))  # record the request, as the doubles do
                reply = await model.ainvoke(state["messages"])
                reply.name = name
                return {"messages": [reply]}

            return node

        def route(state: Any) -> str:
            return END if len(state["messages"]) > size else "next"

        graph = StateGraph(Chat)
        graph.add_node("a", agent("a"))
        graph.add_node("b", agent("b"))
        graph.add_edge(START, "a")
        graph.add_conditional_edges("a", route, {"next": "b", END: END})
        graph.add_conditional_edges("b", route, {"next": "a", END: END})
        return graph.compile()

    for framework, build, task in (
        ("langgraph_bare", bare_graph, lambda: "Discuss."),
        ("langgraph_agents", agents_graph, lambda: HumanMessage("Discuss.")),
    ):
        for size in SIZES:
            graph = build(size)
            config = {"recursion_limit": size + 10}

            async def conversation(
                graph: Any = graph, config: Any = config, size: int = size, task: Any = task
            ) -> None:
                requests.clear()
                result = await graph.ainvoke({"messages": [task()]}, config)
                assert len(result["messages"]) == size + 1, len(result["messages"])

            timings = await repeat(conversation, REPEATS[size])
            emit(
                "outsider_conversation",
                framework,
                [t / size * 1e3 for t in timings],
                "ms/message",
                size=str(size),
            )
        one = build(1)

        async def startup(one: Any = one, task: Any = task) -> None:
            await one.ainvoke({"messages": [task()]}, {"recursion_limit": 10})

        timings = await repeat(startup, 51)
        emit("outsider_startup", framework, [t * 1e3 for t in timings], "ms", team="reused")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", choices=BENCH_FRAMEWORKS, default="retinue")
    args = parser.parse_args()
    if args.framework == "langgraph":
        asyncio.run(langgraph())
    else:
        asyncio.run(agentchat(args.framework))


if __name__ == "__main__":
    main()
