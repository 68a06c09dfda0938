"""``RoutedAgent``: an agent whose methods handle messages by type.

Handlers are declared with :func:`message_handler`, :func:`event` (published messages
only) or :func:`rpc` (direct sends only); the message type comes from the ``message``
parameter's annotation (a union means several types).  The dispatch table is built
once per class, so routing a message is a dict lookup.
"""

from __future__ import annotations

import logging
import sys
import types
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, ClassVar, Literal, TypeVar, Union

from .._errors import CantHandleError, ConfigurationError
from ._agent import BaseAgent, MessageContext

__all__ = ["RoutedAgent", "event", "message_handler", "rpc"]

logger = logging.getLogger(__name__)

HandlerKind = Literal["any", "event", "rpc"]
Handler = Callable[[Any, Any, MessageContext], Awaitable[Any]]
MatchFn = Callable[[Any, MessageContext], bool]
HandlerT = TypeVar("HandlerT", bound=Callable[..., Awaitable[Any]])


@dataclass(frozen=True)
class HandlerSpec:
    """What a decorator recorded about one handler method."""

    message_types: tuple[type[Any], ...]
    kind: HandlerKind
    match: MatchFn | None


@dataclass(frozen=True)
class _Route:
    func: Handler
    kind: HandlerKind
    match: MatchFn | None


def message_types_of(
    func: Callable[..., Any], *, position: int, frame_depth: int = 2
) -> tuple[type[Any], ...]:
    """The message classes of ``func``'s parameter at ``position`` (from its annotation)."""
    try:
        hints = typing.get_type_hints(func)
    except NameError:
        # Message classes defined inside a function (common in tests and notebooks):
        # resolve against the scopes around the decorated method.
        localns: dict[str, Any] = {}
        frame: FrameType | None = sys._getframe(frame_depth)
        for _ in range(3):
            if frame is None:
                break
            localns = {**frame.f_locals, **localns}
            frame = frame.f_back
        try:
            hints = typing.get_type_hints(func, localns=localns)
        except NameError as exc:
            raise ConfigurationError(
                f"cannot resolve the message type of handler {func.__qualname__}: {exc}; "
                "define the message class at module level"
            ) from exc
    names = list(func.__code__.co_varnames[: func.__code__.co_argcount])
    if len(names) < position + 2:
        raise ConfigurationError(
            f"handler {func.__qualname__} must take (..., message, ctx), got {names}"
        )
    annotation = hints.get(names[position])
    if annotation is None:
        raise ConfigurationError(
            f"handler {func.__qualname__} needs a type annotation on its "
            f"'{names[position]}' parameter: the runtime routes messages by that type"
        )
    return _flatten(annotation, func)


def _flatten(annotation: Any, func: Callable[..., Any]) -> tuple[type[Any], ...]:
    origin = typing.get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        result: list[type[Any]] = []
        for arg in typing.get_args(annotation):
            result.extend(_flatten(arg, func))
        return tuple(result)
    if annotation is Any:
        return (object,)
    if origin is not None:
        annotation = origin
    if not isinstance(annotation, type):
        raise ConfigurationError(
            f"handler {func.__qualname__}: message annotation {annotation!r} is not a class"
        )
    return (annotation,)


def _decorate(
    func: HandlerT | None, kind: HandlerKind, match: MatchFn | None
) -> HandlerT | Callable[[HandlerT], HandlerT]:
    def apply(target: HandlerT) -> HandlerT:
        spec = HandlerSpec(message_types_of(target, position=1, frame_depth=2), kind, match)
        target._retinue_handler = spec  # type: ignore[attr-defined]
        return target

    if func is not None:
        spec = HandlerSpec(message_types_of(func, position=1, frame_depth=3), kind, match)
        func._retinue_handler = spec  # type: ignore[attr-defined]
        return func
    return apply


def message_handler(
    func: HandlerT | None = None, *, strict: bool = True, match: MatchFn | None = None
) -> Any:
    """Mark a method ``async def handle(self, message: T, ctx: MessageContext)`` as a handler.

    ``match(message, ctx)`` narrows which messages of the type it takes; the first
    matching handler (in definition order, subclass first) wins.  ``strict`` is
    accepted for AutoGen compatibility: routing is always by the declared type.
    """
    del strict
    return _decorate(func, "any", match)


def event(func: HandlerT | None = None, *, match: MatchFn | None = None) -> Any:
    """Like :func:`message_handler`, for published messages only (``ctx.is_rpc`` false)."""
    return _decorate(func, "event", match)


def rpc(func: HandlerT | None = None, *, match: MatchFn | None = None) -> Any:
    """Like :func:`message_handler`, for direct sends only (``ctx.is_rpc`` true)."""
    return _decorate(func, "rpc", match)


class RoutedAgent(BaseAgent):
    """An agent that routes each message to the handler declared for its type.

    >>> class Greeter(RoutedAgent):
    ...     @message_handler
    ...     async def greet(self, message: str, ctx: MessageContext) -> str:
    ...         return f"hello {message}"

    A message of a subclass of a handled type goes to that type's handler; a message
    nobody handles goes to :meth:`on_unhandled_message`.
    """

    _retinue_declared: ClassVar[dict[type[Any], tuple[_Route, ...]]] = {}
    _retinue_routes: ClassVar[dict[type[Any], tuple[_Route, ...]]] = {}
    _retinue_handled: ClassVar[tuple[type[Any], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        specs: dict[str, HandlerSpec] = {}
        # Most-derived class first, each in definition order; an override by name wins.
        for klass in cls.__mro__:
            for name, value in vars(klass).items():
                spec = getattr(value, "_retinue_handler", None)
                if name not in specs and isinstance(spec, HandlerSpec):
                    specs[name] = spec
                elif name not in specs and callable(value):
                    specs.setdefault(name, _NOT_A_HANDLER)
        routes: dict[type[Any], list[_Route]] = {}
        handled: list[type[Any]] = []
        for name, spec in specs.items():
            if spec is _NOT_A_HANDLER:
                continue
            route = _Route(getattr(cls, name), spec.kind, spec.match)
            for message_type in spec.message_types:
                routes.setdefault(message_type, []).append(route)
                if message_type not in handled:
                    handled.append(message_type)
        cls._retinue_declared = {key: tuple(value) for key, value in routes.items()}
        cls._retinue_routes = dict(cls._retinue_declared)
        cls._retinue_handled = tuple(handled)

    async def on_message_impl(self, message: Any, ctx: MessageContext) -> Any:
        routes = self._retinue_routes.get(type(message))
        if routes is None:
            routes = self._routes_for_subclass(type(message))
        for route in routes:
            if route.kind != "any" and (route.kind == "rpc") != ctx.is_rpc:
                continue
            if route.match is not None and not route.match(message, ctx):
                continue
            return await route.func(self, message, ctx)
        return await self.on_unhandled_message(message, ctx)

    @classmethod
    def _routes_for_subclass(cls, message_type: type[Any]) -> tuple[_Route, ...]:
        found: list[_Route] = []
        for base in message_type.__mro__:
            found.extend(cls._retinue_declared.get(base, ()))
        routes = tuple(found)
        # Cache per concrete message type, misses included: the next lookup is one dict get.
        cls._retinue_routes[message_type] = routes
        return routes

    async def on_unhandled_message(self, message: Any, ctx: MessageContext) -> Any:
        """Called when no handler takes ``message``.

        A direct send gets a :class:`~retinue.CantHandleError`; a published message
        this agent does not handle is ignored (logged at debug level).
        """
        if ctx.is_rpc:
            raise CantHandleError(
                f"agent {self.id} ({type(self).__name__}) has no handler for "
                f"{type(message).__module__}.{type(message).__qualname__}; add a "
                "@message_handler or @rpc method whose message annotation is that type"
            )
        logger.debug("agent %s ignored unhandled %s", self.id, type(message).__qualname__)
        return None

    @classmethod
    def _handled_message_types(cls) -> list[type[Any]]:
        return [t for t in cls._retinue_handled if t is not object]


_NOT_A_HANDLER = HandlerSpec((), "any", None)
