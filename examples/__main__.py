"""Run every example on the embedded engine (no server) and print what ran.

``python -m examples`` (the README's ``./scripts/examples``) runs each example, prints its
workflow, status, output and task sequence, and exits non-zero if one did not complete.
``python -m examples order_processing`` runs only the named ones.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from typing import Any, Callable, Dict, List, Mapping, Sequence

# name -> module with a ``run() -> workflow JSON`` function
EXAMPLES: Dict[str, str] = {
    "order_processing": "examples.order_processing.main",
    "fork_join_transforms": "examples.fork_join_transforms.main",
    "long_wait": "examples.long_wait.main",
    "memory_hello": "examples.memory_hello.main",
    "booking_saga": "examples.booking_saga.main",
    "loan_approval": "examples.loan_approval.main",
    "expense_review": "examples.expense_review.main",
    "catalog_import": "examples.catalog_import.main",
    "customer_onboarding": "examples.customer_onboarding.main",
    "invoicing": "examples.invoicing.main",
}


def describe(name: str, workflow: Mapping[str, Any]) -> str:
    """A few lines saying what ran: workflow, status, output, the tasks in order."""
    steps = []
    for task in workflow.get("tasks") or []:
        step = f"{task['referenceTaskName']}:{task['status']}"
        if task.get("retryCount"):
            step += f"(retry {task['retryCount']})"
        steps.append(step)
    lines = [
        f"== {name}: workflow {workflow.get('workflowName')} v{workflow.get('workflowVersion')} "
        f"-> {workflow.get('status')}",
        f"   output: {json.dumps(workflow.get('output') or {}, sort_keys=True)}",
        f"   tasks:  {' -> '.join(steps)}",
    ]
    elapsed_ms = int(workflow.get("endTime") or 0) - int(workflow.get("createTime") or 0)
    if workflow.get("endTime") and elapsed_ms >= 1000:
        lines.append(f"   virtual time: {_duration(elapsed_ms)} on the workflow clock")
    if workflow.get("reasonForIncompletion"):
        lines.append(f"   reason: {workflow['reasonForIncompletion']}")
    return "\n".join(lines)


def _duration(ms: int) -> str:
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{seconds}s" if seconds else ""]
    return " ".join(p for p in parts if p) or "0s"


def run_examples(names: Sequence[str], out: Callable[[str], Any] = print) -> int:
    """Run the named examples; returns the number that failed (raised or did not complete)."""
    failures: List[str] = []
    for name in names:
        started = time.perf_counter()
        try:
            module = importlib.import_module(EXAMPLES[name])
            workflow = module.run()
        except Exception as exc:
            out(f"== {name}: FAILED with {type(exc).__name__}: {exc}")
            failures.append(name)
            continue
        out(describe(name, workflow))
        out(f"   real time: {(time.perf_counter() - started) * 1000:.0f} ms")
        if workflow.get("status") != "COMPLETED":
            failures.append(name)
    out("")
    out(
        f"{len(names) - len(failures)} of {len(names)} examples completed"
        + (f"; failed: {', '.join(failures)}" if failures else "")
    )
    return len(failures)


def main(argv: Sequence[str]) -> int:
    names = list(argv) or list(EXAMPLES)
    unknown = [n for n in names if n not in EXAMPLES]
    if unknown:
        print(f"unknown example(s): {', '.join(unknown)}; known: {', '.join(EXAMPLES)}", file=sys.stderr)
        return 2
    return 1 if run_examples(names) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
