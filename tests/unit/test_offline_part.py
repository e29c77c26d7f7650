"""The offline part of the suite (``-m "not integration"``) never reaches for the real server.

Checked on the project's own ``tests/conftest.py`` in a scratch test directory: a test that needs
the server without the ``integration`` marker stops the collection with a message naming it, and
one that carries the marker (on itself or on a parameter) is deselected before any fixture runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # an unreachable configured server: a fixture that ran anyway would try to start a JVM
    monkeypatch.setenv("CONDUCTOR_SERVER_URL", "http://127.0.0.1:9/api")
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makeini("[pytest]\nmarkers =\n    integration: the real server\naddopts = --strict-markers\n")
    return pytester


def test_a_server_test_without_the_marker_stops_the_collection(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_unmarked="""
        def test_needs_the_server(conductor_server_url):
            pass

        def test_offline():
            pass
        """
    )
    result = project.runpytest("-m", "not integration")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*1 test(s) use a real-server fixture without the integration marker*"
         "test_unmarked.py::test_needs_the_server*"]
    )


def test_a_fixture_that_needs_the_server_counts_too(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_indirect="""
        import pytest

        @pytest.fixture
        def server_host(conductor_server_url):
            return conductor_server_url

        def test_uses_it(server_host):
            pass
        """
    )
    result = project.runpytest("-m", "not integration")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_indirect.py::test_uses_it*"])


def test_marked_server_tests_are_deselected_before_any_fixture_runs(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_marked="""
        import pytest

        @pytest.mark.integration
        def test_marked(conductor_server_url):
            raise AssertionError("ran")

        @pytest.fixture(params=["memory", pytest.param("server", marks=pytest.mark.integration)])
        def backend(request):
            if request.param == "memory":
                return "memory://"
            return request.getfixturevalue("conductor_server_url")

        def test_on_each_backend(backend):
            assert backend == "memory://"
        """
    )
    result = project.runpytest("-m", "not integration", "-v")
    result.assert_outcomes(passed=1, deselected=2)
    result.stdout.fnmatch_lines(["*test_on_each_backend?memory? PASSED*"])
