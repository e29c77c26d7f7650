"""The import contracts of pyproject.toml cover the whole package, dynamic imports included.

``lint-imports`` (run by scripts/test) checks the contracts against the import statements. These
tests keep the contracts complete: every top-level module has a layer, every engine module is
either public or listed as internal, and no import by name (``importlib.import_module``), which
the linter cannot see, crosses a layer.
"""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

import conductor_testkit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the 3.10 toolchain
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "conductor_testkit"
_CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
CONTRACTS: Dict[str, dict] = {contract["id"]: contract for contract in _CONFIG["contracts"]}
# The engine's public modules besides the package itself; every other engine module is internal.
ENGINE_PUBLIC = {
    "conductor_testkit.engine.clock",
    "conductor_testkit.engine.errors",
    "conductor_testkit.engine.in_process",
    "conductor_testkit.engine.mocks",
}
# Imports by name that the layers allow: the transport registry loads the engine's in_process
# module (which registers memory://) the first time a memory:// URL is used.
ALLOWED_BY_NAME = {("conductor_testkit.client.transport", "conductor_testkit.engine.in_process")}


def _children(directory: Path, package: str) -> Set[str]:
    """The modules and subpackages directly inside ``package``."""
    modules = {f"{package}.{p.stem}" for p in directory.glob("*.py") if p.name != "__init__.py"}
    modules |= {f"{package}.{p.name}" for p in directory.iterdir() if (p / "__init__.py").exists()}
    return modules


def _layered() -> List[Set[str]]:
    return [{m.strip() for m in layer.split("|")} for layer in CONTRACTS["layers"]["layers"]]


def _layer_of(module: str) -> int:
    for index, layer in enumerate(_layered()):
        if any(module == m or module.startswith(m + ".") for m in layer):
            return index
    raise AssertionError(f"{module} is in no layer of pyproject.toml [tool.importlinter]")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def _imports_by_name() -> List[Tuple[str, str]]:
    """(importer, target) of every ``import_module("...")`` / ``__import__("...")`` with a literal name."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")) + sorted((ROOT / "pytest_conductor").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            func, target = node.func, str(node.args[0].value)
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and target.startswith("conductor_testkit"):
                found.append((_module_name(path), target))
    return found


def test_every_top_level_module_has_a_layer() -> None:
    layered = set().union(*_layered())
    top_level = _children(PACKAGE, "conductor_testkit") | {"pytest_conductor"}
    assert top_level - layered == set(), "add these to a layer of the 'layers' contract"
    assert layered - top_level == set(), "these layers name modules that do not exist"


def test_every_engine_module_is_public_or_internal() -> None:
    internal = set(CONTRACTS["engine-internals"]["forbidden_modules"])
    engine = _children(PACKAGE / "engine", "conductor_testkit.engine")
    assert internal & ENGINE_PUBLIC == set()
    unclassified = engine - internal - ENGINE_PUBLIC
    assert unclassified == set(), (
        "list these engine modules in the 'engine-internals' contract, or as public here and in "
        f"pyproject.toml: {sorted(unclassified)}"
    )


def test_every_layer_but_the_engine_is_kept_from_its_internals() -> None:
    sources = set(CONTRACTS["engine-internals"]["source_modules"])
    assert sources == set().union(*_layered()) - {"conductor_testkit.engine"}


def test_imports_by_name_respect_the_layers() -> None:
    upward = [
        (importer, target)
        for importer, target in _imports_by_name()
        if _layer_of(target) < _layer_of(importer) and (importer, target) not in ALLOWED_BY_NAME
    ]
    assert upward == [], "imports by name that reach a higher layer"


def test_imports_by_name_reach_only_public_engine_modules() -> None:
    by_name = {target for _, target in _imports_by_name()} | set(conductor_testkit._EXPORTS.values())
    engine = {t for t in by_name if t.startswith("conductor_testkit.engine.")}
    assert engine - ENGINE_PUBLIC == set()
