"""Official-SDK-style path for Configuration (see conductor_testkit.client)."""
