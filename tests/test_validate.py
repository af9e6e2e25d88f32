"""`checker validate`: every grader discriminates (solutions, stubs, mutants, visible tests)."""

from __future__ import annotations

import pytest

from checker.labs import all_labs
from checker.validate import validate_lab


@pytest.mark.parametrize("lab", all_labs(), ids=lambda lab: lab.id)
def test_validate(lab) -> None:  # noqa: ANN001
    checks = validate_lab(lab)
    failed = [f"{check.name}: {check.detail}" for check in checks if not check.ok]
    assert not failed, "\n".join(failed)
    assert sum(check.name.startswith("mutant ") for check in checks) >= 3
