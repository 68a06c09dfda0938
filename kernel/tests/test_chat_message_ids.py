"""Chat message ids: unique strings shaped like UUIDs, also across forked processes."""

from __future__ import annotations

import os
import uuid
import warnings

import pytest
from retinue.chat import TextMessage, ToolCallRequestEvent, load_chat_message


def test_every_message_gets_its_own_uuid_shaped_id() -> None:
    messages = [TextMessage(content="hi", source="a") for _ in range(1000)]
    events = [ToolCallRequestEvent(content=[], source="a") for _ in range(1000)]
    ids = [m.id for m in [*messages, *events]]
    assert len(set(ids)) == len(ids)
    for message_id in ids[:10]:
        assert isinstance(message_id, str)
        assert str(uuid.UUID(message_id)) == message_id


def test_an_id_given_explicitly_is_kept_and_survives_a_round_trip() -> None:
    message = TextMessage(content="hi", source="a", id="my-own-id")
    assert message.id == "my-own-id"
    fresh = TextMessage(content="hi", source="a")
    assert load_chat_message(fresh.dump()).id == fresh.id


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork exists only on POSIX")
def test_a_forked_process_does_not_repeat_its_parents_ids() -> None:
    TextMessage(content="warm up", source="a")
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a process with threads; the child only
        # builds messages and exits.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report a few ids and leave at once
        try:
            child_ids = " ".join(TextMessage(content="x", source="c").id for _ in range(3))
            os.write(write_end, child_ids.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    parent_ids = {TextMessage(content="x", source="p").id for _ in range(3)}
    with os.fdopen(read_end) as pipe:
        child_ids = set(pipe.read().split())
    os.waitpid(pid, 0)
    assert len(child_ids) == 3
    assert not child_ids & parent_ids
    assert {i[:24] for i in child_ids}.isdisjoint({i[:24] for i in parent_ids})
