"""``retinue.code.CodeRuns`` and ``join_outputs``: what every executor's
``execute_code_blocks`` shares (a run per task, cancelled by its token or by stop())."""

from __future__ import annotations

import asyncio

import pytest
from retinue import CancellationToken, CancelledError
from retinue.code import CodeResult, CodeRuns, join_outputs


class Work:
    """A run that waits until cancelled, then takes a while to clean up (as stopping
    processes does) and records that it finished."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cleaned_up = False

    async def __call__(self) -> CodeResult:
        self.started.set()
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.shield(asyncio.sleep(0.05))
            self.cleaned_up = True
        return CodeResult(exit_code=0, output="never")


async def test_a_result_passes_through() -> None:
    async def work() -> CodeResult:
        return CodeResult(exit_code=3, output="out")

    assert await CodeRuns().run(work(), CancellationToken()) == CodeResult(
        exit_code=3, output="out"
    )


async def test_an_already_cancelled_token_raises_before_the_work_starts() -> None:
    token = CancellationToken()
    token.cancel()
    work = Work()
    with pytest.raises(CancelledError, match="before it started"):
        await CodeRuns().run(work(), token)
    assert not work.started.is_set()


async def test_the_token_cancels_the_run_after_its_cleanup() -> None:
    token = CancellationToken()
    work = Work()
    running = asyncio.ensure_future(CodeRuns(on_cancel="the thing was undone").run(work(), token))
    await asyncio.wait_for(work.started.wait(), 10)
    token.cancel()
    with pytest.raises(CancelledError, match="the thing was undone"):
        await asyncio.wait_for(running, 10)
    assert work.cleaned_up


async def test_stop_ends_every_run_with_a_stopped_result() -> None:
    runs = CodeRuns()
    works = [Work(), Work()]
    running = [asyncio.ensure_future(runs.run(work(), None)) for work in works]
    for work in works:
        await asyncio.wait_for(work.started.wait(), 10)
    await asyncio.wait_for(runs.stop(), 10)
    assert all(work.cleaned_up for work in works)
    for result in await asyncio.wait_for(asyncio.gather(*running), 10):
        assert result.exit_code == 1 and result.output.startswith(
            "Stopped: the executor was stopped"
        )


async def test_cancelling_the_caller_cancels_the_run_after_its_cleanup() -> None:
    work = Work()
    running = asyncio.ensure_future(CodeRuns().run(work(), CancellationToken()))
    await asyncio.wait_for(work.started.wait(), 10)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(running, 10)
    assert work.cleaned_up


def test_join_outputs_starts_each_output_on_a_line_of_its_own() -> None:
    assert join_outputs([]) == ""
    assert join_outputs(["a", "b\n", "c"]) == "a\nb\nc"
    assert join_outputs(["", "x"]) == "x"
