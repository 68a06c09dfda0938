"""Provider-neutral help for turning a provider's failures into model errors without a key."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ModelErrorContext", "redact_secret"]

# Key-like tokens a server or proxy may echo back ("Incorrect API key provided: sk-ab***yz",
# "sk-ant-api03-...", "AIza...", "Bearer ...").
_KEY_LIKE = re.compile(r"\b(sk|key|AIza|Bearer)[-_A-Za-z0-9*.]{6,}")


def redact_secret(text: str, secret: str | None) -> str:
    """``text`` with ``secret`` and anything that looks like an API key replaced."""
    if secret:
        text = text.replace(secret, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", text)


@dataclass(frozen=True)
class ModelErrorContext:
    """Who failed: the provider and model names, the key to scrub and the env var to suggest.

    A model client builds one and hands it to its error translation, so every message it
    raises names the provider and model and never quotes the key.
    """

    provider: str
    model: str
    secret: str | None
    key_env: str

    def redact(self, text: str) -> str:
        """``text`` with this client's key and anything that looks like a key replaced."""
        return redact_secret(text, self.secret)
