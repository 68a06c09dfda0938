"""Who owns an executor's container, and removing containers whose owner is gone.

An executor stops its container on :meth:`stop`, garbage collection and interpreter
exit, but a process that is SIGKILLed (or loses its machine) runs none of that. So each
container is labelled with its owner: the process id and start time, the boot id, the
machine id and the pid namespace. Whoever starts a new executor (or runs ``retinue
docker prune``) removes the labelled containers whose owner process no longer exists.

Only what can be decided for sure is removed: the owner ran on this machine and boot
in this pid namespace and its pid is gone (or now belongs to a later process), or it
ran on this machine in an earlier boot. Containers of other machines, of other pid
namespaces (retinue inside another container), and of executors with
``stop_container=False`` are left alone.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from retinue import bounded_text

if TYPE_CHECKING:
    import docker

__all__ = ["EXECUTOR_LABEL", "owner_labels", "prune_command", "prune_orphans"]

logger = logging.getLogger(__name__)

EXECUTOR_LABEL = ("retinue.executor", "docker")
_PID = "retinue.owner.pid"
_START = "retinue.owner.start"
_BOOT = "retinue.owner.boot"
_MACHINE = "retinue.owner.machine"
_PIDNS = "retinue.owner.pidns"
_KEEP = "retinue.owner.keep"


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


def _start_time(pid: int | str) -> str:
    """The process's start time (clock ticks since boot), or '' if there is no such process."""
    stat = _read(f"/proc/{pid}/stat")
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses; starttime is
    # the 22nd field, the 20th after comm.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _identity() -> dict[str, str]:
    return {
        _BOOT: _read("/proc/sys/kernel/random/boot_id"),
        _MACHINE: _read("/etc/machine-id"),
        _PIDNS: _pid_namespace(),
    }


def owner_labels(*, keep: bool) -> dict[str, str]:
    """Labels naming this process as a container's owner (none where ``/proc`` is missing).

    ``keep``: the container is meant to outlive its executor (``stop_container=False``),
    so it is never pruned.
    """
    labels = dict([EXECUTOR_LABEL])
    identity = _identity()
    start = _start_time("self")
    if not identity[_BOOT] or not start:  # not Linux: ownership cannot be checked later
        return labels
    labels.update(identity, **{_PID: str(os.getpid()), _START: start})
    if keep:
        labels[_KEEP] = "true"
    return labels


def _owner_gone(labels: dict[str, str], identity: dict[str, str]) -> bool:
    pid = labels.get(_PID, "")
    if not pid.isdigit() or labels.get(_KEEP) == "true" or not identity[_BOOT]:
        return False
    if labels.get(_BOOT) != identity[_BOOT]:
        # An earlier boot of this machine: every process of it is gone. Another machine
        # (a shared engine): nothing to tell from here.
        return bool(identity[_MACHINE]) and labels.get(_MACHINE) == identity[_MACHINE]
    if labels.get(_PIDNS) != identity[_PIDNS]:
        return False
    return _start_time(pid) != labels.get(_START)


def prune_orphans(client: docker.DockerClient) -> list[str]:
    """Remove the executor containers whose owner process is gone; their names.

    Raises:
        DockerEngineError: the engine could not list the containers.
    """
    import docker

    from ._engine import DockerEngineError

    identity = _identity()
    removed = []
    label = "=".join(EXECUTOR_LABEL)
    try:
        containers = client.containers.list(all=True, filters={"label": label})
    except docker.errors.DockerException as exc:
        raise DockerEngineError(
            f"the engine could not list the executor containers: {bounded_text(str(exc), 300)}; "
            "is it running?"
        ) from None
    for container in containers:
        if not _owner_gone(container.labels, identity):
            continue
        try:
            container.remove(force=True)
        except docker.errors.NotFound:  # removed meanwhile (auto_remove, another pruner)
            continue
        except docker.errors.DockerException as exc:
            logger.warning("could not remove the orphaned container %s: %s", container.name, exc)
            continue
        logger.info("removed container %s: the executor that started it is gone", container.name)
        removed.append(container.name)
    return removed


def prune_command(args: argparse.Namespace) -> int:
    """``retinue docker prune``: remove executor containers whose owner is gone."""
    from ._engine import DockerEngineError, connect

    try:
        client = connect(args.docker_host)
        removed = prune_orphans(client)
    except DockerEngineError as exc:
        print(f"retinue docker prune: {exc}")
        return 1
    for name in removed:
        print(f"removed {name}")
    print(f"{len(removed)} container(s) removed whose executor is gone")
    return 0
