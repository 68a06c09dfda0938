"""``ACADynamicSessionsCodeExecutor``: code blocks run in an Azure Container Apps session."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import re
import textwrap
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
from pydantic import BaseModel, Field
from retinue import (
    CancellationToken,
    CodeExecutionError,
    ConfigurationError,
    bounded_text,
)
from retinue.code import CodeBlock, CodeExecutor, CodeResult, CodeRuns, join_outputs

__all__ = [
    "ACAAuthenticationError",
    "ACADynamicSessionsCodeExecutor",
    "ACADynamicSessionsCodeExecutorConfig",
    "ACASessionError",
    "TokenProvider",
]

logger = logging.getLogger(__name__)

API_VERSION = "2024-02-02-preview"
TOKEN_SCOPE = "https://dynamicsessions.io/.default"
TIMEOUT_EXIT_CODE = 124
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Refresh a token this many seconds before it expires.
_TOKEN_SLACK_SECONDS = 300.0
_PYTHON = frozenset({"python", "py", "python3"})
_SYSTEM_EXIT = re.compile(r"^SystemExit: (-?\d{1,3})\s*$", re.MULTILINE)

TokenProvider = Callable[[], "str | Awaitable[str]"]
"""A callable returning a bearer token for ``https://dynamicsessions.io/.default``."""


class ACASessionError(CodeExecutionError):
    """The session pool refused a request or answered with something unusable."""


class ACAAuthenticationError(ACASessionError):
    """The pool refused the bearer token (401) or the identity lacks the role (403)."""


class ACADynamicSessionsCodeExecutorConfig(BaseModel):
    """Declarative config of :class:`ACADynamicSessionsCodeExecutor`.

    The credential is not part of it: after loading, pass ``credential=`` or
    ``token_provider=`` again, or install ``retinue-aca[azure]`` to use
    ``DefaultAzureCredential``. AutoGen's fields load as they are.
    """

    pool_management_endpoint: str
    timeout: float = Field(60.0, gt=0, description="seconds one block may run")
    work_dir: str | None = Field(None, description="local directory for uploads and downloads")
    functions_module: str = "functions"
    suppress_result_output: bool = False
    session_id: str | None = None
    max_retries: int = Field(3, ge=0, description="retries on 429 and 5xx answers")
    retry_backoff: float = Field(0.5, ge=0, description="first retry delay in seconds (doubles)")


class ACADynamicSessionsCodeExecutor(CodeExecutor):
    """Runs Python code blocks in an Azure Container Apps dynamic session (code interpreter).

    Each executor uses one session identifier (``session_id``, a fresh UUID if unset;
    :meth:`restart` takes a new one), so variables and files persist between blocks, as
    in a notebook. Requests follow the data-plane REST API (``api-version``
    ``2024-02-02-preview``): ``POST code/execute``, ``POST files/upload``, ``GET files``,
    ``GET files/content/{name}``, each with ``?api-version=...&identifier=<session>``.

    * **auth**: a bearer token for ``https://dynamicsessions.io/.default`` from
      ``credential`` (anything with ``get_token(scope)``, sync or async, e.g.
      ``azure.identity.DefaultAzureCredential``) or ``token_provider`` (a callable
      returning the token). Tokens are refreshed before they expire and once on a 401.
    * **retries**: 429 and 5xx answers are retried ``max_retries`` times with backoff
      (``Retry-After`` is honoured); a pool that keeps refusing is an
      :class:`ACASessionError`.
    * **timeout**: a block that runs longer than ``timeout`` seconds gives exit code 124.
    * Failures of the code (an exception, a syntax error) are results with exit code 1;
      failures of the pool (401, 403, 429/5xx after retries, malformed JSON, no answer)
      raise :class:`ACASessionError` and leave the executor usable.

    Example::

        from azure.identity import DefaultAzureCredential

        executor = ACADynamicSessionsCodeExecutor(endpoint, credential=DefaultAzureCredential())
        result = await executor.execute_code_blocks([CodeBlock(code="1 + 1", language="python")])
    """

    component_provider = "aca"
    component_config_schema = ACADynamicSessionsCodeExecutorConfig

    def __init__(
        self,
        pool_management_endpoint: str,
        credential: Any = None,
        timeout: float = 60.0,
        work_dir: str | os.PathLike[str] | None = None,
        functions: Sequence[Callable[..., Any] | str] = (),
        functions_module: str = "functions",
        suppress_result_output: bool = False,
        session_id: str | None = None,
        *,
        token_provider: TokenProvider | None = None,
        max_retries: int = 3,
        retry_backoff: float = 0.5,
    ) -> None:
        try:
            self._config = ACADynamicSessionsCodeExecutorConfig(
                pool_management_endpoint=pool_management_endpoint,
                timeout=timeout,
                work_dir=str(work_dir) if work_dir is not None else None,
                functions_module=functions_module,
                suppress_result_output=suppress_result_output,
                session_id=session_id,
                max_retries=max_retries,
                retry_backoff=retry_backoff,
            )
        except ValueError as exc:
            raise ConfigurationError(
                f"ACADynamicSessionsCodeExecutor: invalid setting: {bounded_text(str(exc), 400)}"
            ) from None
        if not pool_management_endpoint.startswith(("https://", "http://")):
            raise ConfigurationError(
                "pool_management_endpoint must be the pool's https:// URL (its 'Pool "
                "management endpoint' in the portal), got "
                f"{bounded_text(pool_management_endpoint)!r}"
            )
        self._endpoint = pool_management_endpoint.rstrip("/") + "/"
        self._credential = credential
        self._token_provider = token_provider
        self._token: str | None = None
        self._token_expires = 0.0
        self._session_id = session_id or str(uuid.uuid4())
        self._functions = list(functions)
        self._functions_loaded = not self._functions
        self._client: httpx.AsyncClient | None = None
        # The remote session cannot be told to stop a block; it finishes on its own.
        self._runs = CodeRuns(on_cancel="the session may still finish the block it was running")

    @property
    def session_id(self) -> str:
        """The session identifier every request carries."""
        return self._session_id

    @property
    def timeout(self) -> float:
        """Seconds one block may run."""
        return self._config.timeout

    @property
    def work_dir(self) -> Path:
        """Local directory uploads are read from and downloads written to."""
        return Path(self._config.work_dir) if self._config.work_dir else Path.cwd()

    async def start(self) -> None:
        """Open the HTTP connection pool (requests open it on demand too)."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(self.timeout + 30.0))

    async def stop(self) -> None:
        """End the runs in progress (they return exit code 1 saying so) and close the HTTP
        connections. The remote session is left to expire by itself."""
        await self._runs.stop()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def restart(self) -> None:
        """Switch to a new session identifier (a fresh interpreter and file system)."""
        self._session_id = str(uuid.uuid4())
        self._functions_loaded = not self._functions

    async def execute_code_blocks(
        self, code_blocks: Sequence[CodeBlock], cancellation_token: CancellationToken | None = None
    ) -> CodeResult:
        """Run ``code_blocks`` in the session in order, stopping at the first failure.

        Raises:
            ACAAuthenticationError: the pool refused the token (401) or the role (403).
            ACASessionError: the pool kept failing (429/5xx), or its answer was unusable.
            retinue.CancelledError: ``cancellation_token`` was cancelled.
        """
        return await self._runs.run(self._run_blocks(code_blocks), cancellation_token)

    async def _run_blocks(self, code_blocks: Sequence[CodeBlock]) -> CodeResult:
        if not self._functions_loaded:
            await self._load_functions()
        outputs: list[str] = []
        exit_code = 0
        for block in code_blocks:
            if block.language.strip().lower() not in _PYTHON:
                outputs.append(
                    f"Unsupported language {bounded_text(block.language)!r}: a code "
                    "interpreter session runs python (py, python3)."
                )
                exit_code = 1
                break
            exit_code, output = await self._execute(block.code)
            outputs.append(output)
            if exit_code != 0:
                break
        return CodeResult(exit_code=exit_code, output=join_outputs(outputs))

    async def _execute(self, code: str) -> tuple[int, str]:
        body = {
            "properties": {"codeInputType": "inline", "executionType": "synchronous", "code": code}
        }
        try:
            response = await asyncio.wait_for(
                self._request("POST", "code/execute", json=body), self.timeout
            )
        except asyncio.TimeoutError:
            return (
                TIMEOUT_EXIT_CODE,
                f"Timeout: the code ran longer than {self.timeout:g} s; the session may still "
                "be busy with it",
            )
        data = _json(response, "code/execute")
        properties = data.get("properties") if isinstance(data, dict) else None
        if not isinstance(properties, dict) or not isinstance(properties.get("status"), str):
            raise ACASessionError(
                "the session pool answered code/execute without 'properties.status' "
                f"({bounded_text(response.text, 200)!r}); check pool_management_endpoint "
                "points at a code interpreter session pool"
            )
        output = str(properties.get("stderr") or "") + str(properties.get("stdout") or "")
        if properties["status"] == "Success":
            result = properties.get("result")
            if result not in (None, "") and not self._config.suppress_result_output:
                output += str(result)
            return 0, output
        # The interpreter reports sys.exit(N) as a SystemExit; keep N as the exit code.
        exits = _SYSTEM_EXIT.findall(output)
        exit_code = int(exits[-1]) if exits and int(exits[-1]) != 0 else 1
        return exit_code, output or f"the session reported status {properties['status']!r:.40}"

    async def _load_functions(self) -> None:
        parts: list[str] = []
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
        source = "\n\n".join(parts)
        # A module in the session's /mnt/data (its work dir) that later blocks import.
        exit_code, output = await self._execute(
            "import os, sys\n"
            "base = '/mnt/data' if os.path.isdir('/mnt/data') else os.getcwd()\n"
            f"open(os.path.join(base, {self._config.functions_module + '.py'!r}), 'w')"
            f".write({source!r})\n"
            "sys.path.insert(0, base)\n"
            f"import {self._config.functions_module}\n"
        )
        if exit_code != 0:
            raise ConfigurationError(
                f"the functions failed to load in the session: {bounded_text(output, 600)}; "
                "fix their source"
            )
        self._functions_loaded = True

    async def upload_files(self, files: Sequence[str | os.PathLike[str]]) -> None:
        """Upload local files (relative to ``work_dir``) to the session's ``/mnt/data``.

        Raises:
            FileNotFoundError: a file does not exist locally.
            ACASessionError: the pool refused the upload.
        """
        for file in files:
            path = self.work_dir / file
            if not path.is_file():
                raise FileNotFoundError(f"cannot upload {str(path)!r:.200}: no such file")
            content = path.read_bytes()
            await self._request(
                "POST",
                "files/upload",
                files={"file": (path.name, content, "application/octet-stream")},
            )

    async def list_files(self) -> list[str]:
        """Names of the files in the session's ``/mnt/data``."""
        data = _json(await self._request("GET", "files"), "files")
        values = data.get("value") if isinstance(data, dict) else None
        if not isinstance(values, list):
            raise ACASessionError(
                "the session pool answered the file list without a 'value' list; "
                "check pool_management_endpoint"
            )
        names = []
        for value in values:
            properties = value.get("properties") if isinstance(value, dict) else None
            if isinstance(properties, dict) and isinstance(properties.get("filename"), str):
                names.append(properties["filename"])
        return names

    async def download_files(self, files: Sequence[str]) -> list[Path]:
        """Download files from the session's ``/mnt/data`` into ``work_dir``; their paths.

        Raises:
            FileNotFoundError: the session has no such file.
            ACASessionError: the pool refused the download.
        """
        paths = []
        for name in files:
            safe = PurePosixPath(name).name
            if not safe or safe != name:
                raise ConfigurationError(
                    f"download_files takes plain file names from list_files(), got {name!r:.80}"
                )
            response = await self._request("GET", f"files/content/{safe}", missing_ok=True)
            if response.status_code == 404:
                raise FileNotFoundError(f"the session has no file {name!r:.80}; see list_files()")
            target = self.work_dir / safe
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(response.content)
            paths.append(target)
        return paths

    async def _request(
        self, method: str, path: str, *, missing_ok: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One API call with auth, retries on 429/5xx and a token refresh on 401."""
        await self.start()
        assert self._client is not None
        url = f"{self._endpoint}{path}"
        params = {"api-version": API_VERSION, "identifier": self._session_id}
        refreshed = False
        attempt = 0
        while True:
            headers = {"Authorization": f"Bearer {await self._bearer(refresh=refreshed)}"}
            try:
                response = await self._client.request(
                    method, url, params=params, headers=headers, **kwargs
                )
            except httpx.HTTPError as exc:
                if attempt < self._config.max_retries:
                    attempt += 1
                    await asyncio.sleep(self._config.retry_backoff * 2 ** (attempt - 1))
                    continue
                raise ACASessionError(
                    f"no answer from the session pool at {self._endpoint} ({type(exc).__name__}: "
                    f"{bounded_text(str(exc), 200)}); check pool_management_endpoint and the "
                    "network"
                ) from None
            status = response.status_code
            if status == 401 and not refreshed:
                refreshed = True  # an expired or revoked token: get a new one, once
                continue
            if status in _RETRY_STATUSES and attempt < self._config.max_retries:
                attempt += 1
                await asyncio.sleep(self._retry_delay(response, attempt))
                continue
            if status < 400 or (missing_ok and status == 404):
                return response
            raise _error_for(response, path)

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float:
        backoff = self._config.retry_backoff * 2 ** (attempt - 1)
        try:
            return max(backoff, min(float(response.headers.get("Retry-After", 0)), 60.0))
        except ValueError:
            return backoff

    async def _bearer(self, *, refresh: bool) -> str:
        if not refresh and self._token is not None and time.time() < self._token_expires:
            return self._token
        if self._token_provider is not None:
            token = self._token_provider()
            if inspect.isawaitable(token):
                token = await token
            self._token, self._token_expires = str(token), time.time() + 600.0
            return self._token
        credential = self._credential or _default_credential()
        access = credential.get_token(TOKEN_SCOPE)
        if inspect.isawaitable(access):
            access = await access
        self._credential = credential
        expires = float(getattr(access, "expires_on", time.time() + 600.0))
        self._token = str(access.token)
        self._token_expires = expires - _TOKEN_SLACK_SECONDS
        return self._token

    def _to_config(self) -> ACADynamicSessionsCodeExecutorConfig:
        return self._config.model_copy()

    @classmethod
    def _from_config(
        cls, config: ACADynamicSessionsCodeExecutorConfig
    ) -> ACADynamicSessionsCodeExecutor:
        return cls(**config.model_dump())


def _default_credential() -> Any:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise ConfigurationError(
            "ACADynamicSessionsCodeExecutor needs a token: pass credential= (e.g. "
            "azure.identity.DefaultAzureCredential()) or token_provider=, or install "
            "'retinue-aca[azure]' to use DefaultAzureCredential by default"
        ) from None
    return DefaultAzureCredential()


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ACASessionError(
            f"the session pool answered {what} with something that is not JSON "
            f"({bounded_text(response.text, 200)!r}); check pool_management_endpoint"
        ) from None


def _error_for(response: httpx.Response, path: str) -> ACASessionError:
    status = response.status_code
    detail = bounded_text(response.text.strip(), 300)
    if status == 401:
        return ACAAuthenticationError(
            f"the session pool refused the token for {path} (401, a fresh token was tried "
            f"too): {detail}; the token must be for {TOKEN_SCOPE} and the tenant of the pool"
        )
    if status == 403:
        return ACAAuthenticationError(
            f"the session pool denied {path} (403): {detail}; give the identity the "
            "'Azure ContainerApps Session Executor' role on the session pool"
        )
    if status == 429:
        return ACASessionError(
            f"the session pool kept rate-limiting {path} (429) after retries: {detail}; "
            "slow down, or raise max_retries/retry_backoff"
        )
    advice = "it kept failing after retries, try again later" if status >= 500 else "check it"
    return ACASessionError(f"the session pool failed {path} with HTTP {status}: {detail}; {advice}")
