"""The ``m1`` command (also ``retinue m1``): run a task with the Magentic-One team.

``m1 "task"`` loads a model client spec (``--config FILE``, else ``./config.yaml``),
picks the terminal's executor (Docker when it answers, else local with a warning),
and prints the run, plainly or with rich (``--rich``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["SAMPLE_CONFIG", "add_m1_command", "main"]

SAMPLE_CONFIG = """\
# m1's model client: any retinue model client spec (or an AutoGen one).
client:
  provider: openai
  config:
    model: gpt-4o
    api_key:
      env: OPENAI_API_KEY
"""

DESCRIPTION = (
    "Run a task with the Magentic-One team (orchestrator, web and file surfers, coder, terminal)."
)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", nargs="?", help="the task for the team")
    parser.add_argument(
        "--no-hil", action="store_true", help="no human in the loop (no User participant)"
    )
    parser.add_argument("--rich", action="store_true", help="rich output (needs the rich extra)")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="model client spec, YAML or JSON, as {client: {...}} (default: ./config.yaml)",
    )
    parser.add_argument(
        "--sample-config", action="store_true", help="print a sample config file and exit"
    )


def add_m1_command(subparsers: Any) -> None:
    """Register ``retinue m1``."""
    parser = subparsers.add_parser(
        "m1", help="run a task with Magentic-One", description=DESCRIPTION
    )
    _add_arguments(parser)
    parser.set_defaults(handler=run_m1)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``m1`` console script."""
    parser = argparse.ArgumentParser(prog="m1", description=DESCRIPTION)
    _add_arguments(parser)
    args = parser.parse_args(argv)
    if not args.task and not args.sample_config:
        parser.print_usage(sys.stderr)
        print('m1: give a task, e.g. m1 "Summarize the files here"', file=sys.stderr)
        return 2
    return run_m1(args)


def run_m1(args: argparse.Namespace) -> int:
    """Run ``args.task``; the exit code says how it went (0 done, 1 run failed, 2 bad input)."""
    if args.sample_config:
        print(SAMPLE_CONFIG, end="")
        return 0
    if not args.task:
        print('m1: give a task, e.g. m1 "Summarize the files here"', file=sys.stderr)
        return 2
    from retinue import RetinueError

    try:
        client = _load_client(args.config)
        return asyncio.run(_run(args.task, client, hil=not args.no_hil, rich=args.rich))
    except RetinueError as exc:
        print(f"m1: {exc}", file=sys.stderr)
        return 1 if type(exc).__name__ == "TeamRunError" else 2


def _load_client(config: str | None) -> Any:
    from retinue import ConfigurationError, load_component
    from retinue.models import ChatCompletionClient

    path = Path(config) if config else Path("config.yaml")
    if not path.is_file():
        where = f"{config!r} does not exist" if config else "there is no ./config.yaml"
        raise ConfigurationError(
            f"no model client is configured: {where}; write one (m1 --sample-config shows "
            "the format) and pass it with --config FILE"
        )
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{path.name} is not valid JSON: {exc}") from exc
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigurationError(
                f"{path.name} is not valid YAML: {str(exc).splitlines()[0]}"
            ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("client"), dict):
        raise ConfigurationError(
            f"{path.name} must hold a 'client' mapping (a model client spec); see m1 "
            "--sample-config"
        )
    return load_component(data["client"], ChatCompletionClient)


async def _run(task: str, client: Any, *, hil: bool, rich: bool) -> int:
    from ._magentic_one import MagenticOne, choose_code_executor

    render = _rich_console() if rich else None
    executor, warning = await choose_code_executor(Path.cwd())
    if warning is not None:
        print(f"m1: warning: {warning}", file=sys.stderr)
    team = MagenticOne(client, hil_mode=hil, code_executor=executor, base_path=Path.cwd())
    try:
        stream = team.run_stream(task=task)
        if render is not None:
            await render(stream)
        else:
            from retinue_agentchat.ui import Console

            await Console(stream, output_stats=True)
    finally:
        await team.close()
        await executor.stop()
    return 0


def _rich_console() -> Any:
    from retinue import ConfigurationError

    try:
        from rich.console import Console as RichConsole
        from rich.panel import Panel
    except ImportError as exc:
        raise ConfigurationError(
            "m1 --rich needs the rich package: pip install 'retinue-magentic-one[rich]'"
        ) from exc
    from retinue.chat import BaseAgentEvent, BaseChatMessage, TaskResult

    console = RichConsole()

    async def render(stream: AsyncIterable[Any]) -> None:
        async for item in stream:
            if isinstance(item, TaskResult):
                console.rule(f"Stopped: {item.stop_reason}")
            elif isinstance(item, BaseChatMessage):
                title = f"{type(item).__name__} ({item.source})"
                console.print(Panel(item.to_text(), title=title, title_align="left"))
            elif isinstance(item, BaseAgentEvent) and item.type != "ModelClientStreamingChunkEvent":
                console.print(f"[dim]{item.source}: {item.to_text()}[/dim]")

    return render
