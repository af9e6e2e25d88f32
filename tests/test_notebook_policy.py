"""Chapter notebooks follow the outputs policy (checker/notebooks.py): executed top to bottom,
outputs kept for the site, no timestamps, reviewable size; and every lab has its notebook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker import notebooks
from checker.labs import all_labs
from checker.paths import COURSE_ROOT

NOTEBOOKS = notebooks.chapter_notebooks()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_outputs_policy(path: Path) -> None:
    assert notebooks.problems(path) == []


def test_every_lab_names_an_existing_notebook() -> None:
    for lab in all_labs():
        assert lab.chapter and (COURSE_ROOT / lab.chapter).is_file(), f"{lab.id}: no notebook at {lab.chapter!r}"


def test_policy_catches_an_unexecuted_notebook(tmp_path: Path) -> None:
    source = json.loads(NOTEBOOKS[0].read_text())
    for cell in source["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
            cell.setdefault("metadata", {})["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    broken = tmp_path / "99-broken.ipynb"
    broken.write_text(json.dumps(source))
    found = " ".join(notebooks.problems(broken))
    assert "never executed" in found and "no outputs" in found and "volatile metadata" in found
    assert notebooks.normalise(broken) and "volatile" not in " ".join(notebooks.problems(broken))
