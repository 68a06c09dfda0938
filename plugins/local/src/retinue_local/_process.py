"""Run one command, with a timeout, a cap on captured output and no process left behind."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from retinue.code import SUPERVISOR_SCRIPT, CappedOutput, uninterruptible

__all__ = ["ProcessOutcome", "run_command"]

logger = logging.getLogger(__name__)

# How long a process group gets between SIGTERM and SIGKILL.
KILL_GRACE_SECONDS = 2.0
# The supervisor stops the tree within the grace period plus a few SIGKILL rounds; only a
# supervisor that hangs gets SIGKILL from us after this much longer.
_SUPERVISOR_MARGIN_SECONDS = 3.0
# How long to wait for the output pipe to close once the tree is dead; only a process that
# escaped the supervisor (or, unsupervised, the process group) can keep it open that long.
_READER_GRACE_SECONDS = 1.0
_CHUNK = 64 * 1024


@dataclass
class ProcessOutcome:
    """What one command did: its exit code, its combined output and whether it timed out."""

    exit_code: int
    output: str
    timed_out: bool


async def run_command(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    max_output_bytes: int,
) -> ProcessOutcome:
    """Run ``argv`` with stdout and stderr merged; stop every process it started at the end.

    On Linux the command runs under a supervisor (``retinue.code.SUPERVISOR_SCRIPT``) that
    tracks all its descendants, including ones that leave the process group; elsewhere it
    runs in its own process group, which is what gets stopped. The processes are stopped
    on timeout, on cancellation of the calling task, and also after a normal exit, so
    background processes the code started do not outlive it. Stopping cannot be
    interrupted: a second cancellation arriving meanwhile is delivered once every process
    is gone.
    """
    supervised = _supervisor_argv() is not None
    # Our own pipe rather than asyncio's: with asyncio's, process.wait() also waits for the
    # pipe to close, which a background process the code started can hold open forever.
    read_fd, write_fd = os.pipe()
    try:
        process = await asyncio.create_subprocess_exec(
            *_command(argv),
            cwd=str(cwd),
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=write_fd,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:  # the program is missing or not executable
        os.close(read_fd)
        return ProcessOutcome(127, f"cannot run {argv[0]!r:.200}: {exc.strerror or exc}", False)
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    stream, transport = await _open_reader(read_fd)
    capture = CappedOutput(max_output_bytes)
    reader = asyncio.ensure_future(_drain(stream, capture))
    timed_out = False

    async def stop_everything() -> None:
        try:
            await _kill_tree(process, supervised)
            await _finish_reader(reader)
        finally:
            transport.close()

    try:
        await asyncio.wait_for(process.wait(), timeout)
    except asyncio.TimeoutError:
        timed_out = True
    finally:
        await uninterruptible(stop_everything())
    return ProcessOutcome(_exit_code(process.returncode), capture.text(), timed_out)


async def _drain(stream: asyncio.StreamReader, capture: CappedOutput) -> None:
    # Drain everything, not stopping at the cap, so the child never blocks on a full pipe.
    while chunk := await stream.read(_CHUNK):
        capture.feed(chunk)


def _supervisor_argv() -> list[str] | None:
    """The supervisor's command prefix, or None where it cannot track descendants."""
    if not sys.platform.startswith("linux") or not sys.executable:
        return None  # no subreapers and no /proc: fall back to the process group
    # -I -S: no site-packages, no environment variables, so it starts fast and the
    # code's environment (PYTHONPATH, a virtual env) cannot change the supervisor.
    grace = f"{KILL_GRACE_SECONDS}"
    return [sys.executable, "-I", "-S", str(SUPERVISOR_SCRIPT), grace, str(os.getpid())]


def _command(argv: Sequence[str]) -> list[str]:
    prefix = _supervisor_argv()
    return [*prefix, *argv] if prefix is not None else list(argv)


async def _open_reader(read_fd: int) -> tuple[asyncio.StreamReader, asyncio.ReadTransport]:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(stream), os.fdopen(read_fd, "rb", buffering=0)
    )
    return stream, transport


async def _kill_tree(process: asyncio.subprocess.Process, supervised: bool) -> None:
    """SIGTERM the group, give it a grace period, then SIGKILL whatever is left.

    Supervised, the group holds only the supervisor: it stops the code's whole tree
    itself (SIGTERM, grace period, SIGKILL) and exits last, so it gets a little longer
    than the grace period before it is killed too.
    """
    if os.name != "posix":  # pragma: no cover - process groups are POSIX only
        if process.returncode is None:
            process.kill()
        await process.wait()
        return
    group = process.pid  # start_new_session makes the child the leader of its own group
    if process.returncode is None:
        _signal_group(group, signal.SIGTERM)
        grace = KILL_GRACE_SECONDS + (_SUPERVISOR_MARGIN_SECONDS if supervised else 0.0)
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), grace)
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
