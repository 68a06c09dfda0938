"""retinue-grpc: a distributed agent runtime (host and workers) on AutoGen's gRPC protocol.

Names are imported on first access, so plugin discovery (which imports
``retinue_grpc.plugin``) imports neither grpc nor protobuf.

>>> from retinue_grpc import GrpcWorkerAgentRuntime, GrpcWorkerAgentRuntimeHost
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "GrpcWorkerAgentRuntime": "retinue_grpc._worker",
        "GrpcWorkerAgentRuntimeConfig": "retinue_grpc._worker",
        "GrpcWorkerAgentRuntimeHost": "retinue_grpc._host",
        "HostAuthenticationError": "retinue_grpc._errors",
        "HostConnectionError": "retinue_grpc._errors",
        "RemoteAgentError": "retinue_grpc._errors",
    },
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from ._errors import (
        HostAuthenticationError as HostAuthenticationError,
        HostConnectionError as HostConnectionError,
        RemoteAgentError as RemoteAgentError,
    )
    from ._host import GrpcWorkerAgentRuntimeHost as GrpcWorkerAgentRuntimeHost
    from ._worker import (
        GrpcWorkerAgentRuntime as GrpcWorkerAgentRuntime,
        GrpcWorkerAgentRuntimeConfig as GrpcWorkerAgentRuntimeConfig,
    )
