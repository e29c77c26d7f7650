"""``${...}`` parameter resolution exactly like the server (docs/semantics.md §5).

The server resolves a task's ``inputParameters`` (and workflow ``outputParameters``, DO_WHILE
inputs, ...) against one document: ``workflow`` -> a fixed set of workflow fields, and one entry
per task reference name (loop iterations share the base name; the latest task wins). This module
builds that document lazily (:class:`ExpressionContext`), walks plain dotted paths without
materialising it, and reproduces the server's string rules: a string that is exactly one
expression keeps the value's type; any other string gets Java ``toString`` renderings; ``$${``
escapes; nested ``${a.${b}}``; map keys are never resolved; missing data reads as ``None``.

Choices where the engine cannot know the server's process (documented, deliberate):

* ``${CPEWF_TASK_ID}`` is the ``task_id`` argument; with ``task_id=None`` the literal stays.
* ``${NETFLIX_ENV}``/``${NETFLIX_STACK}`` and other names of the *server process's* environment
  (``PATH``, ``HOME``, JVM properties) resolve only from the ``environment`` mapping passed in;
  by default the two NETFLIX names stay literal (as on a server where they are unset) and any
  other name is read as a JSON path (so ``${PATH}`` is ``None`` instead of the server's ``$PATH``).
* ``${workflow.secrets.X}`` is kept literal (the server substitutes secrets only at hand-off,
  and only with a secrets provider, which the OSS server lacks: verified on 3.32.1).
* ``${workflow.env.X}`` reads ``None`` (no environment DAO; verified on 3.32.1).
"""

from __future__ import annotations

import json
from collections.abc import Mapping  # isinstance checks: abc is faster than typing
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from conductor_testkit.engine._expr_paths import (
    MISSING,
    CompiledPath,
    PathSyntaxError,
    apply_function,
    compile_path,
    evaluate_rest,
    walk,
)
from conductor_testkit.engine.javastr import as_java_hashmap, java_double_string, java_string

SECRETS_PREFIX = "workflow.secrets."
SYSTEM_PARAMETERS = ("CPEWF_TASK_ID", "NETFLIX_ENV", "NETFLIX_STACK")

# "workflow" entry key -> (wire Workflow key, default when absent)
_WORKFLOW_FIELDS: Dict[str, Tuple[str, Any]] = {
    "input": ("input", None),
    "output": ("output", None),
    "status": ("status", None),
    "workflowId": ("workflowId", None),
    "parentWorkflowId": ("parentWorkflowId", None),
    "parentWorkflowTaskId": ("parentWorkflowTaskId", None),
    "workflowType": ("workflowName", None),
    "version": ("workflowVersion", None),
    "correlationId": ("correlationId", None),
    "reasonForIncompletion": ("reasonForIncompletion", None),
    "schemaVersion": ("", 2),  # from workflowDefinition, below
    "variables": ("variables", None),
}

# task entry key -> (wire Task key, default when absent: Java primitives default to 0)
_TASK_FIELDS: Dict[str, Tuple[str, Any]] = {
    "input": ("inputData", None),
    "output": ("outputData", None),
    "taskType": ("taskType", None),
    "status": ("status", None),
    "referenceTaskName": ("referenceTaskName", None),
    "retryCount": ("retryCount", 0),
    "correlationId": ("correlationId", None),
    "pollCount": ("pollCount", 0),
    "taskDefName": ("taskDefName", None),
    "scheduledTime": ("scheduledTime", 0),
    "startTime": ("startTime", 0),
    "endTime": ("endTime", 0),
    "workflowInstanceId": ("workflowInstanceId", None),
    "taskId": ("taskId", None),
    "reasonForIncompletion": ("reasonForIncompletion", None),
    "callbackAfterSeconds": ("callbackAfterSeconds", 0),
    "workerId": ("workerId", None),
    "iteration": ("iteration", 0),
}


def _workflow_field(workflow: Mapping[str, Any], name: str) -> Any:
    if name == "schemaVersion":
        definition = workflow.get("workflowDefinition") or {}
        return definition.get("schemaVersion") or 2
    wire_key, default = _WORKFLOW_FIELDS[name]
    value = workflow.get(wire_key, default)
    if value is None and name in ("input", "output", "variables"):
        return {}
    return value


def _task_field(task: Mapping[str, Any], name: str) -> Any:
    wire_key, default = _TASK_FIELDS[name]
    value = task.get(wire_key, default)
    if value is None:
        if name in ("input", "output"):
            return {}
        return default
    return value


def workflow_context_entry(workflow: Mapping[str, Any]) -> Dict[str, Any]:
    """The ``workflow`` entry of the expression document (docs/semantics.md §5.2) from a wire Workflow dict.

    Values are the workflow's own objects (not copies); the key order is the server's HashMap order.
    """
    return as_java_hashmap({name: _workflow_field(workflow, name) for name in _WORKFLOW_FIELDS})


def task_context_entry(task: Mapping[str, Any]) -> Dict[str, Any]:
    """The per-reference-name entry of the expression document (docs/semantics.md §5.2) from a wire Task dict.

    ``status`` is present only when the task has one (as on the server).
    """
    entry = {}
    for name in _TASK_FIELDS:
        if name == "status" and task.get("status") is None:
            continue
        entry[name] = _task_field(task, name)
    return as_java_hashmap(entry)


def context_key(reference_task_name: str, iteration: int) -> str:
    """The document key of a task: its reference name, with ``__N`` stripped for loop tasks.

    The server strips by splitting on ``"__"`` and keeping the first token, for every task with
    ``iteration > 0`` (loop-body tasks and the DO_WHILE task itself once started).
    """
    if iteration and iteration > 0:
        return reference_task_name.split("__", 1)[0]
    return reference_task_name


class ExpressionContext(Mapping[str, Any]):
    """The lazy expression document of one workflow: ``workflow`` plus one entry per task key.

    Holds *references* to the wire dicts given to :meth:`set_workflow` and :meth:`set_task`, so
    in-place changes to them (status, output, variables) are seen without another call. Call
    :meth:`set_task` for every task in ``seq`` order (and again for a new retry attempt): a later
    task with the same key replaces the earlier one, as on the server. Reading ``ctx["ref"]``
    builds that one entry; :meth:`document` builds the whole document (only root-level wildcards,
    deep scans and filters need it).
    """

    def __init__(
        self,
        workflow: Optional[Mapping[str, Any]] = None,
        tasks: Optional[List[Mapping[str, Any]]] = None,
    ) -> None:
        self._workflow: Mapping[str, Any] = workflow if workflow is not None else {}
        self._tasks: Dict[str, Mapping[str, Any]] = {}
        for task in tasks or ():
            self.set_task(task)

    @classmethod
    def from_workflow(cls, workflow: Mapping[str, Any]) -> ExpressionContext:
        """A context for a wire Workflow dict including its ``tasks`` list (in seq order)."""
        return cls(workflow, list(workflow.get("tasks") or ()))

    def set_workflow(self, workflow: Mapping[str, Any]) -> None:
        """Use this wire Workflow dict for the ``workflow`` entry (its ``tasks`` are ignored)."""
        self._workflow = workflow

    def set_task(self, task: Mapping[str, Any]) -> None:
        """Add or replace the entry of this wire Task dict's key (see :func:`context_key`)."""
        key = context_key(task.get("referenceTaskName") or "", task.get("iteration") or 0)
        # a HashMap put() on an existing key keeps the key's place: so does a dict assignment
        self._tasks[key] = task

    def remove_task(self, key: str) -> None:
        """Forget the entry with this document key (e.g. after DO_WHILE ``keepLastN`` removal)."""
        self._tasks.pop(key, None)

    def task(self, key: str) -> Optional[Mapping[str, Any]]:
        """The wire Task dict behind a document key, or None."""
        return self._tasks.get(key)

    @property
    def workflow(self) -> Mapping[str, Any]:
        """The wire Workflow dict behind the ``workflow`` entry."""
        return self._workflow

    # Mapping protocol: the document, entry by entry
    # A task whose reference name is "workflow" replaces the workflow entry, as on the server
    # (it puts the workflow first and then every task under its key).
    def __getitem__(self, key: str) -> Dict[str, Any]:
        if key == "workflow" and key not in self._tasks:
            return workflow_context_entry(self._workflow)
        return task_context_entry(self._tasks[key])

    def __iter__(self) -> Iterator[str]:
        yield "workflow"
        for key in self._tasks:
            if key != "workflow":
                yield key

    def __len__(self) -> int:
        return 1 + sum(1 for key in self._tasks if key != "workflow")

    def __contains__(self, key: object) -> bool:
        return key == "workflow" or key in self._tasks

    def document(self) -> Dict[str, Any]:
        """The whole document as plain dicts, in the server's HashMap key order."""
        return as_java_hashmap({key: self[key] for key in self})

    def lookup(self, tokens: Tuple[Any, ...]) -> Any:
        """Follow definite path tokens from the root without building whole entries."""
        if not tokens or not isinstance(tokens[0], str):
            return walk(self.document(), tokens)
        root = tokens[0]
        if root == "workflow" and root not in self._tasks:
            if len(tokens) > 1 and isinstance(tokens[1], str):
                if tokens[1] not in _WORKFLOW_FIELDS:
                    return MISSING
                return walk(_workflow_field(self._workflow, tokens[1]), tokens[2:])
            return walk(workflow_context_entry(self._workflow), tokens[1:])
        task = self._tasks.get(root)
        if task is None:
            return MISSING
        if len(tokens) > 1 and isinstance(tokens[1], str):
            name = tokens[1]
            if name not in _TASK_FIELDS or (name == "status" and task.get("status") is None):
                return MISSING
            return walk(_task_field(task, name), tokens[2:])
        return walk(task_context_entry(task), tokens[1:])


# ----------------------------------------------------------------------------------------------
# reading one path


def _copy(value: Any) -> Any:
    """A deep copy of JSON containers (scalars are immutable and shared)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, tuple):
        return [_copy(item) for item in value]
    return value


def _root_lookup(context: Mapping[str, Any], tokens: Tuple[Any, ...]) -> Any:
    if isinstance(context, ExpressionContext):
        return context.lookup(tokens)
    if not tokens:
        return context
    return walk(context, tokens)


def _document(context: Mapping[str, Any]) -> Any:
    """The whole document (what ``$`` means inside a JSONPath filter)."""
    return context.document() if isinstance(context, ExpressionContext) else context


def read_path(path: str, context: Mapping[str, Any]) -> Tuple[Any, bool]:
    """Read one ``${...}`` path against the document: ``(value, indefinite)``.

    ``value`` is the document's own object (callers copy); a definite path that finds nothing
    and a path that does not compile read as ``None``; an indefinite path answers a list.
    """
    try:
        compiled: CompiledPath = compile_path(path)
    except PathSyntaxError:
        return None, False
    node = _root_lookup(context, compiled.prefix)
    value: Any
    if compiled.rest is None:
        value = node
    else:
        value = evaluate_rest(compiled, node, lambda: _document(context))
    if compiled.function is not None:
        value = apply_function(compiled.function, value, compiled.rest is not None)
        return (None if value is MISSING else value), False
    if value is MISSING:
        return None, False
    return value, compiled.rest is not None


# ----------------------------------------------------------------------------------------------
# finding ${...} in a string


@lru_cache(maxsize=8192)
def find_expressions(text: str) -> Tuple[Tuple[int, int], ...]:
    """Spans ``(start, end)`` of the top-level ``${...}`` in ``text``, exactly as the server finds them.

    The server matches with a regular expression that pairs the k-th ``{`` after ``${`` with the
    k-th ``}`` through look-aheads that capture string suffixes (group 1: the text after the
    latest ``{``, group 2: the text after the latest ``}``). Java keeps groups captured in the
    look-aheads of a failed attempt when it retries at the next start position, which changes
    the result for unbalanced text: in ``"${a ${b}"`` nothing matches, not even ``${b}``
    (verified on 3.32.1). Python's ``re`` cannot compile that expression, so this function
    replays its steps, stale groups included. A suffix ``text[g:]`` occurs at index ``g``, so
    "the suffix does not occur at or after i" is simply ``i > g``. Checked against Java's
    matcher on 4,000 random strings.
    """
    spans: List[Tuple[int, int]] = []
    length = len(text)
    position = 0
    while position <= length:
        group1 = -1  # start of capture 1, or -1 (never matched); reset by each find()
        group2 = -1  # start of capture 2
        found: Optional[Tuple[int, int]] = None
        start = text.find("${", position)
        while start >= 0:
            if start > 0 and text[start - 1] == "$":
                start = text.find("${", start + 1)
                continue
            current = start
            while True:
                # look-ahead 1: the first '{' past the previous one that has a '}' past the previous '}'
                brace = text.find("{", max(current, group1))
                if brace < 0 or text.find("}", max(brace + 1, group2)) < 0:
                    break
                group1 = brace + 1  # sticky even if the rest of this attempt fails
                # look-ahead 2: the first '}' past the previous one
                close = text.find("}", max(current, group2))
                if close < 0:
                    break
                group2 = close + 1
                current += 1  # the '.' of the loop body
                # the tail: reach an occurrence of group 1's text, then no '{' up to group 2's suffix
                suffix1 = text[group1:]
                end = group2
                if any(
                    text.startswith(suffix1, z) and "{" not in text[z:end]
                    for z in range(current, min(group1, end) + 1)
                ):
                    found = (start, end)
                    break
                if current >= length:
                    break
            if found is not None:
                break
            start = text.find("${", start + 1)
        if found is None:
            break
        spans.append(found)
        position = found[1]
    return tuple(spans)


def _jsonsmart_text(value: Any) -> str:
    """JSON text the way json-smart's ``JSONArray.toString()`` writes an indefinite-path result."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        finite = value == value and value not in (float("inf"), float("-inf"))
        return java_double_string(value) if finite else "null"
    if isinstance(value, str):
        # json-smart's default style also escapes '/' (verified on 3.32.1)
        return json.dumps(value, ensure_ascii=False).replace("/", "\\/")
    if isinstance(value, Mapping):
        members = (f"{_jsonsmart_text(str(k))}:{_jsonsmart_text(v)}" for k, v in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_jsonsmart_text(item) for item in value) + "]"
    return _jsonsmart_text(str(value))


class _Resolver:
    """One resolution pass: the document, the task id and the server-process environment."""

    __slots__ = ("context", "environment", "task_id")

    def __init__(
        self,
        context: Mapping[str, Any],
        task_id: Optional[str],
        environment: Optional[Mapping[str, str]],
    ) -> None:
        self.context = context
        self.task_id = task_id
        self.environment = environment

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.string(value, 0)
        # dict first: isinstance against typing.Mapping costs ~10x more, on every value
        if isinstance(value, (dict, Mapping)):
            return self.mapping(value)
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        return value

    def mapping(self, params: Mapping[str, Any]) -> Dict[str, Any]:
        return as_java_hashmap({key: self.value(item) for key, item in params.items()})

    def _special(self, path: str) -> Tuple[bool, Any]:
        """``(handled, value)`` for CPEWF_TASK_ID and server-process environment names."""
        if path == "CPEWF_TASK_ID":
            return True, self.task_id
        if self.environment is not None and path in self.environment:
            return True, self.environment[path]
        if path in SYSTEM_PARAMETERS:
            return True, None
        return False, None

    def string(self, text: str, depth: int) -> Any:
        if depth == 0 and text.startswith("${"):
            plain = _whole_plain_path(text)
            if plain is not None and (self.environment is None or plain[0] not in self.environment):
                found = _root_lookup(self.context, plain[1])
                return None if found is MISSING else _copy(found)
        spans = find_expressions(text) if "${" in text else ()
        if not spans:
            return text.replace("$${", "${") if "$${" in text else text
        # (start, end, value, indefinite) of each replaced match; a match left alone is skipped
        replacements: List[Tuple[int, int, Any, bool]] = []
        for start, end in spans:
            inner = text[start + 2 : end - 1]
            path = self.string(inner, depth + 1) if "${" in inner else inner.replace("$${", "${")
            if not path.strip():
                replacements.append((start, end, "", False))
                continue
            if path.startswith(SECRETS_PREFIX):
                replacements.append((start, end, text[start:end], False))
                continue
            handled, special = self._special(path)
            if handled:
                if special is not None:
                    replacements.append((start, end, special, False))
                continue
            value, indefinite = read_path(path, self.context)
            replacements.append((start, end, value, indefinite))
        if depth == 0 and len(replacements) == 1:
            start, end, value, _ = replacements[0]
            if start == 0 and end == len(text):
                return _copy(value)
        pieces: List[str] = []
        last = 0
        for start, end, value, indefinite in replacements:
            pieces.append(text[last:start])
            pieces.append(_jsonsmart_text(value) if indefinite else java_string(value))
            last = end
        pieces.append(text[last:])
        return "".join(pieces).replace("$${", "${")


@lru_cache(maxsize=8192)  # the same parameter texts are resolved on every run of a definition
def _whole_plain_path(text: str) -> Optional[Tuple[str, Tuple[Any, ...]]]:
    """``(path, its definite tokens)`` when ``text`` is one ``${path}`` and nothing else, and the
    path is a plain read: no nested ``${``, not blank, no secret or system parameter, compiled
    with no indefinite part and no function. :meth:`_Resolver.string` then answers the value read
    (None when missing), copied, as its general walk does for such a text. Otherwise None.
    """
    if find_expressions(text) != ((0, len(text)),):
        return None
    path = text[2:-1]
    if "${" in path or not path.strip() or path.startswith(SECRETS_PREFIX) or path in SYSTEM_PARAMETERS:
        return None
    try:
        compiled = compile_path(path)
    except PathSyntaxError:
        return None
    if compiled.rest is not None or compiled.function is not None:
        return None
    return path, compiled.prefix


def resolve_parameters(
    params: Optional[Mapping[str, Any]],
    context: Mapping[str, Any],
    task_id: Optional[str] = None,
    *,
    environment: Optional[Mapping[str, str]] = None,
) -> Dict[str, Any]:
    """Resolve every ``${...}`` in ``params`` against ``context`` (docs/semantics.md §5.3-§5.5).

    ``context`` is an :class:`ExpressionContext` or any mapping shaped like the document.
    Returns fresh containers (maps in the server's HashMap key order); never mutates ``params``.
    ``task_id`` answers ``${CPEWF_TASK_ID}`` (left literal when None); ``environment`` stands in
    for the server process's environment variables (see the module docstring).
    """
    if not params:
        return {}
    return _Resolver(context, task_id, environment).mapping(params)


def resolve_value(
    value: Any,
    context: Mapping[str, Any],
    task_id: Optional[str] = None,
    *,
    environment: Optional[Mapping[str, str]] = None,
) -> Any:
    """Resolve one value (string, map, list or scalar) like a value of :func:`resolve_parameters`."""
    return _Resolver(context, task_id, environment).value(value)


def resolve_task_input(
    input_parameters: Optional[Mapping[str, Any]],
    context: Mapping[str, Any],
    task_id: Optional[str],
    task_def: Optional[Mapping[str, Any]],
    *,
    environment: Optional[Mapping[str, str]] = None,
) -> Dict[str, Any]:
    """A task's input from ``inputParameters`` and the TaskDef's ``inputTemplate`` (docs/semantics.md §5.6).

    Template keys absent from the parameters are added (then resolved too); afterwards every key
    whose value resolved to ``None`` gets the template's *raw, unresolved* value when the template
    has that key (so a template expression that found nothing comes back as the literal ``${...}``).
    """
    template = (task_def or {}).get("inputTemplate") if task_def is not None else None
    params: Dict[str, Any] = dict(input_parameters or {})
    if template:
        for key, item in template.items():
            if key not in params:
                params[key] = item
    resolved = resolve_parameters(params, context, task_id, environment=environment)
    if template:
        for key, item in resolved.items():
            if item is None and key in template:
                resolved[key] = _copy(template[key])
    return resolved


def workflow_input_with_template(
    input: Optional[Mapping[str, Any]], input_template: Optional[Mapping[str, Any]]
) -> Dict[str, Any]:
    """The workflow input after ``WorkflowDef.inputTemplate`` (docs/semantics.md §5.7).

    Template keys are added (deep copies, not resolved) only when the given input is non-empty;
    ``{}`` stays ``{}``. ``None`` gives ``{}`` (the server answers HTTP 400 for a null input: the
    caller decides). Returns a new dict.
    """
    result: Dict[str, Any] = _copy(dict(input)) if input else {}
    if result and input_template:
        for key, item in input_template.items():
            if key not in result:
                result[key] = _copy(item)
    return result


def _first_segment(path: str) -> str:
    text = path.strip()
    if text.startswith("$"):
        text = text[1:].lstrip(".")
    if text.startswith("["):
        close = text.find("]")
        return text[1:close].strip().strip("'\"") if close > 0 else text
    for index, ch in enumerate(text):
        if ch in ".[(":
            return text[:index]
    return text


def _collect_references(value: Any, found: Set[str]) -> None:
    if isinstance(value, str):
        for start, end in find_expressions(value) if "${" in value else ():
            inner = value[start + 2 : end - 1]
            if "${" in inner:
                _collect_references(inner, found)
            segment = _first_segment(inner)
            if segment and "${" not in segment:
                found.add(segment)
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect_references(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_references(item, found)


def expression_references(value: Any) -> Set[str]:
    """First path segments of every ``${...}`` in ``value`` (nested ones included).

    E.g. ``{"a": "${t1.output.x} ${workflow.input.y}"}`` -> ``{"t1", "workflow"}``. System names
    (``CPEWF_TASK_ID``, ...) are included as they are; callers validating references skip them.
    """
    found: Set[str] = set()
    _collect_references(value, found)
    return found


__all__ = [
    "SECRETS_PREFIX",
    "SYSTEM_PARAMETERS",
    "ExpressionContext",
    "context_key",
    "expression_references",
    "find_expressions",
    "read_path",
    "resolve_parameters",
    "resolve_task_input",
    "resolve_value",
    "task_context_entry",
    "workflow_context_entry",
    "workflow_input_with_template",
]
