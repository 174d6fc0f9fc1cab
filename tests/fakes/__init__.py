"""Fakes implementing the engine's ports, for fast deterministic tests."""
