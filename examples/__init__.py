"""Runnable examples of conductor-testkit; ``python -m examples`` runs them all on the embedded engine."""
