"""FileSurfer over real files: markitdown conversion, pages, find, the root boundary,
unconvertible files, and a whole Magentic-One task driven by a scripted model."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from retinue import RetinueError, load_component
from retinue.chat import ToolCallSummaryMessage
from retinue.models import FunctionCall
from retinue.testing import ScriptedChatCompletionClient
from retinue_magentic_one import MagenticOneGroupChat
from retinue_magentic_one.agents import FileBrowser, FileSurfer, FileSurferError

from .conftest import ledger_json as ledger

TIMEOUT = 60


def call(name: str, **arguments: object) -> list[FunctionCall]:
    return [FunctionCall(id=f"call-{name}", name=name, arguments=json.dumps(arguments))]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "report.md").write_text("# Report\n\nThe launch code is AZURE-7.\n")
    (root / "page.html").write_text(
        "<html><head><title>T</title></head><body><h1>Hello</h1><p>Body text</p></body></html>"
    )
    (root / "table.csv").write_text("city,people\nOslo,700000\n")
    (root / "blob.bin").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "secret.txt").write_text("outside the root")
    return root


async def test_files_are_converted_to_text(files: Path) -> None:
    browser = FileBrowser(files)
    view = await browser.open("/page.html")
    assert view.startswith("Path: /page.html\nViewport: page 1 of 1")
    assert "# Hello" in view and "<p>" not in view
    assert "| Oslo | 700000 |" in await browser.open("table.csv")
    listing = await browser.open("/")
    assert "- notes/ (directory)" in listing and "- table.csv (" in listing


async def test_pages_and_find(files: Path) -> None:
    long = "\n".join(f"line {i} of filler text" for i in range(400)) + "\nneedle here\n"
    (files / "long.txt").write_text(long + "more filler\n" * 50 + "NEEDLE again\n")
    browser = FileBrowser(files, viewport_size=1024)
    await browser.open("/long.txt")
    assert browser.page_count > 5
    assert "page 2 of" in browser.page_down()
    assert "page 1 of" in browser.page_up()
    assert "page 1 of" in browser.page_up()  # stays on the first page
    found = browser.find("needle")
    assert "needle here" in found
    first = browser.page
    again = browser.find_next()
    assert "NEEDLE again" in again and browser.page >= first
    assert "was not found" in browser.find("no such words")


@pytest.mark.parametrize("path", ["../secret.txt", "/../secret.txt", "notes/../../secret.txt"])
async def test_a_path_outside_the_root_is_refused(files: Path, path: str) -> None:
    browser = FileBrowser(files)
    with pytest.raises(FileSurferError, match="outside the directory this surfer may read"):
        await browser.open(path)


async def test_a_symlink_out_of_the_root_is_refused_and_not_listed(files: Path) -> None:
    os.symlink(files.parent / "secret.txt", files / "link.txt")
    browser = FileBrowser(files)
    with pytest.raises(FileSurferError, match="outside"):
        await browser.open("/link.txt")
    assert "link.txt" not in await browser.open("/")


async def test_an_unconvertible_file_says_so(files: Path) -> None:
    with pytest.raises(FileSurferError, match="cannot be shown as text"):
        await FileBrowser(files).open("/blob.bin")


async def test_a_missing_file_says_how_to_find_one(files: Path) -> None:
    with pytest.raises(FileSurferError, match="list the directory first"):
        await FileBrowser(files).open("/nope.md")


def test_a_root_that_is_not_a_directory_is_refused(files: Path) -> None:
    with pytest.raises(RetinueError, match="not a directory"):
        FileBrowser(files / "table.csv")


async def test_the_surfer_reports_bad_paths_and_files_and_stays_usable(files: Path) -> None:
    client = ScriptedChatCompletionClient(
        [
            call("open_path", path="../secret.txt"),
            call("open_path", path="/blob.bin"),
            call("open_path", path="/notes/report.md"),
        ]
    )
    surfer = FileSurfer("files", client, base_path=files)
    replies = []
    for _ in range(3):
        result = await asyncio.wait_for(surfer.run(task="read it"), TIMEOUT)
        replies.append(result.messages[-1])
    assert all(isinstance(m, ToolCallSummaryMessage) for m in replies)
    assert "outside the directory" in replies[0].to_text()
    assert "outside the root" not in replies[0].to_text()  # the secret is not read
    assert "cannot be shown as text" in replies[1].to_text()
    assert "AZURE-7" in replies[2].to_text()


async def test_surfer_state_and_spec_round_trip(files: Path) -> None:
    client = ScriptedChatCompletionClient([call("open_path", path="/notes/report.md")])
    surfer = FileSurfer("files", client, base_path=files, viewport_size=512)
    await asyncio.wait_for(surfer.run(task="open the report"), TIMEOUT)
    state = json.loads(json.dumps(await surfer.save_state()))
    other = load_component(surfer.dump_component().model_dump(mode="json"))
    assert isinstance(other, FileSurfer)
    await other.load_state(state)
    assert other.browser.path == "/notes/report.md"
    assert "AZURE-7" in other.browser.view()


async def test_a_file_task_runs_end_to_end(files: Path) -> None:
    client = ScriptedChatCompletionClient(
        [
            "Facts: the code is in a report somewhere.",
            "Plan: FileSurfer lists the files and opens the report.",
            ledger("FileSurfer", "List the files under /notes."),
            call("open_path", path="/notes"),
            ledger("FileSurfer", "Open report.md and find the code."),
            call("find_on_page_ctrl_f", search_string="launch code"),  # in the listing
            ledger("FileSurfer", "Open /notes/report.md first."),
            call("open_path", path="/notes/report.md"),
            ledger(satisfied=True, reason="The report gives the code."),
            "The launch code is AZURE-7.",
        ]
    )
    surfer = FileSurfer(model_client=client, base_path=files)
    team = MagenticOneGroupChat([surfer], model_client=client)
    result = await asyncio.wait_for(team.run(task="What is the launch code?"), TIMEOUT)
    replies = [m.to_text() for m in result.messages if isinstance(m, ToolCallSummaryMessage)]
    assert "- report.md (" in replies[0]
    assert "'launch code' was not found in /notes" in replies[1]
    assert "The launch code is AZURE-7." in replies[2]
    assert result.messages[-1].to_text() == "The launch code is AZURE-7."
    # The orchestrator's next ledger saw what the surfer read.
    assert any("AZURE-7" in str(m.content) for m in client.requests[8].messages)
