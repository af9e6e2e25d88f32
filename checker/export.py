"""Exports for classes: a Gradescope autograder zip and a GitHub Classroom template repository.

Neither contains a reference solution. The Gradescope zip carries the one hidden suite it grades;
the Classroom template carries none (the workflow fetches them from the instructor's private
repository).
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

from checker.labs import Lab, all_labs
from checker.paths import COURSE_ROOT, PACKAGE_DIR

TEMPLATES = resources.files("checker") / "templates"
#: Never shipped to learners or to an autograder image.
PRIVATE = ("solutions", "checker/suites", "checker/mutants")
SKIP = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.egg-info", ".ipynb_checkpoints")


def _course_files(target: Path, lab: Lab | None) -> None:
    """The installable course: pyproject, README, the checker package, lab metadata."""
    target.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(COURSE_ROOT / name, target / name)
    shutil.copytree(PACKAGE_DIR, target / "checker", ignore=shutil.ignore_patterns("__pycache__", "suites", "mutants"))
    suites = target / "checker" / "suites"
    suites.mkdir()
    (suites / "__init__.py").write_text("")
    if lab is not None:
        shutil.copytree(lab.suite_dir, suites / lab.suite_dir.name, ignore=SKIP)
        metadata = target / "labs" / lab.slug
        metadata.mkdir(parents=True)
        shutil.copy2(lab.source, metadata / "lab.toml")


def _write_executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def export_gradescope(lab: Lab, output: Path) -> Path:
    """Build the autograder zip: setup.sh and run_autograder at its root, the course in course/."""
    with tempfile.TemporaryDirectory(prefix="apl-export-") as tmp:
        root = Path(tmp)
        _course_files(root / "course", lab)
        _write_executable(root / "setup.sh", (TEMPLATES / "setup.sh").read_text())
        _write_executable(root / "run_autograder", (TEMPLATES / "run_autograder").read_text().replace("{lab}", lab.id))
        output.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo.from_file(path, path.relative_to(root).as_posix())
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, path.read_bytes())
    return output


def unpack_autograder(archive: Path, root: Path) -> Path:
    """Unpack like Gradescope does (into ROOT/source), keeping the executable bits."""
    source = root / "source"
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            path = Path(bundle.extract(info, source))
            mode = info.external_attr >> 16
            if mode:
                path.chmod(mode)
    return source


def classroom_workflow(labs: list[Lab]) -> str:
    steps, env = [], []
    for lab in labs:
        steps.append(
            f"      - name: Grade {lab.id}\n"
            f"        id: {lab.id}\n"
            f"        run: |\n"
            f"          checker grade {lab.id} --suites .hidden-suites --format github > {lab.id}.json || true\n"
            f'          echo "result=$(base64 -w0 {lab.id}.json)" >> "$GITHUB_OUTPUT"'
        )
        env.append(f"          {lab.id.upper()}_RESULTS: ${{{{ steps.{lab.id}.outputs.result }}}}")
    template = (TEMPLATES / "classroom.yml").read_text()
    return (
        template.replace("{steps}", "\n".join(steps))
        .replace("{env}", "\n".join(env))
        .replace("{runners}", ",".join(lab.id for lab in labs))
    )


def export_classroom(target: Path) -> Path:
    """A learner template repository: the course without solutions, suites or mutants."""
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty")

    def ignore(directory: str, names: list[str]) -> set[str]:
        relative = Path(directory).resolve().relative_to(COURSE_ROOT.resolve())
        private = {name for name in names if (relative / name).as_posix() in PRIVATE}
        local = {".git", ".venv", ".pgdata", ".checker", "site"}
        # the course's own tests and CI check solutions, which the template does not have
        authoring = {"tests", "benchmarks", ".ci", "AUTHORING.md"} if relative == Path(".") else set()
        return private | set(SKIP(directory, names)) | local | authoring

    shutil.copytree(COURSE_ROOT, target, ignore=ignore, dirs_exist_ok=True)
    (target / "checker" / "suites").mkdir(exist_ok=True)
    (target / "checker" / "suites" / "__init__.py").write_text("")
    workflow = target / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(classroom_workflow(all_labs()))
    return target


def locate_submission(submission: Path, lab: Lab) -> Path | None:
    """Where the learner's app is in an upload: its root, a folder named like the lab, or the
    shallowest folder holding app/main.py."""
    if (submission / "app" / "main.py").is_file():
        return submission
    named = [path for path in submission.rglob(lab.slug) if (path / "app" / "main.py").is_file()]
    if named:
        return min(named, key=lambda path: len(path.parts))
    found = sorted(submission.rglob("app/main.py"), key=lambda path: len(path.parts))
    return found[0].parent.parent if found else None
