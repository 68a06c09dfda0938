"""Fixtures shared by the conformance suites."""

from __future__ import annotations

from typing import Any

import pytest


class ConformanceBase:
    """Shared fixtures; override ``component_registry`` to load specs elsewhere."""

    @pytest.fixture
    def component_registry(self) -> Any:
        """The registry dumped specs are loaded back from (default: the process-wide one,
        which holds every installed plugin)."""
        from ..registry import get_registry

        return get_registry()


def missing_fixture(suite: str, name: str, what: str) -> Any:
    """Fail with a message telling the suite's user which fixture to write."""
    pytest.fail(
        f"{suite} needs the fixture {name!r}: override it in your test class to return {what}",
        pytrace=False,
    )
