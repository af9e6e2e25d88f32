"""The course site builds with ``mkdocs build --strict`` and publishes no reference solution.

The build runs in a subprocess with this interpreter's MkDocs, from the repository root, so the
snippet base paths in mkdocs.yml resolve exactly as they do for ``mkdocs build`` by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = ROOT / "docs"
SNIPPETS_DIR = ROOT / "docs_src"

def _chapter_pages() -> tuple[str, ...]:
    """Every lab's chapter page and rendered notebook (named like its notebook)."""
    from checker.labs import all_labs

    stems = [Path(lab.chapter or "").stem for lab in all_labs()]
    return tuple(f"{folder}/{stem}/index.html" for stem in stems for folder in ("chapters", "notebooks"))


EXPECTED_PAGES = (
    "index.html", "setup/index.html", "troubleshooting/index.html", "myths/index.html", *_chapter_pages()
)
#: Text that only a published solution would bring: a path into the reference solutions, or the
#: marker that delimits a solution region in their source files.
SOLUTION_TELLTALES = (b"solutions/", b"BEGIN SOLUTION")


def mkdocs_build(project: Path, site_dir: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``project`` into ``site_dir``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # silence the theme's end-of-life banner
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_dir = tmp_path_factory.mktemp("site")
    result = mkdocs_build(ROOT, site_dir)
    assert result.returncode == 0, (
        f"mkdocs build --strict failed (exit {result.returncode}):\n{result.stderr}\n{result.stdout}"
    )
    return site_dir


@pytest.mark.parametrize("page", EXPECTED_PAGES)
def test_site_has_page(site: Path, page: str) -> None:
    assert (site / page).is_file(), (
        f"the built site has no {page}; built pages: "
        f"{sorted(str(p.relative_to(site)) for p in site.rglob('*.html'))}"
    )


def test_site_publishes_no_solution(site: Path) -> None:
    leaks = [
        f"{path.relative_to(site)} contains {telltale.decode()!r}"
        for path in sorted(site.rglob("*"))
        if path.is_file()
        for telltale in SOLUTION_TELLTALES
        if telltale in path.read_bytes()
    ]
    assert not leaks, "the built site publishes reference solutions:\n" + "\n".join(leaks)


def test_docs_sources_do_not_reference_solutions() -> None:
    """A snippet include disappears from the rendered page, so check the sources too."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted(DOCS_DIR.rglob("*.md"))
        if "solutions/" in path.read_text(encoding="utf-8")
    ]
    assert not offenders, f"these pages reference the reference solutions: {offenders}"


def test_missing_snippet_fails_the_build(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy2(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(DOCS_DIR, project / "docs")
    if SNIPPETS_DIR.is_dir():
        shutil.copytree(SNIPPETS_DIR, project / "docs_src")
    (project / "docs" / "broken-snippet.md").write_text(
        '# Broken\n\n```python\n--8<-- "does/not/exist.py"\n```\n', encoding="utf-8"
    )

    result = mkdocs_build(project, tmp_path / "site")

    output = result.stderr + result.stdout
    assert result.returncode != 0, (
        "a snippet include of a missing file must fail the build (pymdownx.snippets check_paths), "
        f"but mkdocs exited 0:\n{output}"
    )
    assert "does/not/exist.py" in output, (
        f"the build failed, but not because of the missing snippet:\n{output}"
    )
