"""Provider-neutral help for turning a provider's failures into model errors without a secret.

A model client holds more secrets than its key: header values (``Authorization``,
``api-key``, gateway tokens), an Azure AD token, a password in a URL's userinfo.  A
:class:`ModelErrorContext` knows all of them and scrubs them from error messages, and
:meth:`ModelErrorContext.scrub_logs` scrubs them from the log records the SDK and its
HTTP library write (they log request options and response headers at DEBUG, and a
server may reflect a header back).
"""

from __future__ import annotations

import logging
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import SecretStr

from .._secrets import EnvSecret

__all__ = [
    "ModelErrorContext",
    "redact_secret",
    "reveal_headers",
    "secret_fragments",
    "secret_headers",
    "url_secrets",
]

# Key-like tokens a server or proxy may echo back ("Incorrect API key provided: sk-ab***yz",
# "sk-ant-api03-...", "AIza...", "Bearer ...").
_KEY_LIKE = re.compile(r"\b(sk|key|AIza|Bearer)[-_A-Za-z0-9*.]{6,}")

# A word of a secret value shorter than this is not scrubbed on its own: it could be a
# scheme ("Basic") or an ordinary word, and replacing it everywhere would mangle messages.
_MIN_FRAGMENT = 8
# A whole secret shorter than this ("x", a placeholder) would mangle every message.
_MIN_SECRET = 4

REDACTED = "[redacted]"


def secret_fragments(value: str) -> list[str]:
    """The strings to scrub for one secret ``value``, longest first.

    The value itself, and each of its words long enough to be a credential on its own:
    a server that reflects ``Authorization: Bearer abc...`` may quote only the token.
    """
    if len(value) < _MIN_SECRET:
        return []
    parts = {value, *(w for w in re.split(r"[\s,;]+", value) if len(w) >= _MIN_FRAGMENT)}
    return sorted(parts, key=len, reverse=True)


def redact_secret(text: str, secret: str | None, *more: str | None) -> str:
    """``text`` with ``secret`` (and ``more`` secrets) and anything key-like replaced."""
    for value in (secret, *more):
        for fragment in secret_fragments(value or ""):
            text = text.replace(fragment, REDACTED)
    return _KEY_LIKE.sub(REDACTED, text)


def secret_headers(
    headers: Mapping[str, str | SecretStr] | None,
) -> dict[str, SecretStr] | None:
    """HTTP headers for a client argument, each value held as a secret.

    Any header may carry a credential (``Authorization``, ``api-key``, a gateway's
    token), so every value is a ``SecretStr``: it is never printed, and dumps as an
    environment reference (``{"env": "VAR"}``) or not at all, like ``api_key``.  Pass
    ``retinue.secret_from_env(None, "VAR")`` as a value to make it dumpable.
    """
    if not headers:
        return None
    return {
        name: value if isinstance(value, EnvSecret) else EnvSecret(_clear(value))
        for name, value in headers.items()
    }


def reveal_headers(headers: Mapping[str, SecretStr] | None) -> dict[str, str] | None:
    """The clear header values, for handing to an SDK at the last moment."""
    if not headers:
        return None
    return {name: value.get_secret_value() for name, value in headers.items()}


def url_secrets(url: str | None) -> tuple[str, ...]:
    """The credentials in a URL's userinfo (``https://user:pass@host``), to scrub."""
    if not url:
        return ()
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return ()
    found = [f"{user}:{password}"] if user and password else []
    found += [p for p in (password,) if p]
    return tuple(found)


def _clear(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _known(value: str | SecretStr | None) -> str | None:
    """The clear value of a secret if it can be had now, never raising."""
    if isinstance(value, EnvSecret):
        return value.peek()
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value


@dataclass(frozen=True)
class ModelErrorContext:
    """Who failed, and what never to quote: the provider and model, the secrets, the key's env var.

    A model client builds one and hands it to its error translation, so every message it
    raises names the provider and model and quotes none of ``secret`` (the key) and
    ``other_secrets`` (header values, tokens, URL passwords).
    """

    provider: str
    model: str
    secret: str | SecretStr | None
    key_env: str
    other_secrets: tuple[str | SecretStr, ...] = ()

    def redact(self, text: str) -> str:
        """``text`` with every secret of this client and anything that looks like a key replaced."""
        return redact_secret(text, *self._values())

    def fragments(self) -> list[str]:
        """Every string :meth:`redact` replaces (besides key-like tokens)."""
        return [f for v in self._values() for f in secret_fragments(v or "")]

    def _values(self) -> list[str | None]:
        # Secrets may be environment references read on first use: each is read when a
        # message is scrubbed, and one whose variable is unset has nothing to scrub.
        return [_known(value) for value in (self.secret, *self.other_secrets)]

    def scrub_logs(self, logger_names: Iterable[str]) -> None:
        """Scrub this client's secrets from records of the loggers ``logger_names`` and below.

        Call it after the SDK is imported (its loggers exist then).  Records are scrubbed
        for as long as this context is alive; calling it again is harmless.
        """
        _SCRUBBER.watch(self, logger_names)


class _SecretLogFilter(logging.Filter):
    """Rewrites a log record that quotes a live client's secret, leaving the rest alone.

    Attached to each logger of an SDK (a filter on a parent logger does not see its
    children's records), it holds the contexts weakly so a closed and collected client
    stops costing anything.
    """

    def __init__(self) -> None:
        super().__init__()
        self._contexts: weakref.WeakSet[ModelErrorContext] = weakref.WeakSet()
        self._lock = threading.Lock()

    def watch(self, context: ModelErrorContext, logger_names: Iterable[str]) -> None:
        with self._lock:
            self._contexts.add(context)
        prefixes = tuple(logger_names)
        existing = [
            name
            for name in list(logging.Logger.manager.loggerDict)
            if any(name == p or name.startswith(p + ".") for p in prefixes)
        ]
        for name in {*prefixes, *existing}:
            logger = logging.getLogger(name)
            if self not in logger.filters:
                logger.addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            contexts = list(self._contexts)
        fragments = [f for context in contexts for f in context.fragments()]
        if not fragments:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        texts = [message, record.exc_text or "", record.stack_info or ""]
        if not any(f in text for f in fragments for text in texts):
            return True
        record.msg = _replace(message, fragments)
        record.args = ()
        if record.exc_text:
            record.exc_text = _replace(record.exc_text, fragments)
            # The formatted text above stands in for the exception, whose own text quotes
            # the secret: a handler would otherwise format it again.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = _replace(record.stack_info, fragments)
        return True


def _replace(text: str, fragments: list[str]) -> str:
    for fragment in sorted(fragments, key=len, reverse=True):
        text = text.replace(fragment, REDACTED)
    return text


_SCRUBBER = _SecretLogFilter()
