"""What the hidden suites observe that a generic autograder cannot: SQL statements, pool state,
server-side sessions and query plans."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True)
class RecordedStatement:
    """One statement as the driver received it, with its parameters (for EXPLAIN)."""

    sql: str
    params: tuple[Any, ...]
    executemany: bool


@dataclass
class SQLRecorder:
    """Statements the learner's engine sends, recorded with SQLAlchemy's before_cursor_execute.

    ``statements`` holds the texts (whitespace collapsed, for messages); ``calls`` the same
    statements as sent, with their parameters (empty for executemany batches).
    """

    statements: list[str] = field(default_factory=list)
    calls: list[RecordedStatement] = field(default_factory=list)
    _engines: list[Any] = field(default_factory=list)

    def attach(self, engine: AsyncEngine) -> SQLRecorder:
        sync_engine = engine.sync_engine
        if sync_engine not in self._engines:
            event.listen(sync_engine, "before_cursor_execute", self._record)
            self._engines.append(sync_engine)
        return self

    def detach(self) -> None:
        for sync_engine in self._engines:
            if event.contains(sync_engine, "before_cursor_execute", self._record):
                event.remove(sync_engine, "before_cursor_execute", self._record)
        self._engines.clear()

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        self.statements.append(" ".join(statement.split()))
        single = isinstance(parameters, (tuple, list)) and not executemany
        self.calls.append(RecordedStatement(statement, tuple(parameters) if single else (), executemany))

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()
        self.calls.clear()

    def summary(self, limit: int = 5) -> str:
        """The first few captured statements, for a failure message."""
        if not self.statements:
            return "no SQL statement was sent"
        shown = "\n".join(f"  {i + 1}. {sql[:160]}" for i, sql in enumerate(self.statements[:limit]))
        more = f"\n  ... and {self.count - limit} more" if self.count > limit else ""
        return f"{self.count} statement(s):\n{shown}{more}"


@dataclass
class PoolProbe:
    """Reads the pool of an AsyncEngine (normally app.state.engine)."""

    engine: AsyncEngine

    @property
    def pool(self) -> Any:
        return self.engine.pool

    @property
    def checked_out(self) -> int:
        return int(self.pool.checkedout())

    @property
    def checked_in(self) -> int:
        return int(self.pool.checkedin())

    @property
    def size(self) -> int:
        return int(self.pool.size())

    @property
    def overflow(self) -> int:
        return int(self.pool.overflow())

    def describe(self) -> str:
        return self.pool.status()


@dataclass
class AdminDB:
    """A superuser connection to the run's database, for pg_stat_activity and EXPLAIN."""

    conn: asyncpg.Connection
    role: str

    async def backends(self, application_name: str | None = None) -> list[asyncpg.Record]:
        """Sessions opened by the learner's role (optionally with one application_name)."""
        rows = await self.conn.fetch(
            "SELECT pid, application_name, state, query, backend_start, datname "
            "FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid() "
            "ORDER BY backend_start",
            self.role,
        )
        if application_name is None:
            return list(rows)
        return [row for row in rows if row["application_name"] == application_name]

    async def backend_count(self, application_name: str | None = None) -> int:
        return len(await self.backends(application_name))

    async def settle_backends(self, expected: int, timeout: float = 3.0) -> int:
        """Wait (bounded) until the learner's session count reaches `expected`; return the last count.

        A closed connection's backend leaves pg_stat_activity a moment after the client hangs up.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            count = await self.backend_count()
            if count == expected or asyncio.get_running_loop().time() >= deadline:
                return count
            await asyncio.sleep(0.05)

    async def idle_in_transaction(self) -> list[asyncpg.Record]:
        # "idle in transaction (aborted)" is a leak too
        return [row for row in await self.backends() if (row["state"] or "").startswith("idle in transaction")]

    async def explain(self, sql: str, *args: Any, analyze: bool = False) -> dict[str, Any]:
        options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
        raw = await self.conn.fetchval(f"EXPLAIN ({options}) {sql}", *args)
        plan = json.loads(raw) if isinstance(raw, str) else raw
        return plan[0]["Plan"]
