"""Redaction of captured cases: values under secret keys, and the secrets wherever they were copied."""

from __future__ import annotations

from conductor_testkit.testing.redaction import DEFAULT_PATTERNS, REDACTED, Redactor


def redacted(value, redactor=None):  # type: ignore[no-untyped-def]
    redactor = redactor or Redactor()
    redactor.learn(value)
    return redactor(value)


def test_values_under_secret_keys_are_replaced_at_any_depth() -> None:
    data = {
        "user": {"name": "ana", "password": "hunter22", "apiKey": "k-998877"},
        "calls": [{"headers": {"X-Trace": "t1"}, "Authorization": "Bearer abcdefgh"}],
        "accessToken": 12345,
    }
    assert redacted(data) == {
        "user": {"name": "ana", "password": REDACTED, "apiKey": REDACTED},
        "calls": [{"headers": REDACTED, "Authorization": REDACTED}],
        "accessToken": REDACTED,
    }


def test_a_secret_copied_under_another_key_or_into_text_is_replaced_there_too() -> None:
    data = {"password": "hunter22", "pw": "hunter22", "reason": "login hunter22 refused", "n": 7}
    assert redacted(data) == {
        "password": REDACTED,
        "pw": REDACTED,
        "reason": f"login {REDACTED} refused",
        "n": 7,
    }


def test_expressions_nulls_and_short_secrets_are_kept_where_they_do_not_sit_under_a_secret_key() -> None:
    data = {"token": "${workflow.input.token}", "secret": None, "pin_secret": "1234", "other": "1234"}
    # "1234" is too short to be searched for elsewhere (it would match unrelated values)
    assert redacted(data) == {
        "token": "${workflow.input.token}",
        "secret": None,
        "pin_secret": REDACTED,
        "other": "1234",
    }


def test_extra_patterns_add_to_the_defaults_and_the_defaults_can_be_turned_off() -> None:
    data = {"card_number": "4111111111111111", "token": "tok_12345678"}
    assert redacted(data, Redactor(["card_*"])) == {"card_number": REDACTED, "token": REDACTED}
    assert redacted(data, Redactor(["card_*"], defaults=False)) == {
        "card_number": REDACTED,
        "token": "tok_12345678",
    }


def test_the_redactor_reports_its_patterns_and_how_many_values_it_replaced() -> None:
    redactor = Redactor(["ssn"])
    redacted({"ssn": "123-45-6789", "copy": "123-45-6789", "password": "pw-123456"}, redactor)
    assert redactor.to_dict() == {"patterns": [*DEFAULT_PATTERNS, "ssn"], "redacted": 3}


def test_the_case_keeps_the_server_url_without_credentials() -> None:
    from conductor_testkit.testing.capture import _without_credentials

    assert (
        _without_credentials("https://ana:pw@conductor.example:8443/api")
        == "https://conductor.example:8443/api"
    )
    assert _without_credentials("http://127.0.0.1:8080/api") == "http://127.0.0.1:8080/api"
