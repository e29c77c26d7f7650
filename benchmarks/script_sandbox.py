"""Per-evaluation cost of jq and JavaScript: in-process (the old path) against the sandbox processes.

    python benchmarks/script_sandbox.py [--n 2000]

The in-process columns run libjq and QuickJS in this process as the engine did before the
sandbox (compiled jq programs cached; one QuickJS context reused, set up by the same prelude):
no limit holds there (jq holds the GIL, QuickJS's time limit counts process CPU time and misses
regular expressions). The sandbox columns are what the engine does now, except for JavaScript
that can only read its input and compute with operators (a typical loop condition), which it
evaluates in-process (engine/bounded_scripts.py): the engine's column for those is that path,
where the usual loop condition is answered without QuickJS (engine/condition_fast_path.py) and
any other is compiled once (engine/completion_expression.py) where the in-process column
compiles it on every evaluation. Also printed: starting a
sandbox process, replacing one after a kill, a new QuickJS context per workflow run, and a
workflow run that evaluates scripts. Figures only: nothing here asserts a time (machines are
shared and noisy); run it twice on a quiet machine before reading much into a difference.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any, Callable, Dict, List, Tuple

import jq
import quickjs

from conductor_testkit.engine import Engine
from conductor_testkit.engine._js_prelude import JS_PRELUDE
from conductor_testkit.engine.javascript import JavaScriptEvaluator
from conductor_testkit.engine.jq_transform import JQ_PRELUDE, JqEvaluator, prepare_program
from conductor_testkit.engine.sandbox import SandboxPool, SandboxTimeLimit, sandbox_pids
from conductor_testkit.engine.script_warnings import ScriptOrigin

SMALL = {"loop": {"iteration": 3}, "flag": True}
MEDIUM = {
    f"task_{i}": {"output": {"items": list(range(20)), "name": f"item-{i}", "ok": i % 2 == 0}}
    for i in range(30)
}


def per_call_us(fn: Callable[[], Any], n: int) -> float:
    """The median over 5 rounds of the wall time per call, in microseconds."""
    fn()
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        rounds.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(rounds)


def _sandbox_cpu_s() -> float:
    """CPU seconds used so far by this process's live sandbox children (Linux /proc)."""
    total = 0
    for pid in sandbox_pids():
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def cpu_per_call_us(fn: Callable[[], Any], n: int) -> float:
    """CPU time per call, this process and its sandbox children together, in microseconds.

    Less disturbed than wall time on a busy machine (resolution: the kernel's clock tick).
    """
    fn()
    start_self, start_children = time.process_time(), _sandbox_cpu_s()
    for _ in range(n * 5):
        fn()
    used = time.process_time() - start_self + _sandbox_cpu_s() - start_children
    return used / (n * 5) * 1e6


def jq_in_process(query: str, data: Dict[str, Any]) -> Callable[[], Any]:
    program = jq.compile(JQ_PRELUDE + prepare_program(query))
    return lambda: json.loads("[" + program.input_text(json.dumps(data)).text().replace("\n", ",") + "]")


def js_in_process(script: str, data: Dict[str, Any]) -> Callable[[], Any]:
    context = quickjs.Context()
    context.set_memory_limit(32 * 1024 * 1024)
    context.eval(JS_PRELUDE)
    run, finish = context.get("__ctk_run"), context.get("__ctk_finish")

    def call() -> Any:
        run(script, json.dumps(data), False)
        while context.execute_pending_job():
            pass
        return json.loads(finish())

    return call


def new_context_us(n: int) -> float:
    def make() -> None:
        context = quickjs.Context()
        context.set_memory_limit(32 * 1024 * 1024)
        context.eval(JS_PRELUDE)

    return per_call_us(make, max(1, n // 10))


def process_start_ms(kind: str, setup: Dict[str, Any]) -> Tuple[float, float]:
    """(first evaluation on a new pool, evaluation right after a kill), in milliseconds."""
    pool = SandboxPool(kind, 64 * 1024 * 1024, setup)
    request: Dict[str, Any] = (
        {"program": ".", "input": "1"}
        if kind == "jq"
        else {"src": "1", "input": "{}", "fn": False, "scope": None}
    )
    start = time.perf_counter()
    pool.call(request, 60)
    first = (time.perf_counter() - start) * 1000
    runaway = dict(request, program="last(range(1e12))", src="while(true){}")
    try:
        pool.call(runaway, 0.2, data="1")
    except SandboxTimeLimit:
        pass  # the process was killed: the next call starts another
    start = time.perf_counter()
    pool.call(request, 60, data="1")
    again = (time.perf_counter() - start) * 1000
    pool.close()
    return first, again


def workflow_with_scripts() -> Dict[str, Any]:
    inline = {"evaluatorType": "javascript", "expression": "$.v * 2", "v": "${workflow.input.v}"}
    loop_body = [{"name": "inc", "taskReferenceName": "inc", "type": "INLINE", "inputParameters": inline}]
    tasks = [
        {
            "name": "jq",
            "taskReferenceName": "jq",
            "type": "JSON_JQ_TRANSFORM",
            "inputParameters": {"queryExpression": ".items | map(. * 2)", "items": [1, 2, 3]},
        },
        {
            "name": "loop",
            "taskReferenceName": "loop",
            "type": "DO_WHILE",
            "loopCondition": "$.loop['iteration'] < 10",
            "loopOver": loop_body,
        },
        {
            "name": "sw",
            "taskReferenceName": "sw",
            "type": "SWITCH",
            "evaluatorType": "graaljs",
            "expression": "$.v > 1 ? 'big' : 'small'",
            "inputParameters": {"v": "${workflow.input.v}"},
            "decisionCases": {"big": [dict(loop_body[0], taskReferenceName="big", name="big")]},
            "defaultCase": [],
        },
    ]
    definition = {"name": "bench_scripts", "version": 1, "schemaVersion": 2, "tasks": tasks}
    return {"name": "bench_scripts", "workflowDef": definition, "input": {"v": 3}, "taskRefToMockOutput": {}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="evaluations per round")
    args = parser.parse_args()
    n = args.n

    jq_eval = JqEvaluator()
    js_eval = JavaScriptEvaluator()
    run_1 = ScriptOrigin("bench", "run-1", "t", "INLINE")
    scopes = iter(range(10**9))

    cases: List[Tuple[str, Callable[[], Any], Callable[[], Any]]] = []
    for label, query, data in (
        ("jq '.loop.iteration'", ".loop.iteration", SMALL),
        ("jq 'map_values(.output.items | add)' (6 KB input)", "map_values(.output.items | add)", MEDIUM),
    ):
        cases.append((label, jq_in_process(query, data), lambda q=query, d=data: jq_eval.run(q, d)))
    for label, script, data in (
        ("js loop condition ($.loop.iteration < 10)", "$.loop.iteration < 10", SMALL),
        (
            "js loop condition of another shape (&& $.flag)",
            "if ($.loop.iteration < 10 && $.flag) { true; } else { false; }",
            SMALL,
        ),
        ("js INLINE over a 6 KB input", "$.task_3.output.items.length + 1", MEDIUM),
    ):
        sandboxed = lambda s=script, d=data: js_eval.evaluate(s, d, origin=run_1)  # noqa: E731
        cases.append((label, js_in_process(script, data), sandboxed))
    rows = [(label, per_call_us(old, n), per_call_us(new, n)) for label, old, new in cases]
    cpu_rows = [(label, cpu_per_call_us(old, n), cpu_per_call_us(new, n)) for label, old, new in cases]

    def new_run_each_time() -> Any:
        origin = ScriptOrigin("bench", f"scope-{next(scopes)}", "t", "INLINE")
        return js_eval.evaluate("$.loop.iteration < 10", SMALL, origin=origin)

    for title, table in (
        ("wall time per evaluation (median of 5 rounds)", rows),
        ("CPU per evaluation (this process + sandbox process)", cpu_rows),
    ):
        print(f"{title:58} {'in-process':>12} {'sandbox':>12} {'ratio':>7}")
        for label, old, new in table:
            print(f"{label:58} {old:10.1f}us {new:10.1f}us {new / old:6.1f}x")
        print()
    print()
    print(
        f"{'js evaluation that starts a new workflow run (new context)':58} {'':>12} "
        f"{per_call_us(new_run_each_time, max(1, n // 4)):10.1f}us"
    )
    print(f"{'new QuickJS context + prelude (made ahead, per run)':58} {new_context_us(n):10.1f}us")
    for kind, setup in (("jq", {"prelude": JQ_PRELUDE}), ("js", {"prelude": JS_PRELUDE})):
        first, again = process_start_ms(kind, setup)
        print(f"{f'start of a {kind} sandbox process (first evaluation)':58} {first:10.1f}ms")
        print(f"{f'{kind} evaluation right after its process was killed':58} {again:10.1f}ms")

    request = workflow_with_scripts()
    engine = Engine()
    engine.test_workflow(request)
    per_run = per_call_us(lambda: engine.test_workflow(request), max(1, n // 20)) / 1000
    print(f"{'workflow run: 1 jq, 10 loop conditions, 11 INLINE, 1 SWITCH':58} {per_run:10.2f}ms")


if __name__ == "__main__":
    main()
