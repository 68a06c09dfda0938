"""Real MCP servers on loopback for the workbench's tests: the SDK test server over
stdio, SSE and streamable HTTP, the npm reference servers over stdio, and raw HTTP
servers that fail in chosen ways."""

from __future__ import annotations

import asyncio
import fcntl
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from retinue_mcp import StdioServerParams

SERVER = Path(__file__).parent / "servers" / "python_server.py"
REPO = Path(__file__).resolve().parents[3]
NPM_SETUP = REPO / "scripts" / "setup-mcp-servers.sh"
NPM_BIN = REPO / ".mcp-servers" / "node_modules" / ".bin"


def stdio_params(*extra: str, **options: object) -> StdioServerParams:
    """The SDK test server over stdio."""
    return StdioServerParams(command=sys.executable, args=[str(SERVER), "stdio", *extra], **options)


@pytest.fixture
def stdio() -> object:
    """Makes parameters for the SDK test server over stdio (extra server flags allowed)."""
    return stdio_params


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the test server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the test server did not listen on port {port} within {timeout} s")


def _serve(transport: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(SERVER), transport, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
        path = "/sse" if transport == "sse" else "/mcp"
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def sse_url() -> Iterator[str]:
    """The SDK test server over SSE."""
    yield from _serve("sse")


@pytest.fixture(scope="module")
def http_url() -> Iterator[str]:
    """The SDK test server over streamable HTTP."""
    yield from _serve("streamable-http")


@pytest.fixture
async def raw_http() -> AsyncIterator[object]:
    """Starts a loopback HTTP server answering every request with one status (or never)."""
    servers: list[asyncio.base_events.Server] = []
    hanging: list[asyncio.StreamWriter] = []

    async def start(status: int | None) -> str:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                writer.close()
                return
            if status is None:  # a server that accepts and never answers
                hanging.append(writer)
                return
            body = b'{"error": "no"}'
            writer.write(
                f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/mcp"

    yield start
    for writer in hanging:
        writer.close()
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def npm_servers() -> Path:
    """The folder holding ``mcp-server-everything`` and ``mcp-server-filesystem``.

    CI installs them first; elsewhere the setup script runs here (once, under a lock
    shared by test workers), so these tests never skip.  A failed install fails them.
    """
    NPM_BIN.parent.parent.mkdir(parents=True, exist_ok=True)
    with open(NPM_BIN.parent.parent / ".setup.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            # Quick when both are present: the script checks their versions itself.
            done = subprocess.run(
                ["bash", str(NPM_SETUP)],
                capture_output=True,
                text=True,
                timeout=600,
                env={**os.environ, "npm_config_update_notifier": "false"},
            )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    if done.returncode != 0:
        pytest.fail(f"{NPM_SETUP.name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return NPM_BIN
