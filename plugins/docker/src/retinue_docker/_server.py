"""The supervisor server: one long-lived process per container that runs code blocks.

Run inside the container, never imported by the executor: ``python3 -I -S -c <this
file's source> <kernel supervisor source> GRACE``, as one ``exec`` whose stdin and stdout
stay attached to the executor. Standard library only.

Starting a process with an ``exec`` costs the engine a tenth of a second; this server
is started once, and each block costs a ``fork`` here instead. Requests arrive on stdin,
one JSON object a line:

* ``{"run": ID, "argv": [...], "timeout": SECONDS, "cap": BYTES}`` runs ``argv``;
* ``{"stop": ID}`` stops that run (its whole process tree; SIGTERM, then SIGKILL).

Replies go to stdout as frames: a header ``KIND RUN_ID LENGTH`` (``!BII``) and a payload.
``OUTPUT`` frames carry the run's combined stdout and stderr, the first ``cap`` bytes of
it; the rest is read (so the code never blocks on a full pipe) and counted. One ``EXIT``
frame ends each run: JSON ``{"exit": CODE, "timed_out": BOOL, "dropped": BYTES,
"error": TEXT or null}``.

Each run is a forked child that runs the kernel's process supervisor (a child subreaper,
see its docstring): it spawns the command in a session of its own, and stops every
process the command started when it exits or when it gets SIGTERM. The server sends that
SIGTERM on a ``stop`` request or when the run's ``timeout`` passes, so a timeout needs no
round trip to the executor. The supervisor's parent-death signal is armed on this server:
if the server dies, every run's tree is stopped. When stdin closes (the executor went
away) every run is stopped and the server exits.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import struct
import sys
import time
import types

# The supervisor imports ctypes for prctl in each forked run; importing it once here
# keeps that off every block's path.
import ctypes  # noqa: F401  # isort: skip
import _signal as signal  # type: ignore[import-not-found]  # no stub; same names as signal

HEADER = struct.Struct("!BII")
OUTPUT, EXIT = 1, 2
_READ_BYTES = 65536


class Run:
    """One running block: its supervisor's pid, output pipe, deadline and counters."""

    def __init__(self, run_id: int, pid: int, fd: int, deadline: float, cap: int) -> None:
        self.run_id, self.pid, self.fd, self.deadline, self.cap = run_id, pid, fd, deadline, cap
        self.sent = 0
        self.dropped = 0
        self.timed_out = False
        self.stopping = False
        self.status: int | None = None


def send(kind: int, run_id: int, payload: bytes) -> None:
    """Write one frame to stdout (blocking: the executor always reads)."""
    data = HEADER.pack(kind, run_id, len(payload)) + payload
    while data:
        data = data[os.write(1, data) :]


def send_exit(run_id: int, code: int, timed_out: bool, dropped: int, error: str | None) -> None:
    payload = {"exit": code, "timed_out": timed_out, "dropped": dropped, "error": error}
    send(EXIT, run_id, json.dumps(payload).encode())


class Server:
    """The request loop: reads stdin, forks runs, forwards output, enforces timeouts."""

    def __init__(self, supervisor: types.ModuleType, grace: float) -> None:
        self.supervisor = supervisor
        self.grace = grace
        self.me = os.getpid()
        self.runs: dict[int, Run] = {}
        self.by_pid: dict[int, Run] = {}
        self.pending = b""
        self.stdin_open = True
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        # SIGCHLD wakes the select() below through the wakeup fd.
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)

    def serve(self) -> None:
        while self.stdin_open or self.runs:
            now = time.monotonic()
            waits = [run.deadline - now for run in self.runs.values() if not run.stopping]
            timeout = max(0.0, min(waits)) if waits else None
            fds = [self.wake_r, *(run.fd for run in self.runs.values() if run.fd >= 0)]
            if self.stdin_open:
                fds.append(0)
            readable = select.select(fds, [], [], timeout)[0]
            for fd in readable:
                if fd == 0:
                    self.read_requests()
                elif fd == self.wake_r:
                    self.drain_wakeups()
                else:
                    self.forward(next(r for r in self.runs.values() if r.fd == fd))
            self.reap()
            self.enforce_deadlines()

    def read_requests(self) -> None:
        data = os.read(0, _READ_BYTES)
        if not data:
            # The executor is gone: stop everything, then exit once the runs have ended.
            self.stdin_open = False
            for run in self.runs.values():
                self.stop(run, timed_out=False)
            return
        *lines, self.pending = (self.pending + data).split(b"\n")
        for line in lines:
            if line.strip():
                self.handle(json.loads(line))

    def handle(self, request: dict[str, object]) -> None:
        if "stop" in request:
            run = self.runs.get(int(request["stop"]))  # type: ignore[call-overload]
            if run is not None:
                self.stop(run, timed_out=False)
            return
        run_id = int(request["run"])  # type: ignore[call-overload]
        argv = [str(part) for part in request["argv"]]  # type: ignore[attr-defined]
        timeout = float(request["timeout"])  # type: ignore[arg-type]
        cap = int(request["cap"])  # type: ignore[call-overload]
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError as exc:  # e.g. the pids limit is full
            os.close(read_fd)
            os.close(write_fd)
            send_exit(run_id, 1, False, 0, f"the container could not start the code: {exc}")
            return
        if pid == 0:
            self.child(argv, write_fd)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        run = Run(run_id, pid, read_fd, time.monotonic() + timeout, cap)
        self.runs[run_id] = run
        self.by_pid[pid] = run

    def child(self, argv: list[str], output_fd: int) -> None:
        """In the forked child: become the run's supervisor; never returns."""
        code = 127
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(output_fd, 1)
            os.dup2(output_fd, 2)
            # Nothing of the server's (its requests, other runs' pipes) reaches the code.
            os.closerange(3, 65536)
            code = self.supervisor.main(["supervisor", str(self.grace), str(self.me), *argv])
        except BaseException as exc:
            os.write(2, f"retinue supervisor failed: {exc!r}\n".encode())
        finally:
            try:
                sys.stderr.flush()
            finally:
                os._exit(code)

    def forward(self, run: Run) -> None:
        """Read what the run printed; send what fits under its cap, count the rest."""
        while True:
            try:
                data = os.read(run.fd, _READ_BYTES)
            except BlockingIOError:
                return
            if not data:
                os.close(run.fd)
                run.fd = -1
                self.finish_if_done(run)
                return
            kept = data[: max(0, run.cap - run.sent)]
            if kept:
                send(OUTPUT, run.run_id, kept)
                run.sent += len(kept)
            run.dropped += len(data) - len(kept)

    def drain_wakeups(self) -> None:
        try:
            while os.read(self.wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            run = self.by_pid.pop(pid, None)
            if run is not None:
                run.status = status
                if run.fd >= 0:
                    # Everything the code wrote is in the pipe by now; a process the
                    # supervisor could not kill may hold it open, so do not wait for EOF.
                    self.forward(run)
                    if run.fd >= 0:
                        os.close(run.fd)
                        run.fd = -1
                self.finish_if_done(run)

    def finish_if_done(self, run: Run) -> None:
        if run.status is None or run.fd >= 0 or run.run_id not in self.runs:
            return
        del self.runs[run.run_id]
        code = os.waitstatus_to_exitcode(run.status)
        send_exit(run.run_id, 128 - code if code < 0 else code, run.timed_out, run.dropped, None)

    def enforce_deadlines(self) -> None:
        now = time.monotonic()
        for run in list(self.runs.values()):
            if not run.stopping and now >= run.deadline:
                self.stop(run, timed_out=True)

    def stop(self, run: Run, *, timed_out: bool) -> None:
        if run.stopping or run.status is not None:
            return
        run.stopping = True
        run.timed_out = timed_out
        with contextlib.suppress(ProcessLookupError):
            os.kill(run.pid, signal.SIGTERM)


def main() -> None:
    """Load the kernel supervisor from ``argv[1]`` and serve requests until stdin closes."""
    supervisor = types.ModuleType("retinue_supervisor")
    exec(compile(sys.argv[1], "retinue_supervisor", "exec"), supervisor.__dict__)
    Server(supervisor, float(sys.argv[2])).serve()


if __name__ == "__main__":
    main()
