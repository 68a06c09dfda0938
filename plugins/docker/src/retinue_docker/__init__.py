"""retinue-docker: run code blocks in a long-lived, locked-down container.

Names are imported on first access, so plugin discovery (which imports
``retinue_docker.plugin``) stays cheap and never imports the docker SDK.

>>> from retinue_docker import DockerCommandLineCodeExecutor
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "ContainerLanguage": "retinue_docker._executor",
        "DockerCommandLineCodeExecutor": "retinue_docker._executor",
        "DockerCommandLineCodeExecutorConfig": "retinue_docker._executor",
        "DockerEngineError": "retinue_docker._engine",
        "DockerImageError": "retinue_docker._engine",
    },
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from ._engine import (
        DockerEngineError as DockerEngineError,
        DockerImageError as DockerImageError,
    )
    from ._executor import (
        ContainerLanguage as ContainerLanguage,
        DockerCommandLineCodeExecutor as DockerCommandLineCodeExecutor,
        DockerCommandLineCodeExecutorConfig as DockerCommandLineCodeExecutorConfig,
    )
