"""``BaseChatCompletionClient``: what every provider's model client has in common."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from .._errors import (
    CancelledError,
    ConfigurationError,
    ModelClientError,
    ModelResponseError,
    RetinueError,
)
from ._client import ChatCompletionClient
from ._error_context import ModelErrorContext, redact_secret
from ._estimate import TokenEstimator
from ._types import Image, LLMMessage, ModelInfo, RequestUsage, UserMessage

if TYPE_CHECKING:
    from ..cancellation import CancellationToken
    from ..tools import Tool, ToolSchema

__all__ = ["AsyncClosable", "BaseChatCompletionClient", "ErrorTranslator"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class AsyncClosable(Protocol):
    """An SDK client: anything with ``async close()``."""

    async def close(self) -> None: ...


SdkT = TypeVar("SdkT", bound=AsyncClosable)

ErrorTranslator = Callable[[Exception], Exception]
"""Turns an SDK's exception into the ``ModelClientError`` to raise (never leaking a key)."""


class _End:
    """Marks the end of a stream read through a task (StopAsyncIteration cannot cross one)."""


_END = _End()


class _SdkHandle(Generic[SdkT]):
    """One SDK client and how many calls are using it.

    A cancelled call retires its handle: later calls get a new SDK client (a new
    connection pool), and the retired one is closed when its last user finishes.  So
    no later call can ever be handed a connection that carried a cancelled request,
    whatever the SDK's pool does with a connection whose answer was never read.
    """

    __slots__ = ("client", "retired", "users")

    def __init__(self, client: SdkT) -> None:
        self.client = client
        self.users = 0
        self.retired = False


class BaseChatCompletionClient(ChatCompletionClient, Generic[SdkT]):
    """The shared half of a provider's model client; providers write the other half.

    Implemented here: ``model_info``/``model_name``, usage (:meth:`_record`,
    ``actual_usage``, ``total_usage``), ``count_tokens`` through the class's
    :class:`TokenEstimator`, ``remaining_tokens`` against the model info's
    ``context_window`` (else :attr:`default_context_window`, else a
    ``ConfigurationError``), the SDK client created on first use (:meth:`_sdk`, built by
    :meth:`_make_sdk_client`) and closed by ``close``, :meth:`_check_request` (refuses
    what the model info rules out), and :meth:`_guarded`/:meth:`_guarded_iter`, which
    run an SDK call or read an SDK stream so a ``CancellationToken`` can cancel it, and
    translate its errors.

    Left to the provider: ``create``/``create_stream`` (traced by the kernel like any
    client's), request and response conversion, :meth:`_make_sdk_client` and
    :meth:`_translate_error`.  ``SdkT`` is the SDK client's type.

    Cancellation never mixes answers up: a call cancelled while the SDK works retires
    the SDK client it used, so the next call runs on a fresh one (see :meth:`_guarded`).
    Secrets never leak: pass ``errors`` (a :class:`ModelErrorContext` holding every
    secret the client has) and list the SDK's loggers in :attr:`sdk_loggers`; failures
    are raised without the SDK's exception attached and log records are scrubbed.

    Example::

        class AcmeChatCompletionClient(BaseChatCompletionClient["AsyncAcme"]):
            component_provider = "acme"
            token_estimator = TokenEstimator(per_image=1000, reply_priming=3)
            default_context_window = 32_000

            def _make_sdk_client(self) -> AsyncAcme:
                from acme import AsyncAcme  # the SDK is imported on first use

                return AsyncAcme()

            async def create(self, messages, *, cancellation_token=None, **kwargs):
                call = self._sdk().chat(to_acme(messages))
                answer = await self._guarded(call, cancellation_token)
                result = to_create_result(answer)
                self._record(result.usage)
                return result
    """

    token_estimator: ClassVar[TokenEstimator] = TokenEstimator()
    """How ``count_tokens`` estimates; providers set their own constants here."""

    default_context_window: ClassVar[int | None] = None
    """The window ``remaining_tokens`` assumes when the model info has none (None: refuse)."""

    sdk_loggers: ClassVar[tuple[str, ...]] = ()
    """Loggers (and their children) of the SDK and its HTTP library to scrub secrets from."""

    def __init__(
        self, *, model: str, model_info: ModelInfo, errors: ModelErrorContext | None = None
    ) -> None:
        self._model = model
        self._model_info = model_info
        self._last_usage = RequestUsage()
        self._total_usage = RequestUsage()
        self._errors_context = errors
        self._sdk_handle: _SdkHandle[SdkT] | None = None
        self._retired: set[_SdkHandle[SdkT]] = set()
        self._closed = False

    # -- the contract --------------------------------------------------------------------

    @property
    def model_info(self) -> ModelInfo:
        return self._model_info

    @property
    def model_name(self) -> str:
        return self._model

    def actual_usage(self) -> RequestUsage:
        return self._last_usage

    def total_usage(self) -> RequestUsage:
        return self._total_usage

    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        """Estimate prompt tokens offline with :attr:`token_estimator` (errs high)."""
        return self.token_estimator.estimate(messages, tools)

    def remaining_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        window = self._model_info.get("context_window")
        if window is None:
            window = self.default_context_window
        if window is None:
            raise ConfigurationError(
                f"{self._who()}: the context window is unknown; add 'context_window' to "
                "model_info to use remaining_tokens"
            )
        return window - self.count_tokens(messages, tools=tools)

    async def close(self) -> None:
        """Close the SDK client (and any retired one still open); the client is then unusable."""
        self._closed = True
        handles = [*self._retired, *([self._sdk_handle] if self._sdk_handle else [])]
        self._sdk_handle = None
        self._retired.clear()
        failures = [await self._close_sdk(handle.client) for handle in handles]
        failure = next((f for f in failures if f is not None), None)
        if failure is not None:
            raise ModelResponseError(
                f"closing the SDK client failed ({failure})",
                provider=self.provider_name,
                model=self._model,
                todo="nothing to retry: the client is closed; create a new one to continue",
            )

    # -- for providers -------------------------------------------------------------------

    def _who(self) -> str:
        """Names the client in error messages: ``provider 'x', model 'y'``."""
        return f"provider {self.provider_name!r}, model {self._model!r}"

    def _check_request(
        self, messages: Sequence[LLMMessage], tools: Sequence[Tool | ToolSchema]
    ) -> None:
        """Refuse, before anything is sent, what the model info says the model cannot do."""
        if not messages:
            raise ConfigurationError(f"{self._who()}: create() needs at least one message")
        if not self._model_info["vision"] and _contains_images(messages):
            raise ConfigurationError(
                f"{self._who()}: the messages contain images but the model does not accept "
                "images; use a vision model, or set model_info['vision']=True if it does"
            )
        if tools and not self._model_info["function_calling"]:
            raise ConfigurationError(
                f"{self._who()}: tools were passed but the model does not support function "
                "calling; use another model, or set model_info['function_calling']=True"
            )

    def _record(self, usage: RequestUsage) -> None:
        """Count one call's usage (``actual_usage`` and ``total_usage``)."""
        self._last_usage = usage
        self._total_usage = self._total_usage + usage

    def _make_sdk_client(self) -> SdkT:
        """Build the SDK client; called on first use, so the SDK is imported only then."""
        raise NotImplementedError(f"{type(self).__name__} does not define _make_sdk_client")

    def _sdk(self) -> SdkT:
        """The SDK client, built on first use; refuses once the client is closed.

        The SDK's own complaints about the settings become a ``ConfigurationError``
        naming this client (without the SDK's exception, whose text may hold a secret).
        """
        if self._closed:
            raise ConfigurationError(f"{self._who()}: the client was closed; create a new one")
        if self._sdk_handle is None:
            failure: str | None = None
            try:
                client = self._make_sdk_client()
            except (RetinueError, NotImplementedError):
                # Ours already (a secret reference whose variable is unset, a bad
                # setting): it says what to do and quotes no secret.
                raise
            except Exception as exc:
                failure = f"{type(exc).__name__}: {self._redact(str(exc))}"
            if failure is not None:
                # Raised outside the except block so the SDK's exception is not attached.
                raise ConfigurationError(
                    f"{self._who()}: the SDK refused the client's settings ({failure}); "
                    "fix the client's arguments (base_url, endpoint, credentials, headers)"
                )
            if self._errors_context is not None and self.sdk_loggers:
                self._errors_context.scrub_logs(self.sdk_loggers)
            self._sdk_handle = _SdkHandle(client)
        return self._sdk_handle.client

    def _redact(self, text: str) -> str:
        """``text`` without this client's secrets (and anything that looks like a key)."""
        if self._errors_context is not None:
            return self._errors_context.redact(text)
        return redact_secret(text, None)

    def _translate_error(self, exc: Exception) -> Exception:
        """The error to raise for an SDK exception; providers map theirs to model errors.

        This fallback names only the exception's type: its text may carry a key.
        """
        return ModelResponseError(
            f"the call failed with {type(exc).__name__}",
            provider=self.provider_name,
            model=self._model,
        )

    def _response_error(self, what: str, todo: str | None = None) -> ModelResponseError:
        """A malformed or truncated answer, naming this client."""
        return ModelResponseError(what, provider=self.provider_name, model=self._model, todo=todo)

    async def _guarded(
        self,
        awaitable: Awaitable[T],
        token: CancellationToken | None,
        translate: ErrorTranslator | None = None,
    ) -> T:
        """Await an SDK call as a task ``token`` can cancel; translate its errors.

        Cancelling the token cancels the task (aborting the SDK's HTTP request) and
        raises ``retinue.CancelledError``.  A cancelled call retires the SDK client it
        ran on (later calls get a fresh one) and closes whatever the SDK returned too
        late to be used (a stream whose call completed as the cancellation landed).  A
        ``ModelClientError`` passes unchanged; any other exception goes through
        ``translate`` (default :meth:`_translate_error`) and is raised without the SDK's
        exception attached, since its text and traceback may quote a secret.
        """
        handle = self._sdk_handle
        if handle is not None:
            handle.users += 1
        try:
            return await self._run_guarded(awaitable, token, translate, handle)
        finally:
            if handle is not None:
                await self._release(handle)

    async def _run_guarded(
        self,
        awaitable: Awaitable[T],
        token: CancellationToken | None,
        translate: ErrorTranslator | None,
        handle: _SdkHandle[SdkT] | None,
    ) -> T:
        task = asyncio.ensure_future(awaitable)
        if token is not None:
            token.link_future(task)
        try:
            return await task
        except asyncio.CancelledError:
            self._retire(handle)
            task.add_done_callback(_close_late_result)
            if token is not None and token.is_cancelled():
                raise CancelledError(f"{self._who()}: the call was cancelled") from None
            raise
        except ModelClientError:
            raise
        except Exception as exc:
            failure = (translate or self._translate_error)(exc)
        logger.debug("%s: call failed: %s", self._who(), failure)
        raise failure

    async def _guarded_iter(
        self,
        stream: AsyncIterable[T],
        token: CancellationToken | None,
        translate: ErrorTranslator | None = None,
    ) -> AsyncIterator[T]:
        """The items of an SDK stream, each read through :meth:`_guarded`."""
        iterator = stream.__aiter__()
        while True:
            item = await self._guarded(_next_or_end(iterator), token, translate)
            if isinstance(item, _End):
                return
            yield item

    async def _guarded_stream(
        self,
        opening: Awaitable[AsyncIterable[T]],
        token: CancellationToken | None,
        translate_read: ErrorTranslator | None = None,
    ) -> AsyncIterator[T]:
        """Open an SDK stream with :meth:`_guarded`, yield its items, always close it.

        The SDK client stays in use until the stream is closed, so a retired client is
        not closed under a stream that is still being read.  ``translate_read``
        translates errors while reading (default :meth:`_translate_error`).
        """
        handle = self._sdk_handle
        if handle is not None:
            handle.users += 1
        try:
            stream = await self._guarded(opening, token)
            try:
                async for item in self._guarded_iter(stream, token, translate_read):
                    yield item
            finally:
                # Closing the stream closes its HTTP response, so a cancelled or
                # abandoned stream does not keep its connection.
                await _close_quietly(stream)
        finally:
            if handle is not None:
                await self._release(handle)

    def _retire(self, handle: _SdkHandle[SdkT] | None) -> None:
        """Stop handing out ``handle``'s SDK client: a cancelled request used it."""
        if handle is None or handle.retired:
            return
        handle.retired = True
        self._retired.add(handle)
        if self._sdk_handle is handle:
            self._sdk_handle = None

    async def _release(self, handle: _SdkHandle[SdkT]) -> None:
        """One call is done with ``handle``; close a retired client once nobody uses it."""
        handle.users -= 1
        if not handle.retired or handle.users > 0 or handle not in self._retired:
            return
        self._retired.discard(handle)
        # Shielded: this runs while a cancellation unwinds, and a second cancellation
        # must not leave the retired pool open.
        closing = asyncio.ensure_future(self._close_sdk(handle.client))
        await asyncio.shield(closing)

    async def _close_sdk(self, client: SdkT) -> str | None:
        """Close an SDK client; the failure's description (redacted), or None."""
        try:
            await client.close()
        except Exception as exc:
            logger.debug("%s: closing the SDK client failed", self._who())
            return f"{type(exc).__name__}: {self._redact(str(exc))}"
        return None


def _close_late_result(task: asyncio.Future[Any]) -> None:
    """Close what a cancelled SDK call returned anyway (a stream nobody will read)."""
    if task.cancelled() or task.exception() is not None:
        return
    result = task.result()
    close = getattr(result, "close", None) or getattr(result, "aclose", None)
    if close is None:
        return
    closing = close()
    if inspect.isawaitable(closing):
        _background.add(asyncio.ensure_future(closing))


_background: set[asyncio.Future[Any]] = set()


async def _close_quietly(stream: object) -> None:
    close = getattr(stream, "close", None) or getattr(stream, "aclose", None)
    if close is not None:
        closing = close()
        if inspect.isawaitable(closing):
            await closing


def _contains_images(messages: Sequence[LLMMessage]) -> bool:
    return any(
        isinstance(m, UserMessage)
        and not isinstance(m.content, str)
        and any(isinstance(part, Image) for part in m.content)
        for m in messages
    )


async def _next_or_end(iterator: AsyncIterator[T]) -> T | _End:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return _END
