# Sourced by scripts/test and scripts/examples: a project virtualenv with everything installed.
# The development toolchain comes from the lock files (requirements/*.lock, refreshed by
# ./scripts/lock), so a release elsewhere never changes what a fresh clone installs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CONDUCTOR_TESTKIT_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
# reinstall only when the lock files or pyproject.toml changed since the last install
STAMP="$VENV/.installed-$(cat "$ROOT/pyproject.toml" "$ROOT"/requirements/*.lock | sha1sum | cut -c1-12)"
if [ ! -f "$STAMP" ]; then
  PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes)
  "${PIP[@]}" -r "$ROOT/requirements/build.lock"
  "${PIP[@]}" -r "$ROOT/requirements/dev.lock"
  # the project itself, against the locked set: no dependency resolution, no build isolation
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$ROOT"
  rm -f "$VENV"/.installed-* && touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
