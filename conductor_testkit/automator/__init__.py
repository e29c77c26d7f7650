"""Official-SDK-style path for the worker polling driver (see conductor_testkit.worker)."""
