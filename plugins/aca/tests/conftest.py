"""A local session pool (``aca_server.SessionPool``) on 127.0.0.1 for every test here."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from aca_server import SessionPool


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[SessionPool]:
    server = SessionPool(root=tmp_path / "sessions")
    yield server
    server.close()
