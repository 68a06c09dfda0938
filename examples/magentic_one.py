"""The standard Magentic-One team from one model client, with code behind an approval.

A scripted model stands in for a real one (swap in any model client): it plans, finds
the request satisfied after one look, and answers.  The terminal runs code locally here;
``choose_code_executor()`` picks Docker's executor when retinue-docker is installed and
its engine answers.

    python examples/magentic_one.py
"""

from __future__ import annotations

import asyncio
import json

import retinue
from retinue.testing import ScriptedChatCompletionClient
from retinue_agentchat.agents import ApprovalRequest, ApprovalResponse
from retinue_magentic_one import MagenticOne


def done_ledger() -> str:
    entry = {"reason": "The answer is known.", "answer": True}
    no = {"reason": "-", "answer": False}
    return json.dumps(
        {
            "is_request_satisfied": entry,
            "is_in_loop": no,
            "is_progress_being_made": entry,
            "next_speaker": {"reason": "-", "answer": "Coder"},
            "instruction_or_question": {"reason": "-", "answer": "-"},
        }
    )


def my_approval(request: ApprovalRequest) -> ApprovalResponse:
    """Run only code that does not delete anything."""
    if "rm " in request.code:
        return ApprovalResponse(approved=False, reason="No deleting files.")
    return ApprovalResponse(approved=True, reason="Looks harmless.")


async def main() -> None:
    client = ScriptedChatCompletionClient(
        ["Facts: Oslo has about 700,000 people.", "Plan: answer.", done_ledger(), "About 700,000."]
    )
    executor = retinue.create("code_executor", "local", work_dir=".")
    team = MagenticOne(client, code_executor=executor, approval_func=my_approval)
    result = await team.run(task="Find the population of Oslo and plot it")
    await team.close()  # stops the browser
    await executor.stop()
    print(result.messages[-1].to_text())


if __name__ == "__main__":
    asyncio.run(main())
