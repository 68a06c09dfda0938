"""Code-execution contracts."""

from ._extract import extract_markdown_code_blocks
from ._types import CodeBlock, CodeExecutor, CodeResult

__all__ = ["CodeBlock", "CodeExecutor", "CodeResult", "extract_markdown_code_blocks"]
