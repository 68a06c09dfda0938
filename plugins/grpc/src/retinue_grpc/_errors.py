"""Errors of the distributed runtime (all :class:`retinue.RetinueError` subclasses)."""

from __future__ import annotations

from retinue import RetinueError

__all__ = ["HostAuthenticationError", "HostConnectionError", "RemoteAgentError"]


class HostConnectionError(RetinueError, ConnectionError):
    """The host cannot be reached, or the connection to it (or to a worker) was lost."""


class HostAuthenticationError(HostConnectionError):
    """The host refused this worker's credentials (a wrong or missing token)."""


class RemoteAgentError(RetinueError):
    """A remote handler raised an exception whose type cannot be rebuilt here.

    ``remote_type`` is the name of the remote exception class (empty when the peer,
    such as an AutoGen worker, does not say).
    """

    def __init__(self, message: str, remote_type: str = "") -> None:
        super().__init__(message)
        self.remote_type = remote_type
