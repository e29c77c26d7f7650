"""The server's JSON binding reproduced property by property (``binding_golden.json``).

Offline: for each of the 3,600 probes of :mod:`binding_probes` (every property of every wire model,
values of every JSON kind), :func:`conductor_testkit.models.jackson.bind` refuses exactly what the
server refused, with the server's text, and reads what it read. Integration: a sample of the
probes still gets the recorded answer from the live server.
"""

from __future__ import annotations

from typing import Dict, List

import pytest
import requests

from . import binding_probes

GOLDEN = binding_probes.load_golden()
PROBES = list(binding_probes.probes())
MODELS = sorted({binding_probes.model_name(place) for place in binding_probes.PLACES})


def test_every_probe_is_recorded() -> None:
    recorded = {(key, kind) for key, kinds in GOLDEN.items() for kind in kinds}
    assert recorded == {(p.key, p.kind) for p in PROBES}
    refused = sum(1 for kinds in GOLDEN.values() for text in kinds.values() if text is not None)
    assert refused > 1000  # the probes exercise the refusals, not only what is read


@pytest.mark.parametrize("model", MODELS)
def test_binding_answers_as_the_server(model: str) -> None:
    wrong: List[str] = []
    for probe in PROBES:
        if not probe.key.startswith(model + "."):
            continue
        expected = GOLDEN[probe.key][probe.kind]
        actual = binding_probes.engine_answer(probe)
        if actual != expected:
            wrong.append(f"{probe.key}={probe.kind}: server {expected!r}, binding {actual!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.integration
def test_the_server_still_answers_the_sampled_probes(conductor_server_url: str) -> None:
    drift: Dict[str, str] = {}
    with requests.Session() as session:
        for probe in PROBES[::17]:
            now = binding_probes.server_answer(session, conductor_server_url, probe)
            recorded = GOLDEN[probe.key][probe.kind]
            if now != recorded:
                drift[f"{probe.key}={probe.kind}"] = f"recorded {recorded!r}, now {now!r}"
    assert not drift, drift
