"""The repository's own docs hold what the code cites, and nothing cites what is not in the repository.

Comments and docstrings cite ``docs/semantics.md §N.M`` (or a section by its title); every such
section must exist. Text about how the work on the project was organised, and citations of files
that live outside the repository, do not belong in the code or the docs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]
SEMANTICS = ROOT / "docs" / "semantics.md"
SOURCES = ("conductor_testkit", "pytest_conductor", "tests", "examples", "benchmarks", "docs", "scripts")
TOP_LEVEL_DOCS = ("README.md", "CONTRIBUTING.md")

# spelled in pieces so that this file does not match itself
_OUTSIDE_FILES = re.compile("CONDUCTOR_" + "SEMANTICS|DESIGN" + r"\.md|STYLE_" + "ANCHORS|/work" + "/")
_ORGANISATION = re.compile(r"\bhelper [A-Z]\b|\bhelper [A-Z]'s\b|another " + r"helper|\bissue #?\d+\b", re.I)
_CITATION = re.compile(r"docs/semantics\.md,? (§[\d.,§\- ]*\d|\"[^\"]+\")")


def _texts() -> Iterator[Tuple[str, str]]:
    paths: List[Path] = [ROOT / name for name in TOP_LEVEL_DOCS]
    for folder in SOURCES:
        paths.extend(p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".md", ".sh", ""))
    for path in paths:
        if path.is_file() and path != Path(__file__) and "golden" not in path.parts:
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8", errors="replace")


def _sections() -> Tuple[Set[str], Set[str]]:
    """The section numbers (``"2"``, ``"2.9"``) and titles of docs/semantics.md."""
    numbers, titles = set(), set()
    text = SEMANTICS.read_text(encoding="utf-8")
    for match in re.finditer(r"^#{2,3} (\d+(?:\.\d+)?)\.? (.+)$", text, re.M):
        numbers.add(match.group(1))
        titles.add(match.group(2).strip())
    return numbers, titles


def test_every_cited_section_exists() -> None:
    numbers, titles = _sections()
    missing = []
    for name, text in _texts():
        for citation in _CITATION.finditer(text):
            cited = citation.group(1)
            if cited.startswith('"'):
                if " ".join(cited.strip('"').split()) not in titles:
                    missing.append(f"{name}: {cited}")
                continue
            missing += [f"{name}: §{n}" for n in re.findall(r"§(\d+(?:\.\d+)?)", cited) if n not in numbers]
    assert missing == []


def test_sections_are_numbered_in_order() -> None:
    numbers, _ = _sections()
    chapters = sorted(int(n) for n in numbers if "." not in n)
    assert chapters == list(range(1, len(chapters) + 1))
    for chapter in chapters:
        subsections = sorted(int(n.split(".")[1]) for n in numbers if n.startswith(f"{chapter}."))
        assert subsections == list(range(1, len(subsections) + 1)), f"chapter {chapter}"


def _found(pattern: re.Pattern) -> Set[Tuple[str, str]]:
    return {(name, m.group(0)) for name, text in _texts() for m in pattern.finditer(text)}


def test_nothing_cites_a_file_outside_the_repository() -> None:
    found = _found(_OUTSIDE_FILES)
    assert found == set()


def test_nothing_tells_how_the_work_was_organised() -> None:
    found = _found(_ORGANISATION)
    assert found == set()
