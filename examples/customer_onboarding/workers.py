"""The onboarding workers (the CRM is called by the workflow's HTTP task, not by a worker)."""

from __future__ import annotations

from typing import Any, Dict, List

from conductor_testkit.worker import Worker


def workers(outbox: List[Dict[str, Any]]) -> List[Worker]:
    """Every worker of the onboarding and its setup; welcome mails are appended to ``outbox``."""

    def send_welcome(email: str, workspaceUrl: str) -> Dict[str, Any]:
        outbox.append({"to": email, "link": workspaceUrl})
        return {"messageId": f"msg-{len(outbox)}"}

    return [
        Worker("onboarding_create_account", lambda company, email: {"accountId": f"acc-{company.lower()}"}),
        Worker(
            "onboarding_provision_workspace",
            lambda accountId, plan: {"workspaceUrl": f"https://{accountId}.example.test/{plan}"},
        ),
        Worker("onboarding_send_welcome", send_welcome),
    ]
