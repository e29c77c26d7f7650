"""pytest plugin of conductor-testkit: fixtures, options and markers for workflow tests.

Fixtures:

* ``conductor``: a :class:`conductor_testkit.testing.Harness` on the chosen backend;
  ``conductor.run(workflow, input, mocks)`` returns an ``Execution``.
* ``conductor_engine``: a fresh in-memory ``Engine`` on a virtual clock (the ``conductor``
  harness of a local test runs on this same engine).
* ``conductor_clients``: ``OrkesClients`` bound to that engine (local) or to the server (remote).
* ``conductor_clock``: the engine's ``VirtualClock`` (local backend only).
* ``conductor_server_url``: the API URL of the session's real server (started on demand).

Options (group "conductor"): ``--conductor-backend`` (local, remote, live, both),
``--conductor-server-url``, ``--conductor-start-server``, ``--conductor-snapshot-update``, and the
workflow coverage: ``--conductor-coverage`` (a table in the summary), ``--conductor-coverage-json``,
``--conductor-coverage-html``, ``--conductor-coverage-fail-under`` (branches) and
``--conductor-coverage-fail-under-outcomes``.
Markers: ``conductor_backend(*names)``, ``conductor_remote``, ``conductor_strict(...)``.
Ini settings: ``conductor_strict``, ``conductor_lint``, ``conductor_missing_inputs``.

A failing test that ran workflows gets a "conductor execution" report section: each task's
reference, type, status, attempts, input, output and reason, what blocks the run, and the path
taken against the path a path assertion expected. Under pytest-xdist the closing summary counts
the runs of every worker.

The module imports nothing of conductor_testkit at load time (pytest loads it for every test
run of an environment where the package is installed); fixtures import lazily.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional

import pytest

from pytest_conductor import gc_freeze

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.testing import Harness

BACKENDS = ("local", "remote", "live", "both")
_SERVER_BACKENDS = ("remote", "live", "both")
_STATE_KEY = "_conductor_testkit_state"
_HARNESS_ATTR = "_conductor_harness"
_STRICT_FIELDS = ("unused_mocks", "mock_keys", "lint", "missing_inputs")


class _SessionState:
    """The session's backend choice, its server (resolved once, on first need) and a run count."""

    def __init__(self, config: pytest.Config) -> None:
        self.backend: str = config.getoption("conductor_backend")
        self.url_option: Optional[str] = config.getoption("conductor_server_url")
        self.start_server: bool = bool(config.getoption("conductor_start_server"))
        self.workflows_run = 0
        self.compared = 0
        self.agreed = 0
        self.snapshots_written = 0
        self.server_version: Optional[str] = None
        self._resolved = False
        self._url: Optional[str] = None
        self._problem: Optional[str] = None
        self._server: Any = None

    def server_url(self) -> Optional[str]:
        """The URL of a server that answers, or None (then :attr:`problem` says why)."""
        if self._resolved:
            return self._url
        self._resolved = True
        from conductor_testkit.testing import server as server_mod

        if self.start_server:
            try:
                self._server = server_mod.ConductorServer().start()
            except server_mod.ServerUnavailable as exc:
                self._problem = f"--conductor-start-server could not start Conductor: {exc}"
                return None
            self._url = self._server.api_url
        else:
            url = self.url_option or os.environ.get("CONDUCTOR_SERVER_URL")
            if not url:
                self._problem = (
                    "no Conductor server configured: pass --conductor-server-url=URL, set "
                    "CONDUCTOR_SERVER_URL, or use --conductor-start-server"
                )
                return None
            if not server_mod.is_reachable(url):
                self._problem = f"no Conductor server answers at {url}"
                return None
            self._url = url.rstrip("/")
        self.server_version = server_mod.server_version(self._url) or "unknown"
        return self._url

    @property
    def url(self) -> Optional[str]:
        return self._url

    @property
    def resolved(self) -> bool:
        """Whether a server was asked for (by a remote test or a conductor_remote one)."""
        return self._resolved

    @property
    def problem(self) -> str:
        return self._problem or ""

    def adopt_server(self, version: Optional[str], url: Optional[str], problem: Optional[str]) -> None:
        """What an xdist worker learnt of the server (the controller never asked itself)."""
        if url and not self._url:
            self._resolved, self._url, self.server_version = True, url, version
        elif problem and not self._resolved:
            self._resolved, self._problem = True, problem

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def _state(config: pytest.Config) -> _SessionState:
    state = getattr(config, _STATE_KEY, None)
    if state is None:
        state = _SessionState(config)
        setattr(config, _STATE_KEY, state)
    return state


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conductor", "conductor-testkit workflow tests")
    group.addoption(
        "--conductor-backend",
        action="store",
        dest="conductor_backend",
        default="local",
        choices=BACKENDS,
        help="where the 'conductor' fixture runs workflows: local (in-memory engine, virtual "
        "clock), remote (a real server's test endpoint) or live (a real server with in-process "
        "workers, wall-clock time). Default: local.",
    )
    group.addoption(
        "--conductor-server-url",
        action="store",
        dest="conductor_server_url",
        default=None,
        metavar="URL",
        help="API URL of the Conductor server for the remote backend, e.g. "
        "http://localhost:8080/api. Default: $CONDUCTOR_SERVER_URL.",
    )
    group.addoption(
        "--conductor-start-server",
        action="store_true",
        dest="conductor_start_server",
        default=False,
        help="start the pinned Conductor server for the session (needs Java 21+ and Maven or a "
        "cached jar) and stop it at the end.",
    )
    group.addoption(
        "--conductor-snapshot-update",
        action="store_true",
        dest="conductor_snapshot_update",
        default=False,
        help="write the snapshots of conductor.assert_snapshot() instead of comparing with them.",
    )
    parser.addini(
        "conductor_strict",
        "strict workflow tests: unused mocks fail, misspelled mock keys and definition problems are "
        "refused before the run (true/false; default true)",
        default="true",
    )
    parser.addini(
        "conductor_lint",
        "definition problems (unknown task types, references, fields): error, warn or off (default error)",
        default="error",
    )
    parser.addini(
        "conductor_missing_inputs",
        "expressions reading workflow inputs the test's input lacks: warn, error or off (default warn)",
        default="warn",
    )
    gc_freeze.add_ini(parser)
    _add_server_run_options(parser, group)
    _add_coverage_options(group)


def pytest_configure(config: pytest.Config) -> None:
    _configure_coverage(config)
    config.addinivalue_line(
        "markers",
        "conductor_backend(*names): run this test only on the named conductor backends "
        "('local', 'remote', 'live', 'both'); skipped on the others (under 'both', a test pinned "
        "to 'local' or 'remote' runs there alone).",
    )
    config.addinivalue_line(
        "markers",
        "conductor_strict(enabled=True, **checks): this test's strictness: conductor_strict(False) "
        "turns every check off; conductor_strict(unused_mocks=False, lint='warn', ...) sets some.",
    )
    config.addinivalue_line(
        "markers",
        "conductor_remote: the test needs a real Conductor server; its 'conductor' fixture runs "
        "there (the remote backend unless --conductor-backend=live), and it is skipped when no "
        "server is configured.",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    gc_freeze.unfreeze(config)
    state = getattr(config, _STATE_KEY, None)
    if state is not None:
        state.close()


def pytest_collection_finish(session: pytest.Session) -> None:
    if gc_freeze.uses_conductor(session.items):
        # what the fixture runs on, imported now rather than by the first test: its modules are
        # then frozen with the session's other long-lived objects, out of the collector's passes
        import conductor_testkit.testing.harness
        import conductor_testkit.testing.local  # noqa: F401
    gc_freeze.freeze_after_collection(session, session.items)


def pytest_report_header(config: pytest.Config) -> str:
    return f"conductor: backend={config.getoption('conductor_backend')}"


def _pins(item: pytest.Item) -> Optional[List[str]]:
    marker = item.get_closest_marker("conductor_backend")
    if marker is None:
        return None
    names = [str(name) for name in marker.args] or [str(marker.kwargs.get("name"))]
    for name in names:
        if name not in BACKENDS:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.conductor_backend({name!r}): the backend must be one of "
                f"{', '.join(repr(b) for b in BACKENDS)}"
            )
    return names


def _pinned_backend(chosen: str, pins: Optional[List[str]]) -> Optional[str]:
    """The backend a test runs on, given the session's choice and the test's pins (None: skip)."""
    if pins is None or chosen in pins:
        return chosen
    if chosen == "both":
        for part in ("local", "remote"):
            if part in pins:
                return part
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    backend = config.getoption("conductor_backend")
    for item in items:
        pins = _pins(item)
        if pins is not None and _pinned_backend(backend, pins) is None:
            item.add_marker(
                pytest.mark.skip(
                    reason=f"pinned to the {' or '.join(pins)} conductor backend; "
                    f"this run uses --conductor-backend={backend}"
                )
            )


def _effective_backend(request: pytest.FixtureRequest) -> str:
    chosen = str(request.config.getoption("conductor_backend"))
    pinned = _pinned_backend(chosen, _pins(request.node)) or chosen
    if request.node.get_closest_marker("conductor_remote") is not None and pinned not in _SERVER_BACKENDS:
        return "remote"
    return pinned


def _strictness(request: pytest.FixtureRequest) -> Any:
    """The test's strictness: the ini settings, then its conductor_strict marker."""
    from dataclasses import replace

    from conductor_testkit.testing.strictness import Strictness

    config = request.config
    enabled = str(config.getini("conductor_strict")).strip().lower() not in ("false", "0", "no", "off")
    marker = request.node.get_closest_marker("conductor_strict")
    if marker is not None and marker.args:
        enabled = bool(marker.args[0])
    settings: Dict[str, Any] = {}
    if enabled:
        settings["lint"] = str(config.getini("conductor_lint"))
        settings["missing_inputs"] = str(config.getini("conductor_missing_inputs"))
    if marker is not None:
        unknown = sorted(set(marker.kwargs) - set(_STRICT_FIELDS))
        if unknown:
            raise pytest.UsageError(
                f"{request.node.nodeid}: @pytest.mark.conductor_strict: unknown check(s) "
                f"{', '.join(unknown)}; the checks are {', '.join(_STRICT_FIELDS)}"
            )
        settings.update(marker.kwargs)
    return replace(Strictness.of(enabled), **settings)


def _snapshot_store(request: pytest.FixtureRequest) -> Any:
    from conductor_testkit.testing.snapshots import SnapshotStore

    path = request.node.path
    directory = path.parent / "__snapshots__" / path.stem
    return SnapshotStore(directory, update=bool(request.config.getoption("conductor_snapshot_update")))


def _require_server(request: pytest.FixtureRequest) -> str:
    __tracebackhide__ = True
    state = _state(request.config)
    url = state.server_url()
    if url is not None:
        return url
    if request.node.get_closest_marker("conductor_remote") is not None:
        pytest.skip(f"needs a Conductor server (@pytest.mark.conductor_remote): {state.problem}")
    pytest.fail(f"--conductor-backend={state.backend}: {state.problem}", pytrace=False)


@pytest.fixture
def conductor_engine() -> Any:
    """A fresh in-memory Engine on a virtual clock (2024-01-01T00:00Z, ids seeded)."""
    from conductor_testkit.engine import Engine

    return Engine()


@pytest.fixture
def conductor_clock(request: pytest.FixtureRequest) -> Any:
    """The virtual clock of this test's engine (local backend only)."""
    if _effective_backend(request) != "local":
        pytest.skip("conductor_clock needs the local backend: a real server's clock cannot be moved")
    return request.getfixturevalue("conductor_engine").clock


@pytest.fixture(scope="session")
def conductor_server_url(request: pytest.FixtureRequest) -> str:
    """The API URL of the session's Conductor server (``--conductor-server-url``,
    ``$CONDUCTOR_SERVER_URL``, or the pinned server with ``--conductor-start-server``)."""
    return _require_server(request)


@pytest.fixture
def conductor(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """A harness on the chosen backend: ``conductor.run(workflow, input, mocks) -> Execution``."""
    # from their modules: the package's lazy exports cost an import_module call a name
    from conductor_testkit.testing.harness import Harness
    from conductor_testkit.testing.local import LocalBackend

    state = _state(request.config)
    backend_name = _effective_backend(request)
    backend: Any
    # the server backends import the HTTP client (and requests): only when a test asks for one
    if backend_name == "remote":
        from conductor_testkit.testing import RemoteBackend

        backend = RemoteBackend(_require_server(request), **_remote_options(request.config))
    elif backend_name == "live":
        from conductor_testkit.testing import LiveBackend

        backend = LiveBackend(_require_server(request), **_live_options(request.config))
    elif backend_name == "both":
        from conductor_testkit.testing import BothBackend, RemoteBackend

        local = LocalBackend(request.getfixturevalue("conductor_engine"))
        backend = BothBackend(
            local, RemoteBackend(_require_server(request), **_remote_options(request.config))
        )
    else:
        backend = LocalBackend(request.getfixturevalue("conductor_engine"))
    snapshots = _snapshot_store(request)
    harness = Harness(
        backend, strict=_strictness(request), snapshots=snapshots, snapshot_key=request.node.name
    )
    setattr(request.node, _HARNESS_ATTR, harness)
    _observe_coverage(request, harness)
    try:
        yield harness
    finally:
        # The failure report (pytest_runtest_makereport) has been made by now; a harness kept on
        # its item would keep its engine and every run alive until the session ends.
        delattr(request.node, _HARNESS_ATTR)
        state.workflows_run += harness.runs
        state.snapshots_written += snapshots.written
        if backend_name == "both":
            state.compared += backend.compared
            state.agreed += backend.agreed


@pytest.fixture
def conductor_clients(request: pytest.FixtureRequest) -> Any:
    """``OrkesClients`` against this test's engine (local) or the server (remote)."""
    if _effective_backend(request) in _SERVER_BACKENDS:
        from conductor_testkit.client import Configuration, OrkesClients

        return OrkesClients(Configuration(server_api_url=_require_server(request)))
    from conductor_testkit.engine.in_process import LocalConductor

    return LocalConductor(request.getfixturevalue("conductor_engine")).clients


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when != "call" or not report.failed:
        return
    harness = getattr(item, _HARNESS_ATTR, None)
    if harness is not None and harness.executions:
        from conductor_testkit.testing.report import execution_report

        report.sections.append(("conductor execution", execution_report(harness.executions[-1])))


_COUNTS = ("workflows_run", "compared", "agreed", "snapshots_written")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    state = getattr(session.config, _STATE_KEY, None)
    if workeroutput is not None and state is not None:  # an xdist worker: hand the counts over
        workeroutput["conductor"] = {
            "counts": {name: getattr(state, name) for name in _COUNTS},
            "server_version": state.server_version,
            "url": state.url,
            "problem": state.problem,
        }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: add a worker's counts to the controller's."""
    data = getattr(node, "workeroutput", {}).get("conductor")
    if not data:
        return
    state = _state(node.config)
    for name, value in data["counts"].items():
        setattr(state, name, getattr(state, name) + int(value))
    state.adopt_server(data.get("server_version"), data.get("url"), data.get("problem"))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if getattr(config, "workerinput", None) is not None:
        return  # an xdist worker: the controller reports
    state = getattr(config, _STATE_KEY, None)
    if state is None:  # no conductor fixture was used: nothing to report
        return
    server = (
        f"Conductor {state.server_version} at {state.url}" if state.url else f"no server: {state.problem}"
    )
    if state.backend in _SERVER_BACKENDS:
        where = server
    elif state.resolved:
        where = f"in-memory engine; {server}"
    else:
        where = "in-memory engine"
    terminalreporter.write_sep("-", "conductor")
    line = f"conductor: backend {state.backend} ({where}), {state.workflows_run} workflow(s) run"
    if state.backend == "both":
        line += f", {state.compared} compared on both, {state.agreed} agreed"
    if state.snapshots_written:
        line += f", {state.snapshots_written} snapshot(s) written"
    terminalreporter.write_line(line)


# -- how runs on a server behave: timeouts, WAITs, task definitions (remote and live backends) ------
#
# Each setting is a command-line option and an ini setting of the same name (``conductor_live_timeout
# = 120`` in pytest.ini, ``[tool.pytest.ini_options]`` or setup.cfg); the command line wins.

_SERVER_RUN_SETTINGS = {
    # name: (default, help)
    "conductor_live_timeout": (
        "60",
        "live backend: the longest one workflow run may take, in seconds, before it is stopped "
        "(terminated on the server) and reported blocked. Default: 60.",
    ),
    "conductor_live_max_wait": (
        "5",
        "live backend: the longest a WAIT with a duration or an end date really waits, in seconds; "
        "a longer one is completed after this long and the Execution's notes say so. 'none': every "
        "WAIT takes its full time. Default: 5.",
    ),
    "conductor_live_task_defaults": (
        '{"retryDelaySeconds": 0}',
        "live backend: the TaskDef fields (JSON) given inline, for the run only, to each worker task "
        "whose type has no TaskDef on the server (the server's own default waits 60 s before a "
        "retry); nothing is registered. 'none': add nothing. "
        'Default: {"retryDelaySeconds": 0}.',
    ),
    "conductor_remote_timeout": (
        "10",
        "remote backend: how long, in seconds, a workflow the test endpoint answered before it ended "
        "is read again (and its remaining mocks applied) while the server still works on it. Default: 10.",
    ),
}


def _add_server_run_options(parser: pytest.Parser, group: Any) -> None:
    for name, (default, text) in _SERVER_RUN_SETTINGS.items():
        group.addoption(
            "--" + name.replace("_", "-"), action="store", dest=name, default=None, metavar="VALUE", help=text
        )
        parser.addini(name, help=text, default=default)


def _setting(config: pytest.Config, name: str) -> str:
    value = config.getoption(name)
    return str(value if value is not None else config.getini(name)).strip()


def _seconds(config: pytest.Config, name: str, allow_none: bool = False) -> Optional[float]:
    text = _setting(config, name)
    if allow_none and text.lower() == "none":
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        expected = "a number of seconds >= 0" + (" or 'none'" if allow_none else "")
        option = "--" + name.replace("_", "-")
        raise pytest.UsageError(f"{option} / {name}: expected {expected}, received {text!r}")
    return seconds


def _live_options(config: pytest.Config) -> Dict[str, Any]:
    """The LiveBackend settings of this session (see _SERVER_RUN_SETTINGS)."""
    name = "conductor_live_task_defaults"
    text = _setting(config, name)
    task_defaults: Optional[Dict[str, Any]] = None
    if text.lower() != "none":
        try:
            task_defaults = json.loads(text)
        except ValueError as exc:
            task_defaults = None
            problem = f"not JSON ({exc})"
        else:
            problem = "" if isinstance(task_defaults, dict) else "not a JSON object"
        if problem:
            raise pytest.UsageError(
                f"--conductor-live-task-defaults / {name}: expected a JSON object of TaskDef fields "
                f"(e.g. '{{\"retryDelaySeconds\": 0}}') or 'none', received {text!r}: {problem}"
            )
    return {
        "timeout_seconds": _seconds(config, "conductor_live_timeout"),
        "max_wait_seconds": _seconds(config, "conductor_live_max_wait", allow_none=True),
        "task_defaults": task_defaults,
    }


def _remote_options(config: pytest.Config) -> Dict[str, Any]:
    """The RemoteBackend settings of this session (see _SERVER_RUN_SETTINGS)."""
    return {"settle_timeout_seconds": _seconds(config, "conductor_remote_timeout")}


# -- captured cases as tests: pytest --conductor-replay=DIR ---------------------------------------
# The option and its collector live in pytest_conductor/replay.py; pytest registers the modules
# named here along with this one.
pytest_plugins = ["pytest_conductor.replay"]


# -- workflow coverage -------------------------------------------------------------------------------
# Any coverage option registers _CoveragePlugin, which records every execution the 'conductor'
# fixture's harness hands out (with its sub-workflows and failure workflow), merges what
# pytest-xdist workers recorded, writes the reports and applies the gates at the end.

_COVERAGE_PLUGIN = "conductor-coverage"


def _add_coverage_options(group: Any) -> None:
    group.addoption(
        "--conductor-coverage",
        action="store_true",
        dest="conductor_coverage",
        default=False,
        help="record which tasks, branches and failure-handling outcomes of each workflow the "
        "tests reached, and show a table of them (missing ones named) in the summary.",
    )
    group.addoption(
        "--conductor-coverage-json",
        action="store",
        dest="conductor_coverage_json",
        default=None,
        metavar="PATH",
        help="write the workflow coverage as JSON to PATH.",
    )
    group.addoption(
        "--conductor-coverage-html",
        action="store",
        dest="conductor_coverage_html",
        default=None,
        metavar="PATH",
        help="write the workflow coverage as an HTML page to PATH: each workflow drawn, what was "
        "reached and by which tests.",
    )
    group.addoption(
        "--conductor-coverage-fail-under",
        action="store",
        type=float,
        dest="conductor_coverage_fail_under",
        default=None,
        metavar="N",
        help="fail the run when less than N percent of the workflows' branches were reached.",
    )
    group.addoption(
        "--conductor-coverage-fail-under-outcomes",
        action="store",
        type=float,
        dest="conductor_coverage_fail_under_outcomes",
        default=None,
        metavar="N",
        help="fail the run when less than N percent of the failure-handling outcomes were reached.",
    )


class _CoveragePlugin:
    """Records, merges, reports and gates the workflow coverage of the session."""

    def __init__(self, config: pytest.Config) -> None:
        from conductor_testkit.testing.coverage import CoverageRecorder

        self.config = config
        self.recorder = CoverageRecorder()
        self.table = bool(config.getoption("conductor_coverage"))
        self.json_path: Optional[str] = config.getoption("conductor_coverage_json")
        self.html_path: Optional[str] = config.getoption("conductor_coverage_html")
        self.branches: Optional[float] = config.getoption("conductor_coverage_fail_under")
        self.outcomes: Optional[float] = config.getoption("conductor_coverage_fail_under_outcomes")
        self.failures: List[str] = []
        self.written: List[str] = []

    @property
    def is_worker(self) -> bool:
        return getattr(self.config, "workerinput", None) is not None

    def observe(self, request: pytest.FixtureRequest, harness: Any) -> None:
        harness.observers.append(self.recorder.observer(request.node.nodeid))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """pytest-xdist: add what a worker recorded."""
        data = getattr(node, "workeroutput", {}).get("conductor_coverage")
        if data:
            self.recorder.merge(data)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: hand the recording over
            workeroutput["conductor_coverage"] = self.recorder.to_dict()
            return
        from conductor_testkit.testing.coverage import gate_failures, write_html, write_json

        if self.json_path:
            self.written.append(f"JSON report: {write_json(self.recorder, self.json_path)}")
        if self.html_path:
            self.written.append(f"HTML report: {write_html(self.recorder, self.html_path)}")
        self.failures = gate_failures(
            self.recorder,
            branches=self.branches,
            outcomes=self.outcomes,
            branch_option="--conductor-coverage-fail-under",
            outcome_option="--conductor-coverage-fail-under-outcomes",
        )
        if self.failures and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        if self.is_worker:
            return
        from conductor_testkit.testing.coverage import terminal_report

        terminalreporter.write_sep("-", "conductor coverage")
        if self.table or self.failures:
            for line in terminal_report(self.recorder):
                terminalreporter.write_line(line)
        for line in self.written:
            terminalreporter.write_line(line)
        for failure in self.failures:
            terminalreporter.write_line(f"FAIL {failure}", red=True)


def _configure_coverage(config: pytest.Config) -> None:
    options = (
        "conductor_coverage",
        "conductor_coverage_json",
        "conductor_coverage_html",
        "conductor_coverage_fail_under",
        "conductor_coverage_fail_under_outcomes",
    )
    if any(config.getoption(name) not in (None, False) for name in options):
        config.pluginmanager.register(_CoveragePlugin(config), _COVERAGE_PLUGIN)


def _observe_coverage(request: pytest.FixtureRequest, harness: Any) -> None:
    plugin = request.config.pluginmanager.get_plugin(_COVERAGE_PLUGIN)
    if plugin is not None:
        plugin.observe(request, harness)
