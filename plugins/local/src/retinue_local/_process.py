"""Run one command in its own process group, with a timeout and a cap on captured output."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcessOutcome", "run_command"]

logger = logging.getLogger(__name__)

# How long a process group gets between SIGTERM and SIGKILL.
KILL_GRACE_SECONDS = 2.0
# How long to wait for the output pipe to close once the group is dead; only a process that
# escaped into its own session can keep it open that long.
_READER_GRACE_SECONDS = 1.0
_CHUNK = 64 * 1024


@dataclass
class ProcessOutcome:
    """What one command did: its exit code, its combined output and whether it timed out."""

    exit_code: int
    output: str
    timed_out: bool


class _CappedCapture:
    """Keeps the first ``limit`` bytes of a stream and counts the rest while draining it.

    Draining everything (not stopping at the cap) keeps the child from blocking on a
    full pipe, so a chatty program cannot deadlock the executor.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0

    async def drain(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(_CHUNK):
            kept = chunk[: self.limit - len(self.kept)]
            self.kept += kept
            self.dropped += len(chunk) - len(kept)

    def text(self) -> str:
        text = self.kept.decode("utf-8", errors="replace")
        if self.dropped:
            text += (
                f"\n[output truncated: the code printed more than {self.limit} bytes; "
                f"{self.dropped} further bytes were dropped]"
            )
        return text


async def run_command(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    max_output_bytes: int,
) -> ProcessOutcome:
    """Run ``argv`` with stdout and stderr merged; kill its whole process group at the end.

    The group is killed on timeout, on cancellation of the calling task, and also after a
    normal exit, so background processes the code started do not outlive it.
    """
    # Our own pipe rather than asyncio's: with asyncio's, process.wait() also waits for the
    # pipe to close, which a background process the code started can hold open forever.
    read_fd, write_fd = os.pipe()
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=str(cwd),
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=write_fd,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    stream, transport = await _open_reader(read_fd)
    capture = _CappedCapture(max_output_bytes)
    reader = asyncio.ensure_future(capture.drain(stream))
    timed_out = False
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except asyncio.TimeoutError:
        timed_out = True
    finally:
        await _kill_group(process)
        await _finish_reader(reader)
        transport.close()
    return ProcessOutcome(_exit_code(process.returncode), capture.text(), timed_out)


async def _open_reader(read_fd: int) -> tuple[asyncio.StreamReader, asyncio.ReadTransport]:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(stream), os.fdopen(read_fd, "rb", buffering=0)
    )
    return stream, transport


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    """SIGTERM the group, give the leader a grace period, then SIGKILL whatever is left."""
    if os.name != "posix":  # pragma: no cover - process groups are POSIX only
        if process.returncode is None:
            process.kill()
        await process.wait()
        return
    group = process.pid  # start_new_session makes the child the leader of its own group
    if process.returncode is None:
        _signal_group(group, signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), KILL_GRACE_SECONDS)
        except asyncio.TimeoutError:
            logger.debug("process group %d ignored SIGTERM; sending SIGKILL", group)
    _signal_group(group, signal.SIGKILL)
    await process.wait()


def _signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(group, sig)


async def _finish_reader(reader: asyncio.Future[None]) -> None:
    done, _ = await asyncio.wait({reader}, timeout=_READER_GRACE_SECONDS)
    if not done:
        logger.warning("a process that left the group still holds the output pipe; not waiting")
        reader.cancel()


def _exit_code(returncode: int | None) -> int:
    # A negative code means "killed by signal N"; report it the way shells do.
    if returncode is None:
        return 1
    return 128 - returncode if returncode < 0 else returncode
