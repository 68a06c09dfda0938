"""Secrets in declarative configs: held as ``SecretStr``, dumped as environment references.

A config field typed :data:`Secret` accepts a plain string, a ``SecretStr`` or an
environment reference ``{"env": "OPENAI_API_KEY"}``.  A reference is kept as a
reference: the variable is read when the secret is first needed (when a client builds
its SDK client), not when the spec is loaded.  So a spec loads, can be inspected,
edited and dumped on a machine without the keys, dumping writes the reference back,
and an unset variable fails at first use, naming the variable to set.

AutoGen dumps secrets masked as ``"**********"``.  A secret field that has a
standard variable reads the mask as a reference to it (see :func:`masked_secret_as_env`);
anywhere else a mask is refused, naming what to write instead.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import warnings
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, SecretStr

from ._errors import ComponentError, ComponentLoadError, SecretNotFoundError

__all__ = [
    "EnvSecret",
    "Secret",
    "masked_secret_as_env",
    "refuse_masked_secret",
    "secret_from_env",
    "secret_value",
]

logger = logging.getLogger(__name__)

# A name echoed back when a referenced variable is unset.  Anything else may be the
# secret itself pasted where its variable's name belongs, so it is never shown.
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")

# Variables whose masked placeholder was already reported: a team spec repeats the same
# masked key in every agent, and a long-running process loads many specs.
_masks_reported: set[str] = set()
_masks_lock = threading.Lock()


class EnvSecret(SecretStr):
    """A ``SecretStr`` that remembers the environment variable it comes from.

    ``EnvSecret(value, env)`` holds a value that was read from (or equals) ``env``.
    ``EnvSecret(None, env)`` (or :meth:`reference`) is a reference: the variable is read
    each time the value is asked for, and an unset variable raises
    :class:`~retinue.SecretNotFoundError` then, naming it.
    """

    def __init__(self, value: str | None, env: str | None = None) -> None:
        if value is None and not env:
            raise ComponentError("an EnvSecret needs a value or the name of its variable")
        super().__init__(value if value is not None else "")
        self.env = env
        self._deferred = value is None

    @classmethod
    def reference(cls, env: str) -> EnvSecret:
        """A secret read from the environment variable ``env`` when it is first needed."""
        return cls(None, env)

    @property
    def deferred(self) -> bool:
        """True for a reference whose variable is read on use rather than held."""
        return self._deferred

    def get_secret_value(self) -> str:
        """The clear value; a reference reads its variable now (unset: ``SecretNotFoundError``)."""
        if not self._deferred:
            return super().get_secret_value()
        assert self.env is not None
        return _read_env(self.env)

    def peek(self) -> str | None:
        """The clear value if it can be had now, else None (never raises)."""
        if not self._deferred:
            return super().get_secret_value()
        return os.environ.get(self.env or "")

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, EnvSecret) and (self._deferred or other._deferred):
            return self._deferred == other._deferred and self.env == other.env
        return super().__eq__(other)

    def __hash__(self) -> int:
        # A reference hashes without reading its variable, which may be unset.
        return hash(("env", self.env)) if self._deferred else super().__hash__()

    def __len__(self) -> int:
        return len(self.peek() or "")

    def _display(self) -> str:
        return "**********"

    def __repr__(self) -> str:
        source = f", env={self.env!r}" if self.env else ""
        return f"EnvSecret('**********'{source})"


def _read_env(name: str) -> str:
    value = os.environ.get(name)
    if value is not None:
        return value
    if _ENV_NAME.fullmatch(name) is None:
        raise SecretNotFoundError(
            'a secret reference {"env": ...} names no set environment variable, and the '
            "name given is not shown because it does not look like one (it may be the "
            "secret itself); put the secret in an environment variable such as "
            'OPENAI_API_KEY and write {"env": "OPENAI_API_KEY"}'
        )
    raise SecretNotFoundError(
        f"the spec refers to the environment variable {name!r} for a secret, "
        f"but it is not set; export {name}=... and try again"
    )


def secret_from_env(value: str | SecretStr | None, env: str) -> EnvSecret | None:
    """Make a secret for a client argument, falling back to the environment variable ``env``.

    With ``value`` None the variable is read now (None when unset): a client without
    a key can say so when it is built.  A given value that equals the variable's
    content is recorded as coming from it, so the client can be dumped.  An
    :class:`EnvSecret` (a reference from a spec included) is kept as it is.
    """
    if isinstance(value, EnvSecret):
        return value
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    from_env = os.environ.get(env)
    if raw is None:
        return EnvSecret(from_env, env) if from_env is not None else None
    return EnvSecret(raw, env if raw == from_env else None)


def secret_value(secret: SecretStr | str | None) -> str | None:
    """The clear value of a secret, for handing to an SDK at the last moment.

    A reference reads its variable here and raises ``SecretNotFoundError`` when it is unset.
    """
    if secret is None or isinstance(secret, str):
        return secret
    return secret.get_secret_value()


def _is_mask(value: Any) -> bool:
    if isinstance(value, EnvSecret) and value.deferred:
        return False
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    return isinstance(raw, str) and bool(raw) and set(raw) == {"*"}


def masked_secret_as_env(value: Any, env: str) -> Any:
    """Read a masked placeholder such as AutoGen's ``"**********"`` as ``{"env": env}``.

    AutoGen dumps every key masked, so its specs would otherwise send asterisks as the
    key.  The mask stands for the secret the spec's author had, which the provider's
    standard variable ``env`` holds on most machines: the secret becomes a reference to
    it (dumped back as ``{"env": env}``) and a warning is logged once per variable.  Call
    it from a ``field_validator(..., mode="before")`` of a secret field; other values
    pass through unchanged.
    """
    if not _is_mask(value):
        return value
    with _masks_lock:
        first = env not in _masks_reported
        _masks_reported.add(env)
    if first:
        logger.warning(
            "the spec holds a masked secret ('****', as AutoGen writes keys); reading it as "
            '{"env": "%s"}, so %s must be set when the client is first used; write '
            '{"env": "%s"} in the spec to make this explicit',
            env,
            env,
            env,
        )
    return {"env": env}


def refuse_masked_secret(value: Any, env: str) -> Any:
    """Deprecated alias of :func:`masked_secret_as_env` (masks are no longer refused)."""
    warnings.warn(
        "retinue.refuse_masked_secret is deprecated; use retinue.masked_secret_as_env, "
        "which reads a masked secret as a reference to the variable",
        DeprecationWarning,
        stacklevel=2,
    )
    return masked_secret_as_env(value, env)


def _resolve(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"env"}:
        name = value["env"]
        if not isinstance(name, str) or not name:
            raise ComponentLoadError(
                'a secret reference must look like {"env": "VARIABLE_NAME"}; give the name '
                "of the environment variable that holds the secret"
            )
        return EnvSecret.reference(name)
    if _is_mask(value):
        raise ComponentLoadError(
            "the spec holds a masked placeholder ('****') where a secret belongs, as AutoGen "
            'writes it; replace it with {"env": "VARIABLE_NAME"} naming the environment '
            "variable that holds the secret"
        )
    if isinstance(value, str):
        return EnvSecret(value)
    return value


def _dump(value: SecretStr) -> dict[str, str]:
    env = getattr(value, "env", None)
    if not env:
        raise ComponentError(
            "this component holds a secret that was passed in clear, and retinue never "
            "writes secrets into a spec; set it through an environment variable (the "
            "client's documented one, e.g. OPENAI_API_KEY) or pass "
            "retinue.secret_from_env(value, 'VAR') so it dumps as {'env': 'VAR'}"
        )
    return {"env": env}


Secret = Annotated[
    SecretStr,
    BeforeValidator(_resolve),
    PlainSerializer(_dump, return_type=dict, when_used="always"),
]
"""Secret config field type: loads from text or ``{"env": NAME}``, dumps as ``{"env": NAME}``.

A reference is read when the secret is first used, not on load.
"""
