"""``pytest --conductor-replay=DIR``: case files become replay tests, seen through pytester."""

from __future__ import annotations

import json

import pytest
from capture_support import Production

from conductor_testkit.testing.capture import capture

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def cases() -> dict:
    production = Production()
    return {
        country: capture(
            production.run(f"orders_{country}").workflow_id, production.clients, name=f"order_{country}"
        ).to_dict()
        for country in ("us", "eu")
    }


@pytest.fixture(autouse=True)
def no_server_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONDUCTOR_SERVER_URL", raising=False)


def write(pytester: pytest.Pytester, name: str, data: dict) -> None:
    path = pytester.path / "cases" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data))


def test_each_case_file_becomes_a_replay_test_even_beside_other_paths(
    pytester: pytest.Pytester, cases: dict
) -> None:
    write(pytester, "us.json", cases["us"])
    write(pytester, "eu.json", cases["eu"])
    write(pytester, "settings.json", {"not": "a case"})
    pytester.makepyfile(test_other="def test_other():\n    pass\n")
    result = pytester.runpytest("-v", "--conductor-replay=cases", "test_other.py")
    result.stdout.fnmatch_lines(
        [
            "test_other.py::test_other PASSED*",
            "cases/eu.json::replay[[]order_eu[]] PASSED*",
            "cases/us.json::replay[[]order_us[]] PASSED*",
            "conductor: backend local (in-memory engine), 2 workflow(s) run",
        ]
    )
    result.assert_outcomes(passed=3)


def test_a_case_that_no_longer_replays_fails_with_its_divergences(
    pytester: pytest.Pytester, cases: dict
) -> None:
    tampered = json.loads(json.dumps(cases["us"]))
    tampered["mocks"]["ship_us"][0]["output"]["tracking"] = "lost"
    write(pytester, "us.json", tampered)
    result = pytester.runpytest("--conductor-replay=cases")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ replay[[]order_us[]] _*",
            "*ReplayMismatch: case 'order_us' (workflow 'u_orders' version 1, captured *), "
            "replayed on the local backend: 2 divergence(s) from the recording "
            "(expected: as recorded, got: as replayed)",
            '*- output: output.tracking.us: expected "USPS-8", got "lost"',
            '*- task output: ship_us outputData.tracking: expected "USPS-8", got "lost"',
        ]
    )


def test_a_missing_replay_directory_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--conductor-replay=nowhere")
    result.stderr.fnmatch_lines(["*--conductor-replay=nowhere: no such directory"])


def test_the_option_is_listed_in_the_help(pytester: pytest.Pytester) -> None:
    pytester.runpytest("--help").stdout.fnmatch_lines(
        ["  --conductor-replay=DIR", "*replay every captured case file in DIR*"]
    )
