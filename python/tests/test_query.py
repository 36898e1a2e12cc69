"""show, graph, log, search, registry and verify on the demo repository:
the Python objects say what the CLI's JSON says."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import git_lineage as gl
from conftest import lineage_json, lineage_json_any, require


def test_show_by_name(demo: Path) -> None:
    repo = gl.Repo(demo)
    shown = repo.show("name:fraud-model")
    cli = lineage_json(demo, "show", "name:fraud-model")
    assert shown.id == cli["id"] and shown.path == cli["path"]
    assert shown.record == gl.Record.from_json(cli["record"])
    assert shown.record.kind == "train"
    assert shown.record.params["learning_rate"] == 0.1
    assert [a.path for a in shown.record.inputs] == ["data/train.csv"]
    assert shown.registered == [gl.Registered("fraud-model", "v2", [])]


def test_graph_upstream_and_networkx(demo: Path) -> None:
    repo = gl.Repo(demo)
    up = repo.graph("model/model.json", up=True)
    cli = lineage_json(demo, "graph", "model/model.json", "--up")
    assert up.roots == cli["roots"]
    assert [n.id for n in up.nodes] == [n["id"] for n in cli["nodes"]]
    assert [(e.source, e.target, e.kind) for e in up.edges] == [
        (e["from"], e["to"], e["kind"]) for e in cli["edges"]
    ]
    assert all(n.direction in ("root", "up") for n in up.nodes)
    train = [n for n in up.nodes if n.record and n.record.kind == "train"]
    assert [n.record.name for n in train if n.record] == ["fraud-model"]
    data = [n for n in up.nodes if n.artifact and "data/train.csv" in n.artifact.paths]
    assert len(data) == 1

    require("networkx")
    g = up.to_networkx()
    assert g.number_of_nodes() == len(up.nodes) and g.number_of_edges() == len(up.edges)
    root = up.roots[0]
    import networkx as nx

    ancestors = nx.ancestors(g, root)
    assert train[0].id in ancestors and data[0].id in ancestors
    assert g.nodes[root]["direction"] == "root"
    assert g.nodes[root]["data"] == up.node(root)


def test_log_and_pandas(demo: Path) -> None:
    repo = gl.Repo(demo)
    trains = repo.log(kind="train")
    cli = lineage_json(demo, "log", "--kind", "train")
    assert [r.id for r in trains] == [r["id"] for r in cli["records"]]
    assert len(trains) == 2 and trains.warnings == []
    assert all(r.kind == "train" and r.commit is not None for r in trains)
    assert trains[0].commit and trains[0].commit.message.startswith("lineage: train fraud-model")

    require("pandas")
    df = trains.to_pandas()
    assert list(df["id"]) == [r.id for r in trains]
    assert str(df["recorded"].dtype) == "datetime64[ns, UTC]"
    assert list(df["params.learning_rate"]) == [0.1, 0.1]
    assert list(df["metrics.train_auc"]) == [r.metrics["train_auc"] for r in trains]
    assert list(df["inputs"]) == [["data/train.csv"], ["data/train.csv"]]
    empty = repo.log(kind="no-such-kind").to_pandas()
    assert len(empty) == 0 and "params.learning_rate" not in empty.columns


def test_search(demo: Path) -> None:
    repo = gl.Repo(demo)
    found = repo.search(kind="train", metric="train_auc>0.8792")
    cli = lineage_json(demo, "search", "--kind", "train", "--metric", "train_auc>0.8792")
    assert [r.id for r in found] == [r["id"] for r in cli["records"]]
    assert [r.outputs[0].path for r in found] == ["model/model-v2.json"]
    assert len(repo.search(input="data/train.csv")) == len(
        lineage_json(demo, "search", "--input", "data/train.csv")["records"]
    )


def test_registry_resolve(demo: Path) -> None:
    repo = gl.Repo(demo)
    prod = repo.registry.resolve("fraud-model@production")
    cli = lineage_json(demo, "registry", "resolve", "fraud-model@production")
    assert prod == gl.Resolved.from_json(cli)
    assert (prod.model, prod.version, prod.stage, prod.path) == (
        "fraud-model", "v1", "production", "model/model.json",
    )
    assert prod.hash == repo.show(prod.produced_by or "").record.outputs[0].hash
    with pytest.raises(gl.LineageError, match="no-such-model"):
        repo.registry.resolve("no-such-model@production")


def test_verify_problems_are_a_result_not_an_exception(demo: Path) -> None:
    repo = gl.Repo(demo)
    assert repo.verify().ok
    with open(demo / "data" / "train.csv", "a") as f:
        f.write("4,10.00,0\n")
    result = repo.verify(artifacts=True)
    assert not result.ok
    assert {p.check for p in result.problems} == {"artifact"}
    assert all("'data/train.csv' changed since it was recorded" in p.message for p in result.problems)


def test_status_changes_are_a_result_not_an_exception(demo: Path) -> None:
    repo = gl.Repo(demo)
    clean = repo.status()
    assert clean.ok and clean.tracked > 0 and clean.stale_records == []
    with open(demo / "data" / "train.csv", "a") as f:
        f.write("4,10.00,0\n")
    status = repo.status()
    cli = lineage_json_any(demo, "status")
    assert not status.ok
    assert [(c.path, c.change) for c in status.changed] == [("data/train.csv", "modified")]
    assert [s.record.id for s in status.stale_records] == [r["id"] for r in cli["stale_records"]]
    assert {s.record.kind for s in status.stale_records} >= {"train", "evaluate"}
    assert all(c.path == "data/train.csv" for s in status.stale_records for c in s.causes)
    assert [o.locator for o in status.stale_outputs] == [o["locator"] for o in cli["stale_outputs"]]


def test_missing_pandas_and_networkx_say_how_to_install(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = gl.Repo(demo)
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(gl.MissingDependencyError) as info:
        repo.log().to_pandas()
    assert info.value.message == "Records.to_pandas() needs pandas, which is not installed"
    assert info.value.hint == "pip install pandas  (or: pip install 'git-lineage[pandas]')"
    assert isinstance(info.value, ImportError)
    with pytest.raises(gl.MissingDependencyError, match="needs networkx"):
        repo.graph("model/model.json", up=True).to_networkx()
