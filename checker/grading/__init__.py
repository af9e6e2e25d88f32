"""Grading: run a hidden suite against a workspace and turn what happened into a result."""
