"""Send a reminder six hours after sign-up: WAIT (duration) then a worker that stamps the time."""

from __future__ import annotations

from datetime import timedelta

from conductor_testkit.workflow.conductor_workflow import ConductorWorkflow
from conductor_testkit.workflow.task.simple_task import SimpleTask
from conductor_testkit.workflow.task.wait_task import WaitForDurationTask

NAME = "signup_reminder"
DELAY = timedelta(hours=6)


def reminder_workflow() -> ConductorWorkflow:
    workflow = ConductorWorkflow(name=NAME, version=1)
    remind = SimpleTask("send_reminder", "remind").input_parameter("email", workflow.input("email"))
    workflow >> WaitForDurationTask("six_hours", DELAY) >> remind
    workflow.output_parameters({"sentAt": remind.output("sentAt"), "to": remind.output("to")})
    return workflow
