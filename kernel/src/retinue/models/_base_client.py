"""``BaseChatCompletionClient``: what every provider's model client has in common."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar

from .._errors import (
    CancelledError,
    ConfigurationError,
    ModelClientError,
    ModelResponseError,
)
from ._client import ChatCompletionClient
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

    def __init__(self, *, model: str, model_info: ModelInfo) -> None:
        self._model = model
        self._model_info = model_info
        self._last_usage = RequestUsage()
        self._total_usage = RequestUsage()
        self._sdk_client: SdkT | None = None
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
        self._closed = True
        if self._sdk_client is not None:
            await self._sdk_client.close()
            self._sdk_client = None

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
        """The SDK client, built on first use; refuses once the client is closed."""
        if self._closed:
            raise ConfigurationError(f"{self._who()}: the client was closed; create a new one")
        if self._sdk_client is None:
            self._sdk_client = self._make_sdk_client()
        return self._sdk_client

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
        raises ``retinue.CancelledError``.  A ``ModelClientError`` passes unchanged; any
        other exception goes through ``translate`` (default :meth:`_translate_error`).
        """
        task = asyncio.ensure_future(awaitable)
        if token is not None:
            token.link_future(task)
        try:
            return await task
        except asyncio.CancelledError:
            if token is not None and token.is_cancelled():
                raise CancelledError(f"{self._who()}: the call was cancelled") from None
            raise
        except ModelClientError:
            raise
        except Exception as exc:
            translated = (translate or self._translate_error)(exc)
            logger.debug("%s: call failed: %s", self._who(), translated)
            raise translated from None

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
