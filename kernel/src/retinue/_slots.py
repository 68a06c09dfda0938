"""Slots through which a higher kernel layer hands a lower one what it needs.

Imports run downward only (the design's "Kernel layers"), yet a few lower modules
need something from higher up: the contracts' model clients and tools are wrapped by
the instrumentation (a service), the runtime and the instrumentation ask the plugin
manager for interceptors, components load through the registry, and the plugin
manager loads the kernel's own plugins (surfaces).  The lower module calls through a
slot here instead of importing upward.  The package ``retinue/__init__`` (the
composition root) fills every slot when ``retinue`` is imported, which Python does
before any of its modules, so a slot is never found empty in practice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import PluginError, RetinueError

if TYPE_CHECKING:  # the aliases cost nothing at import, which every ``import retinue`` pays
    from collections.abc import Callable, Iterable
    from typing import TypeAlias

    ClassInstrumenter: TypeAlias = Callable[[str, type], None]
    InterceptorSource: TypeAlias = Callable[[str, Any], Iterable[Any]]
    RegistrySource: TypeAlias = Callable[[], Any]

__all__ = [
    "BUILTIN_PLUGINS",
    "collect_interceptors",
    "default_registry",
    "fill",
    "instrument_class",
]

T = TypeVar("T")

BUILTIN_PLUGINS: dict[str, str] = {}
"""The kernel's own plugins (name -> module), registered through the same hooks as any other."""

_instrumenter: ClassInstrumenter | None = None
_interceptor_source: InterceptorSource | None = None
_registry_source: RegistrySource | None = None


def fill(
    *,
    instrument_class: ClassInstrumenter,
    interceptors: InterceptorSource,
    registry: RegistrySource,
    builtin_plugins: dict[str, str],
) -> None:
    """Hand the lower layers their instrumentation, interceptors, registry and builtins."""
    global _instrumenter, _interceptor_source, _registry_source
    _instrumenter = instrument_class
    _interceptor_source = interceptors
    _registry_source = registry
    BUILTIN_PLUGINS.clear()
    BUILTIN_PLUGINS.update(builtin_plugins)


def _filled(value: T | None, slot: str) -> T:
    if value is None:
        raise PluginError(
            f"the kernel's {slot} slot is empty: import the retinue package normally "
            "(import retinue), which fills it, instead of loading a kernel module on its own"
        )
    return value


def instrument_class(kind: str, cls: type) -> None:
    """Let the instrumentation wrap a new ``kind`` class (``model_client`` or ``tool``)."""
    _filled(_instrumenter, "instrumentation")(kind, cls)


def collect_interceptors(family: str, target: Any) -> list[Any]:
    """Interceptors plugins contribute for ``target`` (``family``: model_call, tool_call, message).

    When collection fails there are none (logged).  In strict mode
    (``RETINUE_STRICT_PLUGINS``) a plugin failure raises ``PluginError``, as it does
    everywhere else.
    """
    source = _filled(_interceptor_source, "interceptor")
    try:
        return list(source(family, target))
    except PluginError:
        raise  # only raised in strict mode, which asked for it
    except (ImportError, AttributeError, RetinueError):
        # logging is imported here, not at the top: ``import retinue`` runs this module.
        import logging

        logging.getLogger(__name__).warning(
            "could not collect %s interceptors for %r", family, target, exc_info=True
        )
        return []


def default_registry() -> Any:
    """The process-wide component registry (``retinue.get_registry()``)."""
    return _filled(_registry_source, "registry")()
