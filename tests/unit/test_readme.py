"""The README's examples work: its Python blocks run as a pytest module, with the plugin.

Blocks are concatenated in order (later ones use names from earlier ones, as a reader would),
written to a test file and run by pytest in a subprocess, so the ``conductor`` fixture comes
from the installed plugin exactly as in a user's project.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_blocks() -> list:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_python_examples() -> None:
    assert len(_python_blocks()) >= 3


def test_the_readme_examples_pass_as_a_test_module(tmp_path: Path) -> None:
    module = tmp_path / "test_from_readme.py"
    module.write_text("\n\n".join(_python_blocks()), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(module)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"\b[4-9] passed\b|\b\d\d+ passed\b", proc.stdout), proc.stdout
