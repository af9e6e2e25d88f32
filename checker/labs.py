"""Lab metadata: what `lab.toml` in each solution folder declares."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from checker.paths import LABS_DIR, SOLUTIONS_DIR, SUITES_DIR


class UnknownLab(LookupError):
    pass


@dataclass(frozen=True)
class Task:
    number: int
    title: str
    points: float
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lab:
    id: str  # "lab-01"
    slug: str  # "lab-01-engine": the folder name under labs/ and solutions/
    title: str
    tasks: tuple[Task, ...]
    required_files: tuple[str, ...] = ()
    chapter: str | None = None
    source: Path = field(default=Path())

    @property
    def number(self) -> str:
        return self.id.split("-", 1)[1]

    @property
    def suite_dir(self) -> Path:
        return SUITES_DIR / f"lab_{self.number}"

    @property
    def solution_dir(self) -> Path:
        return SOLUTIONS_DIR / self.slug

    @property
    def workspace_dir(self) -> Path:
        return LABS_DIR / self.slug

    @property
    def max_score(self) -> float:
        return sum(task.points for task in self.tasks)

    def task(self, number: int) -> Task:
        for task in self.tasks:
            if task.number == number:
                return task
        raise KeyError(f"{self.id} has no task {number}")


def load_lab(toml_path: Path) -> Lab:
    data = tomllib.loads(toml_path.read_text())
    tasks = tuple(
        Task(
            number=int(raw["number"]),
            title=str(raw["title"]),
            points=float(raw["points"]),
            hints=tuple(raw.get("hints", ())),
        )
        for raw in data["tasks"]
    )
    return Lab(
        id=data["id"],
        slug=data["slug"],
        title=data["title"],
        tasks=tasks,
        required_files=tuple(data.get("required_files", ())),
        chapter=data.get("chapter"),
        source=toml_path,
    )


def all_labs(solutions_dir: Path = SOLUTIONS_DIR) -> list[Lab]:
    """Labs declared under solutions/; an exported course without solutions reads labs/ instead."""
    source = solutions_dir if solutions_dir.is_dir() else LABS_DIR
    return [load_lab(path) for path in sorted(source.glob("lab-*/lab.toml"))]


def find_lab(name: str, solutions_dir: Path = SOLUTIONS_DIR) -> Lab:
    """Accept "lab-01", "01", "1" or "lab-01-engine"."""
    wanted = name.strip().lower()
    if wanted.isdigit():
        wanted = f"lab-{int(wanted):02d}"
    labs = all_labs(solutions_dir)
    for lab in labs:
        if wanted in (lab.id, lab.slug):
            return lab
    known = ", ".join(lab.id for lab in labs) or "none"
    raise UnknownLab(f"no lab called {name!r}; the course has: {known}")
