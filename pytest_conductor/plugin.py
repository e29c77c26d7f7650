"""pytest plugin: fixtures, options and markers (filled in by the plugin issue)."""
