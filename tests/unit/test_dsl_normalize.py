"""strip_server_defaults: what the server fills in is dropped, what was set is kept."""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.workflow import strip_server_defaults


def test_drops_audit_fields_and_defaults_of_the_workflow() -> None:
    got = {
        "name": "w",
        "createTime": 1,
        "updateTime": 2,
        "schemaVersion": 2,
        "restartable": True,
        "timeoutPolicy": "ALERT_ONLY",
        "timeoutSeconds": 0,
        "enforceSchema": True,
        "tasks": [],
    }
    assert strip_server_defaults(got) == {"name": "w", "tasks": []}


def test_keeps_values_that_differ_from_the_defaults() -> None:
    sent = {
        "name": "w",
        "restartable": False,
        "timeoutPolicy": "TIME_OUT_WF",
        "timeoutSeconds": 60,
        "tasks": [],
    }
    assert strip_server_defaults(sent) == sent


def test_drops_task_defaults_at_every_depth() -> None:
    filled = {
        "name": "n",
        "taskReferenceName": "n",
        "type": "NOOP",
        "optional": False,
        "startDelay": 0,
        "joinOn": [],
    }
    got = {
        "name": "w",
        "tasks": [
            {
                "name": "l",
                "taskReferenceName": "l",
                "type": "DO_WHILE",
                "loopOver": [filled],
                "asyncComplete": False,
            }
        ],
    }
    assert strip_server_defaults(got) == {
        "name": "w",
        "tasks": [
            {
                "name": "l",
                "taskReferenceName": "l",
                "type": "DO_WHILE",
                "loopOver": [{"name": "n", "taskReferenceName": "n", "type": "NOOP"}],
            }
        ],
    }


def test_drops_defaults_of_an_inline_task_definition() -> None:
    task = {
        "name": "t",
        "taskReferenceName": "t",
        "taskDefinition": {"timeoutSeconds": 30, "retryCount": 3, "retryLogic": "FIXED", "createTime": 0},
    }
    assert strip_server_defaults({"name": "w", "tasks": [task]})["tasks"] == [
        {"name": "t", "taskReferenceName": "t", "taskDefinition": {"timeoutSeconds": 30}}
    ]


def test_does_not_change_its_input() -> None:
    got: Dict[str, Any] = {
        "name": "w",
        "schemaVersion": 2,
        "tasks": [{"name": "t", "taskReferenceName": "t", "optional": False}],
    }
    strip_server_defaults(got)
    assert got["schemaVersion"] == 2 and got["tasks"][0]["optional"] is False
