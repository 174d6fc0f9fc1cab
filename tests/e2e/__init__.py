"""End-to-end tests: real processes, real HTTP, crashes and ambiguous answers."""
