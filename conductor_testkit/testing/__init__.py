"""The test harness: run workflows on the engine or a real server, mocks, assertions."""
