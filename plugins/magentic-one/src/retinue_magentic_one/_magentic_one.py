"""``MagenticOne``: the standard Magentic-One team built from one model client, and the
choice of the terminal's code executor (Docker when it answers, else local)."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from retinue import RetinueError, bounded_text
from retinue.code import CodeExecutor
from retinue.models import ChatCompletionClient
from retinue_agentchat.agents import CodeExecutorAgent, UserProxyAgent

from ._team import MagenticOneGroupChat

__all__ = ["MagenticOne", "choose_code_executor"]

logger = logging.getLogger(__name__)

TERMINAL_DESCRIPTION = (
    "A computer terminal with no model of its own: it runs the Python or shell code "
    "blocks in the last message that has them and reports their output. It can install "
    "packages too. Ask the Coder to write code first."
)

_DOCKER_START_TIMEOUT = 60.0


async def choose_code_executor(
    work_dir: str | Path | None = None,
) -> tuple[CodeExecutor, str | None]:
    """Docker's executor (retinue-docker) when it is installed and the engine answers,
    else the local one; with the local one comes a warning to show the user.

    The Docker executor is started here (that is how the engine is asked); the caller
    stops it.
    """
    import retinue

    reason: str
    try:
        docker = retinue.create("code_executor", "docker", work_dir=work_dir)
    except RetinueError as exc:
        reason = f"retinue-docker is not available ({exc.__class__.__name__})"
    else:
        try:
            await asyncio.wait_for(docker.start(), _DOCKER_START_TIMEOUT)
        except (RetinueError, OSError, asyncio.TimeoutError) as exc:
            reason = (
                f"Docker's executor did not start ({type(exc).__name__}: "
                f"{bounded_text(str(exc), 300)})"
            )
        else:
            return docker, None
    local = retinue.create("code_executor", "local", work_dir=work_dir)
    warning = (
        f"{reason}; code runs on this machine without isolation, in "
        f"{Path(work_dir or '.').name or 'the current directory'}. Install retinue-docker "
        "with a running Docker engine and image to sandbox it."
    )
    return local, warning


class MagenticOne(MagenticOneGroupChat):
    """The standard Magentic-One team from one model client: ``FileSurfer``,
    ``WebSurfer``, ``Coder`` and ``ComputerTerminal``, plus ``User`` in ``hil_mode``.

    ``code_executor`` runs the terminal's code (pass one; without it a local executor is
    used, with a warning: prefer :func:`choose_code_executor` or Docker).
    ``approval_func`` sees every code block before it runs and may refuse it.
    ``base_path`` is the file surfer's root; ``web_surfer_options`` go to
    :class:`~retinue_magentic_one.agents.MultimodalWebSurfer`.  Other keyword arguments
    are :class:`MagenticOneGroupChat`'s.  Call :meth:`close` to stop the browser.
    """

    def __init__(
        self,
        client: ChatCompletionClient,
        *,
        hil_mode: bool = False,
        input_func: Any = None,
        code_executor: CodeExecutor | None = None,
        approval_func: Any = None,
        base_path: str | Path = ".",
        web_surfer_options: dict[str, Any] | None = None,
        **team_options: Any,
    ) -> None:
        from .agents import FileSurfer, MagenticOneCoderAgent, MultimodalWebSurfer

        if code_executor is None:
            import retinue

            warnings.warn(
                "MagenticOne without code_executor runs code locally without isolation; "
                "pass a code executor (e.g. Docker's from retinue-docker)",
                UserWarning,
                stacklevel=2,
            )
            code_executor = retinue.create("code_executor", "local")
        self.web_surfer = MultimodalWebSurfer("WebSurfer", client, **(web_surfer_options or {}))
        participants: Sequence[Any] = [
            FileSurfer("FileSurfer", client, base_path=base_path),
            self.web_surfer,
            MagenticOneCoderAgent("Coder", client),
            CodeExecutorAgent(
                "ComputerTerminal",
                code_executor,
                description=TERMINAL_DESCRIPTION,
                approval_func=approval_func,
            ),
        ]
        if hil_mode:
            participants = [*participants, UserProxyAgent("User", input_func=input_func)]
        super().__init__(participants, client, **team_options)

    async def close(self) -> None:
        """Stop the web surfer's browser."""
        await self.web_surfer.close()
