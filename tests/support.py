"""Helpers shared by the tests of the page snippets (tests/test_docs_src_*.py)."""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from checker.db.provision import admin_url
from checker.db.sandbox import Sandbox, create_sandbox, drop_sandbox


@contextmanager
def module_sandbox(purpose: str = "docs") -> Iterator[Sandbox]:
    """A sandbox for a module's worth of tests, made on its own event loop (it outlives every
    test's loop) and dropped afterwards with the extra roles named after it."""
    admin = admin_url()
    sandbox = asyncio.run(create_sandbox(admin, purpose=purpose))
    try:
        yield sandbox
    finally:
        asyncio.run(drop_sandbox(admin, sandbox))


def forget_modules_from(folder: Path) -> None:
    """Drop every module imported from `folder`: example modules have generic names (models,
    app...) that another folder of examples uses too."""
    for name, module in list(sys.modules.items()):
        if Path(getattr(module, "__file__", None) or "/").parent == folder:
            del sys.modules[name]


@contextmanager
def examples_from(folder: Path, names: Iterable[str]) -> Iterator[SimpleNamespace]:
    """Import example modules the way uvicorn would from their folder; forgotten afterwards."""
    forget_modules_from(folder)
    sys.path.insert(0, str(folder))
    try:
        yield SimpleNamespace(**{name: importlib.import_module(name) for name in names})
    finally:
        sys.path.remove(str(folder))
        forget_modules_from(folder)
