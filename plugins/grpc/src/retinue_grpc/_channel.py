"""Channel options shared by the host and the worker: TLS, token and message size limits."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr
from retinue import ConfigurationError

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "ChannelSecurity",
    "grpc_options",
    "read_pem",
    "token_matches",
]

# gRPC's own default receive limit; sends are held to the same bound.
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class ChannelSecurity(BaseModel):
    """TLS and token settings of one end of a connection.

    Args:
        token: a shared secret; the worker sends it as ``authorization: Bearer <token>``
            and the host refuses every call without it.
        tls_certificate, tls_private_key: PEM files of the host's certificate and key
            (host side: both turn TLS on).
        tls_root_certificates: PEM file of the CA the worker trusts (worker side: turns
            TLS on).
        max_message_bytes: largest frame accepted or sent, each way.
    """

    token: SecretStr | None = None
    tls_certificate: Path | None = None
    tls_private_key: Path | None = None
    tls_root_certificates: Path | None = None
    max_message_bytes: int = Field(default=DEFAULT_MAX_MESSAGE_BYTES, gt=0)


def grpc_options(
    max_message_bytes: int, extra: list[tuple[str, Any]] | None = None
) -> list[tuple[str, Any]]:
    """Channel or server options bounding frames to ``max_message_bytes`` each way."""
    options: dict[str, Any] = {
        "grpc.max_send_message_length": max_message_bytes,
        "grpc.max_receive_message_length": max_message_bytes,
    }
    options.update(dict(extra or []))
    return list(options.items())


def read_pem(path: Path | None, what: str) -> bytes | None:
    """The bytes of a PEM file, or a :class:`ConfigurationError` naming ``what`` it is."""
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the {what} file {str(path)[:200]!r}: {exc.strerror}; pass a PEM file"
        ) from None


def token_matches(metadata: dict[str, str], token: SecretStr | None) -> bool:
    """Whether the call carries ``token`` (always true when no token is configured)."""
    if token is None:
        return True
    sent = metadata.get("authorization", "")
    expected = f"Bearer {token.get_secret_value()}"
    return hmac.compare_digest(sent.encode(), expected.encode())
