"""Fixtures: a hermetic git environment, a small repository, the demo
repository, and helpers that run git and the git-lineage binary directly
(to compare the Python view with the CLI's own JSON)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pytest

import git_lineage as gl

# Fixed clocks, as the Rust tests use: records and commits are reproducible.
HERMETIC: Dict[str, str] = {
    "LANG": "C",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_DATE": "2026-11-22T10:00:00Z",
    "GIT_COMMITTER_DATE": "2026-11-22T10:00:00Z",
    "GIT_LINEAGE_NOW": "2026-11-22T10:00:00.000000Z",
}


def require(module: str) -> Any:
    """Import an optional module: skip without it on a developer's machine,
    fail without it in CI (which installs it)."""
    if os.environ.get("CI"):
        return __import__(module)
    return pytest.importorskip(module, reason=f"{module} is not installed")


@pytest.fixture(autouse=True)
def hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for key, value in HERMETIC.items():
        monkeypatch.setenv(key, value)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(key, raising=False)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def lineage_json(cwd: Path, *args: str) -> Dict[str, Any]:
    """The CLI's own JSON for ``git-lineage ARGS --format json`` (exit 0)."""
    return lineage_json_any(cwd, *args, codes=(0,))


def lineage_json_any(cwd: Path, *args: str, codes: Tuple[int, ...] = (0, 1)) -> Dict[str, Any]:
    """The CLI's JSON, for a check that may exit 1."""
    done = subprocess.run(
        [gl.find_binary(), *args, "--format", "json"],
        cwd=cwd, capture_output=True, text=True,
    )
    assert done.returncode in codes, done.stderr
    out = done.stdout
    value = json.loads(out)
    assert isinstance(value, dict)
    return value


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    """A git repository with one commit holding data/train.csv."""
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    (root / "data" / "train.csv").write_text("x,y\n1,0\n2,1\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Py Tester")
    git(root, "config", "user.email", "py@example.com")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "data")
    return root


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`git lineage demo`, built once per session."""
    root = tmp_path_factory.mktemp("demo")
    env = {**os.environ, **HERMETIC, "HOME": str(root)}
    subprocess.run(
        [gl.find_binary(), "demo", str(root / "lineage-demo")],
        env=env, check=True, capture_output=True,
    )
    return root / "lineage-demo"


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Iterator[Path]:
    """A private copy of the demo repository (tests may change it)."""
    copy = tmp_path / "lineage-demo"
    shutil.copytree(demo_template, copy, symlinks=True)
    yield copy
