"""Every AutoGen termination condition; combine them with ``|`` and ``&``.

>>> from retinue_agentchat.conditions import MaxMessageTermination, TextMentionTermination
>>> stop = TextMentionTermination("TERMINATE") | MaxMessageTermination(10)
"""

from ._control_conditions import ExternalTermination, FunctionalTermination, TimeoutTermination
from ._message_conditions import (
    FunctionCallTermination,
    HandoffTermination,
    MaxMessageTermination,
    SourceMatchTermination,
    StopMessageTermination,
    TextMentionTermination,
    TextMessageTermination,
    TokenUsageTermination,
)

__all__ = [
    "ExternalTermination",
    "FunctionCallTermination",
    "FunctionalTermination",
    "HandoffTermination",
    "MaxMessageTermination",
    "SourceMatchTermination",
    "StopMessageTermination",
    "TextMentionTermination",
    "TextMessageTermination",
    "TimeoutTermination",
    "TokenUsageTermination",
]
