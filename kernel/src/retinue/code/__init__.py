"""Code-execution contracts, and the pieces executors share (file names, output caps,
process-tree supervision, runs in progress)."""

from ._extract import extract_markdown_code_blocks
from ._files import UnsafeFilenameError, encode_code, file_for_block, write_block_file
from ._process import SUPERVISOR_SCRIPT, CappedOutput, uninterruptible
from ._runs import CodeRuns, join_outputs, raise_if_cancelled
from ._types import CodeBlock, CodeExecutor, CodeResult

__all__ = [
    "SUPERVISOR_SCRIPT",
    "CappedOutput",
    "CodeBlock",
    "CodeExecutor",
    "CodeResult",
    "CodeRuns",
    "UnsafeFilenameError",
    "encode_code",
    "extract_markdown_code_blocks",
    "file_for_block",
    "join_outputs",
    "raise_if_cancelled",
    "uninterruptible",
    "write_block_file",
]
