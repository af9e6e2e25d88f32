"""Build the learner workspaces in labs/ from solutions/.

Solution files mark what the learner writes:

    # BEGIN SOLUTION task=2
    ...reference code...
    # END SOLUTION

In labs/ each region becomes ``raise NotImplementedError("Task 2: <title> (see README.md)")`` at
the region's indentation. Where a bare raise would not do (a generator must still contain
``yield``), an optional block right after the region gives the stub, commented out:

    # BEGIN STUB
    # raise NotImplementedError("Task 4: ...")
    # yield
    # END STUB

Everything else is copied as is. A manifest of hashes lets regeneration refuse to overwrite a
workspace file somebody edited by hand.
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from checker.labs import Lab, all_labs
from checker.paths import LABS_DIR

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION task=(?P<task>\d+)\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
STUB_BEGIN = re.compile(r"^\s*# BEGIN STUB\s*$")
STUB_END = re.compile(r"^\s*# END STUB\s*$")
IGNORED = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".ipynb_checkpoints"}
MANIFEST = ".generated.json"


class MarkerError(ValueError):
    pass


def strip_solution(source: str, lab: Lab, filename: str = "<source>") -> str:
    """The stub version of one file's text."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = BEGIN.match(lines[i])
        if STUB_BEGIN.match(lines[i]) or END.match(lines[i]):
            raise MarkerError(f"{filename}:{i + 1}: marker without a BEGIN SOLUTION before it")
        if not match:
            out.append(lines[i])
            i += 1
            continue
        indent, task = match["indent"], int(match["task"])
        start = i
        i += 1
        while i < len(lines) and not END.match(lines[i]):
            if BEGIN.match(lines[i]):
                raise MarkerError(f"{filename}:{i + 1}: nested BEGIN SOLUTION")
            i += 1
        if i == len(lines):
            raise MarkerError(f"{filename}:{start + 1}: BEGIN SOLUTION without END SOLUTION")
        i += 1
        if i < len(lines) and STUB_BEGIN.match(lines[i]):
            i += 1
            while i < len(lines) and not STUB_END.match(lines[i]):
                text = lines[i].strip()
                if text and not text.startswith("#"):
                    raise MarkerError(f"{filename}:{i + 1}: STUB lines must be commented out")
                out.append(indent + text[2:] + "\n" if text else "\n")
                i += 1
            if i == len(lines):
                raise MarkerError(f"{filename}: BEGIN STUB without END STUB")
            i += 1
        else:
            title = lab.task(task).title
            out.append(f'{indent}raise NotImplementedError("Task {task}: {title} (see README.md)")\n')
    return "".join(out)


def _files(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and not IGNORED.intersection(path.relative_to(root).parts)
    )


def build_workspace(lab: Lab, target: Path) -> dict[str, str]:
    """Write the stub workspace of `lab` into `target`; returns {relative path: sha256}."""
    hashes: dict[str, str] = {}
    for path in _files(lab.solution_dir):
        relative = path.relative_to(lab.solution_dir)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            data = strip_solution(path.read_text(), lab, str(relative)).encode()
        else:
            data = path.read_bytes()
        destination.write_bytes(data)
        hashes[relative.as_posix()] = hashlib.sha256(data).hexdigest()
    return hashes


@dataclass
class Drift:
    lab: str
    missing: list[str]
    different: list[str]
    extra: list[str]

    @property
    def clean(self) -> bool:
        return not (self.missing or self.different or self.extra)


def check(labs_dir: Path = LABS_DIR, labs: list[Lab] | None = None) -> list[Drift]:
    """Compare labs/ with what generation would produce; one Drift per lab."""
    results = []
    for lab in labs if labs is not None else all_labs():
        with tempfile.TemporaryDirectory() as tmp:
            expected = Path(tmp)
            build_workspace(lab, expected)
            actual = labs_dir / lab.slug
            want = {p.relative_to(expected).as_posix() for p in _files(expected)}
            have = (
                {p.relative_to(actual).as_posix() for p in _files(actual)} - {MANIFEST}
                if actual.exists()
                else set()
            )
            different = [
                name
                for name in sorted(want & have)
                if not filecmp.cmp(expected / name, actual / name, shallow=False)
            ]
            results.append(
                Drift(lab.id, sorted(want - have), different, sorted(have - want))
            )
    return results


def edited_by_hand(workspace: Path) -> list[str]:
    """Files of a generated workspace that no longer match the manifest written with them."""
    manifest = workspace / MANIFEST
    if not manifest.exists():
        return [] if not workspace.exists() else sorted(
            p.relative_to(workspace).as_posix() for p in _files(workspace)
        )
    recorded: dict[str, str] = json.loads(manifest.read_text())
    edited = []
    for name, digest in recorded.items():
        path = workspace / name
        if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            edited.append(name)
    return edited


def generate(labs_dir: Path = LABS_DIR, *, force: bool = False, labs: list[Lab] | None = None) -> list[str]:
    """Regenerate labs/; refuses (raises FileExistsError) to overwrite hand-edited files."""
    written = []
    for lab in labs if labs is not None else all_labs():
        workspace = labs_dir / lab.slug
        edited = edited_by_hand(workspace)
        if edited and not force:
            raise FileExistsError(
                f"{workspace} has files edited since they were generated: {', '.join(edited)}. "
                "Regenerating would overwrite that work; use --force if that is what you want."
            )
        if workspace.exists():
            shutil.rmtree(workspace)
        hashes = build_workspace(lab, workspace)
        (workspace / MANIFEST).write_text(json.dumps(hashes, indent=2, sort_keys=True) + "\n")
        written.append(lab.slug)
    return written
