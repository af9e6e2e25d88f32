"""Static checks of compose.yaml, the Docker alternative to the embedded PostgreSQL.

No Docker engine is needed: the file is parsed and its promises are checked, including that the
URLs a learner copies from README.md and docs/setup.md reach a port the file publishes with the
credentials the server is created with.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "compose.yaml"
URL_SOURCES = (ROOT / "README.md", ROOT / "docs" / "setup.md")

POSTGRES_PORT = 5432
PGBOUNCER_PORT = 6432

#: A PostgreSQL URL on the local machine, in any of the spellings the course uses
#: (postgresql://, postgres://, postgresql+asyncpg://).
LOCAL_URL = re.compile(
    r"postgres(?:ql)?(?:\+\w+)?://[^\s`'\"<>()]*@(?:localhost|127\.0\.0\.1)(?::\d+)?/[^\s`'\"<>()]*"
)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    assert COMPOSE_FILE.is_file(), f"{COMPOSE_FILE} is missing"
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "compose.yaml must be a YAML mapping at the top level"
    assert isinstance(data.get("services"), dict), "compose.yaml has no 'services' mapping"
    return data


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    services = compose["services"]
    assert name in services, f"compose.yaml has no service {name!r} (found: {sorted(services)})"
    assert isinstance(services[name], dict), f"service {name!r} must be a mapping"
    return services[name]


def environment(svc: dict[str, Any]) -> dict[str, str]:
    """The service environment as a dict, whether written as a mapping or as a KEY=VALUE list."""
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def published_ports(svc: dict[str, Any]) -> dict[int, int]:
    """host port -> container port, from both the short ("6432:6432") and the long syntax."""
    ports: dict[int, int] = {}
    for entry in svc.get("ports") or []:
        if isinstance(entry, dict):
            if "published" in entry:
                ports[int(entry["published"])] = int(entry["target"])
            continue
        parts = str(entry).split("/", 1)[0].split(":")
        if len(parts) >= 2:  # [ip:]host:container; a lone container port is not published
            ports[int(parts[-2])] = int(parts[-1])
    return ports


def all_published_ports(compose: dict[str, Any]) -> dict[int, str]:
    """host port -> name of the service publishing it."""
    return {
        port: name
        for name, svc in compose["services"].items()
        for port in published_ports(svc)
    }


def test_compose_has_the_two_services(compose: dict[str, Any]) -> None:
    for name in ("postgres", "pgbouncer"):
        service(compose, name)


def test_postgres_service(compose: dict[str, Any]) -> None:
    pg = service(compose, "postgres")
    assert str(pg.get("image", "")).startswith("postgres:18"), (
        f"postgres must run the postgres:18 image, found {pg.get('image')!r}"
    )
    env = environment(pg)
    for key in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"):
        assert env.get(key) == "postgres", f"postgres: {key} must be 'postgres', found {env.get(key)!r}"
    assert published_ports(pg).get(POSTGRES_PORT) == 5432, (
        f"postgres must publish {POSTGRES_PORT}:5432, found ports {pg.get('ports')!r}"
    )
    volumes = [str(v.get("source")) if isinstance(v, dict) else str(v).split(":", 1)[0]
               for v in pg.get("volumes") or []]
    named = set(compose.get("volumes") or {})
    assert any(source in named for source in volumes), (
        f"postgres must keep its data in a named volume; volumes {volumes!r}, declared {sorted(named)!r}"
    )


@pytest.mark.parametrize("name", ["postgres", "pgbouncer"])
def test_service_has_a_healthcheck(compose: dict[str, Any], name: str) -> None:
    check = service(compose, name).get("healthcheck")
    assert isinstance(check, dict) and check.get("test"), f"service {name!r} has no healthcheck test"
    test = check["test"]
    command = " ".join(test) if isinstance(test, list) else str(test)
    assert "pg_isready" in command, f"{name}: the healthcheck should use pg_isready, found {command!r}"
    if name == "pgbouncer":  # pg_isready defaults to 5432, where PgBouncer does not listen
        assert f"-p {PGBOUNCER_PORT}" in command, (
            f"pgbouncer: the healthcheck must probe port {PGBOUNCER_PORT}, found {command!r}"
        )


def test_pgbouncer_pools_transactions(compose: dict[str, Any]) -> None:
    bouncer = service(compose, "pgbouncer")
    env = environment(bouncer)
    assert env.get("POOL_MODE") == "transaction", (
        f"pgbouncer must pool in transaction mode, POOL_MODE is {env.get('POOL_MODE')!r}"
    )
    prepared = env.get("MAX_PREPARED_STATEMENTS", "")
    assert prepared.isdigit() and int(prepared) > 0, (
        "pgbouncer needs MAX_PREPARED_STATEMENTS > 0 so asyncpg's prepared statements survive "
        f"transaction pooling, found {prepared!r}"
    )
    assert env.get("LISTEN_PORT") == str(PGBOUNCER_PORT), (
        f"pgbouncer must listen on {PGBOUNCER_PORT} inside the container, LISTEN_PORT is "
        f"{env.get('LISTEN_PORT')!r}"
    )
    assert published_ports(bouncer).get(PGBOUNCER_PORT) == PGBOUNCER_PORT, (
        f"pgbouncer must publish {PGBOUNCER_PORT}:{PGBOUNCER_PORT}, found ports {bouncer.get('ports')!r}"
    )


def test_pgbouncer_waits_for_a_healthy_postgres(compose: dict[str, Any]) -> None:
    depends = service(compose, "pgbouncer").get("depends_on")
    assert isinstance(depends, dict) and "postgres" in depends, (
        f"pgbouncer must depend on postgres with a condition (long syntax), found {depends!r}"
    )
    condition = (depends["postgres"] or {}).get("condition")
    assert condition == "service_healthy", (
        f"pgbouncer must wait for postgres to be service_healthy, condition is {condition!r}"
    )


def test_pgbouncer_logs_in_with_the_postgres_credentials(compose: dict[str, Any]) -> None:
    pg_env = environment(service(compose, "postgres"))
    env = environment(service(compose, "pgbouncer"))
    assert env.get("DB_HOST") == "postgres", (
        f"pgbouncer must reach the 'postgres' service, DB_HOST is {env.get('DB_HOST')!r}"
    )
    assert env.get("DB_USER") == pg_env.get("POSTGRES_USER"), (
        f"pgbouncer DB_USER {env.get('DB_USER')!r} differs from POSTGRES_USER {pg_env.get('POSTGRES_USER')!r}"
    )
    assert env.get("DB_PASSWORD") == pg_env.get("POSTGRES_PASSWORD"), (
        "pgbouncer DB_PASSWORD differs from the postgres service's POSTGRES_PASSWORD"
    )
    assert env.get("AUTH_TYPE") in {"scram-sha-256", "plain"}, (
        "PostgreSQL 18 stores SCRAM verifiers: pgbouncer needs AUTH_TYPE scram-sha-256 (or plain) "
        f"to keep a usable password, found {env.get('AUTH_TYPE')!r}"
    )
    assert not env.get("DB_NAME"), (
        f"pgbouncer must expose every database (wildcard entry), but DB_NAME is {env.get('DB_NAME')!r}"
    )


def documented_urls() -> list[tuple[str, str]]:
    """(file name, URL) for every local PostgreSQL URL in the learner-facing set-up text."""
    found: list[tuple[str, str]] = []
    for source in URL_SOURCES:
        if source.is_file():
            text = source.read_text(encoding="utf-8")
            found += [(source.name, match.group(0)) for match in LOCAL_URL.finditer(text)]
    return found


def test_documented_urls_are_found() -> None:
    urls = documented_urls()
    ports = {urlsplit(url).port for _, url in urls}
    assert {POSTGRES_PORT, PGBOUNCER_PORT} <= ports, (
        f"README.md and docs/setup.md must show both the direct (:{POSTGRES_PORT}) and the PgBouncer "
        f"(:{PGBOUNCER_PORT}) URL; found {urls!r}"
    )


def test_documented_urls_match_compose(compose: dict[str, Any]) -> None:
    pg_env = environment(service(compose, "postgres"))
    published = all_published_ports(compose)
    for source, url in documented_urls():
        parts = urlsplit(url)
        port = parts.port or 5432
        assert port in published, (
            f"{source}: {url} uses port {port}, which compose.yaml does not publish "
            f"(published: {sorted(published)})"
        )
        user = unquote(parts.username or "")
        assert user == pg_env.get("POSTGRES_USER"), (
            f"{source}: {url} logs in as {user!r}, compose creates {pg_env.get('POSTGRES_USER')!r}"
        )
        if parts.password is not None:
            assert unquote(parts.password) == pg_env.get("POSTGRES_PASSWORD"), (
                f"{source}: {url} has a password that differs from compose's POSTGRES_PASSWORD"
            )
