"""Captured cases as tests: ``pytest --conductor-replay=DIR``.

Every case file (``conductor-testkit capture``) in ``DIR`` (searched recursively; the option may
be repeated) becomes one test, ``DIR/<file>.json::replay[<case name>]``. It replays the case
through the ``conductor`` fixture, so on the session's backend (``--conductor-backend``), and
fails unless the run takes the recorded path with the recorded statuses and output (normalised;
see :mod:`conductor_testkit.testing.replay`), listing every divergence.

The directories are collected even when the command line names other paths. Loaded by
:mod:`pytest_conductor.plugin`; like it, it imports nothing of conductor_testkit at load time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Tuple

import pytest

_DIRS_KEY = "_conductor_replay_dirs"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conductor", "conductor-testkit workflow tests")
    group.addoption(
        "--conductor-replay",
        action="append",
        dest="conductor_replay",
        default=[],
        metavar="DIR",
        help="replay every captured case file in DIR (recursively) as a test that asserts the "
        "recorded path, statuses and output; may be given more than once.",
    )


def _covered(directory: Path, args: List[str]) -> bool:
    for arg in args:
        path = Path(arg.split("::")[0]).resolve()
        if directory == path or path in directory.parents:
            return True
    return False


def pytest_configure(config: pytest.Config) -> None:
    directories: List[Path] = []
    for option in config.getoption("conductor_replay") or []:
        directory = Path(option).resolve()
        if not directory.is_dir():
            raise pytest.UsageError(f"--conductor-replay={option}: no such directory")
        directories.append(directory)
        if not _covered(directory, list(config.args)):
            config.args.append(str(directory))  # collect it even when other paths were named
    setattr(config, _DIRS_KEY, directories)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Optional[pytest.Collector]:
    directories: List[Path] = getattr(parent.config, _DIRS_KEY, [])
    if file_path.suffix != ".json" or not any(
        d == file_path.parent or d in file_path.parents for d in directories
    ):
        return None
    from conductor_testkit.testing.case import is_case_file

    if not is_case_file(file_path):
        return None
    return CaseFile.from_parent(parent, path=file_path)


def _replay_test(path: Path) -> Callable[..., None]:
    def replay_case(conductor: Any) -> None:
        __tracebackhide__ = True
        from conductor_testkit.testing.case import Case
        from conductor_testkit.testing.replay import replay

        replay(Case.load(path), conductor).assert_matches()

    return replay_case


class CaseReplay(pytest.Function):
    """The replay test of one case file: reported under the case file, not the plugin's code."""

    def reportinfo(self) -> Tuple[Path, Optional[int], str]:
        return self.path, None, self.name


class CaseFile(pytest.File):
    """A case file: one replay test."""

    def collect(self) -> Iterator[pytest.Item]:
        from conductor_testkit.testing.case import Case, CaseError

        try:
            name = Case.load(self.path).name
        except CaseError as exc:
            raise self.CollectError(str(exc)) from None
        yield CaseReplay.from_parent(self, name=f"replay[{name}]", callobj=_replay_test(self.path))
