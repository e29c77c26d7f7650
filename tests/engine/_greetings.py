"""The ``greetings`` definition the REST router and in-process client tests share.

A module constant rather than a fixture: ``test_rest.py`` also uses it in ``parametrize`` lists.
"""

from __future__ import annotations

from typing import Any, Dict

# v1: worker task ``greet`` (input ``name``), then a WAIT ``hold``; output ``result``
GREETINGS: Dict[str, Any] = {
    "name": "greetings",
    "version": 1,
    "ownerEmail": "h@example.com",
    "tasks": [
        {
            "name": "greet",
            "taskReferenceName": "greet_ref",
            "type": "SIMPLE",
            "inputParameters": {"name": "${workflow.input.name}"},
        },
        {"name": "hold", "taskReferenceName": "hold", "type": "WAIT"},
    ],
    "outputParameters": {"result": "${greet_ref.output.result}"},
}
