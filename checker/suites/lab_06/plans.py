"""The SQL the learner's engine sends, with its parameters, and what PostgreSQL does with it.

The course's SQL recorder keeps each statement with its parameters; the product queries are re-run under
``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` on the superuser connection, with the same values:
the same query at the same depth, planned and executed by the same server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from checker.testing.observers import SQLRecorder

SCAN_OF_PRODUCTS = re.compile(r"\bfrom\s+(\"?public\"?\.)?\"?products\"?\b", re.IGNORECASE)


@dataclass
class Statement:
    sql: str
    params: tuple[Any, ...]

    @property
    def short(self) -> str:
        return " ".join(self.sql.split())[:300]


class StatementLog(SQLRecorder):
    """The course's recorder, read back as the product queries with their parameters."""

    def take(self) -> list[Statement]:
        """The SELECTs on products recorded since the last take()."""
        taken = [
            Statement(call.sql, call.params)
            for call in self.calls
            if not call.executemany
            and call.sql.lstrip().upper().startswith(("SELECT", "WITH"))
            and SCAN_OF_PRODUCTS.search(call.sql)
        ]
        self.reset()
        return taken


@dataclass
class Plan:
    statement: Statement
    root: dict[str, Any]

    def nodes(self) -> Iterator[dict[str, Any]]:
        stack = [self.root]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.get("Plans", []))

    @property
    def rows_touched(self) -> int:
        """Rows the scans of products produced or read and threw away (filters), all loops."""
        total = 0.0
        for node in self.nodes():
            if node.get("Relation Name") == "products":
                per_loop = sum(
                    float(node.get(key, 0))
                    for key in ("Actual Rows", "Rows Removed by Filter", "Rows Removed by Index Recheck")
                )
                total += per_loop * float(node.get("Actual Loops", 1))
        return round(total)

    @property
    def buffers(self) -> int:
        return int(self.root.get("Shared Hit Blocks", 0)) + int(self.root.get("Shared Read Blocks", 0))

    @property
    def sorts(self) -> list[str]:
        return [n["Node Type"] for n in self.nodes() if "Sort" in n["Node Type"]]

    @property
    def seq_scans(self) -> list[str]:
        return [n["Node Type"] for n in self.nodes() if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "products"]

    @property
    def index_scans(self) -> list[str]:
        return [n.get("Index Name", "?") for n in self.nodes() if "Index" in n["Node Type"] and n.get("Index Name")]

    def describe(self) -> str:
        """`Limit > Index Scan Backward using ix on products (rows 51, removed by filter 0)`."""

        def one(node: dict[str, Any]) -> str:
            text = node["Node Type"]
            if node.get("Scan Direction") == "Backward":
                text += " Backward"
            if node.get("Index Name"):
                text += f" using {node['Index Name']}"
            if node.get("Relation Name"):
                text += f" on {node['Relation Name']}"
            details = [f"rows {round(float(node.get('Actual Rows', 0)))}"]
            if node.get("Rows Removed by Filter"):
                details.append(f"removed by filter {round(float(node['Rows Removed by Filter']))}")
            if node.get("Sort Method"):
                details.append(str(node["Sort Method"]))
            return f"{text} ({', '.join(details)})"

        parts = []
        node: dict[str, Any] | None = self.root
        while node is not None:
            parts.append(one(node))
            children = node.get("Plans", [])
            node = children[0] if len(children) == 1 else None
            if len(children) > 1:
                parts.append("[" + " | ".join(one(c) for c in children) + "]")
        return " > ".join(parts)


async def explain(conn: asyncpg.Connection, statement: Statement) -> Plan:
    raw = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement.sql}", *statement.params)
    document = json.loads(raw) if isinstance(raw, str) else raw
    return Plan(statement, document[0]["Plan"])


def seek_problems(plan: Plan, page_rows: int) -> list[str]:
    """Why this plan is not a seek that reads about one page; [] when it is.

    A Sort alone is no problem: near the end of the table the planner may rightly fetch the few
    remaining rows with a bitmap scan and sort them. Reading much more than a page is.
    """
    problems = []
    if plan.seq_scans:
        problems.append("a Seq Scan of products (every row read)")
    elif not plan.index_scans:
        problems.append("no index scan of products")
    if plan.rows_touched > 2 * page_rows + 10:
        problems.append(f"{plan.rows_touched} rows of products read for a page of {page_rows}")
    return problems
