"""The kernel's reusable wire server (``retinue.testing.wire``), exercised over real sockets."""

from __future__ import annotations

import http.client
import json
import socket

import pytest
from retinue.testing.wire import (
    CloseConnection,
    JSONResponse,
    RawResponse,
    SSEEvent,
    SSEResponse,
    Stall,
    WireServer,
)


def post(
    server: WireServer, path: str, body: object, timeout: float = 5
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(
        "127.0.0.1", int(server.base_url.rsplit(":", 1)[1]), timeout=timeout
    )
    connection.request(
        "POST", path, json.dumps(body), {"content-type": "application/json", "x-k": "v"}
    )
    return connection.getresponse()


def test_records_requests_and_serves_the_script_in_order() -> None:
    with WireServer() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        server.enqueue(
            JSONResponse({"n": 1}),
            JSONResponse({"slow": "down"}, status=429, headers={"retry-after": "1"}),
        )
        first = post(server, "/v1/things?x=1", {"a": 1})
        assert (first.status, json.loads(first.read())) == (200, {"n": 1})
        second = post(server, "/v1/things", {"a": 2})
        assert second.status == 429
        assert second.getheader("retry-after") == "1"
        recorded = server.requests
        assert [r.json for r in recorded] == [{"a": 1}, {"a": 2}]
        assert recorded[0].path == "/v1/things"
        assert recorded[0].query == {"x": "1"}
        assert recorded[0].headers["x-k"] == "v"
        assert server.pending == 0


def test_exhausted_script_answers_500_naming_the_request() -> None:
    with WireServer() as server:
        response = post(server, "/v1/missing", {})
        assert response.status == 500
        assert "no scripted response left for POST /v1/missing" in response.read().decode()


def test_fallback_computes_responses() -> None:
    with WireServer(fallback=lambda request: JSONResponse({"echo": request.json})) as server:
        assert json.loads(post(server, "/", {"q": 1}).read()) == {"echo": {"q": 1}}
        assert json.loads(post(server, "/", {"q": 2}).read()) == {"echo": {"q": 2}}


def test_sse_stream_is_chunked_event_by_event() -> None:
    with WireServer() as server:
        server.enqueue(SSEResponse([{"i": 1}, SSEEvent("two", event="note"), "[DONE]"]))
        response = post(server, "/stream", {})
        assert response.getheader("content-type") == "text/event-stream"
        body = response.read().decode()
        assert body == 'data: {"i": 1}\n\nevent: note\ndata: two\n\ndata: [DONE]\n\n'


def test_sse_close_after_cuts_the_stream() -> None:
    with WireServer() as server:
        server.enqueue(SSEResponse(["a", "b", "c"], close_after=1))
        response = post(server, "/stream", {})
        with pytest.raises(http.client.IncompleteRead):
            response.read()


def test_close_connection_and_raw_bodies() -> None:
    with WireServer() as server:
        server.enqueue(CloseConnection(), RawResponse(b"not json", status=502))
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            post(server, "/", {})
        response = post(server, "/", {})
        assert (response.status, response.read()) == (502, b"not json")
        assert server.requests[1].json == {}


def test_stall_outlasts_a_client_timeout_and_sees_it_hang_up() -> None:
    with WireServer() as server:
        server.enqueue(Stall(10, then=JSONResponse({})))
        with pytest.raises((TimeoutError, socket.timeout)):
            post(server, "/", {}, timeout=0.2)
        assert server.wait_for_disconnect(5.0)


def test_base_url_before_start_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="context manager"):
        _ = WireServer().base_url


def test_last_request_without_requests_is_a_clear_failure() -> None:
    with WireServer() as server, pytest.raises(AssertionError, match="not received any request"):
        _ = server.last_request


def test_a_validator_refuses_bad_requests_without_taking_the_scripted_answer() -> None:
    def needs_model(request: object) -> JSONResponse | None:
        body = getattr(request, "json", None) or {}
        if "model" in body:
            return None
        return JSONResponse({"error": "model is required"}, status=400)

    with WireServer(validator=needs_model) as server:
        server.enqueue(JSONResponse({"ok": True}))
        refused = post(server, "/v1/x", {"messages": []})
        assert refused.status == 400
        assert json.loads(refused.read()) == {"error": "model is required"}
        assert server.pending == 1  # the scripted answer waits for a valid request
        accepted = post(server, "/v1/x", {"model": "m"})
        assert (accepted.status, json.loads(accepted.read())) == (200, {"ok": True})
        [(request, answer)] = server.rejections
        assert request.json == {"messages": []} and answer.status == 400  # type: ignore[union-attr]
        first, second = server.requests
        assert 0 < first.received_at <= second.received_at


def test_a_validator_that_raises_answers_500_instead_of_hanging() -> None:
    def broken(request: object) -> None:
        raise KeyError("oops")

    with WireServer(validator=broken) as server:
        answer = post(server, "/v1/x", {})
        assert answer.status == 500
        assert "validator failed" in json.loads(answer.read())["error"]["message"]
