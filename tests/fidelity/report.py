"""Run every fidelity case on the engine and write the mismatches as a Markdown report.

Usage (from the repository root)::

    .venv/bin/python -m tests.fidelity.report [--out PATH] [--only NAME ...]

Cases whose diffs touch the same fields (task references and values left out) are grouped, so
one engine bug shows up as one group. Engine exceptions are grouped by their type and message.
Known quirks (known_quirks.py) count as equal when the engine shows exactly the documented diff.
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

if __package__ in (None, ""):  # run as a plain script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.fidelity import casefiles
    from tests.fidelity.known_quirks import KNOWN_QUIRKS, differing_fields
else:
    from . import casefiles
    from .known_quirks import KNOWN_QUIRKS, differing_fields

from conductor_testkit.testing.compare import diff_workflows, normalize_workflow

_TASK_LABEL = re.compile(r"^task '[^']*' \(retryCount \d+(?:, occurrence \d+)?\)")


def _signature(line: str) -> str:
    """The field a diff line is about, without task names, indexes and values."""
    line = _TASK_LABEL.sub("task", line)
    field = line.split(":", 1)[0]
    field = re.sub(r"\[\d+\]", "[]", field)
    return field


def run_all(names: List[str]) -> Tuple[Dict[str, List[str]], Dict[str, str], List[str]]:
    """(diffs by case, error text by case, equal case names) for the engine against the goldens."""
    diffs: Dict[str, List[str]] = {}
    errors: Dict[str, str] = {}
    equal: List[str] = []
    for name in names:
        case = casefiles.load_case(name)
        try:
            workflow = casefiles.run_on_engine(case)
        except Exception as exc:  # report, never stop: one broken case must not hide the others
            frames = traceback.extract_tb(exc.__traceback__)
            where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
            errors[name] = f"{type(exc).__name__}: {exc} (at {where})"
            continue
        golden = casefiles.load_golden(name)
        lines = diff_workflows(normalize_workflow(golden["workflow"]), normalize_workflow(workflow))
        quirk = KNOWN_QUIRKS.get(name)
        if not lines or (quirk is not None and differing_fields(lines) == quirk.differing_fields):
            equal.append(name)
        else:
            diffs[name] = lines
    return diffs, errors, equal


def render(names: List[str]) -> str:
    """The Markdown report for the given cases."""
    diffs, errors, equal = run_all(names)
    out: List[str] = [
        "# Fidelity report: engine vs. server goldens",
        "",
        f"{len(names)} cases: {len(equal)} equal "
        f"(incl. {len(set(equal) & set(KNOWN_QUIRKS))} known quirks), "
        f"{len(diffs)} with differences, {len(errors)} raising errors.",
        "Regenerate: `.venv/bin/python -m tests.fidelity.report --out /tmp/team/fidelity_report.md`",
        "",
    ]
    if errors:
        out += ["## Engine errors", ""]
        by_error: Dict[str, List[str]] = defaultdict(list)
        for name, text in errors.items():
            by_error[re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", text)].append(name)
        for text, group in sorted(by_error.items(), key=lambda item: -len(item[1])):
            out.append(f"- `{text[:600]}`")
            out.append(f"  cases: {', '.join(group)}")
        out.append("")
    if diffs:
        out += ["## Differences (grouped by the fields that differ)", ""]
        groups: Dict[Tuple[str, ...], List[str]] = defaultdict(list)
        for name, lines in diffs.items():
            groups[tuple(sorted({_signature(line) for line in lines}))].append(name)
        for number, (signature, group) in enumerate(
            sorted(groups.items(), key=lambda item: -len(item[1])), start=1
        ):
            out.append(f"### Group {number}: {', '.join(signature)}")
            out.append("")
            for name in group:
                description = casefiles.load_case(name)["description"]
                out.append(f"**{name}** ({description})")
                out.append("```")
                out.extend(diffs[name])
                out.append("```")
            out.append("")
    out += ["## Equal", "", ", ".join(equal) or "(none)", ""]
    return "\n".join(out)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="write the report here (default: stdout)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    args = parser.parse_args(argv)
    names = [n for n in casefiles.case_names() if not args.only or n in args.only]
    text = render(names)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
