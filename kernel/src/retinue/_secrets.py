"""Secrets in declarative configs: held as ``SecretStr``, dumped as environment references.

A config field typed :data:`Secret` accepts a plain string, a ``SecretStr`` or an
environment reference ``{"env": "OPENAI_API_KEY"}``.  A reference is resolved when
the spec is loaded and remembered, so dumping writes the reference back: the value is
never written in clear and never replaced by a mask that would lose it.
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, SecretStr

from ._errors import ComponentError, ComponentLoadError, SecretNotFoundError

__all__ = ["EnvSecret", "Secret", "refuse_masked_secret", "secret_from_env", "secret_value"]

# A name echoed back when a referenced variable is unset.  Anything else may be the
# secret itself pasted where its variable's name belongs, so it is never shown.
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")


class EnvSecret(SecretStr):
    """A ``SecretStr`` that remembers the environment variable it was read from."""

    def __init__(self, value: str, env: str | None = None) -> None:
        super().__init__(value)
        self.env = env

    def __repr__(self) -> str:
        source = f", env={self.env!r}" if self.env else ""
        return f"EnvSecret('**********'{source})"


def secret_from_env(value: str | SecretStr | None, env: str) -> EnvSecret | None:
    """Make a secret for a client argument, falling back to the environment variable ``env``.

    With ``value`` None the variable is read (None when unset).  A given value that equals
    the variable's content is recorded as coming from it, so the client can be dumped.
    """
    if isinstance(value, EnvSecret):
        return value
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    from_env = os.environ.get(env)
    if raw is None:
        return EnvSecret(from_env, env) if from_env is not None else None
    return EnvSecret(raw, env if raw == from_env else None)


def secret_value(secret: SecretStr | str | None) -> str | None:
    """The clear value of a secret, for handing to an SDK at the last moment."""
    if secret is None or isinstance(secret, str):
        return secret
    return secret.get_secret_value()


def refuse_masked_secret(value: Any, env: str) -> Any:
    """Refuse a masked placeholder such as AutoGen's ``"**********"``, naming the variable to use.

    AutoGen dumps keys masked; sending the mask would fail much later as a confusing
    401.  Call it from a ``field_validator(..., mode="before")`` of a secret field.
    """
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if isinstance(raw, str) and raw and set(raw) == {"*"}:
        raise ComponentLoadError(
            "the spec holds a masked placeholder ('****') where a secret belongs, as AutoGen "
            f'writes it; replace it with {{"env": "{env}"}} and set {env}'
        )
    return value


def _resolve(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"env"}:
        name = value["env"]
        if not isinstance(name, str) or not name:
            raise ComponentLoadError(
                'a secret reference must look like {"env": "VARIABLE_NAME"}; give the name '
                "of the environment variable that holds the secret"
            )
        resolved = os.environ.get(name)
        if resolved is None and _ENV_NAME.fullmatch(name) is None:
            raise SecretNotFoundError(
                'a secret reference {"env": ...} names no set environment variable, and the '
                "name given is not shown because it does not look like one (it may be the "
                "secret itself); put the secret in an environment variable such as "
                'OPENAI_API_KEY and write {"env": "OPENAI_API_KEY"}'
            )
        if resolved is None:
            raise SecretNotFoundError(
                f"the spec refers to the environment variable {name!r} for a secret, "
                f"but it is not set; export {name}=... and load the spec again"
            )
        return EnvSecret(resolved, name)
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
"""Secret config field type: loads from text or ``{"env": NAME}``, dumps as ``{"env": NAME}``."""
