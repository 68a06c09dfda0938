"""``DockerCommandLineCodeExecutor``: code blocks run in a long-lived, locked-down container."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import shutil
import tempfile
import textwrap
import uuid
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from retinue import CancellationToken, ConfigurationError, bounded_text
from retinue.code import (
    CodeBlock,
    CodeExecutor,
    CodeResult,
    CodeRuns,
    UnsafeFilenameError,
    file_for_block,
    join_outputs,
    raise_if_cancelled,
    uninterruptible,
    write_block_file,
)

from ._channel import Outcome, ServerChannel, ServerRun
from ._container import INIT
from ._engine import DockerEngineError, connect, ensure_image
from ._owner import owner_labels, prune_orphans

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

__all__ = [
    "ContainerLanguage",
    "DockerCommandLineCodeExecutor",
    "DockerCommandLineCodeExecutorConfig",
]

logger = logging.getLogger(__name__)

TIMEOUT_EXIT_CODE = 124
DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024
CONTAINER_WORK_DIR = "/workspace"
# Seconds between SIGTERM and SIGKILL for a block's processes (inside the supervisor).
KILL_GRACE_SECONDS = 2.0
# How long the supervisor may take beyond the grace period to stop the tree (it repeats
# SIGKILL for up to 10 s against a fork bomb) before the container is restarted.
_STOP_MARGIN_SECONDS = 12.0
_RESTARTED = (
    "The container was restarted to stop the code's processes: /tmp was lost, the work dir is kept"
)
_STOPPED = "Stopped: the executor was stopped while the code ran; its processes were stopped"
_DEFAULT_USER_WHEN_ROOT = "1000:1000"


class ContainerLanguage(BaseModel):
    """How to run a language the image provides: the program and the file extension."""

    program: str = Field(description="command run with the block's file, e.g. 'node'")
    extension: str = Field(description="file extension, e.g. '.js'")


_BUILTIN_LANGUAGES: dict[str, ContainerLanguage] = {
    **dict.fromkeys(
        ("python", "py", "python3"), ContainerLanguage(program="python3", extension=".py")
    ),
    "bash": ContainerLanguage(program="bash", extension=".sh"),
    **dict.fromkeys(("sh", "shell"), ContainerLanguage(program="sh", extension=".sh")),
}


class DockerCommandLineCodeExecutorConfig(BaseModel):
    """Declarative config of :class:`DockerCommandLineCodeExecutor`.

    AutoGen's fields load as they are (``functions_module``, ``extra_volumes``, ...);
    ``functions`` is code, so it is not part of the config: pass it again after loading.
    """

    image: str = Field("python:3-slim", description="image to run; it needs python3")
    container_name: str | None = None
    timeout: float = Field(60.0, gt=0, description="seconds a single block may run")
    work_dir: str | None = Field(None, description="host directory bind-mounted at /workspace")
    bind_dir: str | None = Field(
        None, description="the work dir's path as the engine sees it (Docker-in-Docker)"
    )
    auto_remove: bool = True
    stop_container: bool = True
    functions_module: str = "functions"
    extra_volumes: dict[str, dict[str, str]] = Field(default_factory=dict)
    extra_hosts: dict[str, str] = Field(default_factory=dict)
    init_command: str | None = None
    delete_tmp_files: bool = False
    network_mode: str = "none"
    cpus: float | None = Field(1.0, gt=0)
    mem_limit: str | None = "1g"
    pids_limit: int | None = Field(256, gt=0)
    user: str | None = None
    dockerfile: str | None = None
    pull: bool = True
    docker_host: str | None = None
    max_output_bytes: int = Field(DEFAULT_MAX_OUTPUT_BYTES, gt=0)
    languages: dict[str, ContainerLanguage] = Field(default_factory=dict)
    ulimits: dict[str, int | tuple[int, int]] = Field(
        default_factory=dict,
        description="resource limits, name -> limit or (soft, hard), e.g. {'nofile': 1024}",
    )


class DockerCommandLineCodeExecutor(CodeExecutor):
    """Runs Python and shell code blocks in one long-lived container per executor.

    The container starts on first use (or :meth:`start`) from ``image`` (built from
    ``dockerfile`` or pulled when missing) and runs until :meth:`stop`. The work dir is
    bind-mounted at ``/workspace``; each block is written there (a first line
    ``# filename: x.py`` names the file; a name outside the work dir is an exit-code-1
    result) and run by a supervisor server that starts with the container (one attached
    ``exec`` for the container's life, so a block costs about its own program's start).
    Files persist between blocks; blocks run in order and stop at the first failure.

    Locked down by default: no network (``network_mode="none"``), 1 CPU, 1 GB of memory,
    256 processes, a non-root user, a read-only root file system (``/tmp`` is a private
    tmpfs, ``HOME`` is ``/tmp``), no capabilities, no privilege escalation.

    * **timeout**: a block running longer than ``timeout`` seconds has every process it
      started stopped (SIGTERM, then SIGKILL 2 s later, through a supervisor that is a
      child subreaper, so daemons that called ``setsid()`` go too); the result has exit
      code 124. The stopping needs no new process, so it works with the pids limit full
      (a fork bomb); if the supervisor still does not report within 14 s, the container
      is restarted (``/tmp`` is lost, the work dir is kept).
    * **output cap**: output beyond ``max_output_bytes`` is dropped with a marker.
    * **functions**: callables (or source strings) written to ``<functions_module>.py``
      in the work dir, importable by every block (``from functions import f``).
    * **cancellation** and :meth:`stop` behave as with the local executor: processes are
      stopped, a second cancellation cannot cut that short.
    * The container is stopped by :meth:`stop`, when the executor is garbage-collected
      and at interpreter exit (``auto_remove`` then removes it), unless
      ``stop_container=False``.

    Example::

        async with DockerCommandLineCodeExecutor(image="python:3-slim") as executor:
            block = CodeBlock(code="print(1)", language="python")
            result = await executor.execute_code_blocks([block])
    """

    component_provider = "docker"
    component_config_schema = DockerCommandLineCodeExecutorConfig

    def __init__(
        self,
        image: str = "python:3-slim",
        container_name: str | None = None,
        *,
        timeout: float = 60.0,
        work_dir: str | os.PathLike[str] | None = None,
        bind_dir: str | os.PathLike[str] | None = None,
        auto_remove: bool = True,
        stop_container: bool = True,
        functions: Sequence[Callable[..., Any] | str] = (),
        functions_module: str = "functions",
        extra_volumes: dict[str, dict[str, str]] | None = None,
        extra_hosts: dict[str, str] | None = None,
        init_command: str | None = None,
        delete_tmp_files: bool = False,
        network_mode: str = "none",
        cpus: float | None = 1.0,
        mem_limit: str | None = "1g",
        pids_limit: int | None = 256,
        user: str | None = None,
        dockerfile: str | os.PathLike[str] | None = None,
        pull: bool = True,
        docker_host: str | None = None,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
        languages: dict[str, ContainerLanguage] | None = None,
        ulimits: dict[str, int | tuple[int, int]] | None = None,
    ) -> None:
        try:
            self._config = DockerCommandLineCodeExecutorConfig(
                image=image,
                container_name=container_name,
                timeout=timeout,
                work_dir=str(work_dir) if work_dir is not None else None,
                bind_dir=str(bind_dir) if bind_dir is not None else None,
                auto_remove=auto_remove,
                stop_container=stop_container,
                functions_module=functions_module,
                extra_volumes=extra_volumes or {},
                extra_hosts=extra_hosts or {},
                init_command=init_command,
                delete_tmp_files=delete_tmp_files,
                network_mode=network_mode,
                cpus=cpus,
                mem_limit=mem_limit,
                pids_limit=pids_limit,
                user=user,
                dockerfile=str(dockerfile) if dockerfile is not None else None,
                pull=pull,
                docker_host=docker_host,
                max_output_bytes=max_output_bytes,
                languages=languages or {},
                ulimits=ulimits or {},
            )
        except ValueError as exc:
            raise ConfigurationError(
                f"DockerCommandLineCodeExecutor: invalid setting: {bounded_text(str(exc), 400)}"
            ) from None
        if not functions_module.isidentifier():
            raise ConfigurationError(
                f"functions_module must be a Python module name, got {functions_module!r:.80}"
            )
        self._functions = list(functions)
        self._client: docker.DockerClient | None = None
        self._container: Container | None = None
        self._channel: ServerChannel | None = None
        self._stop_container: weakref.finalize[Any, Any] | None = None
        self._temp_work_dir: Path | None = None
        self._remove_temp_work_dir: weakref.finalize[Any, Any] | None = None
        self._start_lock = asyncio.Lock()
        self._exec_user = ""
        self._runs = CodeRuns()

    @property
    def timeout(self) -> float:
        """Seconds one block may run."""
        return self._config.timeout

    @property
    def image(self) -> str:
        """The image the container runs."""
        return self._config.image

    @property
    def work_dir(self) -> Path:
        """The host directory bind-mounted at ``/workspace`` (a temp dir if none was given)."""
        if self._config.work_dir is not None:
            return Path(self._config.work_dir)
        if self._temp_work_dir is None:
            self._temp_work_dir = Path(tempfile.mkdtemp(prefix="retinue-docker-"))
            self._remove_temp_work_dir = weakref.finalize(
                self, shutil.rmtree, self._temp_work_dir, ignore_errors=True
            )
        return self._temp_work_dir

    @property
    def container_name(self) -> str | None:
        """The running container's name, or None before start."""
        return self._container.name if self._container is not None else None

    @property
    def supported_languages(self) -> list[str]:
        """Language names a block may use."""
        return [*_BUILTIN_LANGUAGES, *self._config.languages]

    async def start(self) -> None:
        """Connect to the engine, get the image and start the container (once).

        Raises:
            DockerEngineError: no engine answers; the message says how to start one.
            DockerImageError: the image is missing and could not be built or pulled.
            retinue.ConfigurationError: the work dir cannot be created.
        """
        async with self._start_lock:
            if self._container is None:
                await asyncio.to_thread(self._start_container)

    def _start_container(self) -> None:
        config = self._config
        work_dir = self.work_dir
        try:
            work_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"work_dir {str(work_dir)!r:.200} cannot be created ({exc.strerror or exc}); "
                "pass a directory this process can write to"
            ) from None
        if self._client is None:
            self._client = connect(config.docker_host)
        client = self._client
        ensure_image(client, config.image, dockerfile=config.dockerfile, pull=config.pull)
        try:
            prune_orphans(client)
        except DockerEngineError as exc:  # cleaning up after others never stops a start
            logger.warning("%s", exc)
        user = self._exec_user = self._user(work_dir)
        self._write_functions(work_dir)
        import docker

        volumes = {
            config.bind_dir or str(work_dir.resolve()): {"bind": CONTAINER_WORK_DIR, "mode": "rw"},
            **config.extra_volumes,
        }
        try:
            container = client.containers.run(
                config.image,
                ["python3", "-I", "-S", "-c", INIT],
                name=config.container_name or f"retinue-docker-{uuid.uuid4().hex[:12]}",
                detach=True,
                auto_remove=config.auto_remove,
                working_dir=CONTAINER_WORK_DIR,
                volumes=volumes,
                network_mode=config.network_mode,
                extra_hosts=config.extra_hosts or None,
                nano_cpus=int(config.cpus * 1e9) if config.cpus else None,
                mem_limit=config.mem_limit,
                # No swap beyond the memory limit: an out-of-memory block is killed.
                memswap_limit=config.mem_limit,
                pids_limit=config.pids_limit,
                user=user,
                read_only=True,
                tmpfs={"/tmp": "rw,nosuid,nodev,exec,size=256m,mode=1777"},
                environment={
                    "HOME": "/tmp",
                    "PYTHONUNBUFFERED": "1",
                    # Helper functions (and a block's own modules) import from the work dir.
                    "PYTHONPATH": CONTAINER_WORK_DIR,
                },
                cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
                ulimits=[
                    docker.types.Ulimit(name=name, soft=soft, hard=hard)
                    for name, (soft, hard) in (
                        (name, limit if isinstance(limit, tuple) else (limit, limit))
                        for name, limit in config.ulimits.items()
                    )
                ]
                or None,
                # Whose container this is, so it is removed if this process is killed.
                labels=owner_labels(keep=not config.stop_container),
            )
        except docker.errors.DockerException as exc:
            raise DockerEngineError(
                f"the engine could not start a container from {config.image!r}: "
                f"{bounded_text(str(exc), 400)}; check the image (it needs python3) and the "
                "executor's settings (mem_limit, cpus, extra_volumes)"
            ) from None
        self._container = container
        if config.stop_container:
            self._stop_container = weakref.finalize(self, _stop_quietly, container)
        try:
            self._prepare(client, container, user)
        except BaseException:
            self._forget_container()
            raise

    def _prepare(self, client: docker.DockerClient, container: Container, user: str) -> None:
        """Run ``init_command`` and start the supervisor server in a new container."""
        import docker

        config = self._config
        if config.init_command:
            exit_code, output = container.exec_run(
                ["sh", "-c", config.init_command], user=user, workdir=CONTAINER_WORK_DIR
            )
            if exit_code != 0:
                text = output.decode("utf-8", errors="replace")
                raise DockerEngineError(
                    f"init_command failed with exit code {exit_code}: "
                    f"{bounded_text(text, 600)}; fix init_command"
                )
        try:
            self._channel = ServerChannel.open(
                client, container, user, CONTAINER_WORK_DIR, KILL_GRACE_SECONDS
            )
        except docker.errors.DockerException as exc:
            raise DockerEngineError(
                f"the engine could not start the supervisor in container {container.name!r}: "
                f"{bounded_text(str(exc), 400)}; check that the image has python3"
            ) from None

    def _user(self, work_dir: Path) -> str:
        if self._config.user is not None:
            return self._config.user
        if os.getuid() != 0:
            # The host user's ids: files the code writes belong to whoever runs retinue.
            return f"{os.getuid()}:{os.getgid()}"
        # Never root in the container. The bind-mounted work dir must be writable for
        # that user, so it gets the directory (only the directory itself).
        uid, gid = (int(part) for part in _DEFAULT_USER_WHEN_ROOT.split(":"))
        if self._config.bind_dir is None and work_dir.stat().st_uid == 0:
            os.chown(work_dir, uid, gid)
        return _DEFAULT_USER_WHEN_ROOT

    def _write_functions(self, work_dir: Path) -> None:
        if not self._functions:
            return
        parts = []
        for function in self._functions:
            if isinstance(function, str):
                parts.append(textwrap.dedent(function))
                continue
            try:
                parts.append(textwrap.dedent(inspect.getsource(function)))
            except (OSError, TypeError) as exc:
                raise ConfigurationError(
                    f"functions: cannot read the source of {function!r:.80} ({exc}); pass "
                    "functions defined in a file, or their source code as strings"
                ) from None
        path = work_dir / f"{self._config.functions_module}.py"
        path.write_text("\n\n".join(parts), encoding="utf-8")

    async def stop(self) -> None:
        """Stop runs in progress, stop the container (unless ``stop_container=False``)
        and remove the temporary work dir. The executor can be started again."""
        await self._runs.stop()
        async with self._start_lock:
            if self._channel is not None:
                self._channel.close()
                self._channel = None
            if self._stop_container is not None:
                await asyncio.to_thread(self._stop_container)
            self._stop_container = None
            self._container = None
            if self._remove_temp_work_dir is not None:
                self._remove_temp_work_dir()
                self._remove_temp_work_dir = None
                self._temp_work_dir = None

    async def execute_code_blocks(
        self, code_blocks: Sequence[CodeBlock], cancellation_token: CancellationToken | None = None
    ) -> CodeResult:
        """Run ``code_blocks`` in order in the container, stopping at the first failure.

        A problem with the code (an unusable ``# filename:``, an unknown language, a
        crash, a timeout, the container dying) is a result with a non-zero exit code.

        Raises:
            DockerEngineError: no engine answers (the message says how to start it).
            DockerImageError: the image is missing and could not be built or pulled.
            retinue.CancelledError: ``cancellation_token`` was cancelled; the block's
                processes have been stopped.
        """
        raise_if_cancelled(cancellation_token)  # before a container is started for it
        await self.start()
        return await self._runs.run(self._run_blocks(code_blocks), cancellation_token)

    async def _run_blocks(self, code_blocks: Sequence[CodeBlock]) -> CodeResult:
        outputs: list[str] = []
        exit_code = 0
        code_file: str | None = None
        temp_files: list[Path] = []
        try:
            for block in code_blocks:
                exit_code, output, code_file = await self._run_block(block, temp_files)
                outputs.append(output)
                if exit_code != 0:
                    break
        finally:
            if self._config.delete_tmp_files:
                for path in temp_files:
                    path.unlink(missing_ok=True)
        return CodeResult(exit_code=exit_code, output=join_outputs(outputs), code_file=code_file)

    async def _run_block(
        self, block: CodeBlock, temp_files: list[Path]
    ) -> tuple[int, str, str | None]:
        name = block.language.strip().lower()
        language = self._config.languages.get(name) or _BUILTIN_LANGUAGES.get(name)
        if language is None:
            supported = ", ".join(self.supported_languages)
            return (
                1,
                f"Unsupported language {bounded_text(block.language)!r}: this executor runs "
                f"{supported} (add others the image has with languages=).",
                None,
            )
        work_dir = self.work_dir
        try:
            path, named = file_for_block(block.code, language.extension, work_dir)
            if not named:
                temp_files.append(path)
            relative = PurePosixPath(
                *Path(os.path.relpath(path.resolve(), work_dir.resolve())).parts
            )
            write_block_file(path, block.code, str(relative))
        except UnsafeFilenameError as exc:
            return 1, f"Error: {exc}", None
        container_path = f"{CONTAINER_WORK_DIR}/{relative}"
        exit_code, output, timed_out = await self._exec(language.program, container_path)
        if timed_out:
            notice = f"\nTimeout: the code ran longer than {self.timeout:g} s and was stopped"
            return TIMEOUT_EXIT_CODE, output + notice, container_path
        return exit_code, output, container_path

    async def _exec(self, program: str, container_path: str) -> tuple[int, str, bool]:
        """Run one file through the container's supervisor server; ``(exit code, output,
        timed out)``."""
        channel = self._channel
        if channel is None or self._container is None:  # stop() ran meanwhile
            return 1, _STOPPED, False
        run = await channel.run(
            [program, container_path], self.timeout, self._config.max_output_bytes
        )
        # The server stops the code at the timeout itself; this is the backstop for a
        # server that cannot (the container froze), which then has the container replaced.
        backstop = self.timeout + KILL_GRACE_SECONDS + _STOP_MARGIN_SECONDS
        stuck = False
        try:
            done, _ = await asyncio.wait({run.done}, timeout=backstop)
            stuck = not done
        finally:
            if not run.done.done():
                await uninterruptible(self._stop_run(channel, run))
        outcome = run.done.result() if run.done.done() else Outcome(lost=True)
        output = run.capture.text()
        if stuck:
            if outcome.lost:
                output += f"\n{_RESTARTED}"
            return 1, output, True
        if outcome.lost:
            return 1, output + await self._container_trouble(channel), outcome.timed_out
        if outcome.error is not None:
            return 1, output + f"\nError: {outcome.error}; try again, or raise pids_limit", False
        return outcome.exit_code, output, outcome.timed_out

    async def _stop_run(self, channel: ServerChannel, run: ServerRun) -> None:
        """Have the server stop the run's tree; replace the container if it cannot."""
        await channel.stop(run)
        done, _ = await asyncio.wait({run.done}, timeout=KILL_GRACE_SECONDS + _STOP_MARGIN_SECONDS)
        if done:
            return
        logger.warning("the code's processes could not be stopped in the container; restarting it")
        async with self._start_lock:
            if self._channel is channel:
                await asyncio.to_thread(self._replace_container)

    def _replace_container(self) -> None:
        """Kill the container (stopping everything in it) and start a fresh one."""
        self._forget_container()
        try:
            self._start_container()
        except Exception as exc:
            logger.warning("could not start a new container: %s", exc)

    def _forget_container(self) -> None:
        """Detach from the server and kill and remove the container, whatever ``auto_remove``
        says; the next run starts a new one."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._container is not None:
            _discard(self._container)
            self._container = None
        if self._stop_container is not None:
            self._stop_container.detach()
            self._stop_container = None

    async def _container_trouble(self, channel: ServerChannel) -> str:
        """Forget the container whose server went away, so the next run starts a new one."""
        stderr = channel.server_stderr().strip()
        if stderr:
            logger.warning("the supervisor server in the container failed: %s", stderr)
        async with self._start_lock:
            if self._channel is channel:
                await asyncio.to_thread(self._forget_container)
        return (
            "\nError: the container stopped while the code ran (it was killed, ran out of "
            "memory, the engine went away, or the code killed the executor's supervisor); a "
            "new container is started for the next run"
        )

    def _to_config(self) -> DockerCommandLineCodeExecutorConfig:
        return self._config.model_copy()

    @classmethod
    def _from_config(
        cls, config: DockerCommandLineCodeExecutorConfig
    ) -> DockerCommandLineCodeExecutor:
        return cls(**config.model_dump(exclude={"languages"}), languages=config.languages)


def _stop_quietly(container: Container) -> None:
    """Stop the container (``auto_remove`` then has the engine remove it)."""
    import docker

    try:
        container.stop(timeout=2)
    except docker.errors.DockerException as exc:  # already gone
        logger.debug("container %s: %s", container.name, exc)


def _discard(container: Container) -> None:
    """Kill and remove a container that is being replaced, whatever ``auto_remove`` says."""
    import docker

    try:
        container.remove(force=True)
    except docker.errors.DockerException as exc:  # already gone
        logger.debug("container %s: %s", container.name, exc)
