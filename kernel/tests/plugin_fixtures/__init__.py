"""Build real installed distributions for plugin tests: ``.dist-info`` metadata plus packages.

Tests of plugin discovery must see what pip would leave on disk, not a patched
``importlib.metadata``.  :class:`PluginSite` is a directory that acts as a
site-packages: put it on ``sys.path`` (in-process) or on ``PYTHONPATH`` (for a
subprocess), and write distributions into it::

    with PluginSite(tmp_path) as site:
        site.add_plugin("echo", plugin_source=ECHO_PLUGIN)
        pm = PluginManager(strict=False)
        pm.load_entrypoints()

:meth:`PluginSite.install_project` installs a real project directory (a
``pyproject.toml``, e.g. a rendered cookiecutter template) into the site with
``uv pip install --target``.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

__all__ = ["PluginSite", "write_distribution"]

KERNEL_RANGE = "retinue>=0.1,<0.2"


def _record_line(root: Path, path: Path) -> str:
    data = path.read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path.relative_to(root).as_posix()},sha256={digest},{len(data)}"


def write_distribution(
    site: Path,
    name: str,
    *,
    version: str = "0.1.0",
    requires: Iterable[str] = (KERNEL_RANGE,),
    entry_points: Mapping[str, Mapping[str, str]] | None = None,
    files: Mapping[str, str] | None = None,
) -> Path:
    """Write one installed distribution into ``site`` and return its ``.dist-info`` directory.

    Args:
        name: the distribution name (``retinue-echo``).
        requires: its ``Requires-Dist`` lines.
        entry_points: group -> {entry point name: value}.
        files: path relative to ``site`` -> text (the distribution's modules).
    """
    dist_info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for relative, text in (files or {}).items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        written.append(path)
    metadata_lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata_lines += [f"Requires-Dist: {line}" for line in requires]
    (dist_info / "METADATA").write_text("\n".join(metadata_lines) + "\n", encoding="utf-8")
    sections = []
    for group, points in (entry_points or {}).items():
        body = "\n".join(f"{key} = {value}" for key, value in points.items())
        sections.append(f"[{group}]\n{body}\n")
    (dist_info / "entry_points.txt").write_text("\n".join(sections), encoding="utf-8")
    (dist_info / "INSTALLER").write_text("retinue-tests\n", encoding="utf-8")
    written += [dist_info / "METADATA", dist_info / "entry_points.txt", dist_info / "INSTALLER"]
    record = [_record_line(site, path) for path in written]
    record.append(f"{(dist_info / 'RECORD').relative_to(site).as_posix()},,")
    (dist_info / "RECORD").write_text("\n".join(record) + "\n", encoding="utf-8")
    return dist_info


class PluginSite:
    """A directory of installed distributions, put on ``sys.path`` while used as a context."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._packages: set[str] = set()

    def add_distribution(self, name: str, **kwargs: object) -> Path:
        """:func:`write_distribution` into this site."""
        files = kwargs.get("files") or {}
        assert isinstance(files, Mapping)
        self._packages.update(Path(path).parts[0].removesuffix(".py") for path in files)
        return write_distribution(self.root, name, **kwargs)  # type: ignore[arg-type]

    def add_plugin(
        self,
        short_name: str,
        plugin_source: str,
        *,
        version: str = "0.1.0",
        requires: Iterable[str] = (KERNEL_RANGE,),
        entry_point: str | None = None,
        extra_files: Mapping[str, str] | None = None,
        distribution: str | None = None,
    ) -> Path:
        """Write the plugin distribution ``retinue-<short_name>``.

        Its package ``retinue_<short_name>`` holds ``plugin.py`` (``plugin_source``) and
        ``extra_files`` (relative to the package); the entry point ``<short_name>``
        points at ``retinue_<short_name>.plugin`` unless ``entry_point`` says otherwise.
        """
        package = f"retinue_{short_name.replace('-', '_')}"
        files = {f"{package}/__init__.py": "", f"{package}/plugin.py": plugin_source}
        files.update({f"{package}/{path}": text for path, text in (extra_files or {}).items()})
        return self.add_distribution(
            distribution or f"retinue-{short_name}",
            version=version,
            requires=requires,
            entry_points={"retinue": {short_name: entry_point or f"{package}.plugin"}},
            files=files,
        )

    def install_project(self, project_dir: Path) -> None:
        """Install a project (a directory with ``pyproject.toml``) into this site, without deps."""
        uv = shutil.which("uv")
        command = ([uv, "pip", "install"] if uv else [sys.executable, "-m", "pip", "install"]) + [
            "--no-deps",
            "--target",
            str(self.root),
            str(project_dir),
        ]
        if uv:
            command[3:3] = ["--python", sys.executable]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that should see this site (and nothing autoloaded else)."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(self.root), env.get("PYTHONPATH", "")])
        )
        return env

    def __enter__(self) -> PluginSite:
        sys.path.insert(0, str(self.root))
        importlib.invalidate_caches()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        sys.path.remove(str(self.root))
        for module in list(sys.modules):
            if module.split(".", 1)[0] in self._packages:
                del sys.modules[module]
        importlib.invalidate_caches()
