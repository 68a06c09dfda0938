"""Model error context: a provider's error text never carries the client's key."""

from __future__ import annotations

import pytest
from retinue.models import ModelErrorContext, redact_secret


@pytest.mark.parametrize(
    "echoed",
    [
        "Incorrect API key provided: sk-ab***********yz",
        "invalid x-api-key sk-ant-api03-abcdefgh",
        "API key not valid: AIzaSyA1234567890",
        "Authorization: Bearer sk-proj-abcdefgh",
    ],
)
def test_key_like_tokens_are_redacted(echoed: str) -> None:
    redacted = redact_secret(echoed, None)

    assert "[redacted]" in redacted
    assert not any(token in redacted for token in ("sk-ab", "sk-ant", "AIzaSy", "sk-proj"))


def test_the_clients_own_secret_is_redacted_even_when_it_looks_like_no_key() -> None:
    context = ModelErrorContext("acme", "acme-1", secret="hunter2hunter2", key_env="ACME_API_KEY")

    assert context.redact("proxy said: hunter2hunter2 is wrong") == (
        "proxy said: [redacted] is wrong"
    )


def test_text_without_a_key_is_left_alone() -> None:
    assert redact_secret("model gpt-x not found", "") == "model gpt-x not found"
