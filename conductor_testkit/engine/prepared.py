"""Workflow definitions prepared once and shared, read-only, by every run that uses them.

Preparing a definition (server defaults, TaskDefs attached, sub-workflow versions pinned,
validation) and building its :class:`DefinitionIndex` cost more than a short run itself, so a
prepared definition is cached by the content of its source and reused across runs and engines.
What it looked up in the engine's metadata (TaskDefs by name, latest sub-workflow versions) is
recorded with it, and a cached entry is used only while that metadata still says the same.

A prepared definition is JSON (tuples and non-string keys are normalised away) and carries
pickled templates of itself and of each workflow task, so handing out a fresh deep copy (for
``workflowDefinition`` and for every task's ``workflowTask``) is one ``pickle.loads``.
"""

from __future__ import annotations

import json
import pickle
from typing import Any, Callable, Dict, List, Optional, Tuple

from conductor_testkit.engine.bean_validation import validate_workflow_def
from conductor_testkit.engine.content_cache import ContentCache
from conductor_testkit.engine.definitions import (
    DefinitionIndex,
    iter_all_tasks,
    normalize_workflow_def,
    populate_task_definitions,
)
from conductor_testkit.engine.errors import EngineIllegalState
from conductor_testkit.engine.jsoncopy import json_copy

TaskDefLookup = Callable[[str], Optional[Dict[str, Any]]]
VersionLookup = Callable[[str], Optional[int]]

_PICKLE = pickle.HIGHEST_PROTOCOL
_CACHE_LIMIT = 512


class FrozenJson:
    """A JSON value kept as pickled bytes: :meth:`copy` returns a fresh deep copy, fast."""

    __slots__ = ("_data", "_value")

    def __init__(self, value: Any) -> None:
        try:
            self._data: Optional[bytes] = pickle.dumps(value, _PICKLE)
            self._value = None
        except Exception:  # not JSON to begin with: copy it the slow way
            self._data = None
            self._value = value

    def copy(self) -> Any:
        if self._data is not None:
            return pickle.loads(self._data)
        return json_copy(self._value)


# (the workflow task, a template of it, a template of its taskDefinition or None, whether the
# workflow task is a prepared definition's: read-only, so a snapshot may share it until copied)
TaskTemplates = Tuple[Dict[str, Any], FrozenJson, Optional[FrozenJson], bool]


def workflow_task_templates(wt: Dict[str, Any], *, read_only: bool = False) -> TaskTemplates:
    """Templates for the ``workflowTask`` and ``taskDefinition`` of a task's JSON."""
    td = wt.get("taskDefinition")
    return (wt, FrozenJson(wt), FrozenJson(td) if isinstance(td, dict) else None, read_only)


class PreparedDefinition:
    """A definition snapshot ready for runs (treat every part as read-only).

    Attributes:
        defn: the definition dict a run's ``workflowDefinition`` points to.
        index: its :class:`DefinitionIndex`.
        frozen: a template of ``defn`` for fresh copies.
        task_templates: ``id(workflow task)`` -> (the workflow task, a template of it, a template
            of its ``taskDefinition`` or None, True) for every workflow task of ``defn``.
    """

    __slots__ = ("defn", "index", "frozen", "task_templates", "_deps")

    def __init__(self, defn: Dict[str, Any], deps: Tuple[Tuple[str, str, Any], ...]) -> None:
        self.defn = defn
        self.index = DefinitionIndex(defn)
        self.frozen = FrozenJson(defn)
        self.task_templates: Dict[int, TaskTemplates] = {}
        for wt in iter_all_tasks(defn.get("tasks") or []):
            self.task_templates[id(wt)] = workflow_task_templates(wt, read_only=True)
        self._deps = deps

    def still_valid(self, task_def: TaskDefLookup, latest_version: VersionLookup) -> bool:
        """Whether the metadata this definition was prepared from is unchanged."""
        for kind, name, seen in self._deps:
            now = task_def(name) if kind == "task" else latest_version(name)
            if now != seen:
                return False
        return True


# source content (pickled) and kind -> prepared variants (one per metadata state seen)
_cache: ContentCache[List[PreparedDefinition]] = ContentCache(_CACHE_LIMIT)


def prepare_definition(
    source: Dict[str, Any],
    *,
    inline: bool,
    task_def: TaskDefLookup,
    latest_version: VersionLookup,
) -> PreparedDefinition:
    """The prepared form of ``source`` (an inline definition, or a registered one when not ``inline``).

    ``task_def(name)`` answers the registered TaskDef (not copied), ``latest_version(name)`` the
    latest registered version of a workflow; both are consulted only on a cache miss and to
    check that a cached entry still holds. Inline definitions are validated like the server's
    start (registered ones were validated at registration).
    """
    kind = "inline" if inline else "registered"
    try:
        key: Optional[Tuple[str, bytes]] = (kind, pickle.dumps(source, _PICKLE))
    except Exception:  # not picklable: not JSON either; prepared without caching
        key = None
    if key is not None:
        for prepared in _cache.get(key) or ():
            if prepared.still_valid(task_def, latest_version):
                return prepared
    deps: List[Tuple[str, str, Any]] = []

    def recorded_task_def(name: str) -> Optional[Dict[str, Any]]:
        found = task_def(name)
        deps.append(("task", name, json_copy(found)))
        return found

    def recorded_version(name: str) -> Optional[int]:
        version = latest_version(name)
        deps.append(("workflow", name, version))
        return version

    defn = _as_json(normalize_workflow_def(source) if inline else json_copy(source))
    populate_task_definitions(defn, recorded_task_def)
    if inline:
        validate_workflow_def(defn)
    _pin_sub_workflow_versions(defn, recorded_version)
    prepared = PreparedDefinition(defn, tuple(deps))
    if key is not None:
        variants = _cache.get(key)
        if variants is None:
            _cache.put(key, [prepared])
        else:
            variants.append(prepared)
    return prepared


def _as_json(defn: Dict[str, Any]) -> Dict[str, Any]:
    """The definition as JSON would carry it (lists, string keys), so copies match the wire."""
    try:
        return json.loads(json.dumps(defn))  # type: ignore[no-any-return]
    except (TypeError, ValueError):
        return defn


def _pin_sub_workflow_versions(defn: Dict[str, Any], latest_version: VersionLookup) -> None:
    """SubWorkflowParams without a version use the latest registered one at start."""
    for wt in iter_all_tasks(defn["tasks"]):
        if wt.get("type") != "SUB_WORKFLOW":
            continue
        params = wt.get("subWorkflowParam")
        if not isinstance(params, dict):
            continue
        inline_sub = params.get("workflowDefinition")
        if isinstance(inline_sub, dict):
            # SubWorkflowParams takes name and version from an inline definition
            params["name"] = inline_sub.get("name")
            params["version"] = inline_sub.get("version", 1)
            continue
        if inline_sub is not None:
            continue
        if params.get("version") is None:
            version = latest_version(str(params.get("name")))
            if version is None:
                # verified on 3.32.1: HTTP 500 with the mapper's text
                raise EngineIllegalState(
                    f"The Task {params.get('name')} defined as a sub-workflow "
                    "has no workflow definition available "
                )
            params["version"] = version
