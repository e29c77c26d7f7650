"""What the harness checks around each run: strict by default, with an opt-out per test.

* ``unused_mocks``: a planned mock attempt the run never used fails the test (every backend);
* ``mock_keys``: a mock dict with a misspelled key (``outputs``) is an error, not an output;
* ``lint``: unknown task types and expressions naming unknown references or fields
  (:mod:`conductor_testkit.testing.lint`): ``"error"`` (the run is refused), ``"warn"`` or
  ``"off"``;
* ``missing_inputs``: expressions reading workflow inputs the test's input lacks: ``"warn"``
  (default), ``"error"`` or ``"off"``.

``Harness(strict=False)``, ``harness.run(..., strict=False)``, the marker
``@pytest.mark.conductor_strict(False)`` (or ``conductor_strict(unused_mocks=False)``) and the
ini setting ``conductor_strict = false`` turn checks off.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields, replace
from typing import Any, List, Mapping, Optional, Union

from conductor_testkit.errors import ConductorError, DefinitionError
from conductor_testkit.testing.lint import LintProblem, lint_definition

__all__ = ["LENIENT", "STRICT", "ConductorLintWarning", "Strictness", "StrictnessArg", "UnusedMocksError"]

_LEVELS = ("error", "warn", "off")


class ConductorLintWarning(UserWarning):
    """A definition problem the strictness settings report as a warning (``-W error`` fails on it)."""


class UnusedMocksError(AssertionError, ConductorError):
    """Planned mock attempts the run never used (strict mode): the test's mocks do not match the run."""


@dataclass(frozen=True)
class Strictness:
    """The checks the harness runs around each run (see the module docstring)."""

    unused_mocks: bool = True
    mock_keys: bool = True
    lint: str = "error"
    missing_inputs: str = "warn"

    def __post_init__(self) -> None:
        for name in ("lint", "missing_inputs"):
            value = getattr(self, name)
            if value not in _LEVELS:
                raise DefinitionError(
                    f"Strictness.{name} must be one of {', '.join(_LEVELS)}, received {value!r}"
                )

    @classmethod
    def of(cls, value: StrictnessArg) -> Strictness:
        """From ``True`` (every check), ``False`` (none), a Strictness, or a dict of its fields."""
        if isinstance(value, Strictness):
            return value
        if value is True or value is None:
            return STRICT
        if value is False:
            return LENIENT
        if isinstance(value, Mapping):
            known = {f.name for f in fields(cls)}
            unknown = sorted(set(value) - known)
            if unknown:
                raise DefinitionError(
                    f"strict: unknown setting(s) {', '.join(map(repr, unknown))}; the settings are "
                    f"{', '.join(sorted(known))}"
                )
            return replace(STRICT, **dict(value))
        raise DefinitionError(f"strict: expected True, False, a Strictness or a dict, received {value!r}")

    def check_definition(
        self,
        definition: Mapping[str, Any],
        input: Optional[Mapping[str, Any]],
        *,
        content: Optional[bytes] = None,
    ) -> None:
        """Lint ``definition`` before a run: raise for errors, warn for warnings (``content``:
        the definition pickled, when the caller has it; see :func:`lint_definition`)."""
        if self.lint == "off" and self.missing_inputs == "off":
            return
        errors: List[LintProblem] = []
        for problem in lint_definition(definition, input, content=content):
            level = self.missing_inputs if problem.kind == "missing_input" else self.lint
            if level == "error":
                errors.append(problem)
            elif level == "warn":
                warnings.warn(ConductorLintWarning(str(problem)), stacklevel=4)
        if errors:
            lines = "\n".join(f"  - {problem}" for problem in errors)
            raise DefinitionError(
                f"workflow {definition.get('name')!r} has {len(errors)} problem(s) the server would not "
                f"report:\n{lines}\n(turn this check off with strict={{'lint': 'off'}} or "
                "@pytest.mark.conductor_strict(lint='off'))"
            )


STRICT = Strictness()
LENIENT = Strictness(unused_mocks=False, mock_keys=False, lint="off", missing_inputs="off")

StrictnessArg = Union[bool, Strictness, Mapping[str, Any], None]
