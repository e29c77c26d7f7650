"""The values the Conductor server (3.32.1) gives the fields a definition leaves out.

The server's Java models initialise these fields, so ``GET /metadata/...`` and a run's
``workflowDefinition`` show them even when the definition sent did not. One table per model:
:class:`~conductor_testkit.models.TaskDef`, :class:`~conductor_testkit.models.WorkflowTask` and
:class:`~conductor_testkit.models.WorkflowDef`, keyed by wire (camelCase) name.
"""

from __future__ import annotations

from typing import Any, Dict

TASK_DEF_DEFAULTS: Dict[str, Any] = {
    "createTime": 0,
    "updateTime": 0,
    "retryCount": 3,
    "timeoutSeconds": 0,
    "inputKeys": [],
    "outputKeys": [],
    "runtimeMetadata": [],
    "timeoutPolicy": "TIME_OUT_WF",
    "retryLogic": "FIXED",
    "retryDelaySeconds": 60,
    "responseTimeoutSeconds": 3600,
    "inputTemplate": {},
    "rateLimitPerFrequency": 0,
    "rateLimitFrequencyInSeconds": 1,
    "backoffScaleFactor": 1,
    "maxRetryDelaySeconds": 0,
    "backoffJitterMs": 0,
    "totalTimeoutSeconds": 0,
    "taskStatusListenerEnabled": True,
    "enforceSchema": False,
}

WORKFLOW_TASK_DEFAULTS: Dict[str, Any] = {
    "inputParameters": {},
    "type": "SIMPLE",
    "decisionCases": {},
    "defaultCase": [],
    "forkTasks": [],
    "startDelay": 0,
    "joinOn": [],
    "optional": False,
    "defaultExclusiveJoinTask": [],
    "asyncComplete": False,
    "loopOver": [],
    "onStateChange": {},
    "permissive": False,
    "metadata": {},
}

WORKFLOW_DEF_DEFAULTS: Dict[str, Any] = {
    "createTime": 0,
    "updateTime": 0,
    "version": 1,
    "tasks": [],
    "inputParameters": [],
    "outputParameters": {},
    "schemaVersion": 2,
    "restartable": True,
    "workflowStatusListenerEnabled": False,
    "timeoutPolicy": "ALERT_ONLY",
    "timeoutSeconds": 0,
    "variables": {},
    "inputTemplate": {},
    "enforceSchema": True,
    "metadata": {},
    "maskedFields": [],
}
