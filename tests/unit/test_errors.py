"""The one exception hierarchy: every class builds, reads well as text and derives from the root."""

from __future__ import annotations

import pytest

from conductor_testkit import errors
from conductor_testkit.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConductorError,
    ConflictError,
    EngineError,
    NotFoundError,
    ServerError,
    api_error_for,
)


@pytest.mark.parametrize(
    "cls",
    [
        errors.ModelValidationError,
        errors.DefinitionError,
        errors.ConfigurationError,
        errors.ConductorConnectionError,
        errors.NotSupportedError,
    ],
)
def test_message_errors_keep_their_text_and_derive_from_the_root(cls: type) -> None:
    error = cls("workflow 'w', task 'a': retry_count must be int, received 'x'")
    assert isinstance(error, ConductorError)
    assert str(error) == "workflow 'w', task 'a': retry_count must be int, received 'x'"


@pytest.mark.parametrize(
    "cls", [errors.ModelValidationError, errors.DefinitionError, errors.ConfigurationError]
)
def test_usage_errors_are_value_errors_too(cls: type) -> None:
    assert issubclass(cls, ValueError)


def test_api_error_text_names_the_request_and_the_servers_message() -> None:
    error = ApiError(418, "GET", "/workflow/x", "teapot", body={"status": 418})
    assert str(error) == "GET /workflow/x -> HTTP 418: teapot"
    assert (error.status, error.method, error.path, error.message, error.body) == (
        418,
        "GET",
        "/workflow/x",
        "teapot",
        {"status": 418},
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (409, ConflictError),
        (500, ServerError),
        (503, ServerError),
        (422, ApiError),
    ],
)
def test_api_error_for_picks_the_class_of_the_status(status: int, cls: type) -> None:
    error = api_error_for(status, "POST", "/workflow", "no")
    assert type(error) is cls
    assert str(error) == f"POST /workflow -> HTTP {status}: no"


def test_engine_error_prefixes_the_workflow_and_task() -> None:
    error = EngineError("no mock left", workflow="checkout", task_ref="charge_ref")
    assert str(error) == "[workflow 'checkout', task 'charge_ref'] no mock left"
    assert (error.workflow, error.task_ref) == ("checkout", "charge_ref")


def test_engine_error_without_a_place_is_the_bare_message() -> None:
    assert str(EngineError("no such workflow")) == "no such workflow"


def test_every_public_error_class_is_exported() -> None:
    classes = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, ConductorError)
    }
    assert classes <= set(errors.__all__)
