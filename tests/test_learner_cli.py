"""watch (driven by real file changes), reset (with confirmation and a backup), plain output when
piped."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from checker.labs import find_lab
from tests.conftest import ROOT, run_checker

LAB = find_lab("lab-01")


class Output:
    """Collects a process's output on a thread so the test can wait for text without blocking."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.text = ""
        self._process = process
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.text += line

    def close(self) -> None:
        self._thread.join(timeout=10)
        self._process.stdout.close()  # type: ignore[union-attr]

    def wait_for(self, needle: str, start: int, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text[start:]:
                return self.text[start:]
            time.sleep(0.2)
        raise AssertionError(f"{needle!r} did not appear within {timeout} s; output so far:\n{self.text[start:]}")


def test_watch_regrades_on_save_and_survives_a_syntax_error(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(LAB.workspace_dir, workspace)
    process = subprocess.Popen(
        [sys.executable, "-m", "checker", "watch", "lab-01", "--path", str(workspace)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={**os.environ, "APL_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "200"},
    )
    output = Output(process)
    try:
        output.wait_for("Watching", 0)
        mark = len(output.text)
        shutil.copyfile(LAB.solution_dir / "app" / "settings.py", workspace / "app" / "settings.py")
        after_fix = output.wait_for("Score:", mark)
        assert "now passing" in after_fix and "test_synchronous_driver_urls_are_refused" in after_fix, after_fix
        assert "task 2" not in after_fix, "watch repeated failures that did not change"
        mark = len(output.text)
        (workspace / "app" / "db.py").write_text("def create_engine(:\n")
        after_break = output.wait_for("Score: 0", mark)
        assert "SyntaxError" in after_break and "now failing" in after_break, after_break
        assert process.poll() is None, "watch stopped after a syntax error"
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        output.close()


def test_reset_asks_keeps_a_backup_and_restores_the_stub(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / LAB.slug, course / "solutions" / LAB.slug)
    shutil.copytree(LAB.workspace_dir, course / "labs" / LAB.slug)
    env = {"APL_COURSE_ROOT": str(course), "APL_STATE_DIR": str(tmp_path / "state")}
    edited = course / "labs" / LAB.slug / "app" / "db.py"
    edited.write_text("# my work in progress\n")
    declined = subprocess.run([sys.executable, "-m", "checker", "reset", "lab-01"], input="n\n", text=True,
                              capture_output=True, cwd=ROOT, env={**os.environ, **env}, timeout=60)
    assert declined.returncode != 0 and edited.read_text() == "# my work in progress\n"
    confirmed = subprocess.run([sys.executable, "-m", "checker", "reset", "lab-01"], input="y\n", text=True,
                               capture_output=True, cwd=ROOT, env={**os.environ, **env}, timeout=60)
    assert confirmed.returncode == 0, confirmed.stderr
    assert "NotImplementedError" in edited.read_text()
    backups = list((tmp_path / "state" / "backups").glob(f"{LAB.slug}-*"))
    assert len(backups) == 1 and (backups[0] / "app" / "db.py").read_text() == "# my work in progress\n"


def test_piped_output_has_no_colour_codes(tmp_path: Path) -> None:
    done = run_checker("list", env={"APL_STATE_DIR": str(tmp_path)})
    assert done.returncode == 0 and "\x1b[" not in done.stdout
