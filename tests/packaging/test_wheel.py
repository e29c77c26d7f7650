"""The package a user gets: the wheel, installed alone into a fresh virtualenv, runs a workflow test.

The wheel is built from a copy of the source tree with the locked build tools
(constraints-build.txt, installed in the project's virtualenv) and no build isolation. A new
virtualenv gets the wheel's runtime dependencies and pytest, each pinned and hash-checked from
constraints.txt, then the wheel itself, and ``pip check`` must find nothing missing. A user's
test module, written in a scratch directory where the source tree is not importable, runs there
through the installed pytest plugin: the ``conductor`` fixture with mocks on the in-memory engine.

Marked ``integration``: installing the dependencies downloads them from the package index, so the
offline part of the suite (``-m "not integration"``) leaves this test out. Nothing in it skips:
under CI it runs with the other integration tests, and a missing network fails it with pip's
message.
"""

from __future__ import annotations

import email.parser
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Set

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
# what a clone has beside the sources, and what no build should see
_NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", ".tools", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)

USER_TEST = '''
import pathlib
import sys

import conductor_testkit
from conductor_testkit.testing import completed, failed
from conductor_testkit.workflow import ConductorWorkflow, SimpleTask, SwitchTask

workflow = ConductorWorkflow(name="orders", version=1)
route = SwitchTask("route", workflow.input("country"))
route.switch_case("us", [SimpleTask("ship_domestic", "ship_us")])
route.default_case([SimpleTask("ship_abroad", "ship_intl")])
workflow >> SimpleTask("charge", "charge").input_parameter("amount", workflow.input("amount")) >> route


def test_the_package_comes_from_the_virtualenv():
    installed = pathlib.Path(conductor_testkit.__file__).resolve()
    assert installed.is_relative_to(pathlib.Path(sys.prefix).resolve()), installed


def test_a_declined_card_is_retried(conductor):
    execution = conductor.run(
        workflow,
        {"country": "us", "amount": 30},
        mocks={
            "charge": [failed({"error": "declined"}), completed({"charged": 30})],
            "ship_us": {"tracking": "T-1"},
        },
    )
    execution.assert_completed().assert_task("ship_us", status="COMPLETED", output={"tracking": "T-1"})
    assert [str(t.status) for t in execution.attempts("charge")] == ["FAILED", "COMPLETED"]
    assert execution.skipped("ship_intl")


def test_a_wrong_expectation_fails_with_the_task_sequence(conductor):
    execution = conductor.run(workflow, {"country": "fr", "amount": 5}, mocks={"charge": {}, "ship_intl": {}})
    execution.assert_task("ship_intl", output={"tracking": "never"})
'''


def _run(step: str, cmd: List[str], cwd: Path, env: Mapping[str, str], timeout_s: float) -> str:
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"{step} took longer than {timeout_s:.0f} s: {' '.join(cmd)}") from exc
    assert proc.returncode == 0, f"{step} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _clean_env() -> Dict[str, str]:
    """This process's environment without what would point Python or pytest at the source tree."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("CONDUCTOR_")}


def locked_requirements(lock: Path) -> Dict[str, str]:
    """The lock's entries that apply to this interpreter: canonical name -> the entry with its hashes."""
    entries: Dict[str, str] = {}
    for entry in lock.read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
        entry = " ".join(entry.split())
        if not entry or entry.startswith("#"):
            continue
        requirement, _, marker = entry.split(" --hash")[0].partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        entries[canonicalize_name(requirement.split("==")[0])] = entry
    return entries


def dependency_closure(roots: Iterable[str]) -> Set[str]:
    """Canonical names of ``roots`` and everything they require here, read from installed metadata."""
    names: Set[str] = set()
    todo = [(Requirement(r), "") for r in roots]
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        first_time = name not in names
        names.add(name)
        if first_time or requirement.extras:
            for extra_name in {"", *requirement.extras}:
                todo.extend((Requirement(r), extra_name) for r in importlib.metadata.requires(name) or [])
    return names


def test_the_wheel_runs_a_workflow_test_through_the_installed_plugin(tmp_path: Path) -> None:
    source, dist, venv, user = (tmp_path / d for d in ("source", "dist", "venv", "user"))
    shutil.copytree(REPO, source, ignore=_NOT_SOURCES)
    _run(
        "building the wheel",
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir",
         "--disable-pip-version-check", "-q", "--wheel-dir", str(dist), str(source)],
        tmp_path, _clean_env(), timeout_s=600,
    )
    (wheel,) = dist.glob("conductor_testkit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        dist_info = next(n for n in names if n.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
        metadata = archive.read(f"{dist_info}/METADATA").decode()
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {
        "conductor_testkit",
        "pytest_conductor",
    }
    assert {"conductor_testkit/py.typed", "pytest_conductor/py.typed"} <= set(names)
    assert "conductor = pytest_conductor.plugin" in entry_points

    # the wheel's own runtime requirements (no extras), and pytest to run the user's test
    requires = email.parser.Parser().parsestr(metadata).get_all("Requires-Dist") or []
    wanted = dependency_closure([r for r in requires if "extra ==" not in r] + ["pytest"])
    locked = locked_requirements(REPO / "constraints.txt")
    assert wanted <= set(locked), f"not in constraints.txt: {sorted(wanted - set(locked))}"
    pins = tmp_path / "runtime.lock"
    pins.write_text("\n".join(locked[name] for name in sorted(wanted)) + "\n", encoding="utf-8")

    _run("creating the virtualenv", [sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path,
         _clean_env(), timeout_s=300)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check", "-q"]
    install_pins = [*pip, "install", "--require-hashes", "--no-deps", "-r", str(pins)]
    _run("installing the locked runtime dependencies", install_pins, tmp_path, _clean_env(), timeout_s=900)
    _run("installing the wheel", [*pip, "install", "--no-deps", "--no-index", str(wheel)], tmp_path,
         _clean_env(), timeout_s=300)
    _run("pip check", [*pip, "check"], tmp_path, _clean_env(), timeout_s=300)

    user.mkdir()
    (user / "test_orders.py").write_text(USER_TEST, encoding="utf-8")
    proc = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "test_orders.py"],
        cwd=user, env=_clean_env(), capture_output=True, text=True, timeout=600,
    )
    out = proc.stdout
    assert proc.returncode == pytest.ExitCode.TESTS_FAILED, out + proc.stderr
    assert "1 failed, 2 passed" in out, out
    assert "conductor: backend local (in-memory engine), 2 workflow(s) run" in out, out
    # the harness's failure message: the task, the expectation, and the run's task sequence
    assert "task 'ship_intl': output is {}, expected {'tracking': 'never'}" in out, out
    sequence = ["task sequence:", r"1\. charge\s+charge\s+COMPLETED", r"2\. route\s+SWITCH\s+COMPLETED"]
    sequence.append(r"3\. ship_intl\s+ship_abroad\s+COMPLETED")
    assert all(re.search(line, out) for line in sequence), out
