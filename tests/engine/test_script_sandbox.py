"""Hostile scripts: limits that hold whatever a jq program or a JavaScript script does.

Every case runs for real (libjq, QuickJS) in the engine's sandbox processes. Limits are small so
the cases end quickly; what is asserted is the outcome (which limit, which message), never a
duration.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any, Dict, List

import pytest
from _engine_helpers import system_task, wf

from conductor_testkit.engine import Engine
from conductor_testkit.engine.javascript import JavaScriptEvaluator, ScriptError, ScriptTimeout
from conductor_testkit.engine.jq_transform import JqError, JqEvaluator, JqLimitExceeded
from conductor_testkit.engine.sandbox import sandbox_pids, sandbox_pool
from conductor_testkit.engine.script_warnings import ScriptOrigin
from conductor_testkit.errors import ConductorError

QUICK_JQ = JqEvaluator(time_limit_seconds=0.5, memory_limit_bytes=64 * 1024 * 1024)
QUICK_JS = JavaScriptEvaluator(time_limit_seconds=0.5)


def run(workflow: Dict[str, Any], engine: Engine) -> Dict[str, Any]:
    request = {"name": workflow["name"], "workflowDef": workflow, "input": {}, "taskRefToMockOutput": {}}
    return engine.test_workflow(request)


# --- jq --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "program",
    ["last(range(1e12))", "def f: f; f", "[range(1e12)] | length", "reduce range(1e12) as $i (0; . + 1)"],
)
def test_jq_programs_that_never_end_stop_at_the_time_limit(program: str) -> None:
    with pytest.raises(JqLimitExceeded) as info:
        QUICK_JQ.run(program, {})
    assert info.value.message == (
        "jq program stopped: it ran longer than the engine's time limit of 0.5 s (jq_time_limit_seconds)"
    )


@pytest.mark.parametrize(
    "program",
    ['"x" * 1000000000 | length', 'reduce range(40) as $i ("x"; . + .) | length', "[range(1e9)] | length"],
)
def test_jq_programs_that_need_too_much_memory_stop_at_the_memory_limit(program: str) -> None:
    roomy_in_time = JqEvaluator(time_limit_seconds=120, memory_limit_bytes=64 * 1024 * 1024)
    with pytest.raises(JqLimitExceeded) as info:
        roomy_in_time.run(program, {})
    assert info.value.message == (
        "jq program stopped: it needed more memory than the engine's limit of 67108864 bytes "
        "(jq_memory_limit_bytes)"
    )


def test_jq_unbounded_recursion_stops_at_a_limit_instead_of_aborting_the_process() -> None:
    # 'def f: [f]; f' aborted the test process at 1.3 GB when jq ran in it
    with pytest.raises(JqLimitExceeded, match="time limit of 0.5 s|memory than the engine's limit"):
        QUICK_JQ.run("def f: [f]; f", {})
    assert QUICK_JQ.run(".a", {"a": 1}) == [1]  # a new sandbox process answers the next program


def test_jq_repeat_does_not_exist_on_the_server_so_it_fails_at_once() -> None:
    with pytest.raises(JqError) as info:
        QUICK_JQ.run("[repeat(1)] | length", {})
    assert info.value.message == "Function repeat/1 does not exist"  # verified on 3.32.1
    assert not isinstance(info.value, JqLimitExceeded)


def test_jq_sees_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTK_SANDBOX_SECRET", "s3cr3t-value")
    for program in ("$ENV.CTK_SANDBOX_SECRET", "env.CTK_SANDBOX_SECRET", '"\\($ENV)"', "[env[]]"):
        with pytest.raises(JqError) as info:
            QUICK_JQ.run(program, {})
        assert "s3cr3t-value" not in info.value.message
    assert QUICK_JQ.run("try env catch .", {}) == ["Function env/0 does not exist"]  # as the server


def test_jq_reads_no_file(tmp_path: Any) -> None:
    (tmp_path / "secret.json").write_text('{"token": "s3cr3t-file"}')
    (tmp_path / "lib.jq").write_text('def token: "s3cr3t-lib";')
    programs = [
        f'import "secret" as $c {{search: "{tmp_path}"}}; $c',
        f'include "lib" {{search: "{tmp_path}"}}; token',
        f'def a: 1; import "secret" as $c {{search: "{tmp_path}"}}; $c',
        "input_filename",
        "[inputs]",
        "get_search_list",
    ]
    for program in programs:
        with pytest.raises(JqError) as info:
            QUICK_JQ.run(program, {})
        assert "s3cr3t" not in info.value.message


def test_jq_debug_and_stderr_have_no_side_effect(capfd: pytest.CaptureFixture[str]) -> None:
    for program in ("debug", 'debug("x")', "stderr", "halt", "halt_error"):
        with pytest.raises(JqError, match=r"^Function (debug|stderr|halt|halt_error)/\d does not exist$"):
            QUICK_JQ.run(program, {"a": 1})
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_a_jq_limit_fails_the_task_with_the_limit_named() -> None:
    engine = Engine(jq_time_limit_seconds=0.5)
    task = system_task("jq", "JSON_JQ_TRANSFORM", inputParameters={"queryExpression": "last(range(1e12))"})
    workflow = run(wf("jq_limit", [task]), engine)
    assert workflow["status"] == "FAILED"
    jq_task = workflow["tasks"][0]
    assert jq_task["status"] == "FAILED"
    assert jq_task["reasonForIncompletion"] == (
        "jq program stopped: it ran longer than the engine's time limit of 0.5 s (jq_time_limit_seconds)"
    )
    assert jq_task["outputData"] == {"error": jq_task["reasonForIncompletion"]}


def _busy_sandbox_children() -> List[int]:
    """This process's sandbox children that are not idle: the ones evaluating right now."""
    idle = set(sandbox_pids())
    busy = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in idle:
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except OSError:  # gone meanwhile
            continue
        if parent == os.getpid() and b"_sandbox_child" in command:
            busy.append(int(entry))
    return busy


def _runaway_does_not_block(start_runaway: Any, others: Any) -> BaseException:
    """Starts a runaway evaluation in a thread, checks ``others()`` answers while it still runs,
    then kills the runaway's child (instead of waiting out its limit) and returns its error."""
    outcome: List[BaseException] = []
    started = threading.Event()

    def runaway() -> None:
        started.set()
        try:
            start_runaway()
        except ConductorError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=runaway, daemon=True)
    thread.start()
    started.wait()
    others()  # answered while the runaway runs (its limit is a minute away)
    assert thread.is_alive() and not outcome
    deadline = time.monotonic() + 60
    while not _busy_sandbox_children() and time.monotonic() < deadline:
        time.sleep(0.01)  # the runaway's request reaches its child
    for pid in _busy_sandbox_children():
        os.kill(pid, signal.SIGKILL)
    thread.join(60)
    assert len(outcome) == 1
    return outcome[0]


def test_a_runaway_jq_program_blocks_neither_the_process_nor_another_thread() -> None:
    slow = JqEvaluator(time_limit_seconds=60)

    def others() -> None:
        # while the runaway program runs, this thread (GIL included) evaluates others
        assert [slow.run(".n + 1", {"n": n}) for n in range(5)] == [[1], [2], [3], [4], [5]]

    error = _runaway_does_not_block(lambda: slow.run("last(range(1e12))", {}), others)
    assert isinstance(error, JqError)


def test_a_killed_sandbox_process_is_gone_and_replaced() -> None:
    evaluator = JqEvaluator(time_limit_seconds=0.5, memory_limit_bytes=48 * 1024 * 1024)
    assert evaluator.run(".", 1) == [1]
    pool = sandbox_pool("jq", 48 * 1024 * 1024)
    before = set(pool.idle_pids())
    with pytest.raises(JqLimitExceeded):
        evaluator.run("last(range(1e12))", {})
    assert evaluator.run(".", 2) == [2]
    after = set(pool.idle_pids())
    killed = before - after
    assert killed, "the process that ran the runaway program was not replaced"
    for pid in killed:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


# --- JavaScript ------------------------------------------------------------------------------


def test_regex_backtracking_stops_at_the_wall_time_limit() -> None:
    # QuickJS's regex engine never polls for interrupts: only killing its process stops it
    with pytest.raises(ScriptTimeout) as info:
        QUICK_JS.evaluate("/^(a+)+$/.test('a'.repeat(40)+'!')", {})
    assert info.value.message == "Script not evaluated within 0.5 seconds, interrupted."


@pytest.mark.parametrize(
    "script",
    [
        "(async function(){ await null; while(true){} })(); 1",
        "(async function(){ while(true){} })(); 1",
        "function again(){ Promise.resolve().then(again) } again(); 1",
    ],
)
def test_async_code_cannot_outlive_its_evaluation(script: str) -> None:
    # the server runs the promise jobs before answering: an endless job is a time-out there too
    with pytest.raises(ScriptTimeout):
        QUICK_JS.evaluate(script, {})
    assert QUICK_JS.evaluate("1 + 1", {}) == 2


def test_promise_jobs_run_before_the_value_is_taken() -> None:
    script = "var o = {a: 1}; Promise.resolve().then(function(){ o.a = 2 }); o"
    assert QUICK_JS.evaluate(script, {}) == {"a": 2}  # verified on 3.32.1


def test_each_workflow_run_starts_from_a_clean_global_state() -> None:
    run_1 = ScriptOrigin("wf", "run-1", "t", "INLINE")
    run_2 = ScriptOrigin("wf", "run-2", "t", "INLINE")
    js = JavaScriptEvaluator()
    assert js.evaluate("Object.prototype.polluted = 1; ({}).polluted", {}, origin=run_1) == 1
    assert js.evaluate("({}).polluted", {}, origin=run_1) is None  # as on the server
    assert js.evaluate("({}).polluted", {}, origin=run_2) is None
    assert js.evaluate("var leaked = 5; leaked", {}, origin=run_2) == 5
    assert js.evaluate("typeof leaked", {}, origin=run_2) == "undefined"


def test_workflows_on_one_engine_do_not_see_each_others_prototype_changes() -> None:
    engine = Engine()
    pollute = system_task(
        "p",
        "INLINE",
        inputParameters={"evaluatorType": "javascript", "expression": "Object.prototype.x = 7; 1"},
    )
    read = system_task("r", "INLINE", inputParameters={"evaluatorType": "javascript", "expression": "({}).x"})
    first = run(wf("pollutes", [pollute, read]), engine)
    second = run(wf("reads", [read]), engine)
    assert first["tasks"][1]["outputData"]["result"] is None
    assert second["tasks"][0]["outputData"]["result"] is None


def test_a_runaway_script_blocks_no_other_thread() -> None:
    slow = JavaScriptEvaluator(time_limit_seconds=60)

    def others() -> None:
        # a script with a function: evaluated in a sandbox child of its own, not in-process
        answers = [slow.evaluate("[$.n].map(function (x) { return x * 2; })[0]", {"n": n}) for n in range(5)]
        assert answers == [0, 2, 4, 6, 8]

    error = _runaway_does_not_block(lambda: slow.evaluate("/^(a+)+$/.test('a'.repeat(40)+'!')", {}), others)
    assert isinstance(error, ScriptError) and not isinstance(error, ScriptTimeout)


def test_the_script_memory_limit_is_named() -> None:
    small = JavaScriptEvaluator(memory_limit_bytes=8 * 1024 * 1024)
    with pytest.raises(ScriptError) as info:
        small.evaluate("var a = []; while (true) a.push(new Array(100000).fill(1))", {})
    assert info.value.message == (
        "Error evaluating the script `InternalError: out of memory (limit 8388608 bytes)`"
    )
