"""``retinue new extension``: scaffold a plugin distribution from the extension template.

Everything a user typed is validated before anything is rendered, and the
template is rendered into a scratch directory next to the destination and moved
into place in one step, so a failure never leaves a half-written project behind.

The same validation runs in the template's ``pre_gen_project`` hook, so rendering
the template with the ``cookiecutter`` command directly gives the same messages.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._errors import ConfigurationError
from ._specifiers import version_satisfies
from .hookspecs import KINDS

__all__ = [
    "FIRST_PARTY_PLUGINS",
    "KIND_CHOICES",
    "TEMPLATE_DIRECTORY_NAME",
    "ExtensionSpec",
    "add_new_command",
    "find_template",
    "kernel_range",
    "render_extension",
    "validate_context",
    "validate_extension",
]

KIND_CHOICES: tuple[str, ...] = KINDS
"""The kinds the template can generate: every kind the provider hooks define.

``tool`` generates a tool and a workbench offering it; ``workbench`` generates a
workbench that serves tools of its own, without ``Tool`` objects behind them.
"""

FIRST_PARTY_PLUGINS: frozenset[str] = frozenset(
    {
        "aca",
        "agentchat",
        "anthropic",
        "azure",
        "docker",
        "gemini",
        "grpc",
        "jupyter",
        "langchain",
        "local",
        "magentic-one",
        "mcp",
        "ollama",
        "openai",
        "otel",
        "studio",
        "web-surfer",
    }
)
"""Plugin names the retinue project publishes or reserves; third parties pick others."""

TEMPLATE_DIRECTORY_NAME = "cookiecutter-extension"

_PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_MAX_NAME_LENGTH = 40
# Canonical public PEP 440 versions: release, optional pre-release, post and dev parts.
_VERSION = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")
_KERNEL_MIN = re.compile(r"^(\d+)\.(\d+)$")
# Characters that would break the TOML and Python strings the template writes them into.
_UNSAFE_TEXT = re.compile(r'["\\\n\r]')


def kernel_range(kernel_min: str) -> str:
    """The requirement a plugin built for ``kernel_min`` declares: ``>=X.Y,<NEXT``.

    During 0.x every minor release may break plugins, so the cap is the next minor;
    from 1.0 on it is the next major.
    """
    match = _KERNEL_MIN.match(kernel_min)
    if match is None:
        raise ConfigurationError(
            f"kernel minimum {kernel_min!r} is not of the form MAJOR.MINOR; "
            "pass for example --kernel-min 0.1"
        )
    major, minor = int(match.group(1)), int(match.group(2))
    upper = f"0.{minor + 1}" if major == 0 else f"{major + 1}"
    return f"retinue>={major}.{minor},<{upper}"


def _running_kernel_version() -> str:
    from ._version import __version__

    return __version__


def _current_kernel_min() -> str:
    major, minor = _running_kernel_version().split(".")[:2]
    return f"{major}.{minor}"


@dataclass(frozen=True)
class ExtensionSpec:
    """The validated answers that describe one plugin distribution to generate."""

    plugin_name: str
    kind: str
    version: str = "0.1.0"
    author: str = "Your Name"
    description: str = ""
    kernel_min: str = ""

    @property
    def distribution(self) -> str:
        """The distribution name, ``retinue-<name>``."""
        return f"retinue-{self.plugin_name}"

    @property
    def package(self) -> str:
        """The import package, ``retinue_<name_with_underscores>``."""
        return "retinue_" + self.plugin_name.replace("-", "_")

    @property
    def requirement(self) -> str:
        """The kernel requirement written into the generated ``pyproject.toml``."""
        return kernel_range(self.kernel_min)

    def cookiecutter_context(self, *, project_slug: str, workspace_member: bool) -> dict[str, str]:
        """The values handed to the template."""
        return {
            "plugin_name": self.plugin_name,
            "kind": self.kind,
            "version": self.version,
            "author": self.author,
            "description": self.description,
            "kernel_min": self.kernel_min,
            "__project_slug": project_slug,
            "__workspace_member": "yes" if workspace_member else "no",
        }


def validate_extension(
    plugin_name: str,
    kind: str,
    *,
    version: str = "0.1.0",
    author: str = "Your Name",
    description: str | None = None,
    kernel_min: str | None = None,
) -> ExtensionSpec:
    """Check every answer and return the spec, or raise :class:`ConfigurationError`.

    The kernel range the plugin will declare must include the running kernel,
    otherwise the generated plugin would be skipped by this very installation.
    """
    if not isinstance(plugin_name, str) or not _PLUGIN_NAME.match(plugin_name):
        raise ConfigurationError(
            f"invalid plugin name {plugin_name!r}: use lowercase letters, digits and single "
            "hyphens, starting with a letter (e.g. 'weather' or 'weather-tools')"
        )
    if len(plugin_name) > _MAX_NAME_LENGTH:
        raise ConfigurationError(
            f"plugin name {plugin_name!r} is {len(plugin_name)} characters long; "
            f"keep it to {_MAX_NAME_LENGTH} or fewer"
        )
    if plugin_name == "retinue" or plugin_name.startswith("retinue-"):
        raise ConfigurationError(
            f"plugin name {plugin_name!r} must not start with 'retinue': the distribution "
            f"is named retinue-<name> for you, so pass only the <name> part"
        )
    if plugin_name in FIRST_PARTY_PLUGINS:
        raise ConfigurationError(
            f"plugin name {plugin_name!r} belongs to a first-party retinue plugin "
            f"(retinue-{plugin_name}); pick another name, e.g. '{plugin_name}-extra'"
        )
    if kind not in KIND_CHOICES:
        raise ConfigurationError(f"invalid kind {kind!r}; choose one of: {', '.join(KIND_CHOICES)}")
    if not isinstance(version, str) or not _VERSION.match(version):
        raise ConfigurationError(
            f"invalid version {version!r}: use a PEP 440 version such as 0.1.0, 1.2.0rc1 "
            "or 2.0.0.dev1"
        )
    text_fields = {"author": author, "description": description or ""}
    for field_name, value in text_fields.items():
        if _UNSAFE_TEXT.search(value):
            raise ConfigurationError(
                f"invalid {field_name} {value!r}: it must be one line without double quotes "
                "or backslashes"
            )
    chosen_min = kernel_min or _current_kernel_min()
    requirement = kernel_range(chosen_min)
    running = _running_kernel_version()
    if not version_satisfies(running, requirement.removeprefix("retinue")):
        raise ConfigurationError(
            f"the kernel range {requirement} excludes the running kernel retinue {running}, "
            "so the generated plugin would never load here; pass "
            f"--kernel-min {_current_kernel_min()} or upgrade retinue"
        )
    return ExtensionSpec(
        plugin_name=plugin_name,
        kind=kind,
        version=version,
        author=author,
        description=description or f"A retinue plugin providing a {kind.replace('_', ' ')}.",
        kernel_min=chosen_min,
    )


def validate_context(context: Mapping[str, Any]) -> ExtensionSpec:
    """Validate a cookiecutter context (used by the template's ``pre_gen_project`` hook)."""
    return validate_extension(
        str(context.get("plugin_name", "")),
        str(context.get("kind", "")),
        version=str(context.get("version", "")),
        author=str(context.get("author", "")),
        description=str(context.get("description", "")),
        kernel_min=str(context.get("kernel_min", "")) or None,
    )


def find_template(template: str | os.PathLike[str] | None = None) -> Path:
    """Locate the extension template.

    An explicit path wins; otherwise the template is looked up in the source
    checkout the kernel runs from (``<repo>/cookiecutter-extension``).
    """
    if template is not None:
        path = Path(template)
        if not (path / "cookiecutter.json").is_file():
            raise ConfigurationError(
                f"{path} is not a cookiecutter template (no cookiecutter.json); pass the "
                f"{TEMPLATE_DIRECTORY_NAME} directory of the retinue repository"
            )
        return path
    here = Path(__file__).resolve()
    # Installed from a wheel the template ships inside the package; in a source
    # checkout it is the repository's own directory.
    candidates = [here.parent / "_extension_template"]
    candidates += [parent / TEMPLATE_DIRECTORY_NAME for parent in here.parents]
    for candidate in candidates:
        if (candidate / "cookiecutter.json").is_file():
            return candidate
    raise ConfigurationError(
        "the extension template was not found next to this retinue installation; pass "
        f"--template PATH pointing at the {TEMPLATE_DIRECTORY_NAME} directory of a retinue "
        "source checkout"
    )


def _is_workspace_folder(folder: Path) -> bool:
    """Whether ``folder`` is ``plugins/`` or ``contrib/`` of a uv workspace that lists it."""
    root_pyproject = folder.parent / "pyproject.toml"
    if folder.name not in ("plugins", "contrib") or not root_pyproject.is_file():
        return False
    text = root_pyproject.read_text(encoding="utf-8")
    return "[tool.uv.workspace]" in text and f'"{folder.name}/*"' in text


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    raise ConfigurationError(f"no existing directory above {path}")  # pragma: no cover


def render_extension(
    spec: ExtensionSpec,
    output_dir: str | os.PathLike[str] = ".",
    *,
    template: str | os.PathLike[str] | None = None,
) -> Path:
    """Render the template for ``spec`` under ``output_dir`` and return the project path.

    Inside a workspace's ``plugins/`` or ``contrib/`` folder the project is named
    ``<name>`` and joins the workspace; anywhere else it is named ``retinue-<name>``
    and stands alone.
    """
    template_dir = find_template(template)
    try:
        from cookiecutter.main import cookiecutter  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ConfigurationError(
            "`retinue new extension` needs cookiecutter, which is an optional dependency: "
            "pip install 'retinue[new]'"
        ) from exc
    output = Path(output_dir).resolve()
    workspace_member = _is_workspace_folder(output)
    slug = spec.plugin_name if workspace_member else spec.distribution
    target = output / slug
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigurationError(
            f"{target} already exists and is not empty; choose another --output-dir or "
            "remove it first (nothing was written)"
        )
    # The scratch directory sits on the destination's file system so the final move is a
    # single rename: either the whole project appears or nothing does.
    scratch = Path(tempfile.mkdtemp(prefix=".retinue-new-", dir=_nearest_existing(output)))
    try:
        rendered = Path(
            cookiecutter(
                str(template_dir),
                no_input=True,
                output_dir=str(scratch),
                extra_context=spec.cookiecutter_context(
                    project_slug=slug, workspace_member=workspace_member
                ),
            )
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(rendered, target)
    except Exception as exc:
        if isinstance(exc, ConfigurationError):
            raise
        raise ConfigurationError(
            f"rendering the extension template failed ({type(exc).__name__}: {exc}); "
            "nothing was written"
        ) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _ask(prompt: str, default: str) -> str:
    answer = input(f"{prompt} [{default}]: ").strip()
    return answer or default


def _run_new_extension(args: argparse.Namespace) -> int:
    name, kind = args.name, args.kind
    if not args.no_input and sys.stdin.isatty():
        name = name or _ask("plugin name", "my-plugin")
        kind = kind or _ask(f"kind ({', '.join(KIND_CHOICES)})", "tool")
    missing = [flag for flag, value in (("NAME", name), ("--kind", kind)) if not value]
    if missing:
        raise ConfigurationError(
            f"missing {' and '.join(missing)}; e.g. retinue new extension weather --kind tool"
        )
    spec = validate_extension(
        name,
        kind,
        version=args.version,
        author=args.author,
        description=args.description,
        kernel_min=args.kernel_min,
    )
    target = render_extension(spec, args.output_dir, template=args.template)
    print(f"Created {spec.distribution} ({spec.kind}) in {target}")
    print(f"Next: cd {target} && pip install -e '.[test]' && pytest")
    return 0


def add_new_command(subparsers: Any) -> None:
    """Add ``retinue new extension`` to the CLI's argparse ``subparsers``."""
    new = subparsers.add_parser("new", help="scaffold new retinue projects")
    new_sub = new.add_subparsers(dest="new_command", metavar="WHAT", required=True)
    extension = new_sub.add_parser(
        "extension",
        help="generate a plugin distribution from the extension template",
        description="Generate a complete plugin distribution (pyproject, plugin.py, a working "
        "implementation of the chosen kind, conformance tests, README, CHANGELOG, CI, noxfile).",
    )
    extension.add_argument(
        "name", nargs="?", help="plugin name, e.g. 'weather' (-> retinue-weather)"
    )
    extension.add_argument("--kind", choices=KIND_CHOICES, help="what the plugin provides")
    extension.add_argument("--version", default="0.1.0", help="the plugin's first version")
    extension.add_argument("--author", default="Your Name", help="author name")
    extension.add_argument("--description", default=None, help="one-line description")
    extension.add_argument(
        "--kernel-min", default=None, help="lowest supported kernel MAJOR.MINOR (default: this one)"
    )
    extension.add_argument(
        "-o", "--output-dir", default=".", help="where to create the project (default: here)"
    )
    extension.add_argument("--template", default=None, help="path of the extension template")
    extension.add_argument(
        "--no-input", action="store_true", help="never prompt; fail if NAME or --kind is missing"
    )
    extension.set_defaults(handler=_run_new_extension)
