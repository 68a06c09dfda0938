"""Terminal output for runs."""

from ._console import Console

__all__ = ["Console"]
