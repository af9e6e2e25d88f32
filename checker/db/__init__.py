"""Database provisioning: which PostgreSQL to use, and throwaway databases and roles on it."""

from checker.db.provision import DatabaseUnavailable, admin_url
from checker.db.sandbox import Sandbox, create_sandbox, drop_sandbox, temporary_sandbox
from checker.db.urls import asyncpg_dsn, sqlalchemy_url

__all__ = [
    "DatabaseUnavailable",
    "Sandbox",
    "admin_url",
    "asyncpg_dsn",
    "create_sandbox",
    "drop_sandbox",
    "temporary_sandbox",
    "sqlalchemy_url",
]
