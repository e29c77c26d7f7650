"""conductor-testkit: a Conductor SDK, an in-memory engine and a test harness for Conductor workflows."""

__version__ = "0.1.0"
