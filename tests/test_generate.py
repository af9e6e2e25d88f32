"""labs/ is generated from solutions/ and must stay in sync; stubs replace solution regions."""

from pathlib import Path

import pytest

from checker import generate
from checker.labs import Lab, Task, all_labs

LAB = Lab(id="lab-99", slug="lab-99-x", title="x", tasks=(Task(1, "Do the thing", 1.0), Task(2, "Other", 1.0)))


def test_labs_folder_is_in_sync_with_solutions() -> None:
    stale = [drift for drift in generate.check() if not drift.clean]
    assert not stale, f"labs/ is stale, run `checker generate`: {stale}"


def test_every_lab_has_a_workspace_and_a_suite() -> None:
    labs = all_labs()
    assert labs, "no lab found under solutions/"
    for lab in labs:
        assert lab.workspace_dir.is_dir(), f"{lab.workspace_dir} missing"
        assert lab.suite_dir.is_dir(), f"{lab.suite_dir} missing"
        assert (lab.workspace_dir / "README.md").is_file(), f"{lab.id} has no README"


def test_solution_region_becomes_a_raise_naming_the_task() -> None:
    source = "def f():\n    # BEGIN SOLUTION task=1\n    return 42\n    # END SOLUTION\n"
    stub = generate.strip_solution(source, LAB)
    assert stub == 'def f():\n    raise NotImplementedError("Task 1: Do the thing (see README.md)")\n'


def test_stub_block_replaces_the_default_raise() -> None:
    source = (
        "async def g():\n    # BEGIN SOLUTION task=2\n    yield 1\n    # END SOLUTION\n"
        "    # BEGIN STUB\n    # raise NotImplementedError('Task 2')\n    # yield\n    # END STUB\n"
    )
    assert generate.strip_solution(source, LAB) == "async def g():\n    raise NotImplementedError('Task 2')\n    yield\n"


@pytest.mark.parametrize(
    "source",
    [
        "# BEGIN SOLUTION task=1\nx = 1\n",
        "# END SOLUTION\n",
        "# BEGIN SOLUTION task=1\n# BEGIN SOLUTION task=1\n# END SOLUTION\n",
        "# BEGIN SOLUTION task=1\nx = 1\n# END SOLUTION\n# BEGIN STUB\nx = 2\n# END STUB\n",
    ],
    ids=["unterminated", "stray-end", "nested", "uncommented-stub"],
)
def test_malformed_markers_are_refused(source: str) -> None:
    with pytest.raises(generate.MarkerError):
        generate.strip_solution(source, LAB)


def test_stubs_contain_no_solution_code() -> None:
    for lab in all_labs():
        for path in lab.workspace_dir.rglob("*.py"):
            text = path.read_text()
            assert "BEGIN SOLUTION" not in text, f"{path} still has a solution marker"


def test_regenerating_refuses_to_overwrite_hand_edited_work(tmp_path: Path) -> None:
    lab = all_labs()[0]
    generate.generate(tmp_path, labs=[lab])
    edited = tmp_path / lab.slug / "app" / "db.py"
    edited.write_text(edited.read_text() + "\n# my work\n")
    with pytest.raises(FileExistsError, match="app/db.py"):
        generate.generate(tmp_path, labs=[lab])
    assert "# my work" in edited.read_text(), "the learner's edit was lost"
    generate.generate(tmp_path, labs=[lab], force=True)
    assert "# my work" not in edited.read_text()
