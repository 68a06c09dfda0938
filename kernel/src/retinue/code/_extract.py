"""Find fenced code blocks in model output."""

from __future__ import annotations

import re

from ._types import CodeBlock

__all__ = ["extract_markdown_code_blocks"]

# An opening fence may carry a language and trailing words (```python title="x"); the
# closing fence must be alone on its line, so ``` inside a string literal does not end it.
_FENCE = re.compile(r"^```[ \t]*([\w+\-.#]*)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def extract_markdown_code_blocks(text: str) -> list[CodeBlock]:
    """Return the fenced blocks of ``text`` in order; a block without a language is ``python``.

    >>> extract_markdown_code_blocks("Run:\\n```sh\\necho hi\\n```\\n")
    [CodeBlock(code='echo hi\\n', language='sh')]
    """
    return [
        CodeBlock(code=body, language=(lang or "python").lower())
        for lang, body in _FENCE.findall(text)
    ]
