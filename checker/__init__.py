"""Async Persistence Labs: the course's command-line checker, grading engine and database provisioning."""

__version__ = "0.1.0"
