"""A tiny evaluator for the version specifiers plugins put on the kernel.

The plugin manager reads ``Requires-Dist: retinue>=0.1,<0.2`` from a plugin's
metadata *before* importing it.  ``packaging`` would do this, but the kernel keeps
its dependencies few, and a kernel range only ever compares release numbers
(``>=``, ``<``, ``==``, ``!=``, ``<=``, ``>``, ``~=``, and ``==X.Y.*``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Requirement",
    "SpecifierError",
    "normalize_name",
    "parse_requirement",
    "version_satisfies",
]

_RELEASE = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")
_CLAUSE = re.compile(r"^\s*(~=|==|!=|<=|>=|<|>)\s*([0-9][0-9A-Za-z.*+!-]*)\s*$")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*")


class SpecifierError(ValueError):
    """A requirement or version specifier could not be parsed."""


@dataclass(frozen=True)
class Requirement:
    """One ``Requires-Dist`` line: a normalized name, its specifier and its marker."""

    name: str
    specifier: str
    marker: str

    @property
    def is_extra_only(self) -> bool:
        """True when the requirement applies only with an optional extra installed."""
        return re.search(r"\bextra\s*==", self.marker) is not None


def normalize_name(name: str) -> str:
    """Normalize a distribution name as PEP 503 does (``Retinue_OpenAI`` -> ``retinue-openai``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirement(line: str) -> Requirement:
    """Parse ``name[extras] (>=1,<2) ; marker`` into a :class:`Requirement`."""
    body, _, marker = line.partition(";")
    match = _NAME.match(body)
    if match is None:
        raise SpecifierError(f"cannot read the requirement {line!r}")
    specifier = body[match.end() :].strip()
    if specifier.startswith("(") and specifier.endswith(")"):
        specifier = specifier[1:-1].strip()
    if specifier.startswith("@"):
        specifier = ""  # a direct URL reference pins no version range
    return Requirement(normalize_name(match.group(1)), specifier, marker.strip())


def _release(version: str) -> tuple[int, ...]:
    match = _RELEASE.match(version)
    if match is None:
        raise SpecifierError(f"{version!r} is not a version number")
    return tuple(int(part) for part in match.group(1).split("."))


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def _clause_holds(operator: str, wanted: str, have: tuple[int, ...]) -> bool:
    if wanted.endswith(".*"):
        if operator not in ("==", "!="):
            raise SpecifierError(
                f"a wildcard is only allowed with == or !=, got {operator}{wanted}"
            )
        prefix = _release(wanted[:-2])
        matches = _padded(have, prefix)[0][: len(prefix)] == prefix
        return matches if operator == "==" else not matches
    target = _release(wanted)
    if operator == "~=":
        if len(target) < 2:
            raise SpecifierError(f"~= needs at least two release parts, got ~={wanted}")
        prefix = target[:-1]
        return (
            _clause_holds(">=", wanted, have) and _padded(have, prefix)[0][: len(prefix)] == prefix
        )
    left, right = _padded(have, target)
    return {
        "==": left == right,
        "!=": left != right,
        "<=": left <= right,
        ">=": left >= right,
        "<": left < right,
        ">": left > right,
    }[operator]


def version_satisfies(version: str, specifier: str) -> bool:
    """Whether ``version`` is inside ``specifier`` (``">=0.1,<0.2"``; empty means any).

    Pre-release and local suffixes are ignored: only release numbers are compared.
    """
    have = _release(version)
    for clause in filter(None, (part.strip() for part in specifier.split(","))):
        match = _CLAUSE.match(clause)
        if match is None:
            raise SpecifierError(f"cannot read the version specifier {clause!r}")
        if not _clause_holds(match.group(1), match.group(2), have):
            return False
    return True
