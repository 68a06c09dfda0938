"""The progress ledger: the orchestrator's per-round JSON verdict, read and checked.

A model's reply is accepted only when it holds exactly one JSON object with the five
keys, each ``{"reason": ..., "answer": ...}``, and (unless the request is satisfied)
a ``next_speaker`` that is a member of the team.  Anything else is a
:class:`LedgerFormatError` whose message is fed back to the model for another try.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from retinue import RetinueError, bounded_text

__all__ = [
    "BooleanAnswer",
    "LedgerError",
    "LedgerFormatError",
    "ProgressLedger",
    "TextAnswer",
    "parse_progress_ledger",
]

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


class LedgerError(RetinueError):
    """The orchestrator's model gave no usable progress ledger within its retries."""


class LedgerFormatError(LedgerError, ValueError):
    """One reply was not a usable progress ledger; the message says why, for the model."""


class BooleanAnswer(BaseModel):
    """A yes/no verdict of the ledger with its reason."""

    reason: str
    answer: bool


class TextAnswer(BaseModel):
    """A text answer of the ledger (a speaker's name, an instruction) with its reason."""

    reason: str
    answer: str


class ProgressLedger(BaseModel):
    """One round's progress ledger, with AutoGen's five keys.

    Also the ``json_output`` schema handed to models with structured output.
    """

    is_request_satisfied: BooleanAnswer
    is_in_loop: BooleanAnswer
    is_progress_being_made: BooleanAnswer
    next_speaker: TextAnswer
    instruction_or_question: TextAnswer


def _json_objects(text: str) -> list[Any]:
    """Every top-level JSON value that starts with ``{`` in ``text``, in order."""
    fenced = _FENCE.findall(text)
    sources = fenced if fenced else [text]
    decoder = json.JSONDecoder()
    found: list[Any] = []
    for source in sources:
        index = source.find("{")
        while index != -1:
            try:
                value, end = decoder.raw_decode(source, index)
            except json.JSONDecodeError:
                index = source.find("{", index + 1)
                continue
            found.append(value)
            index = source.find("{", end)
    return found


def parse_progress_ledger(text: str, participant_names: Sequence[str]) -> ProgressLedger:
    """Read one reply as a :class:`ProgressLedger`, or raise :class:`LedgerFormatError`.

    With a single participant, ``next_speaker`` is that participant whatever the reply
    says (or whether it says anything).
    """
    objects = _json_objects(text)
    if len(objects) != 1:
        raise LedgerFormatError(
            "it holds no JSON object" if not objects else f"it holds {len(objects)} JSON objects"
        )
    data = objects[0]
    if len(participant_names) == 1 and isinstance(data, dict):
        data["next_speaker"] = {
            "reason": "The team has a single member.",
            "answer": participant_names[0],
        }
    try:
        ledger = ProgressLedger.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'the object'}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        raise LedgerFormatError(
            f"the JSON object does not have the expected shape ({problems})"
        ) from exc
    speaker = ledger.next_speaker.answer
    if not ledger.is_request_satisfied.answer and speaker not in participant_names:
        raise LedgerFormatError(
            f"next_speaker {bounded_text(repr(speaker))} is not a member of the team"
        )
    return ledger
