"""Programs the executor runs inside its container: PID 1, the per-block supervisor, the stopper.

All three are Python run with ``python3 -I -S`` (no site-packages, no environment
influence), so the image needs ``python3`` and nothing else.
"""

from __future__ import annotations

from retinue.code import SUPERVISOR_SCRIPT

__all__ = ["INIT", "RUN_MARKER", "STOPPER", "supervisor_source"]

# PID 1: reaps orphans (a PID 1 that never waits fills the process table with zombies)
# and exits at once on SIGTERM, so stopping the container takes no grace period.
INIT = (
    "import os, signal\n"
    "wanted = {signal.SIGCHLD, signal.SIGTERM, signal.SIGINT}\n"
    "signal.pthread_sigmask(signal.SIG_BLOCK, wanted)\n"
    "while signal.sigwait(wanted) == signal.SIGCHLD:\n"
    "    try:\n"
    "        while os.waitpid(-1, os.WNOHANG)[0]:\n"
    "            pass\n"
    "    except ChildProcessError:\n"
    "        pass\n"
)

# The environment variable that tags every process of one block (descendants inherit it).
RUN_MARKER = "RETINUE_RUN"

# Sends SIGTERM to the block's supervisor: the process tagged with the run id whose
# parent lies outside the container (ppid 0), i.e. the root of that exec. The supervisor
# then stops the block's whole tree (SIGTERM, grace period, SIGKILL). Prints what it did.
STOPPER = (
    "import os, signal, sys\n"
    "tag = ('" + RUN_MARKER + "=' + sys.argv[1]).encode()\n"
    "found = 0\n"
    "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
    "    try:\n"
    "        env = open(f'/proc/{pid}/environ', 'rb').read().split(b'\\0')\n"
    "        ppid = open(f'/proc/{pid}/stat', 'rb').read().rsplit(b')', 1)[1].split()[1]\n"
    "    except OSError:\n"
    "        continue\n"
    "    if tag in env and ppid == b'0':\n"
    "        try:\n"
    "            os.kill(int(pid), signal.SIGTERM)\n"
    "            found += 1\n"
    "        except ProcessLookupError:\n"
    "            pass\n"
    "print(found)\n"
)

_supervisor: str | None = None


def supervisor_source() -> str:
    """The kernel's process supervisor, to run with ``python3 -I -S -c``."""
    global _supervisor
    if _supervisor is None:
        _supervisor = SUPERVISOR_SCRIPT.read_text(encoding="utf-8")
    return _supervisor
