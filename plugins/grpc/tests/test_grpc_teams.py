"""A RoundRobinGroupChat whose participants live in two worker processes."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from retinue_grpc import GrpcWorkerAgentRuntime

from .conftest import start_worker

sys.path.insert(0, str(Path(__file__).parent))

from grpc_team import build_team

GUARD = 60.0


@pytest.fixture
def team_workers(host_address: str) -> Iterator[None]:
    workers = [
        start_worker(f"grpc_team:{setup}", host_address) for setup in ("host_writer", "host_critic")
    ]
    yield
    for worker in workers:
        worker.stop()


async def test_a_team_runs_with_its_participants_on_two_workers(
    team_workers: None, host_address: str
) -> None:
    async with GrpcWorkerAgentRuntime(host_address) as runtime:
        team = build_team(runtime, hosted=[])  # this process only runs the team
        result = await asyncio.wait_for(team.run(task="write a poem"), GUARD)
        assert [(m.source, m.content) for m in result.messages] == [
            ("user", "write a poem"),
            ("writer", "draft one"),
            ("critic", "needs work"),
            ("writer", "draft two"),
            ("critic", "APPROVE"),
        ]
        assert result.stop_reason == "Text 'APPROVE' mentioned"
