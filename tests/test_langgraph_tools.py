"""retinue tools running inside LangGraph: a ``ToolNode`` and a small graph around it.

Here rather than in retinue-langchain's own tests: LangGraph's current releases need
langchain-core 1.x, and installing it beside the plugin would lift the matrix's
langchain-core 0.3 rows to 1.x.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from retinue.tools import FunctionTool
from retinue_langchain import as_langchain_tool

T = 60


async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def divide(a: float, b: float) -> float:
    """Divide a by b."""
    return a / b


def _call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}])


async def _run_tool_node(tool: Any, request: AIMessage, **options: Any) -> ToolMessage:
    """Run one tool call through a ``ToolNode`` (which runs inside a graph) and return
    the tool's message."""
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode([tool], **options))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    output = await asyncio.wait_for(graph.compile().ainvoke({"messages": [request]}), T)
    message = output["messages"][-1]
    assert isinstance(message, ToolMessage)
    return message


async def test_a_retinue_tool_runs_in_a_tool_node() -> None:
    tool = as_langchain_tool(FunctionTool(add, description="Add two integers."))
    message = await _run_tool_node(tool, _call("add", {"a": 2, "b": 40}, "call-1"))
    assert message.content == "42" and message.tool_call_id == "call-1"
    assert message.status == "success"


async def test_a_failing_retinue_tool_reaches_the_model_as_an_error_message() -> None:
    tool = as_langchain_tool(FunctionTool(divide, description="Divide a by b."))
    # LangGraph's switch for handing every tool failure to the model.
    bad = _call("divide", {"a": "one"}, "call-1")
    bad_arguments = await _run_tool_node(tool, bad, handle_tool_errors=True)
    zero = _call("divide", {"a": 1, "b": 0}, "call-2")
    failing = await _run_tool_node(tool, zero, handle_tool_errors=True)
    assert bad_arguments.status == "error" and failing.status == "error"
    assert "b: Field required" in bad_arguments.content  # says what to fix
    assert "division by zero" in failing.content


async def test_a_graph_routes_a_tool_call_to_a_retinue_tool_and_back() -> None:
    tool = as_langchain_tool(FunctionTool(add, description="Add two integers."))
    replies = iter([_call("add", {"a": 1, "b": 2}, "call-1"), AIMessage(content="It is 3.")])

    def model(state: MessagesState) -> dict[str, list[AIMessage]]:
        return {"messages": [next(replies)]}

    def route(state: MessagesState) -> str:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else END

    graph = StateGraph(MessagesState)
    graph.add_node("model", model)
    graph.add_node("tools", ToolNode([tool]))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", route, ["tools", END])
    graph.add_edge("tools", "model")
    app = graph.compile()

    final = await asyncio.wait_for(app.ainvoke({"messages": [HumanMessage(content="1 + 2?")]}), T)
    kinds = [type(message).__name__ for message in final["messages"]]
    assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    assert final["messages"][2].content == "3"
    assert final["messages"][-1].content == "It is 3."
