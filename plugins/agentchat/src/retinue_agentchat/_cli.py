"""``retinue run SPEC --task ...``: run a team or agent spec, streamed through the Console.

This module is imported when the ``retinue`` command builds its parser, so it imports
nothing heavy at the top: the runtime, the agents and OpenTelemetry's SDK load in the
handler.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["add_run_command", "run_command"]

# Providers (and AutoGen aliases) of model clients that answer from a script.
SCRIPTED_PROVIDERS = {
    "scripted",
    "ScriptedChatCompletionClient",
    "ReplayChatCompletionClient",
    "autogen_ext.models.replay.ReplayChatCompletionClient",
}

SCRIPTED_NOTICE = (
    "Note: this spec's model is retinue's SCRIPTED model client: its replies are written in "
    "the spec, so no model provider and no API key are used. To use a real model, replace "
    "the model_client entry (e.g. provider: openai, config: {model: gpt-4o}). The code and "
    "tools below run for real."
)


def add_run_command(subparsers: Any) -> None:
    """Add ``retinue run`` to the ``retinue`` command's sub-parsers."""
    parser = subparsers.add_parser(
        "run",
        help="run a team or agent spec (YAML or JSON) on a task",
        description=(
            "Load a team or agent spec and run it on --task, printing every message as it "
            "happens (or one JSON document with --output json)."
        ),
    )
    parser.add_argument("spec", help="path to a team or agent spec (.yaml, .yml or .json)")
    parser.add_argument("--task", help="the task to run (required)")
    parser.add_argument(
        "--max-turns", type=int, metavar="N", help="stop after N turns (overrides the spec)"
    )
    parser.add_argument(
        "--output", choices=("text", "json"), default="text", help="text (default) or json"
    )
    parser.add_argument(
        "--trace",
        metavar="FILE.jsonl|otlp",
        help="write OpenTelemetry spans to a JSON-lines file, or 'otlp' to export them per "
        "the standard OTEL_* environment variables",
    )
    parser.add_argument(
        "--trust-code",
        action="store_true",
        help="load a spec that carries code it runs on load (a FunctionTool's source); "
        "the same as RETINUE_TRUST_CODE_SPECS=1",
    )
    parser.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """The handler of ``retinue run``; returns the exit code."""
    from retinue import ConfigurationError

    if args.max_turns is not None and args.max_turns < 1:
        raise ConfigurationError(f"--max-turns must be at least 1, got {args.max_turns}")
    if args.task is None or not args.task.strip():
        # A fresh process has no conversation to continue, so a run needs a task.
        given = "is empty" if args.task is not None else "is missing"
        raise ConfigurationError(
            f"the task {given}: say what the team should do with --task, e.g. "
            "retinue run team.yaml --task 'Write a haiku about spring'"
        )
    # A closed output pipe and Ctrl-C reach the ``retinue`` command, which ends quietly
    # (141) or with one line (130); the Console has closed the run on its way out.
    with _tracing(args.trace):
        return asyncio.run(_run(args))


def uses_scripted_model(spec: Any) -> bool:
    """Whether any nested component of ``spec`` is a scripted model client."""
    if isinstance(spec, Mapping):
        if spec.get("provider") in SCRIPTED_PROVIDERS:
            return True
        return any(uses_scripted_model(value) for value in spec.values())
    if isinstance(spec, list):
        return any(uses_scripted_model(item) for item in spec)
    return False


async def _run(args: argparse.Namespace) -> int:
    from retinue import ComponentLoadError, bounded_repr, load_component
    from retinue.chat import ChatAgent, TaskResult, Team
    from retinue.components import parse_spec

    from .teams import RoundRobinGroupChat
    from .ui import Console

    spec = parse_spec(Path(args.spec))
    trust_code = args.trust_code or None  # None: the environment variable decides
    runner: object = load_component(spec, trust_code=trust_code)
    if isinstance(runner, ChatAgent):
        if args.max_turns is not None:
            runner = RoundRobinGroupChat([runner], max_turns=args.max_turns)
    elif isinstance(runner, Team):
        if args.max_turns is not None:
            # Every team spec has max_turns; build the team again with the override.
            overridden = spec.model_copy(
                update={"config": {**spec.config, "max_turns": args.max_turns}}
            )
            runner = load_component(overridden, Team, trust_code=trust_code)
    else:
        raise ComponentLoadError(
            f"{bounded_repr(args.spec)} describes a {type(runner).__name__} "
            f"({bounded_repr(spec.provider)}); "
            "retinue run needs a team or an agent spec"
        )
    # Only once the spec has loaded: a spec that fails to load runs no scripted model.
    scripted = uses_scripted_model(spec.model_dump())
    if scripted:
        print(SCRIPTED_NOTICE, file=sys.stderr if args.output == "json" else sys.stdout)
    if args.output == "json":
        result = await runner.run(task=args.task)
        print(json.dumps(_result_document(result, scripted), indent=2))
        return 0
    final = await Console(runner.run_stream(task=args.task), output_stats=True)
    assert isinstance(final, TaskResult)
    return 0


def _result_document(result: Any, scripted: bool) -> dict[str, Any]:
    prompt = completion = 0
    for message in result.messages:
        if message.models_usage is not None:
            prompt += message.models_usage.prompt_tokens
            completion += message.models_usage.completion_tokens
    return {
        "stop_reason": result.stop_reason,
        "messages": [message.dump() for message in result.messages],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion},
        "scripted_model": scripted,
    }


@contextmanager
def _tracing(target: str | None) -> Iterator[None]:
    """Install an OpenTelemetry SDK provider for the run and flush it at the end."""
    if target is None:
        yield
        return
    from ._tracing import tracer_provider_for

    provider = tracer_provider_for(target)
    from retinue import telemetry

    telemetry.set_tracer_provider(provider)
    try:
        yield
    finally:
        telemetry.set_tracer_provider(None)
        provider.shutdown()
