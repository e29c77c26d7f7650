"""A table of ``${...}`` expressions resolved by the real server and by ``resolve_parameters``.

One workflow runs on the server's test endpoint: an INLINE task producing data, a DO_WHILE of two
iterations, a SET_VARIABLE, then (inside a SWITCH, so registration-time checks do not reject odd
paths) a ``probe`` INLINE task whose inputParameters are the table below and whose TaskDef carries
an inputTemplate. The probe's resolved inputData is compared, case by case and as JSON text (so
``1`` versus ``1.0`` and key order count), with our resolution against the same state: the
workflow as returned, with the tasks that existed when the probe was scheduled.
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any, Dict, Tuple

import pytest

from conductor_testkit.engine.expressions import ExpressionContext, resolve_task_input
from conductor_testkit.testing.server import ServerSession

pytestmark = pytest.mark.integration

WORKFLOW_INPUT: Dict[str, Any] = {
    "x": 1,
    "d": 5.0,
    "big": 1e7,
    "small": 1e-4,
    "s": "str",
    "b": True,
    "n": None,
    "list": [{"a": 1, "b": "x/y"}, {"a": 2, "b": "y"}, {"a": 3}],
    "m": {"k1": {"a": 5}, "k2": {"a": 6}},
    "a.b": 7,
    "idx": 1,
    "key": "k1",
    "nums": [3, 1, 2],
}

CASES: Dict[str, Any] = {
    "whole_map": "${workflow.input.m}",
    "whole_list": "${workflow.input.nums}",
    "whole_int": "${workflow.input.x}",
    "whole_double": "${workflow.input.d}",
    "whole_bool": "${workflow.input.b}",
    "whole_null": "${workflow.input.n}",
    "missing": "${workflow.input.nope}",
    "missing_task": "${nosuch.output.x}",
    "embedded_null": "n=${workflow.input.n}",
    "embedded_doubles": "${workflow.input.d}|${workflow.input.big}|${workflow.input.small}",
    "embedded_map": "m=${workflow.input.m}",
    "embedded_list": "l=${workflow.input.nums}",
    "embedded_bool": "b=${workflow.input.b}",
    "embedded_indefinite": "${workflow.input.list[*].b}!",
    "nested_path": "${workflow.input.m.${workflow.input.key}}",
    "nested_index": "${workflow.input.list[${workflow.input.idx}].b}",
    "escape": "$${workflow.input.x} ${workflow.input.x}",
    "blank": "a${ }b",
    "unbalanced": "${a ${workflow.input.x}",
    "wildcard": "${workflow.input.list[*].a}",
    "filter": "${workflow.input.list[?(@.a > 1)].a}",
    "deep_scan": "${workflow.input.m..a}",
    "slice": "${workflow.input.list[:2].a}",
    "negative_index": "${workflow.input.list[-1]}",
    "out_of_range": "${workflow.input.list[7]}",
    "no_match": "${workflow.input.missing[*]}",
    "bracket": "${workflow.input['a.b']}",
    "function": "${workflow.input.nums.length()}",
    "function_each": "${workflow.input.list[*].a.length()}",
    "filter_in": "${workflow.input.list[?(@.a in [1,3])].a}",
    "filter_regex": "${workflow.input.list[?(@.b =~ /X.*/i)].a}",
    "filter_size": "${workflow.input.list[?(@.b size 1)].a}",
    "filter_empty": "${workflow.input.list[?(@.b empty false)].a}",
    "filter_empty_on_maps": "${workflow.input.list[?(@ empty false)].a}",
    "filter_contains": "${workflow.input.list[?(@.b contains '/')].a}",
    "filter_anyof": "${workflow.input.list[?(@.a anyof [1])].a}",
    "filter_noneof": "${workflow.input.nums[?(@ noneof [1])]}",
    "filter_negated": "${workflow.input.list[?(!(@.a == 2))].a}",
    "filter_on_map": "${workflow.input.m[?(@.k2.a == 6)]}",
    "filter_after_wildcard": "${workflow.input.m.*[?(@.a > 5)].a}",
    "filter_deep_scan": "${workflow.input..[?(@.a == 5)]}",
    "filter_on_scalar": "${workflow.input.s[?(@ == 'str')]}",
    "filter_missing_is_null": "${workflow.input.list[?(@.b == null)].a}",
    "filter_number_equals_text": "${workflow.input.list[?(@.a == '2')].a}",
    "filter_regex_on_numbers": "${workflow.input.list[?(@.a =~ /[13]/)].a}",
    "filter_root_reference": "${workflow.input.list[?(@.a == $.workflow.input.x)].b}",
    "filter_list_equality": "${workflow.input.list[?(@.a != [1])].a}",
    "leading_blank": "${ workflow.input.x }",
    "task_output": "${t1.output.result}",
    "task_fields": "${t1.taskType}/${t1.status}/${t1.referenceTaskName}",
    "loop_latest": "${body.output.result}",
    "loop_suffixed": "${body__1.output}",
    "loop_output": "${loop.output}",
    "loop_iteration": "${loop.iteration}",
    "variables": "${workflow.variables}",
    "workflow_fields": "${workflow.workflowType}|${workflow.version}|${workflow.schemaVersion}"
    "|${workflow.status}",
    "workflow_name": "${workflow.name}",
    "workflow_entry": "${workflow}",
    "task_id": "${CPEWF_TASK_ID}",
    "secret": "${workflow.secrets.token}",
    "env": "${workflow.env.HOME}",
    "netflix_env": "${NETFLIX_ENV}",
    "map_keys": {"${workflow.input.s}": "${workflow.input.s}"},
    "containers": ["${workflow.input.x}", {"a": "${workflow.input.s}"}, ["${workflow.input.b}"], 5, None],
    "template_null": "${workflow.input.n}",
    "template_missing": "${workflow.input.nothing}",
}

INPUT_TEMPLATE: Dict[str, Any] = {
    "template_null": "${workflow.input.also_missing}",
    "template_missing": "raw",
    "template_added": "${workflow.input.x}",
    "template_nested": {"k": "${workflow.input.s}"},
}


def _workflow_def(name: str) -> Dict[str, Any]:
    probe_params = dict(CASES)
    probe_params.update({"evaluatorType": "graaljs", "expression": "1"})
    probe = {
        "name": "probe",
        "taskReferenceName": "probe",
        "type": "INLINE",
        "inputParameters": probe_params,
        "taskDefinition": {"name": "probe", "inputTemplate": INPUT_TEMPLATE},
    }
    return {
        "name": name,
        "version": 1,
        "schemaVersion": 2,
        "ownerEmail": "testkit@example.com",
        "variables": {"initial": 1},
        "tasks": [
            {
                "name": "t1",
                "taskReferenceName": "t1",
                "type": "INLINE",
                "inputParameters": {
                    "evaluatorType": "graaljs",
                    "expression": "({n: 5, d: 2.5, s: 'x/y', l: [1, 2], m: {k: 'v'}})",
                },
            },
            {
                "name": "loop",
                "taskReferenceName": "loop",
                "type": "DO_WHILE",
                "loopCondition": "if ($.loop['iteration'] < 2) { true; } else { false; }",
                "inputParameters": {},
                "loopOver": [
                    {
                        "name": "body",
                        "taskReferenceName": "body",
                        "type": "INLINE",
                        "inputParameters": {
                            "evaluatorType": "graaljs",
                            "expression": "$.i * 10",
                            "i": "${loop.iteration}",
                        },
                    }
                ],
            },
            {
                "name": "setvar",
                "taskReferenceName": "setvar",
                "type": "SET_VARIABLE",
                "inputParameters": {"v": "${t1.output.result.n}", "w": "hello"},
            },
            {
                "name": "sw",
                "taskReferenceName": "sw",
                "type": "SWITCH",
                "evaluatorType": "value-param",
                "expression": "q",
                "inputParameters": {"q": "z"},
                "decisionCases": {"z": [probe]},
            },
        ],
    }


@pytest.fixture(scope="module")
def resolved_pair(conductor_server_url: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(the server's probe inputData, ours) for the same workflow state."""
    name = f"expr_table_{uuid.uuid4().hex[:8]}"
    definition = _workflow_def(name)
    body = {
        "name": name,
        "version": 1,
        "workflowDef": definition,
        "input": WORKFLOW_INPUT,
        "taskRefToMockOutput": {},
    }
    response = ServerSession().post(f"{conductor_server_url}/workflow/test", json=body, timeout=60)
    assert response.status_code == 200, response.text
    workflow = response.json()
    assert workflow["status"] == "COMPLETED", workflow.get("reasonForIncompletion")
    tasks = workflow["tasks"]
    refs = [task["referenceTaskName"] for task in tasks]
    probe = tasks[refs.index("probe")]
    # the state when the probe was scheduled: running, no output, tasks before the SWITCH
    state = copy.deepcopy(workflow)
    state.update(status="RUNNING", output={})
    context = ExpressionContext(state, tasks[: refs.index("sw")])
    probe_def = definition["tasks"][3]["decisionCases"]["z"][0]
    ours = resolve_task_input(
        probe_def["inputParameters"], context, probe["taskId"], probe_def["taskDefinition"]
    )
    return probe["inputData"], ours


@pytest.mark.parametrize("case", sorted(CASES) + ["template_added", "template_nested"])
def test_case_matches_the_server(resolved_pair, case):
    server, ours = resolved_pair
    assert json.dumps(ours[case]) == json.dumps(server[case])


def test_resolved_keys_and_their_order_match_the_server(resolved_pair):
    server, ours = resolved_pair
    assert list(ours) == list(server)
