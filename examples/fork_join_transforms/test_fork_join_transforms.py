"""The fork/join report: real QuickJS and real jq, joined."""

from __future__ import annotations

from examples.fork_join_transforms.main import run


def test_report_completes_with_both_branch_results() -> None:
    workflow = run()
    assert workflow["status"] == "COMPLETED"
    assert workflow["output"] == {"total": 37, "lines": 3, "quantities": {"drinks": 5, "kitchen": 1}}


def test_join_waits_for_both_branches() -> None:
    tasks = {t["referenceTaskName"]: t for t in run()["tasks"]}
    join = next(t for t in tasks.values() if t["taskType"] == "JOIN")
    assert sorted(join["outputData"]) == ["by_category", "totals"]
    assert join["seq"] > tasks["fan_out"]["seq"]


def test_branches_run_as_inline_and_jq_tasks() -> None:
    types = {t["referenceTaskName"]: t["taskType"] for t in run()["tasks"]}
    assert (types["totals"], types["by_category"]) == ("INLINE", "JSON_JQ_TRANSFORM")
