"""pytest fixtures of the retinue testing kit (loaded through the ``pytest11`` entry point).

Fixtures:

``retinue_registry``
    A registry with only the kernel's builtins: no installed plugin is discovered, so
    tests see exactly the providers they expect.  Use it with
    ``load_component(spec, registry=retinue_registry)``.
``scripted_client``
    A :class:`~retinue.testing.ScriptedChatCompletionClient` that answers ``"hello"`` to
    every call; build your own for a specific script.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..registry import Registry
    from ._scripted import ScriptedChatCompletionClient


@pytest.fixture
def retinue_registry() -> Registry:
    """An isolated registry holding the kernel's builtin providers only."""
    from ._registry import isolated_registry

    return isolated_registry()


@pytest.fixture
def scripted_client() -> ScriptedChatCompletionClient:
    """A scripted model client that answers ``"hello"`` to every call."""
    from ._scripted import ScriptedChatCompletionClient

    return ScriptedChatCompletionClient(["hello"], cycle=True)
