"""pytest plugin for conductor-testkit."""
