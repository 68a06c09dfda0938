"""The fixed component kinds, in the order the registry, specs and the CLI list them.

A foundation, so components (a contract) and the hookspecs (the plugin system) both
read the one list; ``retinue.hookspecs.PROVIDER_HOOKS`` says which hook registers each.
"""

__all__ = ["KINDS"]

KINDS: tuple[str, ...] = (
    "model_client",
    "tool",
    "workbench",
    "code_executor",
    "runtime",
    "agent",
    "team",
    "termination",
    "model_context",
    "memory",
)
"""The fixed kind names used by the registry, by specs and by the CLI."""
