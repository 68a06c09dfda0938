"""How to reach an MCP server: stdio, SSE or streamable HTTP (AutoGen's names and fields)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from retinue import ConfigurationError, Secret, secret_from_env, secret_value

__all__ = [
    "McpServerParams",
    "SseServerParams",
    "StdioServerParams",
    "StreamableHttpServerParams",
]


def _env_secrets(value: Any) -> Any:
    # A clear value equal to the variable of the same name in this process dumps as a
    # reference to it; any other clear value refuses to be dumped (it may be a key).
    if not isinstance(value, Mapping):
        return value
    return {
        key: secret_from_env(item, key) if isinstance(item, (str, SecretStr)) else item
        for key, item in value.items()
    }


class StdioServerParams(BaseModel):
    """A server started as a subprocess and spoken to over its stdin/stdout.

    ``env`` values are secrets: never logged, dumped as ``{"env": NAME}`` references.
    A value passed in clear dumps as a reference when it equals the variable of the
    same name in this process, and otherwise refuses to be dumped.
    ``read_timeout_seconds`` bounds the start (the ``initialize`` handshake) and every
    request other than a tool call (whose limit is the workbench's ``timeout``).
    """

    model_config = ConfigDict(extra="ignore")

    type: Literal["StdioServerParams"] = "StdioServerParams"
    command: str
    args: list[str] = Field(default_factory=list)
    env: dict[str, Secret] | None = None
    cwd: str | None = None
    read_timeout_seconds: float = 5.0

    _check_env = field_validator("env", mode="before")(_env_secrets)

    @field_validator("command")
    @classmethod
    def _command_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the server's executable, e.g. 'npx' or 'python'")
        return value

    def clear_env(self) -> dict[str, str] | None:
        """The environment for the subprocess, secrets in clear (for the SDK only)."""
        if self.env is None:
            return None
        return {key: secret_value(value) or "" for key, value in self.env.items()}

    def describe(self) -> str:
        """The server for messages and logs: the command, never the env values."""
        return " ".join([self.command, *self.args])[:200]


class _HttpParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    url: str
    headers: dict[str, Secret] | None = None
    timeout: float = 5.0
    sse_read_timeout: float = 300.0

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("the server URL must start with http:// or https://")
        return value

    def clear_headers(self) -> dict[str, str] | None:
        """The request headers, secrets in clear (for the SDK only)."""
        if self.headers is None:
            return None
        return {key: secret_value(value) or "" for key, value in self.headers.items()}

    def describe(self) -> str:
        """The server for messages and logs: its URL without query or credentials."""
        url = self.url.split("?", 1)[0]
        scheme, _, rest = url.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2]}"[:200]


class SseServerParams(_HttpParams):
    """A server reached over HTTP with Server-Sent Events (the older HTTP transport).

    ``headers`` values are secrets, dumped as ``{"env": NAME}`` references.
    """

    type: Literal["SseServerParams"] = "SseServerParams"


class StreamableHttpServerParams(_HttpParams):
    """A server reached over streamable HTTP (``http://host:port/mcp``).

    ``headers`` values are secrets, dumped as ``{"env": NAME}`` references.
    """

    type: Literal["StreamableHttpServerParams"] = "StreamableHttpServerParams"
    timeout: float = 30.0
    terminate_on_close: bool = True


McpServerParams = Annotated[
    StdioServerParams | SseServerParams | StreamableHttpServerParams,
    Field(discriminator="type"),
]
"""Any of the three server parameter types, told apart by ``type``."""


def check_params(value: Any) -> StdioServerParams | SseServerParams | StreamableHttpServerParams:
    """Refuse anything that is not server parameters, saying what to pass."""
    if not isinstance(value, (StdioServerParams, SseServerParams, StreamableHttpServerParams)):
        raise ConfigurationError(
            f"server_params must be StdioServerParams, SseServerParams or "
            f"StreamableHttpServerParams, got {type(value).__name__}"
        )
    return value
