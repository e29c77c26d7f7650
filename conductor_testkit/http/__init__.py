"""Official-SDK-style path for the wire models (see conductor_testkit.models)."""
