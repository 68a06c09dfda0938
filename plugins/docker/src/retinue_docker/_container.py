"""PID 1 of the executor's container.

It is Python run with ``python3 -I -S`` (no site-packages, no environment influence), as
is the supervisor server (``_server.py``), so the image needs ``python3`` and nothing else.
"""

from __future__ import annotations

__all__ = ["INIT"]

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
