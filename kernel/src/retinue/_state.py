"""Loading composite states all or nothing, and the typed error for a refused state.

A team's state holds its participants' and its manager's, an agent's may hold an
inner team's and its model context's, the runtime's holds every agent's.  Each of
them loads through :func:`load_all_or_nothing`, so a state refused half-way leaves
every part as it was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ._errors import RetinueError, StateError, bounded_text

__all__ = ["StateTarget", "load_all_or_nothing", "state_error"]


@dataclass(frozen=True)
class StateTarget:
    """One part of a composite state: what it is, how to save it and how to load it."""

    what: str
    save: Callable[[], Awaitable[Mapping[str, Any]]]
    load: Callable[[Mapping[str, Any]], Awaitable[None]]
    state: Any


async def load_all_or_nothing(targets: Sequence[StateTarget]) -> None:
    """Load every target's state, or leave every target as it was.

    Each target's current state is saved first; when one load fails, the targets
    already loaded (and the failing one, which may have changed half-way) get their
    saved state back, and the failure is raised as a :class:`StateError` naming the
    part, never as the raw ``AttributeError``/``TypeError``/``ValidationError``.
    Teams, agents made of parts and the runtime load through this one helper.
    """
    snapshots = [await target.save() for target in targets]
    touched: list[tuple[StateTarget, Mapping[str, Any]]] = []
    error: RetinueError | None = None
    for target, snapshot in zip(targets, snapshots, strict=True):
        touched.append((target, snapshot))
        try:
            await target.load(target.state)
        except Exception as exc:
            error = state_error(f"cannot load the state of {target.what}", exc)
            break
    if error is None:
        return
    for target, snapshot in reversed(touched):
        await target.load(snapshot)
    raise error


def state_error(what: str, exc: BaseException) -> RetinueError:
    """The typed error for a failed state load: ``exc`` if already typed, else a StateError.

    The message of a raw exception is bounded, and a pydantic error lists fields and
    problems only (its own text echoes the input).
    """
    if isinstance(exc, StateError):
        return StateError(f"{what}: {exc}")
    if isinstance(exc, RetinueError):
        return exc
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '<root>'}: {item['msg']}"
            for item in exc.errors(include_url=False, include_input=False, include_context=False)
        )
        detail = bounded_text(problems, 300)
    else:
        detail = f"{type(exc).__name__}: {bounded_text(str(exc), 200)}"
    return StateError(f"{what}: {detail}; pass a state returned by save_state(), unchanged")
