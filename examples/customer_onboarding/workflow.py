"""The onboarding workflow and its setup sub-workflow, built with the DSL.

1. ``create_account`` (a worker) opens the account.
2. ``setup`` (SUB_WORKFLOW ``onboarding_setup``, registered by name) provisions the workspace and
   sends the welcome mail.
3. ``register_in_crm`` (HTTP POST, run by the server itself) records the customer in the CRM,
   whose address is an input: the CRM answers with its id. A CRM that answers with an error fails
   the onboarding at once (no retries: the sales team follows up by hand).
"""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.workflow import ConductorWorkflow, HttpTask, SimpleTask, SubWorkflowTask

NAME = "customer_onboarding"
SETUP = "onboarding_setup"


def setup_workflow() -> ConductorWorkflow:
    """The child: a workspace for the account, then the welcome mail with its address."""
    workflow = ConductorWorkflow(name=SETUP, version=1)
    provision = (
        SimpleTask("onboarding_provision_workspace", "provision")
        .input_parameter("accountId", workflow.input("accountId"))
        .input_parameter("plan", workflow.input("plan"))
    )
    welcome = (
        SimpleTask("onboarding_send_welcome", "welcome")
        .input_parameter("email", workflow.input("email"))
        .input_parameter("workspaceUrl", provision.output("workspaceUrl"))
    )
    workflow >> provision >> welcome
    workflow.output_parameters(
        {"workspaceUrl": provision.output("workspaceUrl"), "welcomeMessageId": welcome.output("messageId")}
    )
    return workflow


def onboarding_workflow() -> ConductorWorkflow:
    workflow = ConductorWorkflow(name=NAME, version=1)
    account = (
        SimpleTask("onboarding_create_account", "create_account")
        .input_parameter("company", workflow.input("company"))
        .input_parameter("email", workflow.input("email"))
    )
    setup = SubWorkflowTask("setup", SETUP, 1)
    setup.input_parameter("accountId", account.output("accountId"))
    setup.input_parameter("plan", workflow.input("plan"))
    setup.input_parameter("email", workflow.input("email"))
    crm = HttpTask(
        "register_in_crm",
        {
            "uri": "${workflow.input.crmUrl}/customers",
            "method": "POST",
            "contentType": "application/json",
            "accept": "application/json",
            "body": {
                "accountId": account.output("accountId"),
                "company": workflow.input("company"),
                "plan": workflow.input("plan"),
                "workspaceUrl": setup.output("workspaceUrl"),
            },
        },
        task_definition={"name": "register_in_crm", "retryCount": 0, "responseTimeoutSeconds": 0},
    )
    workflow >> account >> setup >> crm
    workflow.output_parameters(
        {
            "accountId": account.output("accountId"),
            "workspaceUrl": setup.output("workspaceUrl"),
            "crmId": crm.body("crmId"),
        }
    )
    return workflow


def signup(crm_url: str, **overrides: Any) -> Dict[str, Any]:
    return {"company": "Acme", "email": "ops@acme.test", "plan": "team", "crmUrl": crm_url, **overrides}
