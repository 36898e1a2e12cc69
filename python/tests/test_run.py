"""`repo.run(...)`: what the context manager records, on success and failure,
checked against the YAML file written and the CLI's `show --format json`."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

import git_lineage as gl
from conftest import git, lineage_json


def _train(repo: gl.Repo, root: Path, commit: bool = False) -> gl.Run:
    with repo.run("train", "fraud-model", commit=commit) as run:
        run.input(root / "data" / "train.csv", role="dataset")
        run.input("s3://bucket/features.parquet@v3", role="features")
        run.param("lr", 0.1)
        run.params({"max_depth": 6, "opt": {"name": "adam"}})
        run.param("opt.beta", 0.9)
        (root / "model").mkdir()
        (root / "model" / "model.bin").write_bytes(b"weights")
        run.output(root / "model" / "model.bin", role="model")
        run.metric("auc", 0.91)
        run.metrics({"loss": float("nan"), "per_class": {"fraud": 0.8}})
    return run


def test_run_records_inputs_params_metrics_outputs(repo_dir: Path) -> None:
    repo = gl.Repo(repo_dir / "data")  # found upwards, like git
    assert repo.root == str(repo_dir)
    run = _train(repo, repo_dir)
    recorded = run.record
    assert len(recorded.id) == 64 and recorded.commit is None

    # The file written, read as YAML.
    data = yaml.safe_load((repo_dir / recorded.path).read_text())
    assert recorded.path == f".lineage/records/{recorded.id[:2]}/{recorded.id}.yaml"
    assert (data["kind"], data["name"]) == ("train", "fraud-model")
    assert [(a.get("path") or a["uri"], a["role"]) for a in data["inputs"]] == [
        ("data/train.csv", "dataset"),
        ("s3://bucket/features.parquet", "features"),
    ]
    assert data["inputs"][1]["version"] == "v3"
    assert data["inputs"][0]["hash"].startswith("blake3:")
    assert [(a["path"], a["role"]) for a in data["outputs"]] == [("model/model.bin", "model")]
    assert data["params"] == {"lr": 0.1, "max_depth": 6, "opt": {"beta": 0.9, "name": "adam"}}
    assert data["metrics"]["auc"] == 0.91
    assert math.isnan(data["metrics"]["loss"])  # .nan in the YAML
    assert data["metrics"]["per_class"] == {"fraud": 0.8}
    assert data["exit"] == {"code": 0}
    assert data["started"] == data["ended"] == "2026-11-22T10:00:00.000000Z"

    # The CLI's view of the same record equals the Python view.
    shown = lineage_json(repo_dir, "show", recorded.id)
    assert shown["id"] == recorded.id
    assert gl.Record.from_json(shown["record"]) == recorded.record
    assert repo.show(recorded.id).record == recorded.record
    assert recorded.record.outputs[0].hash == shown["record"]["outputs"][0]["hash"]
    assert recorded.record.metrics["loss"] is None  # JSON has no NaN
    assert not recorded.record.failed


def test_commit_true_leaves_git_status_clean(repo_dir: Path) -> None:
    repo = gl.Repo(repo_dir)
    (repo_dir / ".gitignore").write_text("model/\n")
    git(repo_dir, "add", ".gitignore")
    git(repo_dir, "commit", "-q", "-m", "ignore models")
    run = _train(repo, repo_dir, commit=True)
    assert git(repo_dir, "status", "--porcelain") == ""
    assert run.record.commit == git(repo_dir, "rev-parse", "HEAD").strip()
    subject = git(repo_dir, "log", "-1", "--format=%s").strip()
    assert subject == f"lineage: train fraud-model {run.record.id[:12]}"
    assert git(repo_dir, "ls-files", ".lineage/records").strip() == run.record.path


def test_a_failing_block_records_a_failed_run_and_reraises(repo_dir: Path) -> None:
    repo = gl.Repo(repo_dir)
    with pytest.raises(ValueError, match="diverged"):
        with repo.run("train", "fraud-model") as run:
            run.input(repo_dir / "data" / "train.csv", role="dataset")
            run.param("lr", 10.0)
            run.output(repo_dir / "model.bin", role="model")  # never written
            raise ValueError("loss diverged")
    record = run.record.record
    assert record.failed and record.exit == gl.ExitStatus(code=1)
    assert record.note == "ValueError: loss diverged"
    assert record.outputs == []  # the missing output is left out, as run --record-failure
    assert [a.path for a in record.inputs] == ["data/train.csv"]
    assert record.params == {"lr": 10.0}
    entries = repo.log(name="fraud-model")
    assert [(e.id, e.failed) for e in entries] == [(run.record.id, True)]


def test_a_failure_that_cannot_be_recorded_keeps_the_blocks_exception(repo_dir: Path) -> None:
    repo = gl.Repo(repo_dir)
    with pytest.raises(ValueError) as info:
        with repo.run("train", "m") as run:
            run.input(repo_dir / "data" / "missing.csv")
            raise ValueError()
    assert run.recorded is None
    assert not (repo_dir / ".lineage" / "records").exists()
    with pytest.raises(gl.LineageError, match="failed and could not be recorded: input ") as error:
        run.record
    assert error.value.hint == "check the path; inputs and outputs must exist when they are recorded"
    if hasattr(info.value, "__notes__"):
        (note,) = info.value.__notes__
        assert note.startswith("git-lineage could not record the failed run:\nerror: input ")


def test_a_failing_block_records_nothing_by_choice(repo_dir: Path) -> None:
    repo = gl.Repo(repo_dir)
    with pytest.raises(KeyError):
        with repo.run("train", "fraud-model", record_failure=False) as run:
            run.param("lr", 0.1)
            raise KeyError("features")
    assert not (repo_dir / ".lineage" / "records").exists()
    assert run.recorded is None
    with pytest.raises(gl.LineageError, match="failed and was not recorded") as info:
        run.record
    assert info.value.hint and "record_failure=True" in info.value.hint


def test_keyboard_interrupt_and_sys_exit_codes(repo_dir: Path) -> None:
    repo = gl.Repo(repo_dir)
    with pytest.raises(KeyboardInterrupt):
        with repo.run("train", "interrupted") as run:
            raise KeyboardInterrupt
    assert run.record.record.exit == gl.ExitStatus(code=130)
    with pytest.raises(SystemExit):
        with repo.run("train", "exited-cleanly") as ok:
            raise SystemExit(0)
    assert ok.record.record.exit == gl.ExitStatus(code=0) and not ok.record.record.failed


def test_record_is_not_readable_inside_the_block(repo_dir: Path) -> None:
    repo = gl.Repo(repo_dir)
    with repo.run("train", "m") as run:
        with pytest.raises(gl.LineageError, match="not recorded yet"):
            run.record


def test_values_that_are_not_params_are_refused_before_running(repo_dir: Path) -> None:
    import datetime

    run = gl.Repo(repo_dir).run("train", "m")
    with pytest.raises(TypeError, match=r"params\.when: date is not a params/metrics value"):
        run.params({"when": datetime.date(2026, 1, 1)})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"metrics: keys must be strings, not int"):
        run.metrics({1: 0.5})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="invalid key 'a..b'"):
        run.param("a..b", 1)
    with run:
        pass
    assert run.record.record.params == {} and run.record.record.metrics == {}
