"""The orchestrator's prompts: planning (facts and plan), the progress ledger, re-planning
and the final answer.  Placeholders are filled with ``str.format``."""

from __future__ import annotations

FACTS_PROMPT = """Here is a request to work on:

{task}

Before anyone starts, write down what we know and what we need. Use exactly these four
headings, each followed by short bullet points:

1. GIVEN OR VERIFIED FACTS — facts stated in the request itself, or that are certain.
2. FACTS TO LOOK UP — facts we need and where they might be found (a website, a file).
3. FACTS TO DERIVE — facts to work out by reasoning, calculation or running code.
4. EDUCATED GUESSES — likely answers or hunches worth checking, with why you think so.

Do not try to solve the request yet."""

PLAN_PROMPT = """This team is available to work on the request:

{team}

Write a short plan, as bullet points, of who should do what to fulfil the request.
Involve only the members the request needs."""

TASK_LEDGER_PROMPT = """We are working on this request:

{task}

The team:

{team}

What we know so far:

{facts}

The plan:

{plan}"""

PROGRESS_LEDGER_PROMPT = """Recall the request we are working on:

{task}

The team:

{team}

Review the conversation so far and decide the next step. Answer with one JSON object
and nothing else. Each of its five keys holds an object with a "reason" (a short
string) and an "answer":

- "is_request_satisfied": answer true only if the request has been fully and
  successfully addressed, else false;
- "is_in_loop": answer true if we keep repeating the same requests or replies
  without getting anywhere, else false;
- "is_progress_being_made": answer true if the latest messages moved us closer to
  the goal, false if we are stuck or meet the same obstacles again;
- "next_speaker": answer with exactly one of {names};
- "instruction_or_question": answer with the instruction or question for the next
  speaker, addressed to them directly.

For example:

{{
  "is_request_satisfied": {{"reason": "...", "answer": false}},
  "is_in_loop": {{"reason": "...", "answer": false}},
  "is_progress_being_made": {{"reason": "...", "answer": true}},
  "next_speaker": {{"reason": "...", "answer": "{first_name}"}},
  "instruction_or_question": {{"reason": "...", "answer": "..."}}
}}"""

FACTS_UPDATE_PROMPT = """We have not made progress on this request:

{task}

This was our list of facts and guesses:

{facts}

Rewrite the list with what we have learnt since: move newly verified facts under
GIVEN OR VERIFIED FACTS, drop what turned out wrong, and add at least one new
educated guess. Keep the same four headings."""

PLAN_UPDATE_PROMPT = """Our attempt stalled. First say in a sentence or two what went
wrong and why. Then write a new plan, as bullet points, that avoids that problem.
The team:

{team}"""

FINAL_ANSWER_PROMPT = """We have finished working on this request:

{task}

Using the conversation above, write the final answer for the person who asked. If the
request could not be fulfilled, say so and give the best answer we have."""

#: what the orchestrator says when a progress ledger could not be read
LEDGER_FEEDBACK = """Your reply could not be used: {problem}
Answer again with exactly one JSON object with the keys is_request_satisfied,
is_in_loop, is_progress_being_made, next_speaker and instruction_or_question, each an
object with "reason" and "answer"; next_speaker must be one of {names}."""
