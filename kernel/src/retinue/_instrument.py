"""Automatic tracing and interceptors for every model client and tool.

``ChatCompletionClient.__init_subclass__`` and ``Tool.__init_subclass__`` hand each
new subclass to this module (through the instrumentation slot of ``retinue._slots``:
the contracts sit below this module and do not import it), which wraps the methods
the subclass itself defines (``create``/``create_stream``, ``run_json``) once.  The
wrapper opens the GenAI span (``chat {model}`` / ``execute_tool {name}``) and runs the
interceptors plugins contribute, so plugins write neither tracing nor middleware code.
When a subclass override calls ``super()``, only the outermost call is traced and
intercepted.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping
from contextvars import ContextVar
from typing import Any, TypeGuard

from ._slots import collect_interceptors

__all__ = [
    "instrument_class",
    "instrument_model_client_class",
    "instrument_tool_class",
]

logger = logging.getLogger(__name__)

# The client or tool whose instrumented method is running in this context, so a
# subclass override that calls super() is not traced and intercepted twice.
_active_model_call: ContextVar[object | None] = ContextVar("retinue_model_call", default=None)
_active_tool_call: ContextVar[object | None] = ContextVar("retinue_tool_call", default=None)

_INTERCEPTORS_ATTR = {
    "model_call": "_retinue_model_call_interceptors",
    "tool_call": "_retinue_tool_call_interceptors",
}
_MODEL_CALL_DEFAULTS: dict[str, Any] = {
    "tools": (),
    "tool_choice": "auto",
    "json_output": None,
    "extra_create_args": {},
}


def _cached_interceptors(family: str, target: Any) -> list[Any]:
    attr = _INTERCEPTORS_ATTR[family]
    interceptors: list[Any] | None = getattr(target, attr, None)
    if interceptors is None:
        interceptors = collect_interceptors(family, target)
        # __slots__ classes cannot cache: they collect each time rather than fail.
        with contextlib.suppress(AttributeError):
            setattr(target, attr, interceptors)
    return interceptors


_telemetry_module: Any = None


def _telemetry() -> Any:
    # Imported on first call, so defining a client or tool class stays cheap; then kept,
    # because every model and tool call asks.
    global _telemetry_module
    if _telemetry_module is None:
        from . import telemetry

        _telemetry_module = telemetry
    return _telemetry_module


# ------------------------------------------------------------------ model clients


def instrument_class(kind: str, cls: type) -> None:
    """Wrap the methods a new ``kind`` class (``model_client`` or ``tool``) defines itself."""
    _INSTRUMENTERS[kind](cls)


def instrument_model_client_class(cls: type) -> None:
    """Wrap ``create`` and ``create_stream`` if ``cls`` defines them itself."""
    create = cls.__dict__.get("create")
    if _wants_wrapping(create):
        cls.create = _wrap_create(create)  # type: ignore[attr-defined]
    create_stream = cls.__dict__.get("create_stream")
    if _wants_wrapping(create_stream):
        cls.create_stream = _wrap_create_stream(create_stream)  # type: ignore[attr-defined]


def instrument_tool_class(cls: type) -> None:
    """Wrap ``run_json`` if ``cls`` defines it itself."""
    run_json = cls.__dict__.get("run_json")
    if _wants_wrapping(run_json):
        cls.run_json = _wrap_run_json(run_json)  # type: ignore[attr-defined]


_INSTRUMENTERS: dict[str, Callable[[type], None]] = {
    "model_client": instrument_model_client_class,
    "tool": instrument_tool_class,
}


def _wants_wrapping(func: Any) -> TypeGuard[Callable[..., Any]]:
    return (
        callable(func)
        and not getattr(func, "__isabstractmethod__", False)
        and not getattr(func, "_retinue_instrumented", False)
    )


def _model_request(client: Any, messages: Any, kwargs: Mapping[str, Any], stream: bool) -> Any:
    from .middleware import ModelCallRequest

    return ModelCallRequest(
        client=client,
        messages=messages,
        tools=kwargs.get("tools", ()),
        tool_choice=kwargs.get("tool_choice", "auto"),
        json_output=kwargs.get("json_output"),
        extra_create_args=kwargs.get("extra_create_args", {}),
        stream=stream,
    )


def _call_kwargs(request: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The original kwargs with the interceptors' changes (and no defaults it did not pass)."""
    result = dict(kwargs)
    for name, default in _MODEL_CALL_DEFAULTS.items():
        value = getattr(request, name)
        if name in kwargs or value != default:
            result[name] = value
    return result


def _start_chat_span(client: Any, messages: Any) -> Any:
    telemetry = _telemetry()
    if not telemetry.plugin_tracing_enabled(client):
        return None
    tracer = telemetry.get_tracer()
    if tracer is None:
        return None
    span_cm = telemetry.trace_chat_span(client.model_name, client.provider_name, tracer=tracer)
    span = span_cm.__enter__()
    if telemetry.capture_message_content():
        span.set_attribute("gen_ai.input.messages", telemetry.content_attribute(list(messages)))
    return span_cm, span


def _record_result(span: Any, result: Any) -> None:
    usage = getattr(result, "usage", None)
    if usage is not None:
        span.set_attribute("gen_ai.usage.input_tokens", usage.prompt_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", usage.completion_tokens)
    finish_reason = getattr(result, "finish_reason", None)
    if finish_reason is not None:
        span.set_attribute("gen_ai.response.finish_reasons", [str(finish_reason)])
    telemetry = _telemetry()
    if telemetry.capture_message_content():
        span.set_attribute(
            "gen_ai.output.messages", telemetry.content_attribute(getattr(result, "content", None))
        )


def _wrap_create(func: Callable[..., Coroutine[Any, Any, Any]]) -> Any:
    @functools.wraps(func)
    async def create(self: Any, messages: Any, **kwargs: Any) -> Any:
        if _active_model_call.get() is self:
            return await func(self, messages, **kwargs)
        reset = _active_model_call.set(self)
        try:
            interceptors = _cached_interceptors("model_call", self)
            traced = _start_chat_span(self, messages)
            if traced is None:
                if not interceptors:  # the common case: no extra coroutine in between
                    return await func(self, messages, **kwargs)
                return await _intercepted_create(func, self, messages, kwargs, interceptors)
            span_cm, span = traced
            try:
                result = await _intercepted_create(func, self, messages, kwargs, interceptors)
                _record_result(span, result)
            except BaseException as exc:
                if not span_cm.__exit__(type(exc), exc, exc.__traceback__):
                    raise
                raise  # pragma: no cover - __exit__ never swallows
            span_cm.__exit__(None, None, None)
            return result
        finally:
            _active_model_call.reset(reset)

    create._retinue_instrumented = True  # type: ignore[attr-defined]
    return create


async def _intercepted_create(
    func: Callable[..., Coroutine[Any, Any, Any]],
    client: Any,
    messages: Any,
    kwargs: dict[str, Any],
    interceptors: list[Any],
) -> Any:
    if not interceptors:
        return await func(client, messages, **kwargs)
    request = _model_request(client, messages, kwargs, stream=False)
    for interceptor in interceptors:
        request = await interceptor.before_model_call(request)
    result = await func(client, request.messages, **_call_kwargs(request, kwargs))
    for interceptor in interceptors:
        result = await interceptor.after_model_call(request, result)
    return result


def _wrap_create_stream(func: Callable[..., AsyncGenerator[Any, None]]) -> Any:
    @functools.wraps(func)
    async def create_stream(self: Any, messages: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        if _active_model_call.get() is self:
            async with contextlib.aclosing(func(self, messages, **kwargs)) as inner:
                async for item in inner:
                    yield item
            return
        interceptors = _cached_interceptors("model_call", self)
        request = _model_request(self, messages, kwargs, stream=True)
        for interceptor in interceptors:
            request = await interceptor.before_model_call(request)
        traced = _open_stream_span(self, request.messages)
        span, span_context = traced if traced is not None else (None, None)
        stream = func(self, request.messages, **_call_kwargs(request, kwargs))
        try:
            while True:
                try:
                    item = await _stream_step(stream.__anext__(), self, span_context)
                except StopAsyncIteration:
                    break
                if not isinstance(item, str):  # the closing CreateResult
                    for interceptor in interceptors:
                        item = await interceptor.after_model_call(request, item)
                    if span is not None:
                        _record_result(span, item)
                yield item
        except GeneratorExit:
            raise  # the consumer stopped reading early: not a failed call
        except BaseException as exc:
            if span is not None:
                _telemetry().record_error(span, exc)
            raise
        finally:
            try:
                # Close the provider's stream (its HTTP response) now, not when the
                # garbage collector gets to it.
                await _stream_step(stream.aclose(), self, span_context)
            finally:
                if span is not None:
                    span.end()

    create_stream._retinue_instrumented = True  # type: ignore[attr-defined]
    return create_stream


def _open_stream_span(client: Any, messages: Any) -> tuple[Any, Any] | None:
    telemetry = _telemetry()
    if not telemetry.plugin_tracing_enabled(client):
        return None
    tracer = telemetry.get_tracer()
    if tracer is None:
        return None
    span, span_context = telemetry.open_chat_span(
        client.model_name, client.provider_name, tracer=tracer
    )
    if telemetry.capture_message_content():
        span.set_attribute("gen_ai.input.messages", telemetry.content_attribute(list(messages)))
    return span, span_context


async def _stream_step(step: Coroutine[Any, Any, Any], client: Any, span_context: Any) -> Any:
    """Run one step of a provider's stream inside the call's context, then leave it.

    Setting the context only around each step (never across a ``yield``) keeps the
    consumer's code between chunks out of the ``chat`` span and out of the
    "already inside this client" marker, and detaches in the context that attached.
    """
    marker = _active_model_call.set(client)
    token = None
    if span_context is not None:
        from opentelemetry import context

        token = context.attach(span_context)
    try:
        return await step
    finally:
        if token is not None:
            from opentelemetry import context

            context.detach(token)
        _active_model_call.reset(marker)


# ------------------------------------------------------------------ tools


def _wrap_run_json(func: Callable[..., Coroutine[Any, Any, Any]]) -> Any:
    @functools.wraps(func)
    async def run_json(
        self: Any, args: Mapping[str, Any], cancellation_token: Any, call_id: str | None = None
    ) -> Any:
        if _active_tool_call.get() is self:
            return await func(self, args, cancellation_token, call_id)
        reset = _active_tool_call.set(self)
        try:
            interceptors = _cached_interceptors("tool_call", self)
            telemetry = _telemetry()
            tracer = telemetry.get_tracer() if telemetry.plugin_tracing_enabled(self) else None
            if tracer is None:
                if not interceptors:  # the common case: no extra coroutine in between
                    return await func(self, args, cancellation_token, call_id)
                return await _intercepted_run(
                    func, self, args, cancellation_token, call_id, interceptors
                )
            with telemetry.trace_tool_span(
                self.name, call_id=call_id, description=self.description, tracer=tracer
            ) as span:
                if telemetry.capture_message_content():
                    span.set_attribute(
                        "gen_ai.tool.call.arguments", telemetry.content_attribute(dict(args))
                    )
                result = await _intercepted_run(
                    func, self, args, cancellation_token, call_id, interceptors
                )
                if telemetry.capture_message_content():
                    span.set_attribute(
                        "gen_ai.tool.call.result", telemetry.content_attribute(result)
                    )
                return result
        finally:
            _active_tool_call.reset(reset)

    run_json._retinue_instrumented = True  # type: ignore[attr-defined]
    return run_json


async def _intercepted_run(
    func: Callable[..., Coroutine[Any, Any, Any]],
    tool: Any,
    args: Mapping[str, Any],
    cancellation_token: Any,
    call_id: str | None,
    interceptors: list[Any],
) -> Any:
    if not interceptors:
        return await func(tool, args, cancellation_token, call_id)
    from .middleware import ToolCallRequest

    request = ToolCallRequest(tool=tool, arguments=args, call_id=call_id)
    for interceptor in interceptors:
        request = await interceptor.before_tool_call(request)
    result = await func(tool, request.arguments, cancellation_token, request.call_id)
    for interceptor in interceptors:
        result = await interceptor.after_tool_call(request, result)
    return result
