"""The README's start command brings up JupyterLab whose notebook kernel reaches the database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websocket

ROOT = Path(__file__).resolve().parent.parent
TOKEN = uuid.uuid4().hex
PROBE = (
    "import asyncpg\n"
    "from checker.db.provision import admin_url\n"
    "conn = await asyncpg.connect(admin_url())\n"
    "print('answer', await conn.fetchval('SELECT 40 + 2'))\n"
    "await conn.close()\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def jupyter() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "checker", "start", "--no-browser", "--port", str(port),
         f"--IdentityProvider.token={TOKEN}", "--ServerApp.ip=127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, f"`checker start` exited with {process.returncode}"
            try:
                if httpx.get(f"{base}/api/status", params={"token": TOKEN}, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 90 s")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def execute(base: str, kernel_id: str, code: str, timeout: float = 60) -> str:
    """Run code in a kernel over the server's websocket; return what it printed."""
    ws = websocket.create_connection(
        f"{base.replace('http', 'ws')}/api/kernels/{kernel_id}/channels?token={TOKEN}", timeout=timeout
    )
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex, "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False},
    }))
    printed: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            message = json.loads(ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "stream":
                printed.append(message["content"]["text"])
            elif kind == "error":
                printed.append(f"{message['content']['ename']}: {message['content']['evalue']}")
            elif kind == "status" and message["content"]["execution_state"] == "idle":
                break
    finally:
        ws.close()
    return "".join(printed)


def test_start_command_opens_jupyterlab_with_a_kernel_that_reaches_the_database(jupyter: str) -> None:
    lab = httpx.get(f"{jupyter}/lab", params={"token": TOKEN}, timeout=10)
    assert lab.status_code == 200, f"/lab answered {lab.status_code}"
    contents = httpx.get(f"{jupyter}/api/contents", params={"token": TOKEN}, timeout=10).json()
    names = {item["name"] for item in contents["content"]}
    assert "01-engine.ipynb" in names, f"JupyterLab does not open on notebooks/: it shows {sorted(names)}"
    kernel = httpx.post(f"{jupyter}/api/kernels", params={"token": TOKEN}, json={"name": "python3"}, timeout=30).json()
    output = execute(jupyter, kernel["id"], PROBE)
    assert "answer 42" in output, f"the notebook kernel could not query the course database: {output!r}"
