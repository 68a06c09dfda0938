"""retinue-echo: a tool that repeats its input (the example of docs/writing-plugins.md)."""

from ._tool import EchoArgs, EchoConfig, EchoTool

__all__ = ["EchoArgs", "EchoConfig", "EchoTool"]
