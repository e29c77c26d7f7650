# Sourced by scripts/test and scripts/examples: a project virtualenv with everything installed.
# The development toolchain comes from the lock files (constraints.txt, constraints-build.txt:
# every package pinned with hashes, refreshed by ./scripts/lock), so a release elsewhere never
# changes what a fresh clone installs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CONDUCTOR_TESTKIT_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
# reinstall only when the lock files or pyproject.toml changed since the last install
STAMP="$VENV/.installed-$(cat "$ROOT/pyproject.toml" "$ROOT"/constraints*.txt | sha1sum | cut -c1-12)"
if [ ! -f "$STAMP" ]; then
  PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes)
  "${PIP[@]}" -r "$ROOT/constraints-build.txt"
  "${PIP[@]}" -r "$ROOT/constraints.txt"
  # the project itself, against the locked set: no dependency resolution, no build isolation
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$ROOT"
  rm -f "$VENV"/.installed-* && touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
