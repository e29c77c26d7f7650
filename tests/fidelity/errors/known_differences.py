"""Cases of the error corpus where memory:// still answers differently from the server, and why.

Each entry gives memory://'s answer (status and message) as it is today, so the test notices when
it changes: a fix makes the case agree and its entry must go.
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional


class KnownDifference(NamedTuple):
    reason: str
    memory_status: int
    memory_message: Optional[str]


_APPLIED_MOCKS = (
    "the server's test loop fails when it applies a mocked attempt that is null or has no output; "
    "the engine's test loop (engine/test_endpoint.apply_mock) does not call "
    "requests_check.check_mock_attempt yet"
)

KNOWN_DIFFERENCES: Dict[str, KnownDifference] = {
    "test_mock_without_output": KnownDifference(_APPLIED_MOCKS, 200, None),
    "test_mock_output_null": KnownDifference(_APPLIED_MOCKS, 500, "mock for task 't1' has a null output"),
    "test_mock_attempt_null": KnownDifference(_APPLIED_MOCKS, 200, None),
}
