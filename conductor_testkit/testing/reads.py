"""What a workflow definition's expressions read, and which values of it matter.

A value comes from the workflow input (``${workflow.input.order.amount}``) or from a task's output
(``${check.output.verdict}``). Where a value steers the flow, the definition says which values
matter: a ``value-param`` SWITCH or DECISION compares it with its case keys; a script (a
``javascript``/``graaljs`` SWITCH, a DECISION's ``caseExpression``, an INLINE script, a DO_WHILE
condition) reads it as ``$.name...`` and compares it with literals (``$.amount > 100``,
``$.country == 'us'``), calls methods on it (``.length``) or tests its truth; a DO_WHILE's
``items`` and a dynamic fork's inputs are lists. :func:`definition_reads` gathers these as
:class:`Hints` per :class:`Source`; the Hypothesis strategies draw values from them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, Tuple

from conductor_testkit.testing.definition import walk_tasks

__all__ = [
    "Hints",
    "Source",
    "definition_reads",
    "list_source",
    "literals_of",
    "plain_source",
    "script_of",
    "source_of",
    "sources_in",
]

_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_PLAIN = re.compile(r"^\$\{([^}]*)\}$")
_SEGMENT = r"(?:\.([A-Za-z_$][\w$]*)|\[\s*(?:'([^']*)'|\"([^\"]*)\"|(\d+))\s*\])"
_DOLLAR = re.compile(r"\$(" + _SEGMENT + r"+)")
_ONE_SEGMENT = re.compile(_SEGMENT)
_LITERAL = r"(-?\d+(?:\.\d+)?|'[^']*'|\"[^\"]*\"|true|false|null|undefined)"
_COMPARED_AFTER = re.compile(r"^\s*(===|!==|==|!=|>=|<=|>|<)\s*" + _LITERAL)
_COMPARED_BEFORE = re.compile(_LITERAL + r"\s*(===|!==|==|!=|>=|<=|>|<)\s*$")
_ANY_LITERAL = re.compile(r"(?<![\w$.])(-?\d+(?:\.\d+)?|'[^']*'|\"[^\"]*\")")
_STRING_METHODS = frozenset(
    {"toLowerCase", "toUpperCase", "startsWith", "endsWith", "trim", "split", "charAt", "substring", "match"}
)
_LIST_OR_STRING_METHODS = frozenset({"includes", "indexOf", "slice", "concat"})
_LIST_METHODS = frozenset({"map", "filter", "some", "every", "forEach", "reduce", "find", "join"})
SCRIPT_EVALUATORS = ("javascript", "graaljs")


@dataclass(frozen=True)
class Source:
    """Where a value comes from: the workflow input (``kind="input"``) or task ``ref``'s output
    (``kind="output"``), at the key ``path``."""

    kind: str
    path: Tuple[str, ...]
    ref: str = ""

    def __str__(self) -> str:
        where = "workflow.input" if self.kind == "input" else f"{self.ref}.output"
        return "${" + ".".join((where, *self.path)) + "}"


@dataclass
class Hints:
    """What the definition tells of the values that matter at one source.

    ``literals`` are values it compares with (case keys first); ``types`` the JSON types its
    uses suggest (``number``, ``string``, ``boolean``, ``list``, ``tasks`` for a dynamic fork's
    task list, ``dict``); ``off_case`` asks for values that match no literal too (a default branch).
    """

    literals: List[Any] = field(default_factory=list)
    types: Set[str] = field(default_factory=set)
    off_case: bool = False
    #: the literals a script compares this value with directly (the boundaries that matter)
    compared: List[Any] = field(default_factory=list)

    def add_literal(self, value: Any, compared: bool = False) -> None:
        target = self.compared if compared else self.literals
        if not any(_same(value, known) for known in target):
            target.append(value)

    def merge(self, other: Hints) -> None:
        for value in other.literals:
            self.add_literal(value)
        for value in other.compared:
            self.add_literal(value, compared=True)
        self.types |= other.types
        self.off_case = self.off_case or other.off_case


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def source_of(expression: str) -> Optional[Source]:
    """The source of a reference such as ``workflow.input.a.b`` or ``check.output.verdict``."""
    text = expression.strip()
    text = text.split("[", 1)[0]  # a JSONPath filter or index: the key before it
    parts = [p for p in text.split(".") if p]
    if len(parts) >= 2 and parts[0] == "workflow" and parts[1] == "input":
        return Source("input", tuple(parts[2:]))
    if len(parts) >= 2 and parts[1] == "output" and parts[0] != "workflow":
        return Source("output", tuple(parts[2:]), parts[0])
    return None


def sources_in(value: Any) -> Iterator[Source]:
    """Every source a parameter value reads (nested dicts and lists, text with ``${...}``)."""
    if isinstance(value, str):
        for found in _REFERENCE.finditer(value):
            source = source_of(found.group(1))
            if source is not None:
                yield source
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from sources_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from sources_in(item)


def plain_source(value: Any) -> Optional[Source]:
    """The source of a value that is one reference and nothing else (``${workflow.input.items}``)."""
    if not isinstance(value, str):
        return None
    found = _PLAIN.match(value.strip())
    return source_of(found.group(1)) if found else None


def _through_parameters(parameters: Mapping[str, Any], path: Tuple[str, ...]) -> Optional[Source]:
    """The source of ``$.a.b.c`` in a script whose ``$`` is ``parameters``: descend into literal
    dicts, then extend the reference found with the rest of the path."""
    value: Any = parameters
    for index, key in enumerate(path):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
        source = plain_source(value)
        if source is not None:
            return Source(source.kind, source.path + path[index + 1 :], source.ref)
    return None


def _parse_literal(text: str) -> Any:
    if text in ("undefined",):
        return None
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        return text


def literals_of(script: str) -> List[Any]:
    """The number and string literals of a script, in order."""
    out: List[Any] = []
    for found in _ANY_LITERAL.finditer(script):
        value = _parse_literal(found.group(1))
        if not any(_same(value, known) for known in out):
            out.append(value)
    return out


def _script_reads(script: str) -> Iterator[Tuple[Tuple[str, ...], Hints]]:
    """Each ``$.a.b`` a script reads, with what its use suggests."""
    keys_read = {
        next(group for group in segment.groups() if group is not None)
        for found in _DOLLAR.finditer(script)
        for segment in _ONE_SEGMENT.finditer(found.group(1))
    }
    everything = [value for value in literals_of(script) if value not in keys_read]
    for found in _DOLLAR.finditer(script):
        keys: List[str] = []
        method = None
        path_end = found.start(1)
        for segment in _ONE_SEGMENT.finditer(found.group(1)):
            key = next(group for group in segment.groups() if group is not None)
            end = found.start(1) + segment.end()
            if script[end : end + 1] == "(" or key == "length":
                method = key
                break
            keys.append(key)
            path_end = end
        if not keys:
            continue
        hints = Hints()
        tail = script[path_end:]
        if method is not None:  # compare what the call returns: $.c.toLowerCase() == 'us'
            close = (
                tail.find(")")
                if "(" in tail.split(method, 1)[-1][:1]
                else tail.find(method) + len(method) - 1
            )
            tail = tail[close + 1 :]
        after = _COMPARED_AFTER.match(tail)
        before = _COMPARED_BEFORE.search(script[: found.start()])
        for match, group in ((after, 2), (before, 1)):
            if match is not None:
                value = _parse_literal(match.group(group))
                hints.add_literal(value, compared=True)
                if method is None:
                    hints.types.add(_type_of(value))
        if method in _STRING_METHODS:
            hints.types.add("string")
        elif method in _LIST_METHODS:
            hints.types.add("list")
        elif method in _LIST_OR_STRING_METHODS or method == "length":
            hints.types |= {"string", "list"}
        elif method is None and not hints.compared and _is_truth_test(script, found.start(), path_end):
            hints.types.add("boolean")
        for value in everything:
            hints.add_literal(value)
        yield tuple(keys), hints


def _is_truth_test(script: str, start: int, end: int) -> bool:
    """Whether ``script[start:end]`` is a condition: ``!$.x``, ``$.x ? a : b``, ``($.x && y)``."""
    before = script[:start].rstrip()
    after = script[end:].lstrip()
    if after.startswith("?"):
        return True
    grouping = before.endswith("(") and not re.search(r"[\w$\]]\($", before)  # not a call's argument
    return (before.endswith(("!", "&&", "||")) or grouping or not before) and after[:1] in (
        ")",
        "?",
        "&",
        "|",
        "",
    )


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "any"


def list_source(task: Mapping[str, Any]) -> Optional[Source]:
    """Where the list a DO_WHILE iterates over (``items``, ``_items``) or a dynamic fork forks over
    (``forkTaskInputs``) comes from, when it is one reference."""
    parameters = task.get("inputParameters") or {}
    for value in (task.get("items"), parameters.get("_items"), parameters.get("forkTaskInputs")):
        source = plain_source(value)
        if source is not None:
            return source
    return None


def script_of(task: Mapping[str, Any]) -> Optional[str]:
    """The script a task evaluates (SWITCH/DECISION/INLINE/DO_WHILE/LAMBDA), or None."""
    task_type = str(task.get("type") or "SIMPLE")
    parameters = task.get("inputParameters") or {}
    if task_type == "SWITCH" and task.get("evaluatorType") in SCRIPT_EVALUATORS:
        return str(task.get("expression") or "")
    if task_type == "DECISION" and task.get("caseExpression"):
        return str(task["caseExpression"])
    if task_type == "INLINE" and parameters.get("evaluatorType") in SCRIPT_EVALUATORS:
        return str(parameters.get("expression") or "")
    if task_type == "DO_WHILE":
        return str(task.get("loopCondition") or "")
    if task_type == "LAMBDA":
        return str(parameters.get("scriptExpression") or "")
    return None


STEERING = frozenset({"SWITCH", "DECISION"})


def definition_reads(definition: Mapping[str, Any], *, only_switches: bool = False) -> Dict[Source, Hints]:
    """Every source the definition's tasks and output read, with the hints their uses give
    (``only_switches``: only what SWITCH and DECISION tasks compare)."""
    reads: Dict[Source, Hints] = {}

    def note(source: Source, hints: Optional[Hints] = None) -> None:
        reads.setdefault(source, Hints()).merge(hints or Hints())

    for value in () if only_switches else (definition.get("outputParameters") or {}).values():
        for read in sources_in(value):
            note(read)
    for site in walk_tasks(list(definition.get("tasks") or [])):
        task = site.task
        parameters: Mapping[str, Any] = task.get("inputParameters") or {}
        if only_switches:
            if site.type not in STEERING:
                continue
        else:
            for read in sources_in(parameters):
                note(read)
            for read in sources_in(task.get("items")):
                note(read, Hints(types={"list"}))
        if site.type in STEERING:
            param = task.get("expression") if site.type == "SWITCH" else task.get("caseValueParam")
            if site.type == "SWITCH" and (task.get("evaluatorType") or "value-param") != "value-param":
                param = None
            source = plain_source(parameters.get(str(param))) if param else None
            if source is not None:
                cases = [str(case) for case in task.get("decisionCases") or {}]
                note(source, Hints(literals=cases, types={"string"}, off_case=True))
        if site.type == "DO_WHILE":
            source = plain_source(parameters.get("_items"))
            if source is not None:
                note(source, Hints(types={"list"}))
        if site.type == "FORK_JOIN_DYNAMIC":
            _note_dynamic_fork(task, parameters, note)
        script = script_of(task)
        if script:
            _note_script(site.type, task, parameters, script, note)
    return reads


def _note_dynamic_fork(task: Mapping[str, Any], parameters: Mapping[str, Any], note: Any) -> None:
    source = plain_source(parameters.get("forkTaskInputs"))
    if source is not None:
        note(source, Hints(types={"list"}))
    tasks_param = task.get("dynamicForkTasksParam")
    if tasks_param:
        source = plain_source(parameters.get(str(tasks_param)))
        if source is not None:
            note(source, Hints(types={"tasks"}))
    inputs_param = task.get("dynamicForkTasksInputParamName")
    if inputs_param:
        source = plain_source(parameters.get(str(inputs_param)))
        if source is not None:
            note(source, Hints(types={"dict"}))


def _note_script(
    task_type: str, task: Mapping[str, Any], parameters: Mapping[str, Any], script: str, note: Any
) -> None:
    body_refs = (
        {s.ref for s in walk_tasks(list(task.get("loopOver") or []))} if task_type == "DO_WHILE" else set()
    )
    for path, hints in _script_reads(script):
        if task_type == "DO_WHILE" and path and path[0] in body_refs:
            # the condition sees a body task's output directly: $.body['more']
            note(Source("output", path[1:], path[0]), hints)
            continue
        if task_type == "DO_WHILE" and path and path[0] == task.get("taskReferenceName"):
            continue  # the loop's own output (its iteration)
        if task_type == "DO_WHILE" and not hints.types and not hints.compared:
            hints.types.add("number")  # a loop condition compares counts
        source = _through_parameters(parameters, path)
        if source is not None:
            note(source, hints)
