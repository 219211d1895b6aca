"""The test kit: parts only the tests use (the fault injector)."""
