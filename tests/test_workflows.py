"""The GitHub workflows: those of every baked project and the template's own.

Each baked workflow is valid YAML and valid against GitHub's schemas (check-jsonschema's vendored copies, offline),
keeps every GitHub `${{ ... }}` expression of the template source through baking, tests the transformers minimum
the project declares and the latest release (main allowed to fail), and runs the commands the baked README gives.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from huggingface_hub import HfApi

from .conftest import ARCHITECTURES, TEMPLATE_DIR, bake

SOURCE_GITHUB_DIR = TEMPLATE_DIR / "{{cookiecutter.model_name}}" / ".github"
GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)
CUSTOM = {
    "architecture": "encoder",
    "model_name": "tiny_bert",
    "hub_repo_id": "my-org.ai/Tiny_BERT-v2",
    "min_transformers_version": "5.20",
}
CASES = {**{architecture: {"architecture": architecture} for architecture in ARCHITECTURES}, "custom": CUSTOM}


@pytest.fixture(scope="session", params=list(CASES))
def baked(request, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    answers = CASES[request.param]
    return bake(tmp_path_factory.mktemp(request.param), **answers), answers


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def triggers(workflow: dict) -> dict:
    """The `on:` mapping (YAML 1.1, which PyYAML reads, makes the bare key `on` the boolean True)."""
    return workflow[True]


def run_steps(workflow: dict, job: str) -> list[str]:
    return [step["run"] for step in workflow["jobs"][job]["steps"] if "run" in step]


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def declared(project: Path) -> tuple[str, str]:
    """The transformers minimum and the Python floor of the baked pyproject.toml."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    minimum = next(dep.split(">=")[1] for dep in pyproject["dependencies"] if dep.startswith("transformers>="))
    return minimum, pyproject["requires-python"].removeprefix(">=")


def test_the_workflows_are_baked_and_parse(baked):
    project, _ = baked
    sources = sorted(path.relative_to(SOURCE_GITHUB_DIR) for path in SOURCE_GITHUB_DIR.rglob("*.yml"))
    assert sources == [Path("dependabot.yml"), Path("workflows/ci.yml"), Path("workflows/verify.yml")]
    assert sorted(path.relative_to(project / ".github") for path in (project / ".github").rglob("*")) == sorted(
        [*sources, Path("workflows")]
    )
    for source in sources:
        assert isinstance(load(project / ".github" / source), dict), source
    assert isinstance(load(project / ".pre-commit-config.yaml")["repos"], list)


def test_every_github_expression_survives_baking(baked):
    project, _ = baked
    for source in SOURCE_GITHUB_DIR.rglob("*.yml"):
        expressions = GITHUB_EXPRESSION.findall(source.read_text())
        baked_text = (project / ".github" / source.relative_to(SOURCE_GITHUB_DIR)).read_text()
        assert expressions or source.name == "dependabot.yml", source
        assert GITHUB_EXPRESSION.findall(baked_text) == expressions, source
        assert "{%" not in baked_text and "{{ cookiecutter" not in baked_text
    ci = load(project / ".github" / "workflows" / "ci.yml")
    assert ci["jobs"]["test"]["continue-on-error"] == "${{ matrix.transformers == 'main' }}"
    setup_python = next(step for step in ci["jobs"]["test"]["steps"] if "setup-python" in step.get("uses", ""))
    assert setup_python["with"]["python-version"] == "${{ matrix.python }}"
    verify = load(project / ".github" / "workflows" / "verify.yml")
    # The token goes to the steps that talk to the Hub, never to verify's, which imports and runs the model's code.
    steps = {step.get("id") or step.get("name", "").split(" ")[0]: step for step in verify["jobs"]["verify"]["steps"]}
    assert "HF_TOKEN" not in verify["env"] and "env" not in verify["jobs"]["verify"]
    assert steps["hub"]["env"]["HF_TOKEN"] == steps["Download"]["env"]["HF_TOKEN"] == "${{ secrets.HF_TOKEN }}"
    assert steps["Verify"]["env"] == {"HF_HUB_OFFLINE": "1", "REVISION": "${{ steps.hub.outputs.revision }}"}
    assert steps["Download"]["env"]["REVISION"] == "${{ steps.hub.outputs.revision }}"


def test_the_workflows_validate_against_githubs_schemas(baked):
    project, _ = baked
    workflows = sorted((project / ".github" / "workflows").glob("*.yml"))
    result = check_jsonschema("vendor.github-workflows", *workflows)
    assert result.returncode == 0, result.stdout + result.stderr
    result = check_jsonschema("vendor.dependabot", project / ".github" / "dependabot.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_templates_own_workflows_are_valid():
    # The template's CI (.ci/run) and its weekly fork sweep (scripts/fork_sweep.py, too long for every push).
    workflows = sorted((TEMPLATE_DIR / ".github" / "workflows").glob("*.yml"))
    assert {path.name for path in workflows} == {"ci.yml", "fork-sweep.yml"}
    result = check_jsonschema("vendor.github-workflows", *workflows)
    assert result.returncode == 0, result.stdout + result.stderr
    sweep = load(TEMPLATE_DIR / ".github" / "workflows" / "fork-sweep.yml")
    assert set(triggers(sweep)) == {"schedule", "workflow_dispatch"}
    assert any("scripts/fork_sweep.py" in step.get("run", "") for step in sweep["jobs"]["sweep"]["steps"])


def test_the_schema_check_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "ci.yml"
    broken.write_text((TEMPLATE_DIR / ".github" / "workflows" / "ci.yml").read_text().replace("runs-on:", "runs_on:"))
    result = check_jsonschema("vendor.github-workflows", broken)
    assert result.returncode == 1 and "runs_on" in result.stdout, result.stdout + result.stderr


def test_ci_tests_the_declared_minimum_the_latest_release_and_main(baked):
    project, _ = baked
    minimum, python_floor = declared(project)
    ci = load(project / ".github" / "workflows" / "ci.yml")
    assert set(triggers(ci)) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    rows = ci["jobs"]["test"]["strategy"]["matrix"]["include"]
    assert {"python": python_floor, "transformers": minimum} in rows
    assert {"python": python_floor, "transformers": "latest"} in rows
    assert [row["transformers"] for row in rows].count("main") == 1
    newest_python = max((row["python"] for row in rows), key=lambda version: tuple(map(int, version.split("."))))
    assert {"python": newest_python, "transformers": "latest"} in rows and newest_python != python_floor
    assert "allowed to fail" in ci["jobs"]["test"]["name"]

    install = next(step["run"] for step in ci["jobs"]["test"]["steps"] if "torch" in step.get("run", ""))
    cpu_torch = install.index("pip install torch --index-url https://download.pytorch.org/whl/cpu")
    assert cpu_torch < install.index('pip install --upgrade -e ".[test]" "$transformers"')
    assert 'transformers="transformers==$TRANSFORMERS"' in install
    assert "git+https://github.com/huggingface/transformers@main" in install


def test_the_weekly_verify_covers_the_minimum_and_the_latest_release(baked):
    project, answers = baked
    minimum, _ = declared(project)
    verify = load(project / ".github" / "workflows" / "verify.yml")
    assert set(triggers(verify)) == {"schedule", "workflow_dispatch"}
    assert verify["env"]["HUB_REPO_ID"] == answers.get("hub_repo_id", "your-username/my-model")
    job = verify["jobs"]["verify"]
    assert job["strategy"]["matrix"]["transformers"] == [minimum, "latest"]
    names = [step.get("id") or step.get("name") or step.get("uses") or step["run"] for step in job["steps"]]
    check = names.index("hub")
    assert all(step["if"] == "steps.hub.outputs.published == 'true'" for step in job["steps"][check + 1 :])
    assert [step.get("if") for step in job["steps"][:check]] == [None] * check


# The variables that would give a process a Hub token (a developer's own): the steps get them from the workflow.
TOKEN_VARIABLES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")


def published_check(project: Path, hub_url: str, repo_id: str, token: str, tmp_path: Path) -> tuple[str, str, str]:
    """Run the verify workflow's "Is the model published?" step as GitHub would: (stdout, its output, summary)."""
    workflow = load(project / ".github" / "workflows" / "verify.yml")
    step = next(step for step in workflow["jobs"]["verify"]["steps"] if step.get("id") == "hub")
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    output.write_text("")
    summary.write_text("")
    bin_dir = Path(sys.executable).parent  # its `python`: the tests' environment, as setup-python's would be
    assert (bin_dir / "python").is_file()
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        **workflow["env"],
        "HUB_REPO_ID": repo_id,
        "HF_TOKEN": token,  # `${{ secrets.HF_TOKEN }}` is empty when the secret is not set
        "HF_ENDPOINT": hub_url,
        "HF_HOME": str(tmp_path / "hf_home"),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    result = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, output.read_text(), summary.read_text()


def test_the_verify_job_checks_the_hub_first_then_verifies_what_is_published(tmp_path, monkeypatch):
    project = bake(tmp_path / "bake", **CUSTOM)  # the step is the same for every family
    model_name = CUSTOM["model_name"]
    # The baked project's test Hub (its `tests` package is not importable beside the template's own).
    spec = importlib.util.spec_from_file_location("baked_hub_server", project / "tests" / "hub_server.py")
    hub_server = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, hub_server)  # its dataclasses look their module up
    spec.loader.exec_module(hub_server)
    with hub_server.HubServer() as hub:
        stdout, output, summary = published_check(project, hub.url, "someone/public-model", "", tmp_path)
        assert output == "published=false\n"
        notice = (
            "::notice title=Nothing published yet::someone/public-model is not on the Hub (or is private and the "
            "HF_TOKEN secret is not set): nothing to verify yet. Publish it with "
            f"`python -m {model_name}.publish --checkpoint <folder>`; for a private repository, add a read token as "
            "the HF_TOKEN secret."
        )
        assert stdout.strip() == notice
        assert summary.strip() == notice.split("::")[-1]

        api = HfApi(endpoint=hub.url)
        api.create_repo("someone/public-model", token="owner-token")
        api.create_repo("someone/private-model", token="owner-token", private=True)
        for repo_id, token, published in [
            ("someone/public-model", "", "true"),
            ("someone/private-model", "", "false"),  # private, and no HF_TOKEN secret
            ("someone/private-model", "owner-token", "true"),
        ]:
            stdout, output, summary = published_check(project, hub.url, repo_id, token, tmp_path)
            assert output.splitlines()[0] == f"published={published}", (repo_id, token)
            assert ("::notice" in stdout) == (published == "false") and bool(summary) == (published == "false")

        # Once a release is published, the job's last steps download it with the token and verify it without: run
        # as the workflow runs them, for a private repository.
        bin_dir = Path(sys.executable).parent
        env = {
            **{name: value for name, value in os.environ.items() if name not in TOKEN_VARIABLES},
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            **load(project / ".github" / "workflows" / "verify.yml")["env"],
            "HUB_REPO_ID": "someone/private-model",
            "HF_ENDPOINT": hub.url,
            "HF_HOME": str(tmp_path / "hf_home"),
            "HF_HUB_OFFLINE": "0",
        }
        save = "import sys, pathlib, tests.common as common; common.save_checkpoint(pathlib.Path(sys.argv[1]), 0)"
        subprocess.run([sys.executable, "-c", save, str(tmp_path / "checkpoint")], cwd=project, env=env, check=True)
        publish = [sys.executable, "-m", f"{model_name}.publish", "--repo-id", "someone/private-model"]
        published = subprocess.run(
            [*publish, "--checkpoint", str(tmp_path / "checkpoint")],
            cwd=project,
            env={**env, "HF_TOKEN": "owner-token"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert published.returncode == 0, published.stdout + published.stderr
        commit = next(line.removeprefix("commit: ") for line in published.stdout.splitlines() if "commit: " in line)
        _, output, _ = published_check(project, hub.url, "someone/private-model", "owner-token", tmp_path)
        assert output.splitlines() == ["published=true", f"revision={commit}"]
        steps = load(project / ".github" / "workflows" / "verify.yml")["jobs"]["verify"]["steps"][-2:]
        for step, secret in zip(steps, ["owner-token", None], strict=True):
            step_env = {**env, **step["env"], "REVISION": commit}
            if secret is not None:  # `${{ secrets.HF_TOKEN }}`; the verify step has no token
                step_env["HF_TOKEN"] = secret
            result = subprocess.run(
                ["bash", "-e", "-c", step["run"]],
                cwd=project,
                env=step_env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith(f"verified someone/private-model@{commit}"), result.stdout


def test_the_workflows_run_the_commands_the_readme_gives(baked):
    project, answers = baked
    model_name = answers.get("model_name", "my_model")
    readme = (project / "README.md").read_text()
    ci = load(project / ".github" / "workflows" / "ci.yml")
    lint = run_steps(ci, "lint")
    assert lint[1:] == ["ruff check .", "ruff format --check ."]
    assert "ruff check . && ruff format --check ." in readme
    assert "pytest" in run_steps(ci, "test")
    assert re.search(r"^pytest\b", readme, re.MULTILINE)

    verify = load(project / ".github" / "workflows" / "verify.yml")
    repo_id = answers.get("hub_repo_id", "your-username/my-model")
    download, command = (
        step.replace('"$HUB_REPO_ID"', verify["env"]["HUB_REPO_ID"]).replace('"$REVISION"', "<commit sha>")
        for step in run_steps(verify, "verify")[-2:]
    )
    assert download == f"hf download {repo_id} --revision <commit sha>"
    assert command == f"python -m {model_name}.verify {repo_id} --revision <commit sha>"
    assert download in readme and f"HF_HUB_OFFLINE=1 {command}" in readme
    assert "HF_TOKEN" in readme and "pre-commit install" in readme


def pinned(requirement_lines: list[str], package: str) -> str:
    return next(line.split("==")[1].split()[0].strip("\"',]") for line in requirement_lines if f"{package}==" in line)


def test_ruff_is_pinned_alike_in_the_template_the_extra_pre_commit_and_ci(baked):
    project, _ = baked
    version = pinned((TEMPLATE_DIR / "requirements-dev.txt").read_text().splitlines(), "ruff")
    extra = tomllib.loads((project / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    assert f"ruff=={version}" in extra
    hooks = load(project / ".pre-commit-config.yaml")["repos"][0]["hooks"]
    assert [hook["additional_dependencies"] for hook in hooks] == [[f"ruff=={version}"]] * 2
    lint = run_steps(load(project / ".github" / "workflows" / "ci.yml"), "lint")
    assert lint[0] == f'python -m pip install "ruff=={version}"'


def test_the_template_workflow_runs_ci_run_on_the_pythons_the_template_tests_need():
    workflow_file = TEMPLATE_DIR / ".github" / "workflows" / "ci.yml"
    result = check_jsonschema("vendor.github-workflows", workflow_file)
    assert result.returncode == 0, result.stdout + result.stderr
    result = check_jsonschema("vendor.dependabot", TEMPLATE_DIR / ".github" / "dependabot.yml")
    assert result.returncode == 0, result.stdout + result.stderr

    workflow = load(workflow_file)
    assert {"push", "pull_request"} <= set(triggers(workflow))
    steps = workflow["jobs"]["test"]["steps"]
    pythons = [step for step in steps if step.get("uses", "").startswith("actions/setup-python@")]
    # 3.10 for the hooks (tests/test_answers.py, through PYTHON310), then 3.11 last so that it is `python3`: the
    # baked suites run on it (tests/test_reliability.py checks it is the floor the projects declare).
    assert [step["with"]["python-version"] for step in pythons] == ["3.10", "3.11"]
    ci_run = steps[-1]
    assert ci_run["run"] == "bash .ci/run"
    assert ci_run["env"]["PYTHON310"] == f"${{{{ steps.{pythons[0]['id']}.outputs.python-path }}}}"
    assert ci_run["env"]["TORCH_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    assert "scripts/test.sh" in (TEMPLATE_DIR / ".ci" / "run").read_text()
