"""A Hypothesis strategy for whole fidelity cases: a valid workflow definition with its mocks.

:func:`fidelity_cases` draws a test-endpoint request (``POST /api/workflow/test``) whose inline
definition mixes every task type the endpoint can run with mocks: SIMPLE (with an inline
``taskDefinition``: retries, retry logic, timeouts, timeout policy, input template, optional),
SWITCH (value-param and javascript), DECISION, FORK_JOIN/JOIN, FORK_JOIN_DYNAMIC, DO_WHILE,
DYNAMIC, SUB_WORKFLOW with an inline child definition, INLINE, JSON_JQ_TRANSFORM, LAMBDA,
SET_VARIABLE, TERMINATE, WAIT, HUMAN and NOOP, nested, with ``${...}`` expressions between tasks
and on the workflow input, variables and loop iteration. Mocks come per attempt: failures,
terminal errors, timeouts (``executionTime``), ``IN_PROGRESS`` updates, and at the top level
also mock lists that run dry and tasks left without a mock (the endpoint's stop and one-step-
stale answers).

The server's test endpoint runs asynchronous work (JOIN evaluation, child workflows) on a
background thread that races with its mock loop. The strategy keeps every case deterministic on
the server by construction (tests/fidelity/README.md, "Rules that keep goldens deterministic"):

* a workflow with a JOIN or a SUB_WORKFLOW gets a mock key no task uses (``SENTINEL_REF``), so
  the mock map never empties and the loop waits for the background work;
* no fork and no SUB_WORKFLOW inside a fork branch (a second JOIN, or a child started by the
  background worker, races with the other branches), no loop inside a loop (the server fails
  nested loops anyway);
* a JOIN and a SUB_WORKFLOW are followed by a worker task (see ``_Definition._barrier``);
* every fork branch ends with a task the JOIN waits on (``joinOn``) whose mocks succeed on the
  first attempt: a JOIN that reads a failed or retried attempt races with the decider;
* a child workflow's mocks settle every attempt of every task it can run: a child left blocked
  makes the parent's loop spin through its 20,000 iterations.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from hypothesis import strategies as st

Json = Dict[str, Any]
Draw = Callable[[st.SearchStrategy[Any]], Any]

SENTINEL_REF = "never_scheduled"
OWNER = "fidelity@example.com"
WORKER_NAMES = ("fid_gen_worker_a", "fid_gen_worker_b", "fid_gen_worker_c")
INPUT_TEXTS = ("red", "green", "")
MAX_DEPTH = 3

# Per-case budget of workflow tasks (children included), so a run stays small and fast.
MAX_TASKS = 14

_OUTPUT_KEYS = ("k", "s", "f", "l", "o")


# ---------------------------------------------------------------------------------------------
# values


def _mock_output(draw: Draw) -> Json:
    keys = draw(st.lists(st.sampled_from(_OUTPUT_KEYS), max_size=3, unique=True))
    out: Json = {}
    for key in keys:
        if key == "k":
            out[key] = draw(st.integers(0, 4))
        elif key == "s":
            out[key] = draw(st.sampled_from(INPUT_TEXTS + ("blue",)))
        elif key == "f":
            out[key] = draw(st.booleans())
        elif key == "l":
            out[key] = draw(st.lists(st.integers(0, 9), max_size=3))
        else:
            out[key] = {"x": draw(st.integers(0, 3)), "y": draw(st.sampled_from(INPUT_TEXTS))}
    return out


def workflow_inputs() -> st.SearchStrategy[Json]:
    """The workflow input every generated case reads (``a`` int, ``b`` text, ``c`` bool, ...)."""
    return st.fixed_dictionaries(
        {
            "a": st.integers(0, 4),
            "b": st.sampled_from(INPUT_TEXTS),
            "c": st.booleans(),
            "list": st.lists(st.integers(0, 9), max_size=3),
            "obj": st.fixed_dictionaries({"x": st.integers(0, 3), "y": st.sampled_from(INPUT_TEXTS)}),
            "worker": st.sampled_from(WORKER_NAMES),
        }
    )


_INPUT_PATHS = (
    "a",
    "b",
    "c",
    "list",
    "obj",
    "obj.x",
    "obj.y",
    "list[0]",
    "missing",
    "worker",
    "list.length()",
    "list[?(@ > 4)]",
    "obj['y']",
)
_WORKFLOW_FIELDS = (
    "${workflow.correlationId}",
    "${workflow.workflowType}",
    "${workflow.input}",
    "${workflow.status}",
)


class _Scope:
    """What expressions may name at a point of a definition."""

    def __init__(self, refs: List[str], variables: List[str], loop_ref: Optional[str]) -> None:
        self.refs = refs
        self.variables = variables
        self.loop_ref = loop_ref


def _expression(draw: Draw, scope: _Scope) -> str:
    choices = ["input", "input", "input", "variable", "workflow"]
    if scope.refs:
        choices += ["output", "output", "whole_output", "status"]
    if scope.loop_ref:
        choices.append("iteration")
    kind = draw(st.sampled_from(choices))
    if kind == "input":
        return "${workflow.input." + draw(st.sampled_from(_INPUT_PATHS)) + "}"
    if kind == "workflow":
        return draw(st.sampled_from(_WORKFLOW_FIELDS))
    if kind == "variable":
        return "${workflow.variables." + draw(st.sampled_from(scope.variables or ["v0"])) + "}"
    if kind == "iteration":
        return "${" + str(scope.loop_ref) + ".output.iteration}"
    ref = draw(st.sampled_from(scope.refs))
    if kind == "whole_output":
        return "${" + ref + ".output}"
    if kind == "status":
        return "${" + ref + ".status}"
    return "${" + ref + ".output." + draw(st.sampled_from(_OUTPUT_KEYS + ("result", "missing"))) + "}"


def _value(draw: Draw, scope: _Scope, depth: int = 0) -> Any:
    kind = draw(
        st.sampled_from(
            ["expr", "expr", "int", "text", "embedded", "bool", "null"]
            + (["map", "list"] if depth == 0 else [])
        )
    )
    if kind == "expr":
        return _expression(draw, scope)
    if kind == "int":
        return draw(st.integers(-2, 10))
    if kind == "text":
        return draw(st.sampled_from(("plain", "", "a b")))
    if kind == "embedded":
        return "v=" + _expression(draw, scope) + "!"
    if kind == "bool":
        return draw(st.booleans())
    if kind == "null":
        return None
    if kind == "map":
        return {f"m{i}": _value(draw, scope, depth + 1) for i in range(draw(st.integers(1, 2)))}
    return [_value(draw, scope, depth + 1) for _ in range(draw(st.integers(0, 2)))]


def _parameters(draw: Draw, scope: _Scope, max_size: int = 3) -> Json:
    return {f"p{i}": _value(draw, scope) for i in range(draw(st.integers(0, max_size)))}


# Scripts over a task input of ``x`` (any resolved value) and ``n`` (a number or null);
# none reads the whole input object (GraalJS sees a Java map there).
_JS_SCRIPTS = (
    "$.n == null ? -1 : $.n + 1",
    "String($.x)",
    "(function () { var out = []; for (var i = 0; i < 3; i++) { out.push(i * 2); } return out; })()",
    "({sum: ($.n || 0) + 2, flag: !$.x, text: 'x=' + $.x})",
    "$.x ? 'yes' : 'no'",
    "$.n > 2",
    "$.missing.field",
    "[$.n, $.x, null]",
)
_JQ_QUERIES = (
    ".n",
    "{x: .x, n: .n}",
    "(.n // 0) + 1",
    'if .x then "yes" else "no" end',
    "[.n, .x] | map(select(. != null))",
    ".x | tostring",
    ".n | length",
    "(.x | type)",
)
_JS_SWITCH_EXPRESSIONS = (
    "$.n > 2 ? 'high' : 'low'",
    "$.x ? 'yes' : 'no'",
    "$.n == null ? 'none' : String($.n)",
)


def _scalar(draw: Draw, scope: _Scope) -> Any:
    """A script input that is a JSON scalar (or null): GraalJS shows lists and maps as Java
    objects, whose string forms ('[1, 2]', '{x=1}') no JavaScript engine reproduces."""
    options: List[Any] = [
        "${workflow.input.a}",
        "${workflow.input.b}",
        "${workflow.input.c}",
        "${workflow.input.obj.y}",
        "${workflow.input.missing}",
        "v=${workflow.input.b}",
        draw(st.integers(-2, 5)),
        True,
        None,
    ]
    if scope.refs:
        ref = draw(st.sampled_from(scope.refs))
        options += ["${" + ref + ".output." + key + "}" for key in ("k", "s", "f")]
    return draw(st.sampled_from(options))


def _number_expression(draw: Draw, scope: _Scope) -> Any:
    options = ["${workflow.input.a}", "${workflow.input.obj.x}", "${workflow.input.missing}"]
    if scope.refs:
        options.append("${" + draw(st.sampled_from(scope.refs)) + ".output.k}")
    if scope.loop_ref:
        options.append("${" + scope.loop_ref + ".output.iteration}")
    return draw(st.sampled_from(options))


# ---------------------------------------------------------------------------------------------
# mocks


def _failure_mock(draw: Draw) -> Json:
    kind = draw(st.sampled_from(["FAILED", "FAILED", "FAILED_WITH_TERMINAL_ERROR", "IN_PROGRESS", "TIMEOUT"]))
    if kind == "TIMEOUT":
        # a run of 5 s against timeouts of at most 3 s: the reason's whole seconds never wobble
        return {"status": "IN_PROGRESS", "output": _mock_output(draw), "executionTime": 5000}
    return {"status": kind, "output": _mock_output(draw)}


def _success_mock(draw: Draw) -> Json:
    return {"status": "COMPLETED", "output": _mock_output(draw)}


def _attempts(draw: Draw, *, settle: bool, clean: bool) -> List[Json]:
    """One task's mock list: a random prefix of failures, then a success when ``settle``."""
    if clean:
        prefix: List[Json] = []
        if not settle and draw(st.integers(0, 9)) == 0:
            return []  # a key whose list is already empty: dropped, then the endpoint stops
        if draw(st.integers(0, 4)) == 0:
            prefix.append({"status": "IN_PROGRESS", "output": _mock_output(draw)})
        return prefix + [_success_mock(draw)]
    prefix = [_failure_mock(draw) for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3])))]
    if settle or draw(st.integers(0, 7)) > 0:
        prefix.append(_success_mock(draw))
    return prefix


# ---------------------------------------------------------------------------------------------
# definitions


class _Site:
    """Where a task is placed: loop iterations, fork branch, mock discipline."""

    def __init__(
        self,
        *,
        loop_ref: Optional[str] = None,
        iterations: int = 0,
        in_fork: bool = False,
        settle: bool = False,
    ) -> None:
        self.loop_ref = loop_ref
        self.iterations = iterations
        self.in_fork = in_fork
        self.settle = settle

    def keys(self, ref: str) -> List[str]:
        """The reference names a task with ``ref`` runs under (``ref__1``... inside a loop)."""
        if self.loop_ref is None:
            return [ref]
        return [f"{ref}__{i}" for i in range(1, self.iterations + 1)]

    def inside(self, **changes: Any) -> _Site:
        values = dict(loop_ref=self.loop_ref, iterations=self.iterations, in_fork=self.in_fork)
        values["settle"] = self.settle
        values.update(changes)
        return _Site(**values)


class _Counter:
    def __init__(self) -> None:
        self.tasks = 0
        self.children = 0


class _Definition:
    """Builds one workflow definition (the case's, or a child's) and its mocks."""

    def __init__(
        self,
        draw: Draw,
        name: str,
        counter: _Counter,
        prefix: str,
        depth: int,
        workflow_input: Optional[Json] = None,
    ) -> None:
        self.draw = draw
        self.workflow_input = workflow_input
        self.name = name
        self.counter = counter
        self.prefix = prefix
        self.depth = depth
        self.refs: List[str] = []
        self.variables: List[str] = []
        self.mocks: Dict[str, List[Json]] = {}
        self.sub_requests: Dict[str, Json] = {}
        self.needs_sentinel = False
        self._next_ref = 0

    # -- helpers ------------------------------------------------------------------------------
    def _ref(self, kind: str) -> str:
        self._next_ref += 1
        return f"{self.prefix}{kind}{self._next_ref}"

    def _scope(self, site: _Site) -> _Scope:
        return _Scope(list(self.refs), list(self.variables), site.loop_ref)

    def _budget_left(self) -> bool:
        return self.counter.tasks < MAX_TASKS

    def _mock(self, ref: str, site: _Site, *, clean: bool = False) -> None:
        draw = self.draw
        for key in site.keys(ref):
            if not site.settle and draw(st.integers(0, 19)) == 0:
                continue  # no mock at all: the endpoint stops there (RUNNING)
            self.mocks[key] = _attempts(draw, settle=site.settle, clean=clean)

    # -- sequences ----------------------------------------------------------------------------
    def sequence(self, site: _Site, min_size: int, max_size: int) -> List[Json]:
        size = self.draw(st.integers(min_size, max_size))
        tasks: List[Json] = []
        for _ in range(size):
            if not self._budget_left():
                break
            task = self.task(site)
            tasks.extend(task)
            if task and task[-1]["type"] == "TERMINATE":
                break
        return tasks

    def task(self, site: _Site) -> List[Json]:
        """One task (a FORK_JOIN also brings its JOIN) at ``site``."""
        draw = self.draw
        kinds = ["SIMPLE", "SIMPLE", "SIMPLE", "INLINE", "JSON_JQ_TRANSFORM", "SET_VARIABLE", "NOOP"]
        kinds += ["WAIT", "HUMAN", "DYNAMIC", "TERMINATE", "LAMBDA", "HTTP", "EVENT", "KAFKA_PUBLISH"]
        if self.depth < MAX_DEPTH:
            kinds += ["SWITCH", "SWITCH", "DECISION"]
            if not site.in_fork:
                kinds += ["FORK_JOIN", "FORK_JOIN", "FORK_JOIN_DYNAMIC"]
            if site.loop_ref is None:
                kinds += ["DO_WHILE", "DO_WHILE"]
            if self.depth < MAX_DEPTH - 1 and not site.in_fork:
                kinds += ["SUB_WORKFLOW", "SUB_WORKFLOW"]
        kind = draw(st.sampled_from(kinds))
        self.counter.tasks += 1
        built = getattr(self, "_" + kind.lower())(site)
        return built if isinstance(built, list) else [built]

    # -- leaf tasks ---------------------------------------------------------------------------
    def _simple(self, site: _Site, *, clean: bool = False) -> Json:
        draw = self.draw
        ref = self._ref("w")
        task: Json = {
            "name": draw(st.sampled_from(WORKER_NAMES)),
            "taskReferenceName": ref,
            "type": "SIMPLE",
            "inputParameters": _parameters(draw, self._scope(site)),
        }
        if clean:
            # a JOIN waits on this task: one attempt, never failed
            task["taskDefinition"] = {"name": task["name"], "ownerEmail": OWNER, "retryCount": 0}
        elif draw(st.integers(0, 2)) > 0:
            task["taskDefinition"] = self._task_definition(task["name"])
        if not clean and draw(st.integers(0, 4)) == 0:
            task["optional"] = True
        if not clean and not site.in_fork and draw(st.integers(0, 6)) == 0:
            task["permissive"] = True
        self.refs.append(ref)
        self._mock(ref, site, clean=clean)
        return task

    def _task_definition(self, name: str, timeouts: bool = True) -> Json:
        draw = self.draw
        timeout = draw(st.sampled_from([0, 0, 3])) if timeouts else 0
        td: Json = {
            "name": name,
            "ownerEmail": OWNER,
            "retryCount": draw(st.integers(0, 2)),
            "retryLogic": draw(st.sampled_from(["FIXED", "LINEAR_BACKOFF", "EXPONENTIAL_BACKOFF"])),
            "retryDelaySeconds": draw(st.sampled_from([0, 1, 5])),
            "timeoutSeconds": timeout,
            "responseTimeoutSeconds": 2 if timeout else draw(st.sampled_from([1, 3600])),
            "timeoutPolicy": draw(st.sampled_from(["RETRY", "TIME_OUT_WF", "ALERT_ONLY"])),
        }
        if draw(st.integers(0, 3)) == 0:
            td["inputTemplate"] = {"tmpl": "default", "p0": "from-template"}
        return td

    def _inline(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("js")
        scope = self._scope(site)
        self.refs.append(ref)
        return {
            "name": f"inline_{ref}",
            "taskReferenceName": ref,
            "type": "INLINE",
            "inputParameters": {
                "evaluatorType": "javascript",
                "expression": draw(st.sampled_from(_JS_SCRIPTS)),
                "x": _scalar(draw, scope),
                "n": _number_expression(draw, scope),
            },
        }

    def _lambda(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("lam")
        scope = self._scope(site)
        self.refs.append(ref)
        script = draw(st.sampled_from(("return $.n == null ? 0 : $.n * 2;", "return {x: $.x};")))
        params = {"x": _scalar(draw, scope), "n": _number_expression(draw, scope)}
        task: Json = {"name": f"lambda_{ref}", "taskReferenceName": ref, "type": "LAMBDA"}
        if draw(st.integers(0, 4)) == 0:
            task["scriptExpression"] = script  # not read from there: the task fails, script empty
        else:
            params["scriptExpression"] = script
        task["inputParameters"] = params
        return task

    def _json_jq_transform(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("jq")
        scope = self._scope(site)
        self.refs.append(ref)
        return {
            "name": f"jq_{ref}",
            "taskReferenceName": ref,
            "type": "JSON_JQ_TRANSFORM",
            "inputParameters": {
                "queryExpression": draw(st.sampled_from(_JQ_QUERIES)),
                "x": _value(draw, scope),
                "n": _number_expression(draw, scope),
            },
        }

    def _set_variable(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("setv")
        scope = self._scope(site)
        names = draw(st.lists(st.sampled_from(["v0", "v1", "v2"]), min_size=1, max_size=2, unique=True))
        for name in names:
            if name not in self.variables:
                self.variables.append(name)
        self.refs.append(ref)
        return {
            "name": f"set_{ref}",
            "taskReferenceName": ref,
            "type": "SET_VARIABLE",
            "inputParameters": {name: _value(draw, scope) for name in names},
        }

    def _noop(self, site: _Site) -> Json:
        ref = self._ref("noop")
        self.refs.append(ref)
        return {"name": f"noop_{ref}", "taskReferenceName": ref, "type": "NOOP", "inputParameters": {}}

    def _wait(self, site: _Site) -> Json:
        return self._waiting("WAIT", site)

    def _human(self, site: _Site) -> Json:
        return self._waiting("HUMAN", site)

    def _waiting(self, task_type: str, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref(task_type.lower())
        self.refs.append(ref)
        for key in site.keys(ref):
            if not site.settle and draw(st.integers(0, 5)) == 0:
                continue
            mocks: List[Json] = []
            if draw(st.integers(0, 3)) == 0:
                mocks.append({"status": "IN_PROGRESS", "output": _mock_output(draw)})
            final = draw(st.sampled_from(["COMPLETED", "COMPLETED", "FAILED"]))
            mocks.append({"status": final, "output": _mock_output(draw)})
            self.mocks[key] = mocks
        return {
            "name": f"{task_type.lower()}_{ref}",
            "taskReferenceName": ref,
            "type": task_type,
            "inputParameters": _parameters(draw, self._scope(site), 2),
        }

    def _http(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("http")
        self.refs.append(ref)
        self._mock(ref, site)
        task: Json = {
            "name": f"http_{ref}",
            "taskReferenceName": ref,
            "type": "HTTP",
            "inputParameters": {
                "http_request": {
                    "uri": "http://127.0.0.1:9/never",
                    "method": draw(st.sampled_from(["GET", "POST"])),
                    "body": _parameters(draw, self._scope(site), 2),
                }
            },
            # the server's background worker would call the URI before the mock is applied
            "startDelay": 3600,
        }
        if draw(st.booleans()):
            # no task timeout: the server starts the clock of a system task when it schedules it,
            # so a timeout would fire after real seconds on a slow run; a retry attempt is queued
            # after retryDelaySeconds (not startDelay): long enough for its mock to come first
            task["taskDefinition"] = self._task_definition(task["name"], timeouts=False)
            task["taskDefinition"]["retryDelaySeconds"] = 3600
            task["taskDefinition"]["retryLogic"] = "FIXED"
        return task

    def _kafka_publish(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("kafka")
        self.refs.append(ref)
        self._mock(ref, site)
        return {
            "name": f"kafka_{ref}",
            "taskReferenceName": ref,
            "type": "KAFKA_PUBLISH",
            "inputParameters": {
                "kafka_request": {
                    "topic": "fid_gen_topic",
                    "bootStrapServers": "127.0.0.1:9",
                    "value": _value(draw, self._scope(site)),
                }
            },
            "startDelay": 3600,
        }

    def _event(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("event")
        self.refs.append(ref)
        task: Json = {
            "name": f"event_{ref}",
            "taskReferenceName": ref,
            "type": "EVENT",
            "inputParameters": _parameters(draw, self._scope(site), 2),
            # no event handler listens to the case's own queue
            "sink": draw(st.sampled_from(["conductor", f"conductor:{self.name}_{ref}"])),
        }
        if draw(st.integers(0, 2)) == 0:
            task["asyncComplete"] = True
            self._mock(ref, site)
        return task

    def _dynamic(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("dyn")
        self.refs.append(ref)
        name = draw(st.sampled_from(["${workflow.input.worker}"] + list(WORKER_NAMES)))
        params = _parameters(draw, self._scope(site), 2)
        params["taskToExecute"] = name
        self._mock(ref, site)
        return {
            "name": "fid_gen_dynamic",
            "taskReferenceName": ref,
            "type": "DYNAMIC",
            "inputParameters": params,
            "dynamicTaskNameParam": "taskToExecute",
        }

    def _terminate(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("term")
        self.refs.append(ref)
        params: Json = {
            "terminationStatus": draw(st.sampled_from(["COMPLETED", "FAILED", "TERMINATED"])),
            "workflowOutput": _parameters(draw, self._scope(site), 2),
        }
        if draw(st.booleans()):
            params["terminationReason"] = "stopped at " + ref
        return {
            "name": f"terminate_{ref}",
            "taskReferenceName": ref,
            "type": "TERMINATE",
            "inputParameters": params,
        }

    # -- control flow -------------------------------------------------------------------------
    def _cases(self, site: _Site, keys: List[str]) -> Tuple[Json, List[Json]]:
        inner = self._nested()
        cases = {key: self.sequence(site, 0, 2) for key in keys}
        default = self.sequence(site, 0, 2)
        self.depth = inner
        return cases, default

    def _nested(self) -> int:
        before = self.depth
        self.depth += 1
        return before

    def _switch(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("sw")
        scope = self._scope(site)
        javascript = draw(st.booleans())
        task: Json = {"name": f"switch_{ref}", "taskReferenceName": ref, "type": "SWITCH"}
        if javascript:
            task["evaluatorType"] = draw(st.sampled_from(["javascript", "javascript", "graaljs"]))
            task["expression"] = draw(st.sampled_from(_JS_SWITCH_EXPRESSIONS))
            task["inputParameters"] = {"x": _scalar(draw, scope), "n": _number_expression(draw, scope)}
            keys = draw(
                st.lists(
                    st.sampled_from(["high", "low", "yes", "no", "none", "1", "2"]),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            )
        else:
            source, keys = self._switch_source(site)
            task["evaluatorType"] = "value-param"
            task["expression"] = "v"
            task["inputParameters"] = {"v": source}
        self.refs.append(ref)
        task["decisionCases"], task["defaultCase"] = self._cases(site, keys)
        return task

    def _switch_source(self, site: _Site) -> Tuple[str, List[str]]:
        draw = self.draw
        options: List[Tuple[str, List[str]]] = [
            ("${workflow.input.a}", ["0", "1", "2", "3"]),
            ("${workflow.input.b}", list(INPUT_TEXTS)),
            ("${workflow.input.c}", ["true", "false"]),
            ("${workflow.input.missing}", ["null", "x"]),
        ]
        if self.refs:
            ref = draw(st.sampled_from(self.refs))
            options.append(("${" + ref + ".output.s}", ["red", "blue", ""]))
            options.append(("${" + ref + ".output.k}", ["0", "1", "4"]))
        if site.loop_ref:
            options.append(("${" + site.loop_ref + ".output.iteration}", ["1", "2"]))
        source, candidates = draw(st.sampled_from(options))
        keys = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=3, unique=True))
        return source, keys

    def _decision(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("dec")
        scope = self._scope(site)
        task: Json = {"name": f"decision_{ref}", "taskReferenceName": ref, "type": "DECISION"}
        if draw(st.booleans()):
            source, keys = self._switch_source(site)
            task["inputParameters"] = {"v": source}
            task["caseValueParam"] = "v"
        else:
            task["inputParameters"] = {"x": _scalar(draw, scope), "n": _number_expression(draw, scope)}
            task["caseExpression"] = draw(st.sampled_from(_JS_SWITCH_EXPRESSIONS))
            keys = draw(
                st.lists(
                    st.sampled_from(["high", "low", "yes", "no", "none"]), min_size=1, max_size=3, unique=True
                )
            )
        self.refs.append(ref)
        task["decisionCases"], task["defaultCase"] = self._cases(site, keys)
        return task

    def _fork_join(self, site: _Site) -> List[Json]:
        draw = self.draw
        ref = self._ref("fork")
        join_ref = self._ref("join")
        self.needs_sentinel = True
        before = self._nested()
        branch_site = site.inside(in_fork=True)
        branches: List[List[Json]] = []
        leaves: List[str] = []
        for _ in range(draw(st.integers(1, 3))):
            branch = self.sequence(branch_site, 0, 2)
            if branch and branch[-1]["type"] == "TERMINATE":
                branches.append(branch)
                continue
            leaf = self._leaf(branch_site)
            branches.append(branch + [leaf])
            leaves.append(leaf["taskReferenceName"])
        self.depth = before
        self.refs.extend([ref, join_ref])
        fork = {
            "name": f"fork_{ref}",
            "taskReferenceName": ref,
            "type": "FORK_JOIN",
            "inputParameters": _parameters(draw, self._scope(site), 1),
            "forkTasks": branches,
        }
        join = {"name": f"join_{join_ref}", "taskReferenceName": join_ref, "type": "JOIN", "joinOn": leaves}
        return [fork, join, self._barrier(site)]

    def _barrier(self, site: _Site) -> Json:
        """The worker task right after a JOIN or a SUB_WORKFLOW.

        The server finishes those on a background thread whose decide the endpoint's loop can
        read half-way (tasks created, sync ones not yet run); a worker task next makes that decide
        a single write, and everything after it runs on the endpoint's own thread.
        """
        self.counter.tasks += 1
        return self._simple(site)

    def _leaf(self, site: _Site) -> Json:
        """The last task of a fork branch: the JOIN waits on it, so it never fails."""
        draw = self.draw
        self.counter.tasks += 1
        kind = draw(st.sampled_from(["SIMPLE", "SIMPLE", "NOOP", "SET_VARIABLE"]))
        if kind == "SIMPLE":
            return self._simple(site, clean=True)
        if kind == "NOOP":
            return self._noop(site)
        return self._set_variable(site)

    def _fork_join_dynamic(self, site: _Site) -> List[Json]:
        draw = self.draw
        ref = self._ref("dfork")
        join_ref = self._ref("djoin")
        self.needs_sentinel = True
        count = draw(st.integers(0, 3))
        scope = self._scope(site)
        self.refs.extend([ref, join_ref])
        task: Json = {"name": f"dfork_{ref}", "taskReferenceName": ref, "type": "FORK_JOIN_DYNAMIC"}
        if draw(st.booleans()):
            refs = [self._ref("dt") for _ in range(count)]
            tasks = [
                {"name": draw(st.sampled_from(WORKER_NAMES)), "taskReferenceName": r, "type": "SIMPLE"}
                for r in refs
            ]
            task["inputParameters"] = {
                "dynamicTasks": tasks,
                "dynamicTasksInput": {r: _parameters(draw, scope, 2) for r in refs},
            }
            task["dynamicForkTasksParam"] = "dynamicTasks"
            task["dynamicForkTasksInputParamName"] = "dynamicTasksInput"
        else:
            name = draw(st.sampled_from(WORKER_NAMES))
            # the first dynamic fork of a run names its tasks _<name>_<i>, later ones (another
            # fork, the next loop iteration) _<fork ref>_<name>_<i>
            refs = [f"_{name}_{i}" for i in range(count)] + [f"_{ref}_{name}_{i}" for i in range(count)]
            task["inputParameters"] = {
                "forkTaskName": name,
                "forkTaskInputs": [_parameters(draw, scope, 2) for _ in range(count)],
            }
        for r in refs:
            # a dynamic fork's JOIN waits on every forked task: one clean attempt each
            self._mock(r, site, clean=True)
        join = {"name": f"join_{join_ref}", "taskReferenceName": join_ref, "type": "JOIN"}
        return [task, join, self._barrier(site)]

    def _do_while(self, site: _Site) -> Json:
        draw = self.draw
        ref = self._ref("loop")
        task: Json = {"name": f"loop_{ref}", "taskReferenceName": ref, "type": "DO_WHILE"}
        params = _parameters(draw, self._scope(site), 1)
        mode = draw(st.sampled_from(["count", "count", "items", "keep_last"]))
        iterations = draw(st.integers(1, 3))
        condition = draw(
            st.sampled_from(
                [
                    f"if ($.{ref}['iteration'] < {iterations}) {{ true; }} else {{ false; }}",
                    f"$.{ref}['iteration'] < {iterations}",
                ]
            )
        )
        items = self.workflow_input.get("list") if self.workflow_input else None
        if mode == "items" and items is not None:
            task["items"] = "${workflow.input.list}"  # an expression: a literal list is refused
            iterations = max(len(items), 1)
            condition = "true"
        elif mode == "keep_last":
            params["keepLastN"] = draw(st.integers(1, 2))
        before = self._nested()
        body_site = site.inside(loop_ref=ref, iterations=iterations)
        body = self.sequence(body_site, 1, 3)
        if not body:
            body = [self._noop(body_site)]
        self.depth = before
        self.refs.append(ref)
        task.update({"inputParameters": params, "loopCondition": condition, "loopOver": body})
        return task

    def _sub_workflow(self, site: _Site) -> List[Json]:
        draw = self.draw
        ref = self._ref("sub")
        self.counter.children += 1
        child_name = f"{self.name}_child{self.counter.children}"
        child = _Definition(draw, child_name, self.counter, f"c{self.counter.children}_", self.depth + 1)
        child_site = _Site(settle=True)
        child_tasks = child.sequence(child_site, 1, 3) or [child._noop(child_site)]
        child_def = child.definition(child_tasks, child_site)
        self.refs.append(ref)
        self.needs_sentinel = True
        for key in site.keys(ref):
            self.sub_requests[key] = child.mock_request()
        sub = {
            "name": child_name,
            "taskReferenceName": ref,
            "type": "SUB_WORKFLOW",
            "inputParameters": _parameters(draw, self._scope(site), 2),
            "subWorkflowParam": {"name": child_name, "version": 1, "workflowDefinition": child_def},
        }
        return [sub, self._barrier(site)]

    # -- the whole definition -----------------------------------------------------------------
    def definition(self, tasks: List[Json], site: _Site) -> Json:
        draw = self.draw
        out: Json = {
            "name": self.name,
            "version": 1,
            "schemaVersion": 2,
            "ownerEmail": OWNER,
            "tasks": tasks,
            "outputParameters": _parameters(draw, self._scope(site), 3),
        }
        if draw(st.integers(0, 3)) == 0:
            out["variables"] = {"v0": draw(st.integers(0, 3))}
        return out

    def mock_request(self) -> Json:
        mocks = dict(self.mocks)
        if self.needs_sentinel:
            mocks[SENTINEL_REF] = [{"status": "COMPLETED", "output": {}}]
        request: Json = {"taskRefToMockOutput": mocks}
        if self.sub_requests:
            request["subWorkflowTestRequest"] = self.sub_requests
        return request


@st.composite
def fidelity_cases(draw: Draw, name: str = "fid_gen_case") -> Json:
    """A fidelity case ``{"description", "request"}`` for the workflow ``name``.

    The request is a WorkflowTestRequest with an inline definition, the workflow input, mocks
    per task reference and ``subWorkflowTestRequest`` for every child workflow.
    """
    workflow_input = draw(workflow_inputs())
    definition = _Definition(draw, name, _Counter(), "", 0, workflow_input)
    site = _Site()
    tasks = definition.sequence(site, 1, 5) or [definition._noop(site)]
    workflow_def = definition.definition(tasks, site)
    request: Json = {"name": name, "version": 1, "input": workflow_input, "workflowDef": workflow_def}
    if draw(st.integers(0, 3)) == 0:
        request["correlationId"] = "corr-" + name
    request.update(definition.mock_request())
    if draw(st.integers(0, 9)) == 0 and not definition.needs_sentinel:
        # mocks given for operator references are dropped unused (and empty the map sooner)
        operator_refs = [
            t["taskReferenceName"] for t in tasks if t["type"] in ("SWITCH", "DO_WHILE", "INLINE")
        ]
        for ref in operator_refs:
            request["taskRefToMockOutput"][ref] = [{"status": "COMPLETED", "output": {"ignored": True}}]
    return {"description": _describe(workflow_def), "request": request}


def _describe(workflow_def: Json) -> str:
    types: List[str] = []

    def walk(tasks: List[Json]) -> None:
        for task in tasks:
            types.append(task["type"])
            for branch in (task.get("decisionCases") or {}).values():
                walk(branch)
            walk(task.get("defaultCase") or [])
            for branch in task.get("forkTasks") or []:
                walk(branch)
            walk(task.get("loopOver") or [])
            child = (task.get("subWorkflowParam") or {}).get("workflowDefinition")
            if child:
                walk(child["tasks"])

    walk(workflow_def["tasks"])
    counts = {t: types.count(t) for t in sorted(set(types))}
    return "generated: " + ", ".join(f"{t} x{n}" for t, n in counts.items())
