"""retinue-aca against a local session pool speaking the ACA dynamic sessions REST API."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from aca_server import API_VERSION, SessionPool
from retinue import ConfigurationError, load_component
from retinue.code import CodeBlock
from retinue.testing import CodeExecutorConformance
from retinue.testing._registry import isolated_registry
from retinue_aca import (
    ACAAuthenticationError,
    ACADynamicSessionsCodeExecutor,
    ACASessionError,
    plugin,
)


def good_token() -> str:
    return "good-token"


def executor_for(pool: SessionPool, **kwargs: Any) -> ACADynamicSessionsCodeExecutor:
    kwargs.setdefault("token_provider", good_token)
    kwargs.setdefault("retry_backoff", 0.01)
    return ACADynamicSessionsCodeExecutor(pool.endpoint, timeout=3, **kwargs)


async def run(executor: ACADynamicSessionsCodeExecutor, code: str) -> Any:
    return await asyncio.wait_for(
        executor.execute_code_blocks([CodeBlock(code=code, language="python")]), 60
    )


class TestACAConformance(CodeExecutorConformance):
    named_files = False  # code goes inline to the interpreter, never to a named file

    @pytest.fixture
    def code_executor(self, pool: SessionPool) -> ACADynamicSessionsCodeExecutor:
        return executor_for(pool)

    @pytest.fixture
    def component_registry(self) -> Any:
        return isolated_registry(plugin)


async def test_requests_have_the_documented_shape(pool: SessionPool, tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    async with executor_for(pool, work_dir=tmp_path, session_id="s-1") as executor:
        result = await run(executor, "print(open('data.csv').read() if False else 6 * 7)")
        await executor.upload_files(["data.csv"])
        names = await executor.list_files()
        (tmp_path / "data.csv").unlink()
        paths = await executor.download_files(["data.csv"])
    assert result.exit_code == 0 and "42" in result.output
    assert "data.csv" in names
    assert paths == [tmp_path / "data.csv"] and paths[0].read_text() == "a,b\n1,2\n"
    execute, upload, listing, download = pool.requests
    base = "/subscriptions/s/resourceGroups/g/sessionPools/p/"
    for request in pool.requests:
        assert request.query == {"api-version": [API_VERSION], "identifier": ["s-1"]}
        assert request.headers["Authorization"] == "Bearer good-token"
    assert (execute.method, execute.path) == ("POST", base + "code/execute")
    assert execute.headers["Content-Type"] == "application/json"
    assert json.loads(execute.body) == {
        "properties": {
            "codeInputType": "inline",
            "executionType": "synchronous",
            "code": "print(open('data.csv').read() if False else 6 * 7)",
        }
    }
    assert (upload.method, upload.path) == ("POST", base + "files/upload")
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="data.csv"' in upload.body
    assert (listing.method, listing.path) == ("GET", base + "files")
    assert (download.method, download.path) == ("GET", base + "files/content/data.csv")


async def test_one_session_per_executor_and_restart_takes_a_new_one(pool: SessionPool) -> None:
    async with executor_for(pool) as executor:
        await run(executor, "open('mark', 'w').write('x')")
        first = executor.session_id
        seen = await run(executor, "import os\nprint(os.path.exists('mark'))")
        await executor.restart()
        after = await run(executor, "import os\nprint(os.path.exists('mark'))")
    assert "True" in seen.output and "False" in after.output
    assert executor.session_id != first
    assert {r.query["identifier"][0] for r in pool.requests} == {first, executor.session_id}


async def test_functions_are_importable(pool: SessionPool) -> None:
    def add(a: int, b: int) -> int:
        return a + b

    async with executor_for(pool, functions=[add]) as executor:
        result = await run(executor, "from functions import add\nprint(add(2, 3))")
    assert result.exit_code == 0 and "5" in result.output


async def test_a_token_from_a_credential_with_the_sessions_audience(pool: SessionPool) -> None:
    scopes: list[tuple[str, ...]] = []

    class AccessToken:
        token = "good-token"
        expires_on = 4_000_000_000

    class Credential:
        async def get_token(self, *wanted: str) -> AccessToken:
            scopes.append(wanted)
            return AccessToken()

    async with executor_for(pool, token_provider=None, credential=Credential()) as executor:
        await run(executor, "print(1)")
        await run(executor, "print(2)")
    assert scopes == [("https://dynamicsessions.io/.default",)], "one token, cached"


async def test_an_expired_token_is_refreshed_once(pool: SessionPool) -> None:
    tokens = iter(["expired-token", "good-token"])
    async with executor_for(pool, token_provider=lambda: next(tokens)) as executor:
        result = await run(executor, "print('ok')")
    assert result.exit_code == 0 and "ok" in result.output
    assert [r.headers["Authorization"] for r in pool.requests] == [
        "Bearer expired-token",
        "Bearer good-token",
    ]


@pytest.mark.parametrize(
    ("status", "kind", "says"),
    [
        (401, ACAAuthenticationError, "dynamicsessions.io"),
        (403, ACAAuthenticationError, "Session Executor"),
        (429, ACASessionError, "rate-limit"),
        (500, ACASessionError, "HTTP 500"),
    ],
)
async def test_pool_failures_are_clear_errors_and_the_executor_stays_usable(
    pool: SessionPool, status: int, kind: type[Exception], says: str
) -> None:
    async with executor_for(pool, max_retries=2) as executor:
        pool.faults = [(status, b'{"error": {"code": "x", "message": "refused"}}', {})] * 3
        # 401 is tried twice (once with a fresh token), 429/5xx 1 + max_retries times.
        expected = {401: 2, 403: 1}.get(status, 3)
        with pytest.raises(kind, match=says):
            await run(executor, "print(1)")
        assert len(pool.requests) == expected
        pool.faults.clear()
        after = await run(executor, "print('still works')")
    assert "still works" in after.output


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_transient_failures_are_retried(pool: SessionPool, status: int) -> None:
    pool.faults = [(status, b"busy", {"Retry-After": "0"})] * 2
    async with executor_for(pool, max_retries=3) as executor:
        result = await run(executor, "print('after retries')")
    assert "after retries" in result.output
    assert len(pool.requests) == 3


async def test_malformed_json_is_a_clear_error(pool: SessionPool) -> None:
    async with executor_for(pool) as executor:
        pool.faults = [(200, b"<html>gateway</html>", {"Content-Type": "text/html"})]
        with pytest.raises(ACASessionError, match="not JSON"):
            await run(executor, "print(1)")
        pool.faults = [(200, b'{"properties": {}}', {})]
        with pytest.raises(ACASessionError, match=r"properties\.status"):
            await run(executor, "print(1)")
        after = await run(executor, "print('fine')")
    assert "fine" in after.output


async def test_no_pool_answering_is_a_clear_error() -> None:
    executor = ACADynamicSessionsCodeExecutor(
        "http://127.0.0.1:9/", token_provider=good_token, max_retries=0
    )
    with pytest.raises(ACASessionError, match="no answer"):
        await run(executor, "print(1)")
    await executor.stop()


async def test_without_a_credential_the_error_says_what_to_pass(
    pool: SessionPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_azure(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("azure"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_azure)
    executor = ACADynamicSessionsCodeExecutor(pool.endpoint)
    with pytest.raises(ConfigurationError, match="token_provider="):
        await run(executor, "print(1)")


def test_autogen_spec_loads() -> None:
    spec = {
        "provider": "autogen_ext.code_executors.azure.ACADynamicSessionsCodeExecutor",
        "component_type": "code_executor",
        "version": 1,
        "config": {
            "pool_management_endpoint": "https://example.invalid/pools/p",
            "timeout": 30,
            "work_dir": None,
            "functions_module": "functions",
            "suppress_result_output": True,
            "session_id": "abc",
        },
    }
    executor = load_component(spec, registry=isolated_registry(plugin))
    assert isinstance(executor, ACADynamicSessionsCodeExecutor)
    assert executor.session_id == "abc" and executor.timeout == 30


async def test_stop_while_a_block_runs_gives_a_stopped_result(pool: SessionPool) -> None:
    executor = executor_for(pool)
    await executor.start()
    running = asyncio.ensure_future(
        executor.execute_code_blocks(
            [CodeBlock(code="import time\ntime.sleep(2)", language="python")]
        )
    )
    for _ in range(200):
        if any(r.path.endswith("/code/execute") for r in pool.requests):
            break
        await asyncio.sleep(0.02)
    await asyncio.wait_for(executor.stop(), 30)
    result = await asyncio.wait_for(running, 30)
    assert result.exit_code == 1 and "the executor was stopped" in result.output, result
    assert "the session may still finish" in result.output
    after = await run(executor, "print('still works')")
    assert "still works" in after.output
    await executor.stop()
