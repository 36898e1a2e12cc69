"""git-lineage for Python: record and query lineage from training code.

Everything goes through the ``git-lineage`` binary installed with the package
and its documented JSON (docs/json.md), so Python never disagrees with the CLI::

    import git_lineage as gl
    repo = gl.Repo(".")
    with repo.run("train", "fraud-model", commit=True) as run:
        run.input("data/train.csv", role="dataset")
        run.param("lr", 0.1)
        run.output("model/model.bin", role="model")
        run.metric("auc", 0.91)
    print(run.record.id)
"""

from ._binary import find_binary, package_version
from .errors import LineageError, MissingDependencyError
from .repo import Registry, Repo, Run
from .types import (
    Artifact,
    Cause,
    Changed,
    Code,
    Commit,
    Environment,
    ExitStatus,
    ForeignReference,
    Graph,
    GraphArtifact,
    GraphEdge,
    GraphNode,
    HistoryWarning,
    LogEntry,
    Person,
    Problem,
    Record,
    RecordRef,
    Recorded,
    Records,
    Registered,
    Resolved,
    Shown,
    StaleOutput,
    StaleRecord,
    Status,
    Verification,
)

__version__ = package_version() or "0+unknown"

__all__ = [
    "Artifact", "Cause", "Changed", "Code", "Commit", "Environment", "ExitStatus", "ForeignReference", "Graph",
    "GraphArtifact", "GraphEdge", "GraphNode", "HistoryWarning", "LineageError",
    "LogEntry", "MissingDependencyError", "Person", "Problem", "Record",
    "RecordRef", "Recorded", "Records", "Registered", "Registry", "Repo",
    "Resolved", "Run", "Shown", "StaleOutput", "StaleRecord", "Status", "Verification", "__version__", "find_binary", "package_version",
]
