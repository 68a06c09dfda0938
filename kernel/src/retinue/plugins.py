"""The plugin manager: builtins, entry-point discovery, blocking, error isolation, version checks.

One :class:`PluginManager` per kernel instance.  The process-wide one is built on
first use by :func:`get_plugin_manager`; tests build their own::

    pm = PluginManager(strict=True)
    pm.add_plugin(my_plugin_module, "mine")      # explicit plugins, no autoload

Discovery reads the ``retinue`` entry-point group itself, one entry per installed
distribution, and checks each plugin's ``Requires-Dist: retinue...`` against the
running kernel *before* importing it.  A plugin that fails to import, needs another
kernel or raises in a hook is recorded (see :class:`PluginRecord`) and skipped; the
rest keeps working.  Environment variables:

``RETINUE_DISABLE_PLUGIN_AUTOLOAD=1``  no discovery (builtins only)
``RETINUE_PLUGINS=a,b``                load only these (entry-point or distribution names)
``RETINUE_BLOCK_PLUGINS=a,b``          never load these (status ``blocked``)
``RETINUE_STRICT_PLUGINS=1``           every plugin failure raises :class:`~retinue.PluginError`
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pluggy

from . import hookspecs
from ._errors import ConfigurationError, PluginError
from ._markers import PROJECT_NAME

# The kernel's own plugins live above the plugin system; the package __init__ hands them down.
from ._slots import BUILTIN_PLUGINS
from ._specifiers import SpecifierError, normalize_name, parse_requirement, version_satisfies
from ._version import __version__

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginEntryPoint",
    "PluginManager",
    "PluginRecord",
    "PluginStatus",
    "get_plugin_manager",
    "iter_plugin_entry_points",
    "kernel_requirement",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "retinue"


PluginStatus = Literal["ok", "error", "incompatible", "blocked"]

# "package.module" or "package.module:attr.path", optionally followed by "[extras]".
_ENTRY_POINT_VALUE = re.compile(
    r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*(\s*:\s*[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*)?\s*(\[.*\])?$"
)
_TRUE = {"1", "true", "yes", "on"}


@dataclass
class PluginRecord:
    """What the manager knows about one plugin: where it comes from and whether it loaded."""

    name: str
    distribution: str | None = None
    version: str | None = None
    entry_point: str | None = None
    status: PluginStatus = "ok"
    error: str | None = None
    builtin: bool = False
    plugin: object | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The record as the JSON object ``retinue plugins --json`` prints (without providers)."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "entry_point": self.entry_point,
            "status": self.status,
            "error": self.error,
            "builtin": self.builtin,
        }


@dataclass(frozen=True)
class PluginEntryPoint:
    """One entry point of the ``retinue`` group, with its distribution's metadata."""

    name: str
    value: str
    distribution: str
    version: str
    requires: tuple[str, ...]
    entry_point: metadata.EntryPoint = field(repr=False, compare=False)

    @property
    def is_well_formed(self) -> bool:
        """Whether the value reads ``package.module`` or ``package.module:attr``."""
        return _ENTRY_POINT_VALUE.match(self.value.strip()) is not None

    @property
    def module(self) -> str:
        """The module the entry point imports."""
        return self.value.split(":", 1)[0].split("[", 1)[0].strip()


def iter_plugin_entry_points(paths: Sequence[str] | None = None) -> Iterator[PluginEntryPoint]:
    """Every ``retinue`` entry point, one distribution counted once (the first on the path).

    Args:
        paths: directories to search (default: ``sys.path``).
    """
    seen: set[str] = set()
    dists = metadata.distributions() if paths is None else metadata.distributions(path=list(paths))
    for dist in dists:
        dist_name = dist.metadata["Name"]
        if not dist_name:
            continue
        key = normalize_name(dist_name)
        if key in seen:
            continue  # a shadowed copy further down sys.path: Python would not import it
        seen.add(key)
        for entry_point in dist.entry_points:
            if entry_point.group != ENTRY_POINT_GROUP:
                continue
            yield PluginEntryPoint(
                name=entry_point.name,
                value=entry_point.value,
                distribution=dist_name,
                version=dist.version,
                requires=tuple(dist.requires or ()),
                entry_point=entry_point,
            )


def kernel_requirement(requires: Sequence[str]) -> str | None:
    """The specifier a distribution puts on ``retinue`` (``">=0.1,<0.2"``), or ``None``.

    Raises:
        SpecifierError: the requirement on ``retinue`` cannot be read.
    """
    for line in requires:
        requirement = parse_requirement(line)
        if requirement.name == PROJECT_NAME and not requirement.is_extra_only:
            return requirement.specifier
    return None


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def _env_names(name: str) -> set[str] | None:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return None
    return {normalize_name(part) for part in raw.split(",") if part.strip()}


class PluginManager(pluggy.PluginManager):
    """pluggy's manager with retinue's rules: records, isolation, strict mode, discovery.

    Args:
        strict: raise :class:`~retinue.PluginError` on every plugin failure instead
            of recording it (default: ``RETINUE_STRICT_PLUGINS``).
        kernel_version: the kernel version plugin requirements are checked against
            (default: the running kernel's).
    """

    def __init__(self, *, strict: bool | None = None, kernel_version: str | None = None) -> None:
        super().__init__(PROJECT_NAME)
        self.add_hookspecs(hookspecs)
        self.strict = _env_flag("RETINUE_STRICT_PLUGINS") if strict is None else strict
        self.kernel_version = kernel_version or __version__
        self._records: dict[str, PluginRecord] = {}

    # --- records -----------------------------------------------------------

    @property
    def records(self) -> list[PluginRecord]:
        """Every plugin seen, loaded or not, in registration order."""
        return list(self._records.values())

    def get_record(self, name: str) -> PluginRecord:
        """The record of the plugin registered under ``name``."""
        try:
            return self._records[name]
        except KeyError:
            known = ", ".join(self._records) or "none"
            raise PluginError(f"no plugin named {name!r}; known plugins: {known}") from None

    def fail(
        self,
        record: PluginRecord,
        reason: str,
        status: PluginStatus = "error",
        error_type: type[PluginError] = PluginError,
    ) -> None:
        """Record a failure and skip the plugin from now on; in strict mode raise ``error_type``."""
        record.status = status
        if record.error is None:
            record.error = reason
        elif reason not in record.error:
            record.error = f"{record.error}; {reason}"
        if record.plugin is not None and self.is_registered(record.plugin):
            self.unregister(record.plugin)
        logger.warning("plugin %r skipped: %s", record.name, reason)
        if self.strict:
            raise error_type(f"plugin {record.name!r} ({_origin(record)}): {reason}")

    # --- registration ------------------------------------------------------

    def add_plugin(
        self,
        plugin: object,
        name: str,
        *,
        distribution: str | None = None,
        version: str | None = None,
        entry_point: str | None = None,
        builtin: bool = False,
    ) -> PluginRecord:
        """Register a plugin object (usually a module) under ``name`` and record it.

        A plugin whose hooks do not match the hookspecs (an unknown ``retinue_*``
        hook, a wrong argument name) is recorded with status ``error``.
        """
        record = PluginRecord(name, distribution, version, entry_point, builtin=builtin)
        if name in self._records:
            other = self._records[name]
            record.name = f"{name} ({distribution or 'unknown distribution'})"
            self._records[record.name] = record
            self.fail(
                record,
                f"the plugin name {name!r} is already used by {_origin(other)}; "
                "uninstall one of them or block one with RETINUE_BLOCK_PLUGINS",
            )
            return record
        self._records[name] = record
        record.plugin = plugin
        unknown = _unknown_hooks(plugin)
        if unknown:
            self.fail(
                record, f"implements unknown hooks {unknown}; see retinue.hookspecs for names"
            )
            return record
        try:
            self.register(plugin, name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            self.fail(record, f"cannot be registered: {exc}")
        return record

    def add_blocked(
        self, name: str, distribution: str, version: str, entry_point: str, reason: str
    ) -> None:
        """Record a plugin that was deliberately not loaded."""
        self._records[name] = PluginRecord(
            name, distribution, version, entry_point, status="blocked", error=reason
        )

    def load_builtins(self) -> None:
        """Register the kernel's own plugins (:data:`BUILTIN_PLUGINS`)."""
        for name, module_name in BUILTIN_PLUGINS.items():
            record = PluginRecord(
                name, PROJECT_NAME, self.kernel_version, module_name, builtin=True
            )
            try:
                module = importlib.import_module(module_name)
            except Exception as exc:
                self._records[name] = record
                self.fail(record, f"failed to import {module_name}: {type(exc).__name__}: {exc}")
                continue
            self.add_plugin(
                module,
                name,
                distribution=PROJECT_NAME,
                version=self.kernel_version,
                entry_point=module_name,
                builtin=True,
            )

    def load_entrypoints(self, paths: Sequence[str] | None = None) -> None:
        """Discover, check and import the plugins of the ``retinue`` entry-point group.

        Honours ``RETINUE_DISABLE_PLUGIN_AUTOLOAD``, ``RETINUE_PLUGINS`` and
        ``RETINUE_BLOCK_PLUGINS``.

        Args:
            paths: directories to discover distributions in (default: ``sys.path``).
                Their packages must be importable.
        """
        if _env_flag("RETINUE_DISABLE_PLUGIN_AUTOLOAD"):
            logger.debug("plugin autoload disabled by RETINUE_DISABLE_PLUGIN_AUTOLOAD")
            return
        only = _env_names("RETINUE_PLUGINS")
        blocked = _env_names("RETINUE_BLOCK_PLUGINS") or set()
        for candidate in iter_plugin_entry_points(paths):
            keys = {normalize_name(candidate.name), normalize_name(candidate.distribution)}
            if keys & blocked:
                self.add_blocked(
                    candidate.name,
                    candidate.distribution,
                    candidate.version,
                    candidate.value,
                    "blocked by RETINUE_BLOCK_PLUGINS",
                )
            elif only is not None and not keys & only:
                self.add_blocked(
                    candidate.name,
                    candidate.distribution,
                    candidate.version,
                    candidate.value,
                    "not listed in RETINUE_PLUGINS",
                )
            else:
                self.load_entrypoint(candidate)

    def load_entrypoint(self, candidate: PluginEntryPoint) -> PluginRecord:
        """Check one entry point's kernel requirement, import it and register it."""
        record = PluginRecord(
            candidate.name, candidate.distribution, candidate.version, candidate.value
        )
        if candidate.name in self._records:
            return self.add_plugin(
                None,
                candidate.name,
                distribution=candidate.distribution,
                version=candidate.version,
                entry_point=candidate.value,
            )
        self._records[candidate.name] = record
        if not candidate.is_well_formed:
            self.fail(
                record,
                f"malformed entry point {candidate.name} = {candidate.value!r}: expected "
                f"'package.module' (fix [project.entry-points.retinue] in the pyproject.toml "
                f"of {candidate.distribution})",
            )
            return record
        problem = self._requirement_problem(candidate)
        if problem is not None:
            self.fail(record, problem[1], status=problem[0])
            return record
        try:
            plugin = candidate.entry_point.load()
        except Exception as exc:
            self.fail(
                record,
                f"failed to import {candidate.value}: {type(exc).__name__}: {exc} "
                f"(reinstall {candidate.distribution} or block it with "
                f"RETINUE_BLOCK_PLUGINS={candidate.name})",
            )
            return record
        del self._records[candidate.name]
        return self.add_plugin(
            plugin,
            candidate.name,
            distribution=candidate.distribution,
            version=candidate.version,
            entry_point=candidate.value,
        )

    def _requirement_problem(self, candidate: PluginEntryPoint) -> tuple[PluginStatus, str] | None:
        try:
            specifier = kernel_requirement(candidate.requires)
            if specifier is None or version_satisfies(self.kernel_version, specifier):
                return None
        except SpecifierError as exc:
            return "error", f"cannot read its requirement on retinue: {exc}"
        return (
            "incompatible",
            f"{candidate.distribution} {candidate.version} requires retinue{specifier}, "
            f"but the running kernel is {self.kernel_version}; install a version of "
            f"{candidate.distribution} made for retinue {self.kernel_version}",
        )

    # --- calling hooks -----------------------------------------------------

    def hookimpls(self, hook_name: str) -> list[tuple[PluginRecord, Any]]:
        """The implementations of a hook by loaded plugins, in registration order."""
        caller = getattr(self.hook, hook_name)
        pairs = []
        for impl in caller.get_hookimpls():
            record = self._records.get(impl.plugin_name)
            if record is not None and record.status == "ok":
                pairs.append((record, impl))
        return sorted(pairs, key=lambda pair: list(self._records).index(pair[0].name))

    def call_isolated(self, record: PluginRecord, impl: Any, **kwargs: Any) -> tuple[bool, Any]:
        """Call one hook implementation; a raising one is recorded (see :meth:`fail`).

        Returns ``(True, result)`` or ``(False, None)`` when the implementation raised.
        """
        if impl.hookwrapper or impl.wrapper:
            self.fail(record, f"{impl.function.__name__} must not be a hook wrapper")
            return False, None
        try:
            return True, impl.function(*(kwargs[arg] for arg in impl.argnames))
        except Exception as exc:
            self.fail(
                record,
                f"hook {impl.function.__name__} raised {type(exc).__name__}: {exc}",
            )
            return False, None

    def collect_interceptors(self, family: str, target: Any) -> list[Any]:
        """Collect the interceptors plugins contribute for ``target``, once.

        Args:
            family: ``"model_call"``, ``"tool_call"`` or ``"message"``.
            target: the client, tool or runtime being built.
        """
        hook_name = hookspecs.MIDDLEWARE_HOOKS.get(family)
        if hook_name is None:
            raise ConfigurationError(
                f"unknown interceptor family {family!r}; expected one of: "
                f"{', '.join(hookspecs.MIDDLEWARE_HOOKS)}"
            )
        argname = getattr(self.hook, hook_name).spec.argnames[0]
        collected: list[Any] = []
        for record, impl in self.hookimpls(hook_name):
            ok, result = self.call_isolated(record, impl, **{argname: target})
            if not ok or not result:
                continue
            if not isinstance(result, Sequence) or isinstance(result, str):
                self.fail(
                    record,
                    f"hook {hook_name} returned {type(result).__name__}, not a list; "
                    "return a list of interceptors (an empty list for none)",
                )
                continue
            collected.extend(result)
        return collected

    def register_commands(self, subparsers: Any) -> None:
        """Let every plugin add its CLI subcommands (a raising plugin is recorded and skipped)."""
        for record, impl in self.hookimpls("retinue_register_commands"):
            self.call_isolated(record, impl, subparsers=subparsers)


def _origin(record: PluginRecord) -> str:
    if record.distribution is None:
        return f"plugin {record.name!r}"
    return f"{record.distribution} {record.version or ''}".strip()


def _unknown_hooks(plugin: object) -> list[str]:
    """Names marked ``@hookimpl`` that match no hookspec (typos like ``retinue_register_tool``)."""
    marker = f"{PROJECT_NAME}_impl"
    known = set(hookspecs.__all__)
    return sorted(
        name
        for name in dir(plugin)
        if hasattr(getattr(plugin, name, None), marker) and name not in known
    )


_manager: PluginManager | None = None
_manager_lock = threading.Lock()


def get_plugin_manager() -> PluginManager:
    """The process-wide plugin manager, built (builtins + discovery) on first use."""
    global _manager
    with _manager_lock:
        if _manager is None:
            manager = PluginManager()
            manager.load_builtins()
            manager.load_entrypoints()
            _manager = manager
        return _manager
