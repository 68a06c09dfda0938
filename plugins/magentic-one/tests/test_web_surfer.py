"""MultimodalWebSurfer in real headless Chromium against a small site on 127.0.0.1, with
every other host blocked: actions, bad pages, a missing Chromium, and a whole
Magentic-One web task driven by a scripted model."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from retinue import load_component
from retinue.chat import MultiModalMessage, TextMessage
from retinue.models import FunctionCall
from retinue.testing import ScriptedChatCompletionClient
from retinue_magentic_one import MagenticOneGroupChat
from retinue_magentic_one.agents import ChromiumNotFoundError, MultimodalWebSurfer
from retinue_magentic_one.agents._browser import find_chromium

from .conftest import ledger_json as ledger

REPO = Path(__file__).resolve().parents[3]
TIMEOUT = 120

INDEX = """<!doctype html><html><head><title>Local Shop</title></head><body>
<a href="/about">About us</a>
<a href="/file.zip">Price list (zip)</a>
<form action="/search"><input name="q" placeholder="Search the shop"></form>
<button title="help" onmouseover="document.getElementById('tip').textContent='Hovered!'">?</button>
<p id="tip">No tip yet.</p>
<img src="http://example.com/logo.png" alt="logo">
<a href="http://example.com/">Elsewhere</a>
<div style="height:3000px">Tall content</div><p>Bottom of the page.</p>
</body></html>"""

ABOUT = """<!doctype html><html><head><title>About</title></head><body>
<h1>About the shop</h1><p>The shop opened in 1999 in Bergen.</p></body></html>"""


class _Site(BaseHTTPRequestHandler):
    stop = threading.Event()

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/":
            self._send(200, "text/html", INDEX)
        elif url.path == "/about":
            self._send(200, "text/html", ABOUT)
        elif url.path == "/search":
            query = parse_qs(url.query).get("q", [""])[0]
            self._send(200, "text/html", f"<title>Search</title><p>Results for {query}: none</p>")
        elif url.path == "/file.zip":
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Disposition", 'attachment; filename="prices.zip"')
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"PK\x03\x04")
        elif url.path == "/data.json":
            self._send(200, "application/json", json.dumps({"opened": 1999}))
        elif url.path == "/picture.png":
            self._send(200, "image/png", "not really a png")
        elif url.path == "/never":
            self.stop.wait(TIMEOUT)  # a page that never loads
        else:
            self._send(404, "text/html", "<p>Not here</p>")

    def _send(self, status: int, content_type: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system's Chromium, installed by the repository's script when missing."""
    try:
        return find_chromium()
    except ChromiumNotFoundError:
        subprocess.run(
            ["bash", str(REPO / "scripts" / "setup-chromium.sh")], check=True, timeout=900
        )
        return find_chromium()


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _Site.stop.set()
    server.shutdown()
    server.server_close()


def call(name: str, **arguments: object) -> list[FunctionCall]:
    return [FunctionCall(id=f"call-{name}", name=name, arguments=json.dumps(arguments))]


@pytest.fixture
async def make_surfer(chromium: str, site: str) -> AsyncIterator[object]:
    surfers: list[MultimodalWebSurfer] = []

    def make(client: ScriptedChatCompletionClient, **options: object) -> MultimodalWebSurfer:
        options.setdefault("allowed_hosts", ["127.0.0.1"])
        options.setdefault("executable_path", chromium)
        surfer = MultimodalWebSurfer(model_client=client, **options)  # type: ignore[arg-type]
        surfers.append(surfer)
        return surfer

    yield make
    for surfer in surfers:
        await surfer.close()


async def turn(surfer: MultimodalWebSurfer, task: str = "go") -> str:
    result = await asyncio.wait_for(surfer.run(task=task), TIMEOUT)
    return result.messages[-1].to_text()


async def test_a_web_task_runs_end_to_end(make_surfer, site: str) -> None:  # type: ignore[no-untyped-def]
    client = ScriptedChatCompletionClient(
        [
            "Facts: the shop's founding year is on its website.",
            "Plan: WebSurfer opens the site and reads the about page.",
            ledger("WebSurfer", f"Open {site}/ please."),
            call("visit_url", url=f"{site}/"),
            ledger("WebSurfer", "Open the About us page."),
            call("click", target_id=1),
            ledger("WebSurfer", "When did the shop open?"),
            call("answer_question", question="When did the shop open?"),
            "The page says the shop opened in 1999.",  # the surfer's reading of the page
            ledger(satisfied=True, reason="The about page gives the year."),
            "The shop opened in 1999.",
        ]
    )
    surfer = make_surfer(client, to_save_screenshots=True)
    team = MagenticOneGroupChat([surfer], model_client=client)
    result = await asyncio.wait_for(team.run(task="When did the shop open?"), TIMEOUT)

    replies = [
        m
        for m in result.messages
        if m.source == "WebSurfer"
        and m.type != "ToolCallRequestEvent"
        and m.type != "ToolCallExecutionEvent"
    ]
    assert isinstance(replies[0], MultiModalMessage)  # text and the marked screenshot
    first = replies[0].to_text()
    assert "Current page: Local Shop" in first
    assert ('[1] a "About us"' in first and "textbox" in first) or "input" in first
    assert "About the shop" in replies[1].to_text()
    assert replies[2].to_text() == "The page says the shop opened in 1999."
    assert result.messages[-1].to_text() == "The shop opened in 1999."
    # The surfer's page question carried the page's text.
    question_request = client.requests[8]
    assert "opened in 1999 in Bergen" in str(question_request.messages[-1].content)
    # Only loopback was reached: the off-site logo was refused.
    assert surfer.browser.blocked and all("example.com" in u for u in surfer.browser.blocked)
    assert surfer.screenshots and surfer.screenshots[0].startswith(b"\x89PNG")


async def test_search_typing_scrolling_hovering_and_going_back(make_surfer, site: str) -> None:  # type: ignore[no-untyped-def]
    client = ScriptedChatCompletionClient(
        [
            call("web_search", query="red shoes"),
            call("visit_url", url=f"{site}/"),
            call("input_text", input_field_id=3, text_value="blue hats"),
            call("history_back"),
            call("hover", target_id=4),
            call("scroll_down"),
            call("scroll_up"),
            call("read_page"),
        ]
    )
    surfer = make_surfer(client, search_url=f"{site}/search?q={{query}}")
    assert "Results for red shoes" in await turn(surfer)
    await turn(surfer)
    assert "Results for blue hats" in await turn(surfer)
    assert "Current page: Local Shop" in await turn(surfer)
    assert "Hovered!" in await turn(surfer)
    assert "The viewport shows 0% down the page" not in await turn(surfer)  # scrolled down
    assert "The viewport shows 0% down the page" in await turn(surfer)  # and back up
    page_text = await turn(surfer)
    assert "Tall content" in page_text and "Bottom of the page." in page_text


async def test_a_page_that_never_loads_is_reported(make_surfer, site: str) -> None:  # type: ignore[no-untyped-def]
    client = ScriptedChatCompletionClient(
        [call("visit_url", url=f"{site}/never"), call("visit_url", url=f"{site}/about")]
    )
    surfer = make_surfer(client, navigation_timeout=2)
    reply = await turn(surfer)
    assert "did not finish loading within 2 s" in reply and "/never" in reply
    assert "About the shop" in await turn(surfer)  # still usable


async def test_downloads_are_reported_not_saved(make_surfer, site: str) -> None:  # type: ignore[no-untyped-def]
    client = ScriptedChatCompletionClient(
        [
            call("visit_url", url=f"{site}/file.zip"),
            call("visit_url", url=f"{site}/"),
            call("click", target_id=2),
        ]
    )
    surfer = make_surfer(client)
    assert "is a file download, not a web page" in await turn(surfer)
    await turn(surfer)
    assert "started a download ('prices.zip')" in await turn(surfer)


async def test_non_html_pages_are_named_for_what_they_are(make_surfer, site: str) -> None:  # type: ignore[no-untyped-def]
    client = ScriptedChatCompletionClient(
        [call("visit_url", url=f"{site}/data.json"), call("visit_url", url=f"{site}/picture.png")]
    )
    surfer = make_surfer(client)
    reply = await turn(surfer)
    assert "not a web page but a application/json document" in reply
    assert '"opened"' in reply or "1999" in reply
    assert "is a image/png file, not a web page" in await turn(surfer)


async def test_other_hosts_are_blocked(make_surfer, site: str) -> None:  # type: ignore[no-untyped-def]
    client = ScriptedChatCompletionClient([call("visit_url", url="http://example.com/")])
    surfer = make_surfer(client)
    assert "may not visit" in await turn(surfer)
    assert surfer.browser.blocked == ["http://example.com/"]


async def test_unknown_elements_and_actions_are_explained(make_surfer, site: str) -> None:  # type: ignore[no-untyped-def]
    client = ScriptedChatCompletionClient(
        [call("visit_url", url=f"{site}/about"), call("click", target_id=99), call("fly")]
    )
    surfer = make_surfer(client)
    await turn(surfer)
    assert "there is no element 99 in view" in await turn(surfer)
    assert "There is no action 'fly'" in await turn(surfer)


async def test_a_missing_chromium_says_how_to_install_it(tmp_path: Path) -> None:
    client = ScriptedChatCompletionClient(["unused"])
    surfer = MultimodalWebSurfer(model_client=client, executable_path=str(tmp_path / "no-chromium"))
    result = await asyncio.wait_for(surfer.run(task="open a page"), TIMEOUT)
    reply = result.messages[-1]
    assert isinstance(reply, TextMessage)
    assert "Chromium was not found" in reply.content
    assert "apt-get install -y chromium" in reply.content
    assert client.calls_left == 1  # the model was not asked
    with pytest.raises(ChromiumNotFoundError, match="apt-get install -y chromium"):
        find_chromium(str(tmp_path / "no-chromium"))


async def test_state_and_spec_round_trip(make_surfer, site: str) -> None:  # type: ignore[no-untyped-def]
    client = ScriptedChatCompletionClient([call("visit_url", url=f"{site}/about")])
    surfer = make_surfer(client)
    await turn(surfer, "open the about page")
    state = json.loads(json.dumps(await surfer.save_state()))
    clone = load_component(surfer.dump_component().model_dump(mode="json"))
    assert isinstance(clone, MultimodalWebSurfer)
    await clone.load_state(state)
    assert await clone.save_state() == state
    await clone.close()
