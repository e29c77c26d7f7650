"""Generated cases where the engine differs from the server's golden, field by field.

Same contract as ``tests/fidelity/known_quirks.py``: each entry names a case, says why, and lists
exactly the fields of ``corpus.diff_run`` (the part before ``": "`` of each line) that differ; the
offline test asserts exactly those, so an entry that stops matching must go.

``GENERATED_QUIRKS`` are server behaviour the engine does not copy.
"""

from __future__ import annotations

from typing import Dict

from ..known_quirks import Quirk

_JOIN_LAG = Quirk(
    reason=(
        "The server evaluates a waiting JOIN on its background system-task worker, which runs a "
        "little behind the test endpoint's mock loop: when the run stops (here a forked task "
        "whose mock list was already empty), the JOIN's stored output holds the forked tasks that "
        "had finished before its last evaluation, not the one finished in the loop's last pass. "
        "The engine's endpoint evaluates due JOINs before every pass, so its waiting JOIN already "
        "shows that task's output. Statuses, the task sequence and every other field agree; how "
        "far the server's worker lags depends on its timing, which the engine does not model."
    ),
    differing_fields=frozenset({"task 'djoin6' (retryCount 0) outputData._dfork5_fid_gen_worker_b_2"}),
)

GENERATED_QUIRKS: Dict[str, Quirk] = {
    "gen_0201": _JOIN_LAG,
    "gen_0202": _JOIN_LAG,
    "found_12_810": Quirk(
        reason=_JOIN_LAG.reason, differing_fields=frozenset({"task 'join7' (retryCount 0) outputData.w9"})
    ),
}
