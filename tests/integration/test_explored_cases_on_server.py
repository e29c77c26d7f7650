"""The cases ``explore`` writes replay on the real server's test endpoint, and the plugin records
the coverage of those remote runs like local ones."""

from __future__ import annotations

import pytest

from conductor_testkit.testing.explore import explore
from examples.kitchen_sink.workflow import COMPENSATION_WORKFLOW, KITCHEN_SINK

pytestmark = pytest.mark.integration
pytest_plugins = ["pytester"]


def test_explored_cases_replay_on_the_server_with_their_coverage(
    conductor_server_url: str, pytester: pytest.Pytester
) -> None:
    result = explore(KITCHEN_SINK, register=[COMPENSATION_WORKFLOW])
    result.write_cases(pytester.path)
    portable = [case for case in result.cases if "remote" in case.backends]
    assert 0 < len(portable) < len(result.cases)
    run = pytester.runpytest(
        "--conductor-backend=remote", f"--conductor-server-url={conductor_server_url}", "--conductor-coverage"
    )
    run.assert_outcomes(passed=len(portable), skipped=len(result.cases) - len(portable))
    # every branch; the outcomes but those of the cases the server cannot replay: a forked task
    # retried, and the failure workflow's own (the test endpoint starts it but does not run it)
    run.stdout.fnmatch_lines(
        [
            "kitchen_sink v1 *  20/20 100%  16/16 100%  30/32 93%",
            "  missing outcomes: invoice: failed then retried, invoice: canceled",
            "kitchen_sink_archive v1 *    3/3 100%    2/2 100%   6/6 100%",
            "kitchen_sink_compensation v1 *    1/1 100%    0/0 100%     0/4 0%",
        ],
        consecutive=True,
    )
