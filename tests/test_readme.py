"""The README's two set-up commands are the ones CI and the site use."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bash_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, re.S)]


def test_ci_runs_the_readme_test_command() -> None:
    blocks = bash_blocks((ROOT / "README.md").read_text())
    test_command = next(b for b in blocks if b.endswith(".venv/bin/pytest"))
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci, f"the README's test command {test_command!r} is not a line of .ci/run"


def test_setup_page_gives_the_same_two_commands() -> None:
    readme = bash_blocks((ROOT / "README.md").read_text())
    setup = bash_blocks((ROOT / "docs" / "setup.md").read_text())
    for command in readme[:2]:
        assert command in setup, f"docs/setup.md does not give the README's command {command!r}"


def test_readme_start_command_starts_the_course() -> None:
    blocks = bash_blocks((ROOT / "README.md").read_text())
    assert blocks[0].endswith(".venv/bin/checker start"), blocks[0]
