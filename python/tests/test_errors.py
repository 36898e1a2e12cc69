"""Errors: exit 2 from the CLI becomes LineageError with its error/hint text;
the package refuses a binary of another version."""

from __future__ import annotations

import os
import stat
import sysconfig
from pathlib import Path

import pytest

import git_lineage as gl
from git_lineage import _binary


def test_a_missing_input_is_the_clis_error_and_hint(repo_dir: Path) -> None:
    repo = gl.Repo(repo_dir)
    with pytest.raises(gl.LineageError) as info:
        with repo.run("train", "m") as run:
            run.input(repo_dir / "data" / "missing.csv")
    error = info.value
    assert error.exit_code == 2
    assert error.message == (
        f"input 'data/missing.csv': '{repo_dir}/data/missing.csv' does not exist"
    )
    assert error.hint == "check the path; inputs and outputs must exist when they are recorded"
    assert str(error) == f"error: {error.message}\nhint: {error.hint}"
    assert error.command[1:4] == ["-C", str(repo_dir), "record"]
    assert not (repo_dir / ".lineage" / "records").exists()


def test_paths_are_taken_from_the_current_directory(
    repo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = gl.Repo(repo_dir)
    monkeypatch.chdir(repo_dir / "data")
    with repo.run("train", "m") as run:
        run.input("train.csv", role="dataset")
    assert run.record.record.inputs[0].path == "data/train.csv"
    outside = tmp_path / "outside.csv"
    outside.write_text("x\n")
    with pytest.raises(gl.LineageError) as info:
        with repo.run("train", "m") as run:
            run.input(outside)
    assert info.value.message == f"input '{outside}' is outside the repository"
    assert info.value.hint and f"-i file://{outside}" in info.value.hint


def test_bad_kind_and_short_ref(repo_dir: Path) -> None:
    repo = gl.Repo(repo_dir)
    with pytest.raises(gl.LineageError, match="invalid --kind: 'Train' must start with"):
        with repo.run("Train", "m"):
            pass
    with pytest.raises(gl.LineageError) as info:
        repo.show("abc")
    assert info.value.message == "'abc' is too short: give at least 4 hex digits of a record id"
    assert info.value.hint == "give more hex digits of the id"


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(gl.LineageError, match="not a git repository") as info:
        gl.Repo(tmp_path)
    assert info.value.hint and "git init" in info.value.hint
    with pytest.raises(gl.LineageError, match="no such directory"):
        gl.Repo(tmp_path / "nope")


def test_error_text_with_causes_and_continuation_lines() -> None:
    error = gl.LineageError.from_stderr(
        "warning: ignored\nerror: cannot commit\nhook output\ncaused by: disk full\n"
        "hint: free some space\n",
        exit_code=2,
        command=["git-lineage"],
    )
    assert error.message == "cannot commit\nhook output"
    assert error.causes == ["disk full"]
    assert error.hint == "free some space"


def _fake_binary(tmp_path: Path, version_line: str) -> str:
    path = tmp_path / "git-lineage"
    path.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_a_binary_of_another_version_is_refused(
    repo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if gl.package_version() is None:
        pytest.skip("the package is not installed (no version to compare with)")
    monkeypatch.setattr(_binary, "_checked", {})
    monkeypatch.setenv("GIT_LINEAGE_BIN", _fake_binary(tmp_path, "git-lineage 9.9.9"))
    with pytest.raises(gl.LineageError) as info:
        gl.Repo(repo_dir).show("name:m")
    assert "is version 9.9.9, but this Python package is version" in info.value.message
    assert info.value.hint and "GIT_LINEAGE_BIN" in info.value.hint


def test_a_binary_that_is_not_git_lineage_is_refused(
    repo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_binary, "_checked", {})
    monkeypatch.setenv("GIT_LINEAGE_BIN", _fake_binary(tmp_path, "something else"))
    with pytest.raises(gl.LineageError, match="is not a git-lineage binary"):
        gl.Repo(repo_dir).show("name:m")
    monkeypatch.setenv("GIT_LINEAGE_BIN", str(tmp_path / "absent"))
    with pytest.raises(gl.LineageError, match="GIT_LINEAGE_BIN=.* is not a file"):
        gl.find_binary()


def test_the_bundled_binary_is_found_next_to_the_interpreter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if gl.package_version() is None:
        pytest.skip("the package is not installed")
    monkeypatch.delenv("GIT_LINEAGE_BIN", raising=False)
    monkeypatch.setattr(_binary, "_found", [])  # search again
    monkeypatch.setenv("PATH", os.devnull)  # not from PATH
    found = gl.find_binary()
    assert os.path.samefile(found, os.path.join(sysconfig.get_path("scripts"), "git-lineage"))
