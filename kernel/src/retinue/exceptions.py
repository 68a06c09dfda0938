"""AutoGen's ``autogen_core.exceptions`` names, so migrated code keeps its imports.

Each name is the same class as retinue's own error (every one a
:class:`retinue.RetinueError`); new code catches the retinue names.
"""

from __future__ import annotations

from ._errors import CantHandleError, MessageDroppedError, UndeliverableError

__all__ = ["CantHandleException", "MessageDroppedException", "UndeliverableException"]

CantHandleException = CantHandleError
MessageDroppedException = MessageDroppedError
UndeliverableException = UndeliverableError
