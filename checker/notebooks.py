"""The chapter notebooks' outputs policy, and a normaliser that applies it.

Notebooks are committed executed, top to bottom, with their outputs: the site renders them and a
reader sees the figures this machine measured. What would only make diffs noisy is removed:
per-cell execution timestamps. A notebook must stay small enough to review.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checker.paths import NOTEBOOKS_DIR

MAX_BYTES = 1_000_000
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")


def chapter_notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]-*.ipynb"))


def normalise(path: Path) -> bool:
    """Strip volatile metadata in place; True when the file changed."""
    text = path.read_text()
    notebook = json.loads(text)
    for cell in notebook["cells"]:
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    new = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    if new != text:
        path.write_text(new)
        return True
    return False


def problems(path: Path) -> list[str]:
    """Ways the notebook breaks the policy (empty when it complies)."""
    found = []
    size = path.stat().st_size
    if size > MAX_BYTES:
        found.append(f"{size:,} bytes, over the {MAX_BYTES:,} limit (fewer or smaller plots)")
    notebook: dict[str, Any] = json.loads(path.read_text())
    if notebook.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        found.append("kernelspec is not python3")
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code" and cell["source"]]
    counts = [cell.get("execution_count") for cell in code]
    if None in counts:
        found.append(f"{counts.count(None)} code cell(s) never executed: run the notebook top to bottom")
    elif counts != list(range(counts[0], counts[0] + len(counts))) if counts else False:
        found.append("cells were not executed in order, top to bottom")
    if not any(cell.get("outputs") for cell in code):
        found.append("no outputs: commit the notebook executed")
    noisy = sorted({key for cell in notebook["cells"] for key in cell.get("metadata", {}) if key in VOLATILE_CELL_METADATA})
    if noisy:
        found.append(f"volatile metadata {noisy}: run `checker notebooks --normalise`")
    return found
