"""A workflow drawn as an inline SVG diagram with its coverage marked.

Tasks are boxes, top to bottom in definition order. A SWITCH or DECISION fans out into one
column per case (labelled with the case, the default last), a FORK into one column per branch; the
columns meet again below. A DO_WHILE frames its body with an arrow back to the top. Reached tasks
and branches are green, missed ones red; the small marks under a task are its failure-handling
outcomes (the same colours), and every box and mark has a tooltip naming the tests that reached
it. Nothing is fetched: the SVG is text in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any, Callable, List, Mapping, Optional, Sequence

from conductor_testkit.testing.coverage.model import BRANCH, OUTCOME, SWITCHES, TASK, Cell
from conductor_testkit.testing.coverage.recorder import WorkflowCoverage
from conductor_testkit.testing.definition import DEFAULT_CASE

__all__ = ["ARROW_DEFS", "workflow_svg"]

#: the arrowhead every diagram's edges use; the page defines it once
ARROW_DEFS = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0" aria-hidden="true"><defs>'
    '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs></svg>'
)

NODE_WIDTH = 190
NODE_HEIGHT = 40
BADGE_ROW = 18
GAP_Y = 26
GAP_X = 24
LABEL_ROW = 20
PAD = 16
_BADGES = {
    "completed": "ok",
    "retried": "retry",
    "exhausted": "fail",
    "timed_out": "t/o",
    "optional_failed": "opt",
    "canceled": "cxl",
}
_COUNT_BADGES = {"0": "0", "1": "1", "several": "n"}


@dataclass
class Block:
    """A laid-out piece of the diagram: its size and how to draw it with its top-left corner at (x, y)."""

    width: float
    height: float
    draw: Callable[[float, float], List[str]]


def _tooltip(coverage: WorkflowCoverage, cell: Cell) -> str:
    tests = coverage.tests_of(cell)
    state = "reached" if coverage.is_covered(cell) else "not reached"
    text = f"{cell.label}: {state}"
    if tests:
        shown = tests[:12]
        text += " by\n" + "\n".join(shown) + (f"\n... and {len(tests) - 12} more" if len(tests) > 12 else "")
    return f"<title>{escape(text)}</title>"


def _state(coverage: WorkflowCoverage, cell: Cell) -> str:
    return "hit" if coverage.is_covered(cell) else "miss"


def _sequence(coverage: WorkflowCoverage, tasks: Sequence[Mapping[str, Any]]) -> Block:
    blocks = [_task_block(coverage, task) for task in tasks if isinstance(task, Mapping)]
    if not blocks:
        return _empty_block()
    width = max(b.width for b in blocks)
    height = sum(b.height for b in blocks) + GAP_Y * (len(blocks) - 1)

    def draw(x: float, y: float) -> List[str]:
        out: List[str] = []
        top = y
        center = x + width / 2
        for index, block in enumerate(blocks):
            if index:
                out.append(_arrow(center, top - GAP_Y, center, top))
            out.extend(block.draw(center - block.width / 2, top))
            top += block.height + GAP_Y
        return out

    return Block(width, height, draw)


def _empty_block() -> Block:
    def draw(x: float, y: float) -> List[str]:
        return [f'<text class="empty" x="{x + 30:.0f}" y="{y + 14:.0f}" text-anchor="middle">(empty)</text>']

    return Block(60, 20, draw)


def _arrow(x1: float, y1: float, x2: float, y2: float, css: str = "edge") -> str:
    return f'<path class="{css}" d="M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}" marker-end="url(#arrow)"/>'


def _badges(
    coverage: WorkflowCoverage, cells: List[Cell], x: float, y: float, labels: Mapping[str, str]
) -> List[str]:
    out = []
    left = x + 6
    for cell in cells:
        text = labels.get(cell.key, cell.key)
        width = 8 + 6.5 * len(text)
        middle = left + width / 2
        out.append(
            f'<g class="badge {_state(coverage, cell)}" data-cell="{escape(cell.id)}">'
            f"{_tooltip(coverage, cell)}"
            f'<rect x="{left:.0f}" y="{y:.0f}" width="{width:.0f}" height="14" rx="7"/>'
            f'<text x="{middle:.0f}" y="{y + 10.5:.0f}" text-anchor="middle">{escape(text)}</text></g>'
        )
        left += width + 4
    return out


def _node(
    coverage: WorkflowCoverage, task: Mapping[str, Any], count_cells: Optional[List[Cell]] = None
) -> Block:
    ref = str(task.get("taskReferenceName"))
    task_type = str(task.get("type") or "SIMPLE")
    outcomes = [c for c in coverage.cells if c.kind == OUTCOME and c.node == ref]
    rows = int(bool(outcomes)) + int(bool(count_cells))
    height = NODE_HEIGHT + BADGE_ROW * rows
    cell = Cell(TASK, ref, "")

    def draw(x: float, y: float) -> List[str]:
        css = "switch" if task_type in SWITCHES else "task"
        middle = x + NODE_WIDTH / 2
        out = [
            f'<g class="node {css} {_state(coverage, cell)}" data-ref="{escape(ref)}">',
            _tooltip(coverage, cell),
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_WIDTH}" height="{height}" rx="6"/>',
            f'<text class="ref" x="{middle:.0f}" y="{y + 17:.0f}" text-anchor="middle">{escape(ref)}</text>',
            f'<text class="type" x="{middle:.0f}" y="{y + 32:.0f}" text-anchor="middle">'
            f"{escape(task_type)}</text>",
            "</g>",
        ]
        row_y = y + NODE_HEIGHT - 2
        if count_cells:
            out.extend(_badges(coverage, count_cells, x, row_y, _COUNT_BADGES))
            row_y += BADGE_ROW
        if outcomes:
            out.extend(_badges(coverage, outcomes, x, row_y, _BADGES))
        return out

    return Block(NODE_WIDTH, height, draw)


def _columns(
    coverage: WorkflowCoverage,
    head: Block,
    columns: List[Block],
    labels: List[Optional[Cell]],
    label_text: List[str],
) -> Block:
    """A head node fanning out into side-by-side columns that meet again below."""
    inner = sum(c.width for c in columns) + GAP_X * (len(columns) - 1)
    width = max(head.width, inner)
    body = max(c.height for c in columns)
    height = head.height + GAP_Y + LABEL_ROW + body + GAP_Y

    def draw(x: float, y: float) -> List[str]:
        center = x + width / 2
        out = head.draw(center - head.width / 2, y)
        fan_y = y + head.height + GAP_Y / 2
        top = y + head.height + GAP_Y + LABEL_ROW
        bottom = top + body + GAP_Y / 2
        out.append(f'<path class="edge" d="M{center:.0f},{y + head.height:.0f} L{center:.0f},{fan_y:.0f}"/>')
        left = center - inner / 2
        for column, cell, text in zip(columns, labels, label_text):
            middle = left + column.width / 2
            css = _state(coverage, cell) if cell is not None else "hit"
            out.append(f'<path class="edge" d="M{center:.0f},{fan_y:.0f} L{middle:.0f},{fan_y:.0f}"/>')
            out.append(_arrow(middle, fan_y, middle, top))
            label = f'<text class="case {css}" x="{middle + 4:.0f}" y="{top - 6:.0f}">{escape(text)}</text>'
            if cell is not None:
                label = f'<g data-cell="{escape(cell.id)}">{_tooltip(coverage, cell)}{label}</g>'
            out.append(label)
            out.extend(column.draw(left, top))
            out.append(
                f'<path class="edge" d="M{middle:.0f},{top + column.height:.0f} L{middle:.0f},{bottom:.0f}"/>'
            )
            out.append(f'<path class="edge" d="M{middle:.0f},{bottom:.0f} L{center:.0f},{bottom:.0f}"/>')
            left += column.width + GAP_X
        out.append(f'<path class="edge" d="M{center:.0f},{bottom:.0f} L{center:.0f},{y + height:.0f}"/>')
        return out

    return Block(width, height, draw)


def _loop(coverage: WorkflowCoverage, head: Block, body: Block) -> Block:
    width = max(head.width, body.width + 2 * PAD) + PAD
    height = head.height + GAP_Y + body.height + 2 * PAD

    def draw(x: float, y: float) -> List[str]:
        center = x + (width - PAD) / 2
        out = head.draw(center - head.width / 2, y)
        frame_y = y + head.height + GAP_Y
        frame_w = width - PAD
        out.append(_arrow(center, y + head.height, center, frame_y + PAD))
        out.append(
            f'<rect class="loop" x="{x:.0f}" y="{frame_y:.0f}" width="{frame_w:.0f}" '
            f'height="{body.height + 2 * PAD:.0f}" rx="10"/>'
        )
        out.extend(body.draw(center - body.width / 2, frame_y + PAD))
        right = x + frame_w + PAD / 2
        back_top = y + head.height / 2
        out.append(
            f'<path class="edge back" d="M{x + frame_w:.0f},{frame_y + body.height + PAD:.0f} '
            f"L{right:.0f},{frame_y + body.height + PAD:.0f} L{right:.0f},{back_top:.0f} "
            f'L{center + head.width / 2:.0f},{back_top:.0f}" marker-end="url(#arrow)"/>'
        )
        return out

    return Block(width, height, draw)


def _task_block(coverage: WorkflowCoverage, task: Mapping[str, Any]) -> Block:
    ref = str(task.get("taskReferenceName"))
    task_type = str(task.get("type") or "SIMPLE")
    if task_type in SWITCHES:
        cases = list((task.get("decisionCases") or {}).items())
        columns = [_sequence(coverage, tasks or []) for _, tasks in cases]
        columns.append(_sequence(coverage, task.get("defaultCase") or []))
        keys = [str(case) for case, _ in cases] + [DEFAULT_CASE]
        cells: List[Optional[Cell]] = [Cell(BRANCH, ref, key) for key in keys]
        return _columns(coverage, _node(coverage, task), columns, cells, keys)
    if task_type in ("FORK_JOIN", "FORK") and task.get("forkTasks"):
        branches = list(task.get("forkTasks") or [])
        columns = [_sequence(coverage, branch or []) for branch in branches]
        cells = [Cell(BRANCH, ref, f"branch {i + 1}") for i in range(len(branches))]
        return _columns(
            coverage, _node(coverage, task), columns, cells, [f"branch {i + 1}" for i in range(len(branches))]
        )
    if task_type == "DO_WHILE":
        counts = [c for c in coverage.cells if c.kind == BRANCH and c.node == ref]
        return _loop(coverage, _node(coverage, task, counts), _sequence(coverage, task.get("loopOver") or []))
    if task_type == "FORK_JOIN_DYNAMIC":
        counts = [c for c in coverage.cells if c.kind == BRANCH and c.node == ref]
        return _node(coverage, task, counts)
    return _node(coverage, task)


def workflow_svg(coverage: WorkflowCoverage) -> str:
    """The SVG element of ``coverage``'s workflow (its first recorded definition)."""
    block = _sequence(coverage, list(coverage.model.definition.get("tasks") or []))
    width = block.width + 2 * PAD + PAD
    height = block.height + 2 * PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(coverage.title)}">',
    ]
    parts.extend(block.draw(PAD, PAD))
    parts.append("</svg>")
    return "\n".join(parts)
