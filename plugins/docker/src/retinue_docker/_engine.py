"""Talking to the engine: connecting with clear errors, finding or building the image."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from retinue import CodeExecutionError, bounded_text

if TYPE_CHECKING:
    import docker

__all__ = [
    "DockerEngineError",
    "DockerImageError",
    "connect",
    "ensure_image",
]

_START_ENGINE = (
    "start the engine (on Linux: 'sudo systemctl start docker', or 'sudo dockerd &' where "
    "systemd does not run; in a retinue checkout 'bash scripts/setup-docker.sh' installs "
    "and starts one), or set DOCKER_HOST (or docker_host=) to the socket of a running "
    "engine, e.g. unix:///run/podman/podman.sock for Podman"
)


class DockerEngineError(CodeExecutionError):
    """No Docker (or Podman) engine answers, or it refused a request; says how to fix it."""


class DockerImageError(CodeExecutionError):
    """The executor's image is missing and could not be pulled or built; says how to get it."""


def _reason(exc: BaseException) -> str:
    return bounded_text(str(exc).strip() or type(exc).__name__, 300)


def connect(docker_host: str | None) -> docker.DockerClient:
    """A client of the engine at ``docker_host`` (else ``DOCKER_HOST``, else the default socket).

    Raises:
        DockerEngineError: no engine answers there; the message says how to start one.
    """
    import docker

    where = docker_host or os.environ.get("DOCKER_HOST") or "the default socket"
    try:
        client = (
            docker.DockerClient(base_url=docker_host, timeout=120)
            if docker_host
            else docker.from_env(timeout=120)
        )
        client.ping()
    except docker.errors.DockerException as exc:
        raise DockerEngineError(
            f"no Docker engine answers at {where} ({_reason(exc)}); {_START_ENGINE}"
        ) from None
    return client


def ensure_image(
    client: docker.DockerClient, image: str, *, dockerfile: str | None, pull: bool
) -> None:
    """Make sure ``image`` exists: use it, else build it from ``dockerfile``, else pull it.

    Raises:
        DockerImageError: it is missing and could not be built or pulled.
    """
    import docker

    try:
        client.images.get(image)
        return
    except docker.errors.ImageNotFound:
        pass
    except docker.errors.DockerException as exc:
        raise DockerEngineError(
            f"the engine failed to look up image {image!r}: {_reason(exc)}; is it running?"
        ) from None
    if dockerfile is not None:
        _build(client, image, Path(dockerfile))
        return
    if pull:
        try:
            client.images.pull(image)
            return
        except docker.errors.DockerException as exc:
            raise DockerImageError(
                f"image {image!r} is not on the engine and pulling it failed ({_reason(exc)}); "
                f"pull or build it first ('docker pull {image}'), pass dockerfile= to build it "
                "on first use, or name an image the engine has"
            ) from None
    raise DockerImageError(
        f"image {image!r} is not on the engine (pulling is off); build or pull it first "
        f"('docker pull {image}', or in a retinue checkout 'bash scripts/setup-docker.sh' for "
        "retinue-python:bookworm), pass dockerfile= to build it on first use, or name an "
        "image the engine has"
    )


def _build(client: docker.DockerClient, image: str, dockerfile: Path) -> None:
    import docker

    context, name = (
        (dockerfile, "Dockerfile")
        if dockerfile.is_dir()
        else (
            dockerfile.parent,
            dockerfile.name,
        )
    )
    if not (context / name).is_file():
        raise DockerImageError(
            f"image {image!r} is missing and dockerfile={str(dockerfile)!r} names no Dockerfile; "
            "pass the path of a Dockerfile or of the directory holding one"
        )
    try:
        client.images.build(path=str(context), dockerfile=name, tag=image, rm=True)
    except docker.errors.BuildError as exc:
        log = "".join(str(step.get("stream") or step.get("error") or "") for step in exc.build_log)
        raise DockerImageError(
            f"building image {image!r} from {str(context / name)!r} failed: {_reason(exc)}; "
            f"the end of the build log:\n{log[-2000:]}\nfix the Dockerfile and try again"
        ) from None
    except docker.errors.DockerException as exc:
        raise DockerImageError(
            f"building image {image!r} from {str(context / name)!r} failed: {_reason(exc)}; "
            "check the Dockerfile and that the engine is running"
        ) from None
