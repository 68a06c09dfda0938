"""The ``retinue`` command: inspect plugins and providers; plugins add their own subcommands.

Kernel subcommands: ``retinue plugins [--json]``, ``retinue plugins doctor``,
``retinue components [KIND] [--json]`` and ``retinue --version``.  Others come from
plugins through ``retinue_register_commands`` (``retinue run`` from
retinue-agentchat, ``retinue m1`` from retinue-magentic-one); when one of those is
missing, the command says which distribution to install.
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import importlib.util
import json
import logging
import os
import sys
import types
import typing
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import ConfigurationError, PluginError, RetinueError, bounded_repr, bounded_text
from ._specifiers import SpecifierError, normalize_name, version_satisfies
from ._version import __version__
from .hookspecs import KINDS
from .plugins import (
    ENTRY_POINT_GROUP,
    PluginManager,
    get_plugin_manager,
    iter_plugin_entry_points,
    kernel_requirement,
)
from .registry import Registry

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

__all__ = ["KNOWN_PLUGIN_COMMANDS", "main"]

KNOWN_PLUGIN_COMMANDS: dict[str, str] = {
    "run": "retinue-agentchat",
    "m1": "retinue-magentic-one",
}
"""Subcommands that first-party plugins provide -> the distribution to install for them."""

_INSPECTION_COMMANDS = {"plugins", "components"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``retinue`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(format="retinue: warning: %(message)s", level=logging.WARNING)
    strict_failure: PluginError | None = None
    try:
        manager = get_plugin_manager()
    except PluginError as exc:
        # Strict mode: still build a tolerant manager so `retinue plugins` can explain.
        strict_failure = exc
        manager = _tolerant_manager()
    parser = _build_parser(manager)
    missing = _missing_command(arguments, parser, manager)
    if missing is not None:
        print(f"retinue: {missing}", file=sys.stderr)
        return 2
    args = parser.parse_args(arguments)
    if strict_failure is not None and args.command not in _INSPECTION_COMMANDS:
        print(f"retinue: error: {strict_failure}", file=sys.stderr)
        return 1
    args.plugin_manager = manager
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        result = handler(args)
    except RetinueError as exc:
        print(f"retinue: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Ctrl-C: one line, no traceback; a command that was printing a run has
        # already closed it and printed its summary on the way out.
        print("retinue: interrupted", file=sys.stderr)
        # Before Python 3.11 the interrupt lands in whichever task runs, and asyncio
        # would report that task's KeyboardInterrupt again when it is collected.
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``retinue ... | head``): end quietly, as a command
        # killed by SIGPIPE would.
        return _stdout_closed()
    return int(result or 0)


#: the conventional exit status of a command whose output pipe was closed (128 + SIGPIPE)
EXIT_BROKEN_PIPE = 141
#: the conventional exit status of a command stopped by Ctrl-C (128 + SIGINT)
EXIT_INTERRUPTED = 130


def _stdout_closed() -> int:
    # Python flushes stdout once more at exit; pointed at the null device, that final
    # flush cannot raise a second BrokenPipeError with its "Exception ignored" message.
    try:
        stdout = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return EXIT_BROKEN_PIPE  # not a real file (an embedding host): nothing flushes it
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stdout)
    os.close(devnull)
    return EXIT_BROKEN_PIPE


def _tolerant_manager() -> PluginManager:
    manager = PluginManager(strict=False)
    manager.load_builtins()
    manager.load_entrypoints()
    return manager


def _inspect(args: argparse.Namespace) -> tuple[PluginManager, Registry]:
    """The manager and registry to report on: never raising, even in strict mode."""
    manager: PluginManager = args.plugin_manager
    try:
        return manager, Registry(manager)
    except PluginError:
        manager = _tolerant_manager()
        return manager, Registry(manager)


def _build_parser(manager: PluginManager) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retinue", description="Multi-agent AI applications from a kernel plus plugins."
    )
    parser.add_argument("--version", action="version", version=f"retinue {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    plugins = subparsers.add_parser("plugins", help="list installed plugins and their status")
    plugins.add_argument("--json", action="store_true", help="print JSON instead of a table")
    plugins.set_defaults(handler=_plugins_command)
    plugin_actions = plugins.add_subparsers(dest="plugins_action", metavar="ACTION")
    doctor = plugin_actions.add_parser(
        "doctor", help="check plugin metadata (requirements, entry points) without importing"
    )
    # SUPPRESS keeps `retinue plugins --json doctor` meaning JSON: a sub-parser's own
    # default would otherwise overwrite the parent's --json.
    doctor.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON instead of text"
    )
    doctor.add_argument(
        "--path",
        action="append",
        metavar="DIR",
        help="check the distributions installed in DIR instead of sys.path (repeatable)",
    )
    doctor.set_defaults(handler=_doctor_command)

    components = subparsers.add_parser(
        "components",
        help="list registered providers by kind, or show one provider's config fields",
    )
    components.add_argument("kind", nargs="?", choices=KINDS, help="only this kind")
    components.add_argument(
        "name", nargs="?", help="show this provider's config fields (with --json: its JSON Schema)"
    )
    components.add_argument("--json", action="store_true", help="print JSON instead of a table")
    components.set_defaults(handler=_components_command)

    manager.register_commands(subparsers)
    return parser


def _missing_command(
    arguments: Sequence[str], parser: argparse.ArgumentParser, manager: PluginManager
) -> str | None:
    command = next((arg for arg in arguments if not arg.startswith("-")), None)
    if command is None or command not in KNOWN_PLUGIN_COMMANDS:
        return None
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    if command in subparsers.choices:
        return None
    distribution = KNOWN_PLUGIN_COMMANDS[command]
    installed = [
        record
        for record in manager.records
        if record.distribution and normalize_name(record.distribution) == distribution
    ]
    if not installed:
        return f"'retinue {command}' is provided by {distribution}: pip install {distribution}"
    record = installed[0]
    if record.status != "ok":
        return (
            f"'retinue {command}' comes from {distribution}, which is installed but did not "
            f"load ({record.status}: {record.error}); run 'retinue plugins' for details"
        )
    return (
        f"'retinue {command}' comes from {distribution}, but the installed {record.version} "
        f"does not provide it; upgrade it: pip install --upgrade {distribution}"
    )


# --- retinue plugins ---------------------------------------------------------


def _plugins_command(args: argparse.Namespace) -> int:
    manager, registry = _inspect(args)
    rows = []
    for record in manager.records:
        row = record.to_json()
        row["providers"] = registry.registered_by(record.name)
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = [
        [
            row["name"],
            row["distribution"] or "-",
            row["version"] or "-",
            row["status"],
            "; ".join(f"{kind}: {', '.join(names)}" for kind, names in row["providers"].items())
            or "-",
        ]
        for row in rows
    ]
    _print_table(["NAME", "DISTRIBUTION", "VERSION", "STATUS", "PROVIDERS"], table)
    for row in rows:
        if row["error"]:
            print(f"\n{row['name']} ({row['status']}): {row['error']}")
    return 0


# --- retinue plugins doctor -------------------------------------------------


@dataclass(frozen=True)
class _Finding:
    distribution: str
    problem: str
    fix: str
    severity: str = "problem"  # or "warning", which does not fail the check


def _doctor_command(args: argparse.Namespace) -> int:
    findings = diagnose(args.path)
    problems = [finding for finding in findings if finding.severity == "problem"]
    if args.json:
        print(json.dumps([asdict(finding) for finding in findings], indent=2))
    elif not findings:
        print("No problems found.")
    else:
        for finding in findings:
            print(f"{finding.severity.upper()} {finding.distribution}: {finding.problem}")
            print(f"  fix: {finding.fix}")
        print(f"\n{len(problems)} problem(s), {len(findings) - len(problems)} warning(s).")
    return 1 if problems else 0


def diagnose(
    paths: Sequence[str] | None = None, kernel_version: str = __version__
) -> list[_Finding]:
    """Check every ``retinue`` plugin's metadata (in ``paths``, default ``sys.path``).

    No plugin code is imported.
    """
    findings = _shadowed_distributions(paths)
    owners: dict[str, str] = {}
    for candidate in iter_plugin_entry_points(paths):
        dist = candidate.distribution
        where = f"[project.entry-points.retinue] of {dist}"
        if candidate.name in owners:
            findings.append(
                _Finding(
                    dist,
                    f"entry point name {candidate.name!r} is also used by {owners[candidate.name]}",
                    f"rename the entry point in {where}, or uninstall one of the two",
                )
            )
        owners.setdefault(candidate.name, dist)
        if not candidate.is_well_formed:
            findings.append(
                _Finding(
                    dist,
                    f"malformed entry point {candidate.name} = {candidate.value!r}",
                    f'point it at the plugin module, e.g. {candidate.name} = "<package>.plugin", '
                    f"in {where}",
                )
            )
            continue
        findings += _requirement_findings(dist, candidate.requires, kernel_version)
        if not _module_exists(candidate.module, paths):
            findings.append(
                _Finding(
                    dist,
                    f"entry point {candidate.name!r} names module {candidate.module!r}, "
                    "which is not installed",
                    f"reinstall {dist}, or fix the module path in {where}",
                )
            )
    return findings


def _requirement_findings(dist: str, requires: Sequence[str], kernel: str) -> list[_Finding]:
    try:
        specifier = kernel_requirement(requires)
        if specifier is None:
            return [
                _Finding(
                    dist,
                    "declares no requirement on retinue",
                    f'add "retinue>={_minor(kernel)},<{_next_minor(kernel)}" to its dependencies',
                )
            ]
        if not version_satisfies(kernel, specifier):
            return [
                _Finding(
                    dist,
                    f"requires retinue{specifier}, but the installed kernel is {kernel}",
                    f"install a version of {dist} made for retinue {kernel}, "
                    f"or a retinue in {specifier}",
                )
            ]
    except SpecifierError as exc:
        return [
            _Finding(
                dist,
                f"cannot read its requirement on retinue: {exc}",
                "fix the retinue entry in its dependencies",
            )
        ]
    if "<" not in specifier and "~=" not in specifier and "==" not in specifier:
        return [
            _Finding(
                dist,
                f"requires retinue{specifier} with no upper bound",
                f"cap the kernel range, e.g. <{_next_minor(kernel)}, "
                "so a breaking kernel is not picked",
                severity="warning",
            )
        ]
    return []


def _shadowed_distributions(paths: Sequence[str] | None) -> list[_Finding]:
    copies: dict[str, list[metadata.Distribution]] = {}
    dists = metadata.distributions() if paths is None else metadata.distributions(path=list(paths))
    for dist in dists:
        if dist.metadata["Name"] and any(
            entry_point.group == ENTRY_POINT_GROUP for entry_point in dist.entry_points
        ):
            copies.setdefault(normalize_name(dist.metadata["Name"]), []).append(dist)
    findings = []
    for name, dists in copies.items():
        if len(dists) > 1:
            where = ", ".join(f"{d.version} at {d.locate_file('')}" for d in dists)
            findings.append(
                _Finding(
                    name,
                    f"installed {len(dists)} times ({where}); only the first is used",
                    f"uninstall the extra copies (pip uninstall {name}, then reinstall once)",
                )
            )
    return findings


def _module_exists(module: str, paths: Sequence[str] | None) -> bool:
    """Whether ``module`` can be found, without importing it or its parent packages."""
    top, *rest = module.split(".")
    if paths is not None:
        roots = [Path(path) for path in paths]
        locations = [root / top for root in roots if (root / top).is_dir()]
        if not locations:
            return not rest and any((root / f"{top}.py").is_file() for root in roots)
    else:
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            return False
        if spec is None:
            return False
        locations = [Path(location) for location in spec.submodule_search_locations or []]
    for index, part in enumerate(rest):
        last = index == len(rest) - 1
        found = [
            path
            for location in locations
            for path in (location / part, location / f"{part}.py")
            if path.is_dir() or (last and path.is_file())
        ]
        if not found:
            return False
        locations = [path for path in found if path.is_dir()]
    return True


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _next_minor(version: str) -> str:
    major, minor = (int(part) for part in version.split(".")[:2])
    return f"{major}.{minor + 1}" if major == 0 else f"{major + 1}"


# --- retinue components ------------------------------------------------------


def _components_command(args: argparse.Namespace) -> int:
    _, registry = _inspect(args)
    if args.name is not None:
        return _provider_command(registry, args.kind, args.name, args.json)
    providers = registry.providers(args.kind)
    if args.json:
        rows: list[dict[str, Any]] = [
            {
                "kind": info.kind,
                "name": info.name,
                "aliases": list(info.aliases),
                "capabilities": sorted(info.capabilities),
                "description": info.description,
                "distribution": info.distribution,
                "version": info.version,
                "plugin": info.plugin,
            }
            for info in providers
        ]
        print(json.dumps(rows, indent=2))
        return 0
    _print_table(
        ["KIND", "NAME", "DISTRIBUTION", "DESCRIPTION"],
        [[i.kind, i.name, i.distribution or "-", i.description or ""] for i in providers],
    )
    for conflict in registry.conflicts:
        print(f"\nconflict: {conflict}")
    return 0


def _provider_command(registry: Registry, kind: str, name: str, as_json: bool) -> int:
    """``retinue components KIND NAME``: the config fields a spec of this provider takes."""
    from pydantic import BaseModel  # here: listing plugins imports no pydantic

    info = registry.get(kind, name)
    target = registry.load(kind, name)
    schema = getattr(target, "component_config_schema", None)
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise ConfigurationError(
            f"the {kind} provider {bounded_repr(name)} ({_qualname(target)}) has no declarative "
            "config: it is built in code, not from a spec"
        )
    if as_json:
        try:
            document = schema.model_json_schema()
        except Exception as exc:  # a field type pydantic cannot describe
            raise ConfigurationError(
                f"the config of {bounded_repr(name)} has no JSON Schema: {type(exc).__name__}: "
                f"{bounded_text(str(exc), 200)}"
            ) from None
        print(json.dumps(document, indent=2))
        return 0
    print(f"{info.kind} {info.name} ({_qualname(target)}, {info.origin})")
    if info.description:
        print(info.description)
    print()
    rows = [
        [key, _type_name(field.annotation), _default(field), field.description or ""]
        for key, field in schema.model_fields.items()
    ]
    _print_table(["FIELD", "TYPE", "DEFAULT", "DESCRIPTION"], rows)
    ignored = getattr(target, "component_ignored_keys", None) or {}
    for key, reason in ignored.items():
        print(f"\naccepted and ignored: {key} ({reason})")
    return 0


def _qualname(target: Any) -> str:
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', target)}"


def _type_name(annotation: Any) -> str:
    """A field type as a reader writes it: ``str | None``, ``list[ComponentModel]``."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:  # validators and serializers are not part of the type
        return _type_name(args[0])
    if origin is typing.Union or origin is types.UnionType:
        return " | ".join(_type_name(arg) for arg in args)
    if annotation is type(None):
        return "None"
    if origin is typing.Literal:
        return " | ".join(repr(arg) for arg in args)
    if origin is not None and args:
        name = getattr(origin, "__name__", str(origin).replace("typing.", ""))
        return f"{name}[{', '.join('...' if a is Ellipsis else _type_name(a) for a in args)}]"
    return getattr(annotation, "__name__", str(annotation).replace("typing.", ""))


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    try:
        default = field.get_default(call_default_factory=True)
    except Exception:  # a factory that needs the other fields' values
        return "(computed)"
    return bounded_repr(default, 40)


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    for line in [headers, *rows]:
        print(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)
            ).rstrip()
        )


if __name__ == "__main__":
    sys.exit(main())
