"""The in-process runtime passes the runtime conformance suite, with and without serialization."""

from __future__ import annotations

from typing import Any

import pytest
from retinue.runtime import AgentRuntime, InProcessRuntime
from retinue.testing._suites_runtime import RuntimeConformance


class TestInProcessRuntime(RuntimeConformance):
    @pytest.fixture
    def runtime_factory(self) -> Any:
        async def make(**options: Any) -> AgentRuntime:
            return InProcessRuntime(**options)

        return make


class TestInProcessRuntimeSerializing(RuntimeConformance):
    """Every message and reply is encoded and decoded, as the gRPC runtime will."""

    serializes_messages = True

    @pytest.fixture
    def runtime_factory(self) -> Any:
        async def make(**options: Any) -> AgentRuntime:
            return InProcessRuntime(serialize_messages=True, **options)

        return make
