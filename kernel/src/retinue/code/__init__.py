"""Code-execution contracts, and the pieces executors share (file names, output caps,
process-tree supervision)."""

from ._extract import extract_markdown_code_blocks
from ._files import UnsafeFilenameError, encode_code, file_for_block, write_block_file
from ._process import SUPERVISOR_SCRIPT, CappedOutput, uninterruptible
from ._types import CodeBlock, CodeExecutor, CodeResult

__all__ = [
    "SUPERVISOR_SCRIPT",
    "CappedOutput",
    "CodeBlock",
    "CodeExecutor",
    "CodeResult",
    "UnsafeFilenameError",
    "encode_code",
    "extract_markdown_code_blocks",
    "file_for_block",
    "uninterruptible",
    "write_block_file",
]
