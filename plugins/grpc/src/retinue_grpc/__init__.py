"""retinue-grpc: a distributed agent runtime (host and workers) on AutoGen's gRPC protocol."""

from ._errors import HostAuthenticationError, HostConnectionError, RemoteAgentError
from ._host import GrpcWorkerAgentRuntimeHost
from ._worker import GrpcWorkerAgentRuntime, GrpcWorkerAgentRuntimeConfig

__all__ = [
    "GrpcWorkerAgentRuntime",
    "GrpcWorkerAgentRuntimeConfig",
    "GrpcWorkerAgentRuntimeHost",
    "HostAuthenticationError",
    "HostConnectionError",
    "RemoteAgentError",
]
