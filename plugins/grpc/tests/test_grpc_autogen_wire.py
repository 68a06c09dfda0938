"""The protocol matches AutoGen 0.7.5's byte for byte (needs scripts/setup-autogen-env.sh)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from retinue_grpc._protos import agent_worker_pb2, cloudevent_pb2

AUTOGEN_PYTHON = Path(__file__).parents[3] / "bench" / ".envs" / "autogen-grpc" / "bin" / "python"

pytestmark = pytest.mark.skipif(
    not AUTOGEN_PYTHON.exists(),
    reason="the AutoGen comparison environment is missing; run scripts/setup-autogen-env.sh",
)


def test_compiled_protos_are_autogens_byte_for_byte() -> None:
    script = (
        "from autogen_ext.runtimes.grpc.protos import agent_worker_pb2, cloudevent_pb2\n"
        "print(cloudevent_pb2.DESCRIPTOR.serialized_pb.hex())\n"
        "print(agent_worker_pb2.DESCRIPTOR.serialized_pb.hex())\n"
    )
    result = subprocess.run(
        [str(AUTOGEN_PYTHON), "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    theirs = result.stdout.split()
    assert theirs == [
        cloudevent_pb2.DESCRIPTOR.serialized_pb.hex(),
        agent_worker_pb2.DESCRIPTOR.serialized_pb.hex(),
    ]
