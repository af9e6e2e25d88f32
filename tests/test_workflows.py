"""The repository's GitHub workflows: the site is built strictly and published to Pages; CI runs
.ci/run."""

from __future__ import annotations

from pathlib import Path

import yaml

WORKFLOWS = Path(__file__).resolve().parent.parent / ".github" / "workflows"


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def test_site_workflow_builds_strictly_and_deploys_to_pages() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "site.yml").read_text())
    assert workflow["on"]["push"]["branches"] == ["main"]
    build = steps(workflow, "build")
    runs = " ".join(step.get("run", "") for step in build)
    assert "mkdocs build --strict" in runs and '.[docs]' in runs
    assert any(step.get("uses", "").startswith("actions/upload-pages-artifact") for step in build)
    assert workflow["permissions"]["pages"] == "write"
    assert any(step.get("uses", "").startswith("actions/deploy-pages") for step in steps(workflow, "deploy"))


def test_ci_workflow_runs_the_local_ci_script() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())
    runs = [step.get("run", "") for step in steps(workflow, "test")]
    assert "bash .ci/run" in runs
    assert any("chromium" in run and "pgbouncer" in run for run in runs)
