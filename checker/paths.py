"""Where the course keeps things on disk.

The checker ships inside the course repository (installed in editable mode), so the course root
is the folder above this package. Local state lives in git-ignored folders of that root.
"""

from __future__ import annotations

import os
from pathlib import Path

COURSE_ROOT = Path(os.environ.get("APL_COURSE_ROOT", Path(__file__).resolve().parent.parent))
SOLUTIONS_DIR = COURSE_ROOT / "solutions"
LABS_DIR = COURSE_ROOT / "labs"
NOTEBOOKS_DIR = COURSE_ROOT / "notebooks"
PACKAGE_DIR = Path(__file__).resolve().parent
SUITES_DIR = PACKAGE_DIR / "suites"
MUTANTS_DIR = PACKAGE_DIR / "mutants"

#: Data folder of the embedded PostgreSQL server (git-ignored).
PGDATA_DIR = Path(os.environ.get("APL_PGDATA", COURSE_ROOT / ".pgdata"))
#: Progress records and other per-learner state (git-ignored).
STATE_DIR = Path(os.environ.get("APL_STATE_DIR", COURSE_ROOT / ".checker"))
