"""The case file: written and read back unchanged; what is not a case is refused with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from capture_support import Production

from conductor_testkit.testing.capture import capture
from conductor_testkit.testing.case import Case, CaseError, load_cases


@pytest.fixture(scope="module")
def case() -> Case:
    production = Production()
    return capture(production.run("orders_us_retried").workflow_id, production.clients)


def test_a_saved_case_reads_back_as_the_same_document(case: Case, tmp_path: Path) -> None:
    path = case.save(tmp_path / "cases" / "order.json")
    loaded = Case.load(path)
    assert loaded.to_dict() == case.to_dict()
    assert loaded.path == path
    assert json.loads(path.read_text())["format"] == "conductor-testkit case"


def test_a_json_file_that_is_not_a_case_is_refused_with_how_to_make_one(tmp_path: Path) -> None:
    path = tmp_path / "workflow.json"
    path.write_text(json.dumps({"name": "orders", "tasks": []}))
    with pytest.raises(
        CaseError, match=r"not a conductor-testkit case .*conductor-testkit capture WORKFLOW_ID"
    ):
        Case.load(path)


def test_a_case_of_another_format_version_is_refused(case: Case, tmp_path: Path) -> None:
    data = case.to_dict()
    data["formatVersion"] = 99
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CaseError, match=r"case format version 99 is not supported \(this version reads 1\)"):
        Case.load(path)


def test_load_cases_reads_the_case_files_of_a_directory_and_skips_other_json(
    case: Case, tmp_path: Path
) -> None:
    case.save(tmp_path / "b.json")
    case.save(tmp_path / "nested" / "a.json")
    (tmp_path / "settings.json").write_text("{}")
    (tmp_path / "broken.json").write_text("{")
    assert [c.path.name for c in load_cases(tmp_path) if c.path] == ["b.json", "a.json"]
    with pytest.raises(CaseError, match="no case file or directory"):
        load_cases(tmp_path / "missing")
