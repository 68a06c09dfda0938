"""``EchoTool``: repeats its input; imported only when the ``echo`` provider is loaded."""

from __future__ import annotations

from pydantic import BaseModel, Field
from retinue import CancellationToken
from retinue.tools import BaseTool


class EchoArgs(BaseModel):
    """The arguments the model passes."""

    text: str = Field(description="the text to repeat")


class EchoConfig(BaseModel):
    """The spec of an :class:`EchoTool`."""

    name: str = "echo"


class EchoTool(BaseTool[EchoArgs, str]):
    """Repeats ``text``."""

    component_provider = "echo"
    component_config_schema = EchoConfig

    def __init__(self, name: str = EchoConfig().name) -> None:
        super().__init__(EchoArgs, str, name, "Repeat the given text.")

    def echo(self, text: str) -> str:
        """The tool's work, callable without a model (the ``echo`` subcommand uses it)."""
        return text

    async def run(self, args: EchoArgs, cancellation_token: CancellationToken) -> str:
        return self.echo(args.text)

    def _to_config(self) -> EchoConfig:
        return EchoConfig(name=self.name)

    @classmethod
    def _from_config(cls, config: EchoConfig) -> EchoTool:
        return cls(name=config.name)
