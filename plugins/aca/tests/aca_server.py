"""A code interpreter session pool on 127.0.0.1 speaking the ACA dynamic sessions REST API.

It implements the data-plane requests of ``api-version=2024-02-02-preview`` as
Microsoft documents them (``POST code/execute``, ``POST files/upload`` as multipart
``file``, ``GET files``, ``GET files/content/{name}``, each with ``api-version`` and
``identifier`` in the query and a bearer token), refuses requests of another shape with
400, and runs the code for real: each session identifier gets its own directory (its
``/mnt/data``) and a :class:`LocalCommandLineCodeExecutor` whose timeout is the pool's.
``faults`` scripts answers (429, 500, malformed JSON, ...) to send before serving.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from retinue.code import CodeBlock
from retinue_local import LocalCommandLineCodeExecutor

API_VERSION = "2024-02-02-preview"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class SessionPool:
    root: Path
    timeout: float = 3.0
    tokens: set[str] = field(default_factory=lambda: {"good-token"})
    faults: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._executors: dict[str, LocalCommandLineCodeExecutor] = {}
        pool = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                pool._handle(self, "GET")

            def do_POST(self) -> None:
                pool._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/subscriptions/s/resourceGroups/g/sessionPools/p/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        for executor in self._executors.values():
            asyncio.run_coroutine_threadsafe(executor.stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def session_dir(self, identifier: str) -> Path:
        return self.root / identifier

    # -- request handling ------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        url = urllib.parse.urlsplit(request.path)
        query = urllib.parse.parse_qs(url.query)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        self.requests.append(Recorded(method, url.path, query, dict(request.headers), body))
        if self.faults:
            status, payload, headers = self.faults.pop(0)
            return _send(request, status, payload, headers)
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return _send(request, 401, _error("Unauthorized", "invalid or expired token"))
        if query.get("api-version") != [API_VERSION] or len(query.get("identifier", [])) != 1:
            return _send(request, 400, _error("BadRequest", "api-version and identifier needed"))
        identifier = query["identifier"][0]
        base = self.endpoint.split("127.0.0.1", 1)[1].split("/", 1)[1]
        route = url.path.removeprefix("/" + base)
        if method == "POST" and route == "code/execute":
            return self._execute(request, identifier, body)
        if method == "POST" and route == "files/upload":
            return self._upload(request, identifier, body)
        if method == "GET" and route == "files":
            return self._list(request, identifier)
        if method == "GET" and route.startswith("files/content/"):
            return self._download(request, identifier, urllib.parse.unquote(route[14:]))
        return _send(request, 404, _error("NotFound", f"no route {method} {route}"))

    def _execute(self, request: BaseHTTPRequestHandler, identifier: str, body: bytes) -> None:
        if request.headers.get("Content-Type", "").split(";")[0] != "application/json":
            return _send(request, 415, _error("UnsupportedMediaType", "send application/json"))
        try:
            properties = json.loads(body)["properties"]
            assert properties["codeInputType"] == "inline"
            assert properties["executionType"] == "synchronous"
            code = properties["code"]
            assert isinstance(code, str)
        except (ValueError, KeyError, TypeError, AssertionError):
            return _send(request, 400, _error("BadRequest", "not a code execution request"))
        executor = self._executors.get(identifier)
        if executor is None:
            executor = LocalCommandLineCodeExecutor(
                timeout=self.timeout, work_dir=self.session_dir(identifier)
            )
            self._executors[identifier] = executor
        result = asyncio.run_coroutine_threadsafe(
            executor.execute_code_blocks([CodeBlock(code=_as_cell(code), language="python")]),
            self._loop,
        ).result()
        status = "Success" if result.exit_code == 0 else "Failure"
        answer = {
            "$id": "1",
            "properties": {
                "$id": "2",
                "status": status,
                "stdout": result.output,
                "stderr": "",
                "result": None,
                "executionTimeInMilliseconds": 1,
            },
        }
        _send(request, 200, json.dumps(answer).encode())

    def _upload(self, request: BaseHTTPRequestHandler, identifier: str, body: bytes) -> None:
        content_type = request.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data"):
            return _send(request, 415, _error("UnsupportedMediaType", "send multipart/form-data"))
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        saved = []
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") != "file":
                continue
            name = Path(part.get_filename() or "").name
            target = self.session_dir(identifier) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(part.get_payload(decode=True) or b"")
            saved.append(name)
        if not saved:
            return _send(request, 400, _error("BadRequest", "no 'file' part"))
        _send(
            request,
            200,
            json.dumps(
                {"value": [_file(self.session_dir(identifier) / n) for n in saved]}
            ).encode(),
        )

    def _list(self, request: BaseHTTPRequestHandler, identifier: str) -> None:
        directory = self.session_dir(identifier)
        files = sorted(p for p in directory.iterdir() if p.is_file()) if directory.is_dir() else []
        _send(request, 200, json.dumps({"value": [_file(p) for p in files]}).encode())

    def _download(self, request: BaseHTTPRequestHandler, identifier: str, name: str) -> None:
        path = self.session_dir(identifier) / name
        if "/" in name or not path.is_file():
            return _send(request, 404, _error("NotFound", f"no file {name}"))
        _send(request, 200, path.read_bytes(), {"Content-Type": "application/octet-stream"})


def _as_cell(code: str) -> str:
    # Like a notebook kernel: sys.exit(N) is reported as "SystemExit: N", not a silent exit.
    return (
        "import sys\n"
        "try:\n"
        f"    exec(compile({code!r}, '<cell>', 'exec'), {{'__name__': '__main__'}})\n"
        "except SystemExit as stop:\n"
        "    if stop.code not in (None, 0):\n"
        "        print(f'SystemExit: {stop.code}', file=sys.stderr)\n"
        "        sys.exit(1)\n"
    )


def _file(path: Path) -> dict[str, Any]:
    return {
        "properties": {
            "filename": path.name,
            "size": path.stat().st_size,
            "lastModifiedTime": "2026-01-01T00:00:00Z",
        }
    }


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


def _send(
    request: BaseHTTPRequestHandler,
    status: int,
    payload: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    request.send_response(status)
    headers = headers or {"Content-Type": "application/json"}
    for name, value in headers.items():
        request.send_header(name, value)
    request.send_header("Content-Length", str(len(payload)))
    request.end_headers()
    request.wfile.write(payload)
