"""``MultimodalWebSurfer``: an agent that browses in Chromium for the team.

Each turn the model sees the conversation, the page (URL, title, scroll position,
the numbered interactive elements from the page, and, for a vision model, a
screenshot with those numbers drawn on it) and picks one browser action.  The agent
performs it and replies with what the page shows now: the accessibility snapshot as
text, plus the screenshot for a vision model.  A failed action (a page that never
loads, a download, a non-HTML file, a blocked host, a missing Chromium) becomes a
reply that says what happened and what to try; the agent stays usable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus

from pydantic import BaseModel, TypeAdapter
from retinue import (
    CancellationToken,
    ComponentModel,
    ConfigurationError,
    RetinueError,
    StateError,
    bounded_text,
    load_component,
)
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    MultiModalMessage,
    Response,
    TextMessage,
    ToolCallExecutionEvent,
    ToolCallRequestEvent,
)
from retinue.models import (
    AssistantMessage,
    ChatCompletionClient,
    FunctionCall,
    FunctionExecutionResult,
    Image,
    LLMMessage,
    SystemMessage,
    UserMessage,
)
from retinue.tools import FunctionTool, Tool
from retinue_agentchat.agents import BaseChatAgent

from ._browser import ChromiumBrowser, WebSurferError

__all__ = ["MultimodalWebSurfer", "MultimodalWebSurferConfig"]

logger = logging.getLogger(__name__)

DEFAULT_DESCRIPTION = (
    "A web surfer with its own Chromium browser: it visits URLs, searches the web, clicks, "
    "types, scrolls, goes back, hovers, reads and summarizes pages and answers questions "
    "about the page it is on. Ask it for one browsing step or a question at a time."
)

SYSTEM_MESSAGE = """You browse the web for your team in a Chromium browser, with the tools
you have. Each turn you see the current page and its numbered interactive elements; use
one tool per turn, naming elements by their numbers. When the request is already
answered by what you see, answer directly in text."""

PAGE_PROMPT = """{state}

Choose the next browser action for the request above, or answer it directly."""

_LLM_MESSAGES = TypeAdapter(list[LLMMessage])
_SNAPSHOT_LIMIT = 6000
_PAGE_TEXT_LIMIT = 24000


class MultimodalWebSurferConfig(BaseModel):
    """The spec of a :class:`MultimodalWebSurfer`."""

    name: str = "WebSurfer"
    model_client: ComponentModel
    description: str = DEFAULT_DESCRIPTION
    start_page: str = "about:blank"
    search_url: str = "https://www.bing.com/search?q={query}"
    headless: bool = True
    executable_path: str | None = None
    navigation_timeout: float = 30.0
    allowed_hosts: list[str] | None = None
    to_save_screenshots: bool = False


class MultimodalWebSurfer(BaseChatAgent):
    """Browses in Chromium (through Playwright) with a model choosing each action.

    Actions: ``visit_url``, ``web_search`` (``search_url`` with ``{query}``), ``click``,
    ``input_text``, ``scroll_up``, ``scroll_down``, ``history_back``, ``hover``,
    ``read_page``, ``summarize_page``, ``answer_question``.  ``allowed_hosts`` confines
    the browser to those hosts (every other request is aborted).  Call :meth:`close`
    when done to stop Chromium.
    """

    component_provider = "web_surfer"
    component_config_schema = MultimodalWebSurferConfig

    def __init__(
        self,
        name: str = "WebSurfer",
        model_client: ChatCompletionClient | None = None,
        *,
        description: str = DEFAULT_DESCRIPTION,
        start_page: str = "about:blank",
        search_url: str = "https://www.bing.com/search?q={query}",
        headless: bool = True,
        executable_path: str | None = None,
        navigation_timeout: float = 30.0,
        allowed_hosts: Sequence[str] | None = None,
        to_save_screenshots: bool = False,
    ) -> None:
        super().__init__(name, description)
        if not isinstance(model_client, ChatCompletionClient):
            raise ConfigurationError(
                f"agent {name!r}: model_client must be a ChatCompletionClient, got "
                f"{type(model_client).__name__}"
            )
        if not model_client.model_info.get("function_calling"):
            raise ConfigurationError(
                f"agent {name!r}: the web surfer picks actions as tool calls, but the model's "
                "model_info says function_calling=False; use a model with function calling"
            )
        if "{query}" not in search_url:
            raise ConfigurationError(
                f"search_url must contain {{query}}, got {bounded_text(repr(search_url))}"
            )
        self._model_client = model_client
        self._start_page = start_page
        self._search_url = search_url
        self._allowed_hosts = list(allowed_hosts) if allowed_hosts is not None else None
        self._screenshots_kept = to_save_screenshots
        self.browser = ChromiumBrowser(
            executable_path=executable_path,
            headless=headless,
            navigation_timeout=navigation_timeout,
            allowed_hosts=allowed_hosts,
        )
        self._config = MultimodalWebSurferConfig(
            name=name,
            model_client=model_client.dump_component(),
            description=description,
            start_page=start_page,
            search_url=search_url,
            headless=headless,
            executable_path=executable_path,
            navigation_timeout=navigation_timeout,
            allowed_hosts=self._allowed_hosts,
            to_save_screenshots=to_save_screenshots,
        )
        self._history: list[LLMMessage] = []
        #: the screenshots taken, when ``to_save_screenshots`` (newest last)
        self.screenshots: list[bytes] = []
        self._tools: dict[str, Tool] = {
            tool.name: tool
            for tool in (
                FunctionTool(self._visit_url, name="visit_url", description="Open a URL."),
                FunctionTool(self._web_search, name="web_search", description="Search the web."),
                FunctionTool(
                    self._click, name="click", description="Click an element by its number."
                ),
                FunctionTool(
                    self._input_text,
                    name="input_text",
                    description="Type text into a field (by number) and press Enter.",
                ),
                FunctionTool(self._scroll_down, name="scroll_down", description="Scroll down."),
                FunctionTool(self._scroll_up, name="scroll_up", description="Scroll up."),
                FunctionTool(
                    self._history_back, name="history_back", description="Go back one page."
                ),
                FunctionTool(
                    self._hover, name="hover", description="Hover over an element by number."
                ),
                FunctionTool(
                    self._read_page,
                    name="read_page",
                    description="Read the whole page as text.",
                ),
                FunctionTool(
                    self._summarize_page,
                    name="summarize_page",
                    description="Summarize the whole page.",
                ),
                FunctionTool(
                    self._answer_question,
                    name="answer_question",
                    description="Answer a question from the whole page's text.",
                ),
            )
        }

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return (TextMessage, MultiModalMessage)

    # --- a turn -----------------------------------------------------------------------

    async def on_messages_stream(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        for message in messages:
            self._history.append(
                UserMessage(content=message.to_model_text(), source=message.source)
            )
        try:
            await self._ensure_started()
        except WebSurferError as exc:
            yield Response(chat_message=self._reply_text(str(exc)))
            return
        vision = bool(self._model_client.model_info.get("vision"))
        state = await self.browser.state(screenshot=vision)
        self._keep(state.screenshot)
        text = PAGE_PROMPT.format(state=state.describe())
        prompt = UserMessage(
            content=[text, Image.from_bytes(state.screenshot)]
            if state.screenshot is not None
            else text,
            source="browser",
        )
        result = await self._model_client.create(
            [SystemMessage(content=SYSTEM_MESSAGE), *self._history, prompt],
            tools=list(self._tools.values()),
            cancellation_token=cancellation_token,
        )
        if isinstance(result.content, str):
            yield Response(chat_message=self._reply_text(result.content, result))
            return
        calls = result.content
        yield ToolCallRequestEvent(content=list(calls), source=self.name, models_usage=result.usage)
        call = calls[0]
        outcome, is_error = await self._perform(call, cancellation_token)
        if len(calls) > 1:
            outcome += f"\n(Only the first action, {call.name}, was performed.)"
        yield ToolCallExecutionEvent(
            content=[
                FunctionExecutionResult(
                    content=outcome, name=call.name, call_id=call.id, is_error=is_error
                )
            ],
            source=self.name,
        )
        yield Response(chat_message=await self._reply_after(call, outcome, vision))

    async def _perform(self, call: FunctionCall, token: CancellationToken) -> tuple[str, bool]:
        tool = self._tools.get(call.name)
        if tool is None:
            return (
                f"There is no action {bounded_text(repr(call.name))}; use one of "
                f"{', '.join(self._tools)}.",
                True,
            )
        try:
            arguments = json.loads(call.arguments or "{}")
            value = await tool.run_json(arguments, token, call_id=call.id)
        except (WebSurferError, json.JSONDecodeError) as exc:
            return f"Error: {exc}", True
        except RetinueError as exc:  # arguments that do not fit the action
            return f"Error: {exc}", True
        return tool.return_value_as_string(value), False

    async def _reply_after(self, call: FunctionCall, outcome: str, vision: bool) -> BaseChatMessage:
        if call.name in ("read_page", "summarize_page", "answer_question"):
            return self._reply_text(outcome)
        state = await self.browser.state(screenshot=vision)
        self._keep(state.screenshot)
        snapshot = bounded_text(await self.browser.aria_snapshot(), _SNAPSHOT_LIMIT)
        arguments = bounded_text(call.arguments, 200)
        text = (
            f"I performed {call.name}({arguments}). {outcome}".rstrip()
            + f"\n\n{state.describe()}\n\nThe page as text:\n{snapshot}"
        )
        self._history.append(AssistantMessage(content=text, source=self.name))
        if state.screenshot is None:
            return TextMessage(content=text, source=self.name)
        return MultiModalMessage(
            content=[text, Image.from_bytes(state.screenshot)], source=self.name
        )

    def _reply_text(self, text: str, result: Any = None) -> TextMessage:
        self._history.append(AssistantMessage(content=text, source=self.name))
        usage = getattr(result, "usage", None)
        return TextMessage(content=text, source=self.name, models_usage=usage)

    def _keep(self, screenshot: bytes | None) -> None:
        if screenshot is not None and self._screenshots_kept:
            self.screenshots.append(screenshot)

    async def _ensure_started(self) -> None:
        if self.browser.started:
            return
        await self.browser.start()
        if self._start_page and self._start_page != "about:blank":
            await self.browser.visit(self._start_page)

    # --- the actions (the model's tools) ----------------------------------------------

    async def _visit_url(self, url: str) -> str:
        """Open a URL."""
        return await self.browser.visit(url) or f"Opened {bounded_text(url, 200)}."

    async def _web_search(self, query: str) -> str:
        """Search the web."""
        url = self._search_url.replace("{query}", quote_plus(query))
        return await self.browser.visit(url) or f"Searched for {bounded_text(repr(query))}."

    async def _click(self, target_id: int) -> str:
        """Click element ``target_id``."""
        return await self.browser.click(target_id) or f"Clicked element {target_id}."

    async def _input_text(self, input_field_id: int, text_value: str) -> str:
        """Type into a field."""
        await self.browser.type_text(input_field_id, text_value)
        return f"Typed {bounded_text(repr(text_value))} into element {input_field_id}."

    async def _scroll_down(self) -> str:
        """Scroll down one viewport."""
        await self.browser.scroll(1)
        return "Scrolled down."

    async def _scroll_up(self) -> str:
        """Scroll up one viewport."""
        await self.browser.scroll(-1)
        return "Scrolled up."

    async def _history_back(self) -> str:
        """Go back."""
        return await self.browser.back() or "Went back one page."

    async def _hover(self, target_id: int) -> str:
        """Hover over an element."""
        await self.browser.hover(target_id)
        return f"Hovered over element {target_id}."

    async def _read_page(self) -> str:
        """The whole page as text."""
        text = await self.browser.markdown()
        return f"The text of {self.browser.page.url}:\n\n{bounded_text(text, _PAGE_TEXT_LIMIT)}"

    async def _summarize_page(self) -> str:
        """Summarize the page."""
        return await self._ask_about_page("Summarize this page in a few sentences.")

    async def _answer_question(self, question: str) -> str:
        """Answer a question about the page."""
        return await self._ask_about_page(
            f"Answer this question from the page, or say it does not say: {question}"
        )

    async def _ask_about_page(self, request: str) -> str:
        text = bounded_text(await self.browser.markdown(), _PAGE_TEXT_LIMIT)
        result = await self._model_client.create(
            [
                SystemMessage(content="You read web pages carefully and answer briefly."),
                UserMessage(
                    content=f"The page {self.browser.page.url}:\n\n{text}\n\n{request}",
                    source=self.name,
                ),
            ]
        )
        return result.content if isinstance(result.content, str) else str(result.content)

    # --- lifecycle and state ----------------------------------------------------------

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        self._history.clear()
        self.screenshots.clear()
        if self.browser.started:
            await self.browser.visit(self._start_page or "about:blank")

    async def close(self) -> None:
        """Stop Chromium."""
        await self.browser.close()

    async def save_state(self) -> Mapping[str, Any]:
        return {
            "type": "WebSurferState",
            "version": "1.0.0",
            "chat_history": _LLM_MESSAGES.dump_python(self._history, mode="json"),
        }

    async def load_state(self, state: Mapping[str, Any]) -> None:
        if not isinstance(state, Mapping) or not isinstance(state.get("chat_history"), list):
            raise StateError(
                f"agent {self.name!r}: state must be a mapping with a 'chat_history' list, as "
                "save_state() returns"
            )
        try:
            history = _LLM_MESSAGES.validate_python(state["chat_history"])
        except ValueError as exc:
            raise StateError(
                f"agent {self.name!r}: 'chat_history' holds something that is not a model "
                f"message ({bounded_text(str(exc), 200)})"
            ) from exc
        self._history = history

    def _to_config(self) -> MultimodalWebSurferConfig:
        return self._config

    @classmethod
    def _from_config(cls, config: MultimodalWebSurferConfig) -> MultimodalWebSurfer:
        return cls(
            config.name,
            load_component(config.model_client, ChatCompletionClient),
            description=config.description,
            start_page=config.start_page,
            search_url=config.search_url,
            headless=config.headless,
            executable_path=config.executable_path,
            navigation_timeout=config.navigation_timeout,
            allowed_hosts=config.allowed_hosts,
            to_save_screenshots=config.to_save_screenshots,
        )
