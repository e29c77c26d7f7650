"""The HTML coverage report: one self-contained page, every workflow drawn (no network, no script)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import List, Union

from conductor_testkit.testing.coverage.diagram import ARROW_DEFS, workflow_svg
from conductor_testkit.testing.coverage.model import DIMENSIONS
from conductor_testkit.testing.coverage.recorder import CoverageRecorder, Ratio, WorkflowCoverage

__all__ = ["html_report", "write_html"]

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #202124; }
h1 { font-size: 20px; } h2 { font-size: 17px; margin-top: 32px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #dadce0; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; }
.full { color: #137333; } .partial { color: #b06000; } .none { color: #c5221f; }
.legend span { display: inline-block; margin-right: 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -1px; }
.diagram { display: block; margin: 12px 0; max-width: 100%; height: auto; }
.node rect { stroke-width: 1.5; }
.node.hit rect { fill: #e6f4ea; stroke: #1e8e3e; }
.node.miss rect { fill: #fce8e6; stroke: #d93025; }
.swatch.hit { background: #e6f4ea; border: 1.5px solid #1e8e3e; }
.swatch.miss { background: #fce8e6; border: 1.5px solid #d93025; }
.node.switch rect { stroke-dasharray: 5 2; }
.node .ref { font-weight: 600; font-size: 13px; } .node .type { font-size: 11px; fill: #5f6368; }
.badge rect { stroke-width: 1; } .badge text { font-size: 10px; }
.badge.hit rect { fill: #ceead6; stroke: #1e8e3e; } .badge.miss rect { fill: #fad2cf; stroke: #d93025; }
.case { font-size: 11px; } .case.hit { fill: #137333; } .case.miss { fill: #c5221f; font-weight: 600; }
.edge { fill: none; stroke: #80868b; stroke-width: 1.3; } .edge.back { stroke-dasharray: 4 3; }
.arrowhead { fill: #80868b; } .loop { fill: none; stroke: #9aa0a6; stroke-dasharray: 6 3; }
.empty { font-size: 11px; fill: #9aa0a6; }
ul.missing li { color: #c5221f; } .tests { color: #5f6368; font-size: 12px; }
"""


def _css(ratio: Ratio) -> str:
    if ratio.total == 0 or ratio.covered == ratio.total:
        return "full"
    return "none" if ratio.covered == 0 else "partial"


def _ratio_cell(ratio: Ratio) -> str:
    return f'<td class="num {_css(ratio)}">{escape(str(ratio))}</td>'


def _summary(recorder: CoverageRecorder) -> List[str]:
    out = ["<table><tr><th>workflow</th><th>runs</th><th>tasks</th><th>branches</th><th>outcomes</th></tr>"]
    for coverage in recorder.sorted():
        link = f'<a href="#{_anchor(coverage)}">{escape(coverage.title)}</a>'
        out.append(
            f'<tr><td>{link}</td><td class="num">{coverage.runs}</td>'
            + "".join(_ratio_cell(coverage.ratio(dimension)) for dimension in DIMENSIONS)
            + "</tr>"
        )
    out.append(
        "<tr><th>total</th><td></td>"
        + "".join(_ratio_cell(recorder.ratio(dimension)) for dimension in DIMENSIONS)
        + "</tr></table>"
    )
    return out


def _anchor(coverage: WorkflowCoverage) -> str:
    return "wf-" + "".join(ch if ch.isalnum() else "-" for ch in coverage.title)


def _section(coverage: WorkflowCoverage) -> List[str]:
    out = [
        f'<section id="{_anchor(coverage)}"><h2>{escape(coverage.title)}</h2>',
        f"<p>{coverage.runs} run(s); "
        + ", ".join(f"{dimension} {escape(str(coverage.ratio(dimension)))}" for dimension in DIMENSIONS)
        + "</p>",
        workflow_svg(coverage),
    ]
    missing = [cell for dimension in DIMENSIONS for cell in coverage.missing(dimension)]
    if missing:
        out.append('<h3>Not reached</h3><ul class="missing">')
        out.extend(f"<li>{escape(cell.label)}</li>" for cell in missing)
        out.append("</ul>")
    out.append(
        "<h3>What reached each task, branch and outcome</h3><table><tr><th>cell</th><th>tests</th></tr>"
    )
    for cell in coverage.cells:
        tests = coverage.tests_of(cell)
        if coverage.is_covered(cell):
            shown = ", ".join(escape(t) for t in tests) or "(runs outside a test)"
            state = "full"
        else:
            shown, state = "not reached", "none"
        out.append(f'<tr><td class="{state}">{escape(cell.label)}</td><td class="tests">{shown}</td></tr>')
    out.append("</table></section>")
    return out


def html_report(recorder: CoverageRecorder, title: str = "Conductor workflow coverage") -> str:
    """The report as one HTML page (inline CSS and SVG only)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        ARROW_DEFS,
        f"<h1>{escape(title)}</h1>",
        '<p class="legend"><span><i class="swatch hit"></i> reached</span>'
        '<span><i class="swatch miss"></i> not reached</span>'
        "<span>marks under a task: ok = completed at the first attempt, retry = failed then retried, "
        "fail = retries exhausted, t/o = timed out, opt = optional task failed, cxl = canceled; "
        "under a loop or dynamic fork: 0, 1, n iterations or branches</span></p>",
    ]
    if not recorder.workflows:
        parts.append("<p>No workflow ran.</p>")
    parts.extend(_summary(recorder))
    for coverage in recorder.sorted():
        parts.extend(_section(coverage))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_html(recorder: CoverageRecorder, path: Union[str, Path]) -> Path:
    """Write :func:`html_report` to ``path`` (a file name)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html_report(recorder), encoding="utf-8")
    return target
