"""``python -m conductor_testkit.cli``: the ``conductor-testkit`` command."""

from __future__ import annotations

import sys

from conductor_testkit.cli import main

sys.exit(main())
