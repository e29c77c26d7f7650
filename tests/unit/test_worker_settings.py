"""Per-worker settings from environment variables (the official SDK's variable names)."""

from __future__ import annotations

import pytest

from conductor_testkit.errors import ConfigurationError
from conductor_testkit.worker import Worker, env_variable_names
from conductor_testkit.worker.settings import apply_environment, resolve_overrides


def worker() -> Worker:
    return Worker("charge", lambda: None, poll_interval_millis=100, thread_count=1)


def test_worker_specific_dotted_variable_overrides_the_code() -> None:
    overrides = resolve_overrides(worker(), {"conductor.worker.charge.thread_count": "8"})
    assert overrides == {"thread_count": 8}


def test_worker_specific_variable_beats_the_global_one() -> None:
    env = {"conductor.worker.all.domain": "global", "conductor_worker_charge_domain": "mine"}
    assert resolve_overrides(worker(), env) == {"domain": "mine"}


def test_global_upper_case_variable_applies_to_every_worker() -> None:
    assert resolve_overrides(worker(), {"CONDUCTOR_WORKER_ALL_POLL_TIMEOUT": "250"}) == {"poll_timeout": 250}


def test_legacy_polling_interval_name_sets_the_poll_interval() -> None:
    env = {"CONDUCTOR_WORKER_CHARGE_POLLING_INTERVAL": "40"}
    assert resolve_overrides(worker(), env) == {"poll_interval_millis": 40.0}


def test_boolean_settings_read_true_and_false_words() -> None:
    env = {"conductor.worker.charge.paused": "yes", "conductor_worker_register_task_def": "off"}
    assert resolve_overrides(worker(), env) == {"paused": True, "register_task_def": False}


def test_unparseable_value_raises_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="conductor.worker.charge.thread_count='many'"):
        resolve_overrides(worker(), {"conductor.worker.charge.thread_count": "many"})


def test_apply_environment_returns_an_overridden_copy() -> None:
    original = worker()
    changed = apply_environment(original, {"conductor_worker_charge_domain": "blue"})
    assert changed.domain == "blue"
    assert original.domain is None


def test_apply_environment_without_overrides_returns_the_same_worker() -> None:
    original = worker()
    assert apply_environment(original, {}) is original


def test_env_variable_names_lists_the_documented_spellings_in_priority_order() -> None:
    assert env_variable_names("charge", "domain") == [
        "conductor.worker.charge.domain",
        "conductor_worker_charge_domain",
        "CONDUCTOR_WORKER_CHARGE_DOMAIN",
        "conductor.worker.all.domain",
        "CONDUCTOR_WORKER_ALL_DOMAIN",
        "conductor_worker_domain",
        "CONDUCTOR_WORKER_DOMAIN",
    ]
