"""The public names of the capture, replay and definition-diff modules, pinned."""

from __future__ import annotations

import pytest

from conductor_testkit.testing import capture, case, definition_diff, divergence, redaction, replay


@pytest.mark.parametrize(
    ("module", "names"),
    [
        (
            case,
            [
                "CASE_FORMAT",
                "Case",
                "CaseError",
                "CaseMocks",
                "Recording",
                "case_files",
                "is_case_file",
                "load_cases",
            ],
        ),
        (
            capture,
            [
                "Server",
                "attempt_of",
                "capture",
                "capture_recent",
                "is_worker_task_type",
                "path_signature",
                "redact_case",
            ],
        ),
        (replay, ["Divergence", "ReplayMismatch", "ReplayResult", "harness_mocks", "replay"]),
        (
            divergence,
            ["Divergence", "compare_with_recording", "data_slots", "normalized_record", "record_path"],
        ),
        (definition_diff, ["CaseDiff", "DefinitionDiff", "diff_definition"]),
        (redaction, ["DEFAULT_PATTERNS", "REDACTED", "Redactor"]),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_each_module_exports_exactly_these_names(module: object, names: list) -> None:
    assert sorted(module.__all__) == names  # type: ignore[attr-defined]
    assert [name for name in names if not hasattr(module, name)] == []
