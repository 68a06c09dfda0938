"""MkDocs hook: builds the navigation from the pages present and adds one page per plugin.

The hook reference is rendered from ``retinue.hookspecs`` at build time by
``docs/gen_hooks.py``, so the site always shows the hooks of the kernel it documents.

Each ``plugins/<name>/README.md`` and ``contrib/<name>/README.md`` becomes
``plugins/<name>.md`` in the site, so a plugin's page and its README never drift.
Relative links in a README point into the repository; they are rewritten to the
matching site page, or reduced to their text when the site has no such page, so
the strict build keeps checking every link that remains.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_GROUPS = ("plugins", "contrib")

# (title, page) in reading order; pages other engineers have not written yet are left out.
PAGES: list[tuple[str, str]] = [
    ("Getting started", "index.md"),
    ("Installing", "install.md"),
    ("Migrating from AutoGen", "migration.md"),
    ("Concepts", "concepts.md"),
    ("Writing plugins", "writing-plugins.md"),
    ("Plugin template", "plugin-template.md"),
    ("Hook reference", "hooks.md"),
    ("CLI", "cli.md"),
    ("Runtime", "runtime.md"),
    ("AgentChat", "agentchat.md"),
    ("Telemetry", "telemetry.md"),
    ("Compatibility", "compatibility.md"),
]

_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def plugin_readmes() -> list[tuple[str, Path]]:
    """``(name, README path)`` of every first-party and contrib plugin, by name."""
    found = []
    for group in PLUGIN_GROUPS:
        for readme in sorted((ROOT / group).glob("*/README.md")):
            found.append((readme.parent.name, readme))
    return found


def _rewrite_link(match: re.Match[str], names: set[str]) -> str:
    bang, text, target = match.groups()
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
        return match.group(0)
    path, _, anchor = target.partition("#")
    parts = [part for part in path.split("/") if part not in ("", ".", "..")]
    suffix = f"#{anchor}" if anchor else ""
    if parts and parts[0] == "kernel":
        return f"{bang}[{text}](../index.md{suffix})"
    if parts and parts[0] in names and (len(parts) == 1 or parts[-1] == "README.md"):
        return f"{bang}[{text}]({parts[0]}.md{suffix})"
    return text


def plugin_page(readme: Path, names: set[str]) -> str:
    """The site page of one plugin: its README with repository links made site links."""
    text = readme.read_text(encoding="utf-8")
    return _LINK.sub(lambda match: _rewrite_link(match, names), text)


def hook_reference() -> str | None:
    """``docs/hooks.md`` as ``docs/gen_hooks.py`` renders it now, if the generator exists."""
    generator = ROOT / "docs" / "gen_hooks.py"
    spec = importlib.util.spec_from_file_location("retinue_docs_gen_hooks", generator)
    if not generator.is_file() or spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.render())


def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    hooks_page = hook_reference()
    if hooks_page is not None:
        existing = files.get_file_from_path("hooks.md")
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, "hooks.md", content=hooks_page))
    readmes = plugin_readmes()
    names = {name for name, _ in readmes}
    for name, readme in readmes:
        files.append(
            File.generated(config, f"plugins/{name}.md", content=plugin_page(readme, names))
        )
    return files


def _title(page: Path) -> str:
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return page.stem.replace("-", " ").capitalize()


def on_config(config: MkDocsConfig, **_: Any) -> MkDocsConfig:
    docs_dir = Path(config["docs_dir"])
    nav: list[Any] = [{title: page} for title, page in PAGES if (docs_dir / page).is_file()]
    # Pages added later than this list go before the last entry (the compatibility table).
    listed = {page for _, page in PAGES}
    extra = [
        {_title(path): path.name}
        for path in sorted(docs_dir.glob("*.md"))
        if path.name not in listed
    ]
    nav[-1:-1] = extra
    plugin_pages = [{name: f"plugins/{name}.md"} for name, _ in plugin_readmes()]
    if plugin_pages:
        nav.insert(min(len(nav), 5), {"Plugins": plugin_pages})
    config["nav"] = nav
    return config
