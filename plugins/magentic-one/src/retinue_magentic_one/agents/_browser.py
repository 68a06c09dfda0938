"""``ChromiumBrowser``: the web surfer's browser, Debian's (or any system) Chromium driven
through Playwright's Python package.

Playwright's own browser download is never used: the browser is the system's
``chromium`` (``executable_path``).  Interactive elements in view are numbered (a
``data-retinue-id`` attribute) so a model can name them; a screenshot can carry those
numbers as marks.  ``allowed_hosts`` confines every request the page makes.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from retinue import ConfigurationError, ToolError, bounded_text

__all__ = [
    "CHROMIUM_ARGS",
    "ChromiumBrowser",
    "ChromiumNotFoundError",
    "InteractiveElement",
    "PageState",
    "WebSurferError",
    "find_chromium",
]

logger = logging.getLogger(__name__)

#: flags that make Chromium quiet and self-contained in containers and CI
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
)

INSTALL_HINT = (
    "install Chromium with your package manager (Debian/Ubuntu: apt-get install -y chromium; "
    "this repository's scripts/setup-chromium.sh does it), or pass executable_path= (or set "
    "RETINUE_CHROMIUM) to a Chromium or Chrome binary"
)

_MARK_ELEMENTS = """() => {
  const selector = 'a[href], button, input, select, textarea, summary, [role=button], ' +
    '[role=link], [role=checkbox], [role=tab], [role=menuitem], [role=option], [onclick], ' +
    '[contenteditable=true]';
  document.querySelectorAll('[data-retinue-id]').forEach(e => e.removeAttribute('data-retinue-id'));
  const found = [];
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) continue;
    const id = found.length + 1;
    el.setAttribute('data-retinue-id', String(id));
    const name = (el.getAttribute('aria-label') || el.innerText || el.value ||
      el.getAttribute('placeholder') || el.getAttribute('name') || el.getAttribute('title') ||
      '').trim().replace(/\\s+/g, ' ').slice(0, 80);
    found.push({id, tag: el.tagName.toLowerCase(), role: el.getAttribute('role') || '',
      type: el.getAttribute('type') || '', name, x: r.left, y: r.top, w: r.width, h: r.height});
  }
  return found;
}"""

_DRAW_MARKS = """(boxes) => {
  const layer = document.createElement('div');
  layer.id = '__retinue_marks';
  layer.style.cssText = 'position:fixed;left:0;top:0;width:100%;height:100%;' +
    'pointer-events:none;z-index:2147483647';
  for (const b of boxes) {
    const box = document.createElement('div');
    box.style.cssText = `position:fixed;left:${b.x}px;top:${b.y}px;width:${b.w}px;` +
      `height:${b.h}px;border:2px solid #e01b24;box-sizing:border-box`;
    const label = document.createElement('span');
    label.textContent = String(b.id);
    label.style.cssText = 'position:absolute;left:-2px;top:-16px;background:#e01b24;' +
      'color:#fff;font:bold 12px sans-serif;padding:0 3px';
    box.appendChild(label);
    layer.appendChild(box);
  }
  document.documentElement.appendChild(layer);
}"""

_REMOVE_MARKS = "() => { const l = document.getElementById('__retinue_marks'); if (l) l.remove(); }"

_SCROLL_INFO = """() => ({y: scrollY, height: innerHeight,
  total: Math.max(document.documentElement.scrollHeight,
                  document.body ? document.body.scrollHeight : 0)})"""

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml")


class WebSurferError(ToolError):
    """A web action failed (a page that does not load, a download, a blocked host, a
    missing element); the message says what happened and what to try."""

    #: whether a page load ran out of time
    timed_out = False


class ChromiumNotFoundError(WebSurferError):
    """No Chromium binary is installed where the web surfer looks."""


def find_chromium(executable_path: str | None = None) -> str:
    """The Chromium binary to launch: the argument, ``RETINUE_CHROMIUM``, or a
    ``chromium``/``chromium-browser``/``google-chrome`` on ``PATH``."""
    candidates = [executable_path] if executable_path else []
    if not candidates and os.environ.get("RETINUE_CHROMIUM"):
        candidates = [os.environ["RETINUE_CHROMIUM"]]
    if not candidates:
        for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
            found = shutil.which(name)
            if found:
                return found
        raise ChromiumNotFoundError(f"no Chromium was found on PATH; {INSTALL_HINT}")
    path = candidates[0]
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise ChromiumNotFoundError(
            f"Chromium was not found at {bounded_text(repr(path))}; {INSTALL_HINT}"
        )
    return path


@dataclass
class InteractiveElement:
    """An element in view the model can act on, by its number."""

    id: int
    tag: str
    role: str
    type: str
    name: str
    x: float
    y: float
    w: float
    h: float

    def describe(self) -> str:
        kind = self.role or (f"{self.tag}[{self.type}]" if self.type else self.tag)
        return f'[{self.id}] {kind} "{self.name}"'


@dataclass
class PageState:
    """What the surfer sees: where it is, what it can act on, and (optionally) a screenshot."""

    url: str
    title: str
    elements: list[InteractiveElement] = field(default_factory=list)
    scroll: str = ""
    screenshot: bytes | None = None

    def describe(self) -> str:
        lines = [f"Current page: {self.title or '(untitled)'} at {self.url}", self.scroll]
        if self.elements:
            lines.append("Elements in view (act on them by number):")
            lines += [element.describe() for element in self.elements]
        else:
            lines.append("No interactive elements are in view.")
        return "\n".join(line for line in lines if line)


class ChromiumBrowser:
    """One Chromium page driven through Playwright, started on first use.

    ``allowed_hosts`` (hostnames), when given, aborts every request to any other host
    (``about:``, ``data:`` and ``blob:`` URLs are always allowed); ``blocked`` lists the
    URLs refused so far.
    """

    def __init__(
        self,
        *,
        executable_path: str | None = None,
        headless: bool = True,
        viewport: tuple[int, int] = (1280, 900),
        navigation_timeout: float = 30.0,
        allowed_hosts: Sequence[str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        if not navigation_timeout > 0:
            raise ConfigurationError(
                f"navigation_timeout must be a positive number of seconds, got "
                f"{navigation_timeout!r}"
            )
        self._executable_path = executable_path
        self._headless = headless
        self._viewport = viewport
        self.navigation_timeout = float(navigation_timeout)
        self._allowed_hosts = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}
        self._extra_args = tuple(extra_args)
        self._playwright: Any = None
        self._browser: Any = None
        self._page: Any = None
        self._lock = asyncio.Lock()
        self._downloads: list[str] = []
        self.blocked: list[str] = []
        self.elements: dict[int, InteractiveElement] = {}

    @property
    def started(self) -> bool:
        """Whether Chromium is running."""
        return self._page is not None

    async def start(self) -> None:
        """Launch Chromium (once); :class:`ChromiumNotFoundError` says how to install it."""
        async with self._lock:
            if self._page is not None:
                return
            executable = find_chromium(self._executable_path)
            from playwright.async_api import Error as PlaywrightError, async_playwright

            playwright = await async_playwright().start()
            try:
                browser = await playwright.chromium.launch(
                    executable_path=executable,
                    headless=self._headless,
                    args=[*CHROMIUM_ARGS, *self._extra_args],
                )
                width, height = self._viewport
                context = await browser.new_context(
                    viewport={"width": width, "height": height}, accept_downloads=False
                )
                if self._allowed_hosts is not None:
                    await context.route("**/*", self._filter)
                page = await context.new_page()
            except PlaywrightError as exc:
                await playwright.stop()
                raise ChromiumNotFoundError(
                    f"Chromium at {bounded_text(repr(executable))} did not start "
                    f"({bounded_text(str(exc).splitlines()[0], 200)}); {INSTALL_HINT}"
                ) from exc
            page.on("download", self._on_download)
            self._playwright, self._browser, self._page = playwright, browser, page

    async def close(self) -> None:
        """Close Chromium and Playwright; :meth:`start` may launch them again."""
        async with self._lock:
            browser, playwright = self._browser, self._playwright
            self._playwright = self._browser = self._page = None
            self.elements = {}
            if browser is not None:
                await browser.close()
            if playwright is not None:
                await playwright.stop()

    async def _filter(self, route: Any) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("about", "data", "blob") or (
            (parsed.hostname or "").lower() in (self._allowed_hosts or set())
        ):
            await route.continue_()
            return
        self.blocked.append(url)
        await route.abort("blockedbyclient")

    def _on_download(self, download: Any) -> None:
        self._downloads.append(download.suggested_filename or download.url)

    @property
    def page(self) -> Any:
        if self._page is None:
            raise WebSurferError("the browser is not started")
        return self._page

    # --- navigation -----------------------------------------------------------------

    async def visit(self, url: str) -> str:
        """Load ``url``; a note about the response when it is not an ordinary web page."""
        from playwright.async_api import Error as PlaywrightError

        target = url.strip()
        if not urlparse(target).scheme:
            target = "https://" + target
        shown = bounded_text(repr(target), 200)
        if self._is_blocked(target):
            self.blocked.append(target)
            raise WebSurferError(
                f"{shown} is on a host this surfer may not visit; stay on the allowed sites"
            )
        try:
            response = await self.page.goto(
                target, timeout=self.navigation_timeout * 1000, wait_until="load"
            )
        except PlaywrightError as exc:
            error = self._navigation_error(exc, shown)
            if error.timed_out:
                await self._abandon_navigation()
            raise error from exc
        return self._describe_response(response, shown)

    async def _abandon_navigation(self) -> None:
        """Stop a load that timed out: Chromium would keep waiting for it, and every later
        look at the page with it."""
        from playwright.async_api import Error as PlaywrightError

        try:
            await self.page.goto("about:blank", timeout=self.navigation_timeout * 1000)
        except PlaywrightError:
            logger.warning("the browser could not leave a page that did not load")

    def _is_blocked(self, url: str) -> bool:
        parsed = urlparse(url)
        if self._allowed_hosts is None or parsed.scheme in ("about", "data", "blob"):
            return False
        return (parsed.hostname or "").lower() not in self._allowed_hosts

    def _navigation_error(self, exc: Exception, shown: str) -> WebSurferError:
        text = str(exc)
        if "Download is starting" in text:
            return WebSurferError(
                f"{shown} is a file download, not a web page; the surfer does not save "
                "files. Look for a page that shows the information instead"
            )
        if type(exc).__name__ == "TimeoutError" or "Timeout" in text:
            error = WebSurferError(
                f"{shown} did not finish loading within {self.navigation_timeout:g} s; the "
                "site may be down or slow, and the browser is on a blank page now. Try "
                "again later or try another page"
            )
            error.timed_out = True
            return error
        if "ERR_BLOCKED_BY_CLIENT" in text:
            return WebSurferError(f"{shown} is on a host this surfer may not visit")
        first_line = text.splitlines()[0] if text else type(exc).__name__
        return WebSurferError(f"{shown} could not be loaded: {bounded_text(first_line, 200)}")

    @staticmethod
    def _describe_response(response: Any, shown: str) -> str:
        if response is None:
            return ""
        status = response.status
        content_type = (response.headers.get("content-type") or "").split(";")[0].strip()
        notes = []
        if status >= 400:
            notes.append(f"The server answered {status} for {shown}.")
        if content_type and "html" not in content_type:
            if content_type.startswith(_TEXT_TYPES):
                notes.append(f"{shown} is not a web page but a {content_type} document.")
            else:
                notes.append(
                    f"{shown} is a {content_type} file, not a web page; the surfer can only "
                    "describe what the browser shows of it"
                )
        return " ".join(notes)

    async def back(self) -> str:
        """Go back one page in the history."""
        from playwright.async_api import Error as PlaywrightError

        try:
            response = await self.page.go_back(
                timeout=self.navigation_timeout * 1000, wait_until="load"
            )
        except PlaywrightError as exc:
            raise self._navigation_error(exc, "the previous page") from exc
        return "" if response is not None else "There is no previous page."

    # --- elements -------------------------------------------------------------------

    async def mark_elements(self) -> list[InteractiveElement]:
        """Number the interactive elements in view (and remember them)."""
        raw = await self.page.evaluate(_MARK_ELEMENTS)
        elements = [InteractiveElement(**item) for item in raw]
        self.elements = {e.id: e for e in elements}
        return elements

    def _locator(self, target_id: int) -> Any:
        if target_id not in self.elements:
            known = ", ".join(str(i) for i in sorted(self.elements)[:30]) or "none"
            raise WebSurferError(
                f"there is no element {target_id} in view (elements in view: {known}); pick "
                "a number from the current list, or scroll to find the element"
            )
        return self.page.locator(f'[data-retinue-id="{target_id}"]').first

    async def click(self, target_id: int) -> str:
        """Click element ``target_id``; says so when the click started a download."""
        from playwright.async_api import Error as PlaywrightError

        locator = self._locator(target_id)
        self._downloads.clear()
        try:
            await locator.click(timeout=self.navigation_timeout * 1000)
            await self._settle()
        except PlaywrightError as exc:
            raise self._navigation_error(exc, f"the page behind element {target_id}") from exc
        if self._downloads:
            names = ", ".join(bounded_text(repr(d), 80) for d in self._downloads)
            return (
                f"The click started a download ({names}), which was not saved: the surfer "
                "does not download files."
            )
        return ""

    async def _settle(self) -> None:
        """Wait for what an action started: the page's load, then a quiet network, so a
        navigation (or a download, which never loads a page) has answered before the
        page is looked at.  A page that never goes quiet is looked at anyway."""
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        await self.page.wait_for_load_state("load", timeout=self.navigation_timeout * 1000)
        try:
            await self.page.wait_for_load_state(
                "networkidle", timeout=min(5.0, self.navigation_timeout) * 1000
            )
        except PlaywrightTimeout:
            logger.debug("the page kept the network busy; looking at it anyway")

    async def type_text(self, target_id: int, text: str) -> None:
        """Replace the text of field ``target_id`` with ``text`` and press Enter."""
        from playwright.async_api import Error as PlaywrightError

        locator = self._locator(target_id)
        try:
            await locator.fill(text, timeout=self.navigation_timeout * 1000)
            await locator.press("Enter", timeout=self.navigation_timeout * 1000)
            await self._settle()
        except PlaywrightError as exc:
            raise WebSurferError(
                f"could not type into element {target_id}: "
                f"{bounded_text(str(exc).splitlines()[0], 200)}; pick a text field"
            ) from exc

    async def hover(self, target_id: int) -> None:
        """Move the mouse over element ``target_id``."""
        from playwright.async_api import Error as PlaywrightError

        try:
            await self._locator(target_id).hover(timeout=self.navigation_timeout * 1000)
        except PlaywrightError as exc:
            raise WebSurferError(
                f"could not hover over element {target_id}: "
                f"{bounded_text(str(exc).splitlines()[0], 200)}"
            ) from exc

    async def scroll(self, pages: int) -> None:
        """Scroll by ``pages`` viewports (negative: up)."""
        await self.page.evaluate("(n) => window.scrollBy(0, n * window.innerHeight * 0.9)", pages)

    # --- reading ----------------------------------------------------------------------

    async def state(self, *, screenshot: bool) -> PageState:
        """The page now: URL, title, numbered elements, scroll position, and optionally a
        screenshot with the numbers drawn on it."""
        page = self.page
        elements = await self.mark_elements()
        info = await page.evaluate(_SCROLL_INFO)
        total, height, y = info["total"], info["height"], info["y"]
        percent = 100 if total <= height else round(100 * y / max(1, total - height))
        scroll = f"The viewport shows {percent}% down the page (page height {total}px)."
        image: bytes | None = None
        if screenshot:
            await page.evaluate(_DRAW_MARKS, [e.__dict__ for e in elements])
            try:
                image = await page.screenshot()
            finally:
                await page.evaluate(_REMOVE_MARKS)
        return PageState(
            url=page.url,
            title=await page.title(),
            elements=elements,
            scroll=scroll,
            screenshot=image,
        )

    async def aria_snapshot(self) -> str:
        """The page's accessibility tree as text."""
        snapshot: str = await self.page.locator("body").aria_snapshot()
        return snapshot

    async def markdown(self) -> str:
        """The whole page as Markdown (markitdown over its HTML)."""
        from markitdown import MarkItDown, StreamInfo

        html: str = await self.page.content()

        def convert() -> str:
            result = MarkItDown().convert_stream(
                io.BytesIO(html.encode("utf-8")),
                stream_info=StreamInfo(mimetype="text/html", extension=".html", charset="utf-8"),
            )
            return result.markdown

        return await asyncio.to_thread(convert)
