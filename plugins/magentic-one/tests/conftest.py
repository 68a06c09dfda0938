"""Shared fixtures: progress ledgers as a model would write them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

LedgerFactory = Callable[..., str]


def ledger_json(
    speaker: str = "",
    instruction: str = "Carry on.",
    *,
    satisfied: bool = False,
    progress: bool = True,
    loop: bool = False,
    reason: str = "Because.",
) -> str:
    """A progress ledger reply with AutoGen's five keys."""
    return json.dumps(
        {
            "is_request_satisfied": {"reason": reason, "answer": satisfied},
            "is_in_loop": {"reason": "No repetition.", "answer": loop},
            "is_progress_being_made": {"reason": "Steps add up.", "answer": progress},
            "next_speaker": {"reason": "Best placed.", "answer": speaker},
            "instruction_or_question": {"reason": "Next step.", "answer": instruction},
        }
    )


@pytest.fixture
def ledger() -> LedgerFactory:
    """Build a progress ledger reply: ``ledger("web", "Open the page")``."""
    return ledger_json
