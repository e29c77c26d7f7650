"""Executions to capture, without a server: the workflows of ``capture_workflows`` run on an
in-memory engine by their real worker functions, read back through the ordinary clients bound to
that engine (``LocalConductor``), as capture reads a server. The integration tests run the same
workflows on the real server.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from capture_workflows import HUMAN_OUTPUT, WAIT_OUTPUT, definitions, start_request, workers

from conductor_testkit.engine import Engine
from conductor_testkit.engine.in_process import LocalConductor
from conductor_testkit.testing import Execution, Harness, LocalBackend


def name(base: str) -> str:
    return f"u_{base}"


DEFINITIONS = definitions(name)
WORKFLOWS: Dict[str, Dict[str, Any]] = DEFINITIONS["workflows"]


class Production:
    """An engine standing in for production: runs the executions with the real workers."""

    def __init__(self, engine: Optional[Engine] = None) -> None:
        self.engine = engine if engine is not None else Engine()
        self.harness = Harness(LocalBackend(self.engine), strict=False)
        self.harness.register(*DEFINITIONS["task_defs"], *WORKFLOWS.values())
        self.clients = LocalConductor(self.engine).clients

    def run(self, label: str, **input_changes: Any) -> Execution:
        """Run the execution ``label`` of ``capture_workflows.EXECUTIONS`` (its input changed by
        ``input_changes``), completing its WAIT and HUMAN tasks from outside, as people would."""
        request = start_request(label, name)
        execution = self.harness.run(
            WORKFLOWS[request["name"]],
            {**request["input"], **input_changes},
            workers=workers(name),
            correlation_id=request["correlationId"],
        )
        for ref, output in (("payment", WAIT_OUTPUT), ("review", HUMAN_OUTPUT)):
            if execution.is_waiting_on(ref):
                execution = execution.complete(ref, output)
        return execution
