"""Run one command so that none of its descendants outlives it (Linux).

Started as ``python -I -S _supervisor.py GRACE PARENT_PID PROGRAM [ARGS...]`` by an
executor (``retinue.code.SUPERVISOR_SCRIPT``). It imports only the standard library, and
nothing from retinue, so that it starts in a few milliseconds.

The supervisor makes itself a *child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``):
a descendant whose parent dies is re-parented to the supervisor instead of to init, so
every process the command starts -- even one that calls ``setsid()`` or double-forks --
stays in the supervisor's tree, where a walk of ``/proc`` finds it. The command runs in
its own session, so a ``kill 0`` in it cannot reach the supervisor.

When the command exits, whatever it left running is stopped at once. On SIGTERM (the
parent's timeout or cancellation) the whole tree gets SIGTERM, ``GRACE`` seconds to
exit, then SIGKILL; the supervisor reaps everything and exits last. If the parent dies,
the kernel sends the supervisor SIGTERM (``PR_SET_PDEATHSIG``), with the same effect;
a ``PARENT_PID`` of 0 (an exec in a container) turns that watch off.
"""

from __future__ import annotations

# The C module rather than ``signal``: the public module imports ``enum``, which costs
# more than the rest of the supervisor's start, and it runs once per code block.
import _signal as signal  # type: ignore[import-not-found]  # no stub; same names as signal
import os
import sys
import time

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
# A process stuck in uninterruptible sleep can take a while to die after SIGKILL; do not
# wait for it forever (the parent still closes the output pipe and reports the result).
_KILL_ROUNDS_SECONDS = 10.0
_POLL_SECONDS = 0.02
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class _Stop(Exception):
    """Raised by the signal handler to leave the wait and stop the tree."""


def _on_stop_signal(signum: int, frame: object) -> None:
    _ignore_stop_signals()  # termination runs once, whatever else arrives meanwhile
    raise _Stop


def _ignore_stop_signals() -> None:
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def _prctl(option: int, value: int) -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (OSError, AttributeError):  # no libc prctl: fall back to walking the tree
        return False


def _descendants(root: int) -> list[int]:
    """Live (non-zombie) descendants of ``root``, found through ``/proc/*/stat``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat_file:
                stat = stat_file.read()
        except OSError:  # the process ended while we looked
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat[stat.rindex(b")") + 2 :].split()
        if fields[0] in (b"Z", b"X"):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            found.append(child)
            stack.append(child)
    return found


def _signal_all(pids: list[int], sig: int, unkillable: set[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:  # e.g. a setuid program: beyond our rights
            unkillable.add(pid)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _has_children() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return False
    return True


def _stop_tree(me: int, grace: float, subreaper: bool) -> None:
    """SIGTERM every descendant, wait up to ``grace`` seconds, SIGKILL the rest, reap."""
    _reap()
    if subreaper and not _has_children():
        # Every descendant is a child of ours or below one (orphans are re-parented to
        # us), so no children means nothing to stop: the common case, and no /proc walk.
        return
    unkillable: set[int] = set()
    remaining = _descendants(me)
    if remaining and grace > 0:
        _signal_all(remaining, signal.SIGTERM, unkillable)
        deadline = time.monotonic() + grace
        while remaining and time.monotonic() < deadline:
            time.sleep(_POLL_SECONDS)
            _reap()
            remaining = [pid for pid in _descendants(me) if pid not in unkillable]
    # Repeat until nothing is left: a process may fork between our walk and its SIGKILL.
    deadline = time.monotonic() + _KILL_ROUNDS_SECONDS
    while remaining and time.monotonic() < deadline:
        _signal_all(remaining, signal.SIGKILL, unkillable)
        _reap()
        remaining = [pid for pid in _descendants(me) if pid not in unkillable]
        if remaining:
            time.sleep(_POLL_SECONDS / 4)
    _reap()
    if remaining or unkillable:
        sys.stderr.write(
            f"\n[retinue: {len(remaining) + len(unkillable)} process(es) started by the "
            "code could not be stopped]\n"
        )


def _wait_for(child: int) -> int:
    """Reap children (re-parented orphans included) until ``child`` exits; its status."""
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == child:
            return status


def main(argv: list[str]) -> int:
    """Run ``argv[3:]``, stop its whole tree when it ends or on SIGTERM; its exit code."""
    grace, parent, command = float(argv[1]), int(argv[2]), argv[3:]
    for sig in _STOP_SIGNALS:
        signal.signal(sig, _on_stop_signal)
    me = os.getpid()
    status: int | None = None
    subreaper = False
    try:
        # PARENT_PID 0: started by a container engine's exec, whose short-lived helper is
        # the parent (outside the container); whoever started us stops us with SIGTERM.
        if parent != 0:
            _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != parent:  # the parent died before PDEATHSIG was armed
                return 1
        subreaper = _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        try:
            child = os.posix_spawnp(
                command[0],
                command,
                os.environ,
                setsid=True,
                # Python ignores SIGPIPE and SIGXFSZ; the code should get the defaults.
                setsigdef=(signal.SIGPIPE, signal.SIGXFSZ, *_STOP_SIGNALS),
            )
        except OSError as exc:
            sys.stderr.write(f"cannot run {command[0]!r}: {exc.strerror}\n")
            return 127
        status = _wait_for(child)
        _ignore_stop_signals()
    except _Stop:
        pass
    _stop_tree(me, grace if status is None else 0.0, subreaper)
    if status is None:
        return 128 + int(signal.SIGTERM)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
