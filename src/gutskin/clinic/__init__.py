"""Use cases: every state change and authorization decision, with the acting user as an argument."""
