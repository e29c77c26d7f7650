"""A six-hour WAIT that passes instantly on the virtual clock; the worker sees the virtual time."""
