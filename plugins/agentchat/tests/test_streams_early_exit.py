"""A caller that stops reading ``run_stream`` early releases everything, and can run again.

Each case is a small program run in a subprocess, as a user would run it: it reads
two items of a team's or an agent's stream while the run is busy (agents talking, or
stuck in a tool call that never returns), then leaves the loop (``break`` and return,
``raise``, or ``break`` and run the same runner again).  The program must exit,
promptly and with the right status; a background task, runtime or tool call that
outlives its reader would keep it running until the subprocess timeout fails the test.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROGRAM = textwrap.dedent(
    """
    import asyncio
    import sys

    from retinue.models import FunctionCall
    from retinue.testing import ScriptedChatCompletionClient
    from retinue.tools import FunctionTool
    from retinue_agentchat.agents import AssistantAgent, SocietyOfMindAgent
    from retinue_agentchat.teams import (
        DiGraphBuilder,
        GraphFlow,
        RoundRobinGroupChat,
        SelectorGroupChat,
        Swarm,
    )

    kind, mode = sys.argv[1], sys.argv[2]


    blocking = True


    async def wait_forever() -> str:
        # Never returns while blocking: only cancellation ends it.
        if blocking:
            await asyncio.Event().wait()
        return "released"


    def talker(name):
        return AssistantAgent(name, ScriptedChatCompletionClient([f"{name} talks"], cycle=True))


    def stuck(name, **options):
        # Its first turn calls a tool that never returns; later turns just answer.
        call = FunctionCall(id="1", name="wait_forever", arguments="{}")
        client = ScriptedChatCompletionClient([[call]] + ["done"] * 20)
        tool = FunctionTool(wait_forever, "Never returns.")
        return AssistantAgent(name, client, tools=[tool], **options)


    def build():
        # Teams are busy when the reader leaves: "a" has spoken, "c" is next, and "b"
        # (when its turn comes) is stuck in its tool call.
        if kind == "round_robin":
            return RoundRobinGroupChat([talker("a"), talker("c"), stuck("b")], max_turns=4)
        if kind == "selector":
            chooser = ScriptedChatCompletionClient(["c", "b", "a"], cycle=True)
            return SelectorGroupChat(
                [talker("a"), talker("c"), stuck("b")], chooser, max_turns=4
            )
        if kind == "swarm":
            # "a" keeps the floor (it never hands off): it talks turn after turn.
            first = AssistantAgent(
                "a", ScriptedChatCompletionClient(["a talks"], cycle=True), handoffs=["b"]
            )
            return Swarm([first, stuck("b")], max_turns=3)
        if kind == "graph_flow":
            a, c, b = talker("a"), talker("c"), stuck("b")
            builder = DiGraphBuilder().add_node(a).add_node(c).add_node(b)
            graph = builder.add_edge(a, c).add_edge(c, b).build()
            return GraphFlow([a, c, b], graph=graph)
        if kind == "assistant_agent":
            return stuck("b")
        if kind == "society_of_mind":
            inner = RoundRobinGroupChat([talker("a"), talker("c"), stuck("b")], max_turns=4)
            summary = ScriptedChatCompletionClient(["summary"], cycle=True)
            return SocietyOfMindAgent("society", inner, summary)
        raise SystemExit(f"unknown kind {kind}")


    def give_up():
        raise RuntimeError("the reader gave up")


    async def main():
        runner = build()
        # Each loop leaves at its second item (a reply or a tool call request), while
        # the run is still busy.
        seen = 0
        if mode == "raise":
            async for item in runner.run_stream(task="go"):
                seen += 1
                if seen == 2:
                    give_up()
        if mode == "break":
            async for item in runner.run_stream(task="go"):
                seen += 1
                if seen == 2:
                    break
            print("LEFT", flush=True)
            return  # asyncio.run cleans up what the dropped stream left behind
        # mode == "reuse": leave without closing, then close explicitly; run again each time.
        async for item in runner.run_stream(task="go"):
            seen += 1
            if seen == 2:
                break
        global blocking
        blocking = False  # so the runs below can end
        first = await asyncio.wait_for(runner.run(task="again"), 10)
        stream = runner.run_stream(task="once more")
        async for item in stream:
            break
        await asyncio.wait_for(stream.aclose(), 10)
        second = await asyncio.wait_for(runner.run(task="and again"), 10)
        print("REUSED", len(first.messages) > 0, len(second.messages) > 0, flush=True)


    asyncio.run(main())
    """
)

RUNNERS = ["round_robin", "selector", "swarm", "graph_flow", "assistant_agent", "society_of_mind"]


def run_program(kind: str, mode: str) -> subprocess.CompletedProcess[str]:
    # A hang is a failure: subprocess.run raises TimeoutExpired (and kills the program).
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, kind, mode],
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_quiet(stderr: str) -> None:
    # Nothing left behind for the interpreter or the loop to complain about at exit.
    for symptom in ("Task was destroyed", "Exception ignored", "was never awaited", "warning"):
        assert symptom not in stderr, stderr


@pytest.mark.parametrize("kind", RUNNERS)
def test_breaking_out_and_returning_exits(kind: str) -> None:
    done = run_program(kind, "break")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "LEFT"
    assert "Traceback" not in done.stderr, done.stderr
    assert_quiet(done.stderr)


@pytest.mark.parametrize("kind", RUNNERS)
def test_raising_inside_the_loop_exits_with_that_error(kind: str) -> None:
    done = run_program(kind, "raise")
    assert done.returncode == 1, done.stderr
    assert done.stderr.rstrip().endswith("RuntimeError: the reader gave up"), done.stderr
    assert_quiet(done.stderr)


@pytest.mark.parametrize("kind", RUNNERS)
def test_the_same_runner_runs_again_after_an_early_exit(kind: str) -> None:
    done = run_program(kind, "reuse")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "REUSED True True"
    assert_quiet(done.stderr)
