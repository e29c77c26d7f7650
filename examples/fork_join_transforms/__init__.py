"""Fork/join: a JavaScript branch and a jq branch run in parallel over the same order lines."""
