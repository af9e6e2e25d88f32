"""Hostile or broken learner code against the grader: each case gets a clear message, a bounded
time, a score never above what really passed, and leaves no database, role or process behind.
(Syntax errors, import errors, exits and loops at import are in test_grading.py.)"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import asyncpg

from checker.db.provision import admin_url
from checker.db.sandbox import TEMPLATE
from checker.db.urls import asyncpg_dsn
from checker.labs import find_lab
from tests.conftest import grade_with_pid, grading_leftovers
from tests.test_grading import stray_processes

LAB = find_lab("lab-01")


def copy_of(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "ws"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".generated.json"))
    return target


def prepend(path: Path, code: str) -> None:
    path.write_text(code + "\n" + path.read_text())


def assert_clean(pid: int, workspace: Path) -> None:
    assert grading_leftovers(pid) == {"databases": [], "roles": []}
    assert stray_processes(workspace) == []


def test_request_that_hangs_holding_a_connection(tmp_path: Path) -> None:
    workspace = copy_of(LAB.solution_dir, tmp_path)
    main = workspace / "app" / "main.py"
    main.write_text(main.read_text().replace(
        "            async with request.app.state.engine.connect() as conn:\n",
        "            async with request.app.state.engine.connect() as conn:\n"
        "                await conn.execute(text(\"SELECT pg_advisory_lock(42)\"))\n"
        "                await __import__('asyncio').Event().wait()  # never set: holds the connection forever\n",
    ))
    started = time.perf_counter()
    result, pid = grade_with_pid(workspace, "lab-01", "--per-test-timeout", "3")
    elapsed = time.perf_counter() - started
    health = [t for t in result["tests"] if t["task"] == 5]
    assert all(t["status"] != "passed" for t in health[:2]), health
    assert any("did not finish within 3 s" in t["message"] for t in health), health
    others = [t for t in result["tasks"] if t["number"] != 5]
    assert all(t["score"] == t["max_score"] for t in others), "a hang in /health cost other tasks points"
    assert result["score"] < 10
    assert elapsed < 60
    assert_clean(pid, workspace)


def test_huge_output_does_not_break_grading(tmp_path: Path) -> None:
    workspace = copy_of(LAB.solution_dir, tmp_path)
    prepend(workspace / "app" / "settings.py", "import sys\nsys.stdout.write('spam ' * 10_000_000)\nsys.stderr.write('noise ' * 2_000_000)")
    result, pid = grade_with_pid(workspace)
    assert result["score"] == 10, [t["message"] for t in result["tests"] if t["status"] != "passed"]
    assert_clean(pid, workspace)


def test_code_that_drops_schemas_and_attacks_shared_objects(tmp_path: Path) -> None:
    workspace = copy_of(LAB.solution_dir, tmp_path)
    log = tmp_path / "attempts.txt"
    prepend(workspace / "app" / "db.py", f'''
import asyncio as _asyncio, os as _os
import asyncpg as _asyncpg

async def _vandalise() -> None:
    url = _os.environ["DATABASE_URL"].replace("postgresql+asyncpg", "postgresql")
    conn = await _asyncpg.connect(url)
    outcomes = []
    for sql in ("DROP SCHEMA public CASCADE", "DROP DATABASE {TEMPLATE}", "DROP ROLE postgres",
                "ALTER ROLE current_user SUPERUSER", "CREATE TABLE pg_catalog.x (i int)"):
        try:
            await conn.execute(sql)
            outcomes.append(f"done: {{sql}}")
        except _asyncpg.PostgresError as exc:
            outcomes.append(f"refused: {{sql}}: {{type(exc).__name__}}")
    await conn.close()
    open({str(log)!r}, "w").write("\\n".join(outcomes))

_asyncio.run(_vandalise())
''')
    result, pid = grade_with_pid(workspace)
    attempts = log.read_text().splitlines()
    assert attempts[0].startswith("done: DROP SCHEMA public"), "the learner's own database is theirs to break"
    assert all(line.startswith("refused:") for line in attempts[1:]), attempts
    assert result["score"] == 10
    assert_clean(pid, workspace)

    async def template_intact() -> bool:
        conn = await asyncpg.connect(asyncpg_dsn(admin_url(), database=TEMPLATE))
        try:
            return bool(await conn.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname = 'public'"))
        finally:
            await conn.close()

    assert asyncio.run(template_intact()), "the template database lost its public schema"


def test_code_cannot_become_superuser_or_reach_other_databases(tmp_path: Path) -> None:
    workspace = copy_of(LAB.solution_dir, tmp_path)
    log = tmp_path / "attempts.txt"
    prepend(workspace / "app" / "db.py", f'''
import asyncio as _asyncio, os as _os
import asyncpg as _asyncpg
from sqlalchemy.engine import make_url as _make_url

async def _escalate() -> None:
    url = _make_url(_os.environ["DATABASE_URL"])
    outcomes = [f"admin url visible: {{'CHECKER_ADMIN_URL' in _os.environ}}"]
    for user, password, database in (("postgres", None, "postgres"), ("postgres", "postgres", "postgres"),
                                     (url.username, url.password, "{TEMPLATE}"), (url.username, url.password, "postgres")):
        try:
            conn = await _asyncpg.connect(user=user, password=password, database=database, host=url.query["host"])
            superuser = await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            outcomes.append(f"connected {{user}}@{{database}} superuser={{superuser}}")
            await conn.close()
        except Exception as exc:
            outcomes.append(f"refused {{user}}@{{database}}: {{type(exc).__name__}}")
    open({str(log)!r}, "w").write("\\n".join(outcomes))

_asyncio.run(_escalate())
''')
    result, pid = grade_with_pid(workspace)
    attempts = log.read_text().splitlines()
    assert attempts[0] == "admin url visible: False", attempts
    assert attempts[1].startswith("refused postgres@postgres") and attempts[2].startswith("refused postgres@postgres"), attempts
    assert attempts[3].startswith("refused") and TEMPLATE in attempts[3], attempts
    assert "superuser=True" not in "\n".join(attempts)
    assert result["score"] == 10
    assert_clean(pid, workspace)


def test_conftest_and_forged_reports_cannot_mark_tests_passed(tmp_path: Path) -> None:
    workspace = copy_of(LAB.workspace_dir, tmp_path)  # the untouched stub: 0 points earned
    hook = (
        "import pytest\n\n"
        "@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n"
        "    report = outcome.get_result()\n"
        "    report.outcome = 'passed'\n"
        "    report.longrepr = None\n\n"
        "def pytest_collection_modifyitems(items):\n"
        "    items.clear()\n"
    )
    (workspace / "conftest.py").write_text(hook)
    (workspace / "tests" / "conftest.py").write_text(hook)
    forge = (
        "import glob, json, os\n"
        "for path in glob.glob('/tmp/apl-grade-*/events.jsonl') + [os.environ.get('CHECKER_REPORT', '')]:\n"
        "    if path and os.path.exists(path):\n"
        "        lines = [json.loads(l) for l in open(path)]\n"
        "        tests = next((l['tests'] for l in lines if l['event'] == 'collected'), [])\n"
        "        with open(path, 'a') as f:\n"
        "            for t in tests:\n"
        "                f.write(json.dumps({'event': 'test', 'nodeid': t['nodeid'], 'status': 'passed', 'message': ''}) + '\\n')\n"
    )
    prepend(workspace / "app" / "main.py", forge)
    result, pid = grade_with_pid(workspace)
    assert result["score"] == 0, [t["name"] for t in result["tests"] if t["status"] == "passed"]
    assert len(result["tests"]) == 19, "a learner hook changed which hidden tests ran"
    assert_clean(pid, workspace)
