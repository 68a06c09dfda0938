"""Hosts and workers in their own processes, on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
START_TIMEOUT = 60.0


class Process:
    """A child process that printed one ready line; stopped at teardown."""

    def __init__(
        self, args: list[str], env: dict[str, str] | None = None, python: str = sys.executable
    ) -> None:
        self.args = args
        self.python = python
        self.env = {**os.environ, "PYTHONPATH": str(HERE), **(env or {})}
        self.proc: subprocess.Popen[str] | None = None
        self.ready_line = ""

    def start(self) -> Process:
        self.proc = subprocess.Popen(
            [self.python, *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=self.env,
        )
        assert self.proc.stdout is not None
        import selectors

        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        if not selector.select(START_TIMEOUT):
            self.stop()
            raise AssertionError(f"{self.args} printed nothing in {START_TIMEOUT} s")
        self.ready_line = self.proc.stdout.readline().strip()
        if not self.ready_line:
            _, err = self.proc.communicate(timeout=START_TIMEOUT)
            raise AssertionError(f"{self.args} exited: {err[-2000:]}")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)


def start_host(
    *extra: str, address: str = "127.0.0.1:0", env: dict[str, str] | None = None
) -> tuple[Process, str]:
    """A retinue host in its own process, and the address it listens on."""
    process = Process(["-m", "retinue_grpc", "host", "--address", address, *extra], env).start()
    assert process.ready_line.startswith("listening on "), process.ready_line
    return process, process.ready_line.removeprefix("listening on ")


def start_worker(spec: str, host: str, *extra: str, env: dict[str, str] | None = None) -> Process:
    """A retinue worker in its own process, set up by ``spec`` (module:function in tests/)."""
    process = Process(["-m", "retinue_grpc", "worker", spec, "--host", host, *extra], env).start()
    assert process.ready_line.startswith("worker "), process.ready_line
    return process


@pytest.fixture
def host_address() -> Iterator[str]:
    process, address = start_host()
    yield address
    process.stop()
