"""Typed views of the CLI's JSON (docs/json.md): one frozen dataclass per
object, with the same field names (``from``/``to`` of an edge are
``source``/``target``)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, overload

from . import _json as j
from ._json import JSONValue, Obj
from .errors import MissingDependencyError


@dataclass(frozen=True)
class Person:
    """A name and an email (a record's ``agent``, a commit's author)."""

    name: str
    email: str

    @staticmethod
    def from_json(d: Obj) -> Person:
        return Person(j.string(d, "name"), j.string(d, "email"))


@dataclass(frozen=True)
class ExitStatus:
    """How a step ended: ``code`` when it exited, ``signal`` when killed."""

    code: Optional[int] = None
    signal: Optional[int] = None

    @property
    def success(self) -> bool:
        """True for exit code 0."""
        return self.code == 0

    @staticmethod
    def from_json(d: Obj) -> ExitStatus:
        return ExitStatus(j.opt_integer(d, "code"), j.opt_integer(d, "signal"))


@dataclass(frozen=True)
class ForeignReference:
    """A record of another repository a record refers to (``imports``):
    the lineage remote's name and URL, the record id and, when known, the
    commit that introduced it (docs/manifest.md)."""

    repository: str
    url: str
    record: str
    commit: Optional[str] = None

    @staticmethod
    def from_json(d: Obj) -> ForeignReference:
        return ForeignReference(
            repository=j.string(d, "repository"),
            url=j.string(d, "url"),
            record=j.string(d, "record"),
            commit=j.opt_string(d, "commit"),
        )


@dataclass(frozen=True)
class Code:
    """The code version a record was made from (``code`` in the record)."""

    commit: Optional[str]
    branch: Optional[str]
    dirty: bool
    changes: Optional[str] = None
    remote: Optional[str] = None
    files: Dict[str, str] = field(default_factory=dict)

    @staticmethod
    def from_json(d: Obj) -> Code:
        return Code(
            j.opt_string(d, "commit"),
            j.opt_string(d, "branch"),
            j.boolean(d, "dirty"),
            j.opt_string(d, "changes"),
            j.opt_string(d, "remote"),
            j.string_map(d, "files"),
        )


@dataclass(frozen=True)
class Environment:
    """Where a step ran (``environment`` in the record)."""

    os: str
    arch: str
    tool: str
    image: Optional[str] = None
    lockfiles: Dict[str, str] = field(default_factory=dict)

    @staticmethod
    def from_json(d: Obj) -> Environment:
        return Environment(
            j.string(d, "os"),
            j.string(d, "arch"),
            j.string(d, "tool"),
            j.opt_string(d, "image"),
            j.string_map(d, "lockfiles"),
        )


@dataclass(frozen=True)
class Artifact:
    """An input or output: a local ``path`` or an external ``uri``."""

    path: Optional[str] = None
    uri: Optional[str] = None
    role: Optional[str] = None
    version: Optional[str] = None
    hash: Optional[str] = None
    size: Optional[int] = None
    files: Optional[int] = None

    @property
    def locator(self) -> str:
        """The path, or the URI (with ``@version`` when it has one)."""
        if self.path is not None:
            return self.path
        uri = self.uri or ""
        return f"{uri}@{self.version}" if self.version else uri

    @staticmethod
    def from_json(d: Obj) -> Artifact:
        return Artifact(
            j.opt_string(d, "path"),
            j.opt_string(d, "uri"),
            j.opt_string(d, "role"),
            j.opt_string(d, "version"),
            j.opt_string(d, "hash"),
            j.opt_integer(d, "size"),
            j.opt_integer(d, "files"),
        )


@dataclass(frozen=True)
class Record:
    """A lineage record: the manifest of docs/manifest.md."""

    schema: str
    kind: str
    name: str
    recorded: str
    agent: Person
    code: Code
    environment: Environment
    started: Optional[str] = None
    ended: Optional[str] = None
    exit: Optional[ExitStatus] = None
    command: List[str] = field(default_factory=list)
    params: Dict[str, JSONValue] = field(default_factory=dict)
    seed: Optional[int] = None
    inputs: List[Artifact] = field(default_factory=list)
    outputs: List[Artifact] = field(default_factory=list)
    metrics: Dict[str, JSONValue] = field(default_factory=dict)
    references: List[str] = field(default_factory=list)
    imports: List[ForeignReference] = field(default_factory=list)
    note: Optional[str] = None

    @property
    def failed(self) -> bool:
        """True for a step recorded with a non-zero exit status."""
        return self.exit is not None and not self.exit.success

    @staticmethod
    def from_json(d: Obj) -> Record:
        return Record(
            schema=j.string(d, "schema"),
            kind=j.string(d, "kind"),
            name=j.string(d, "name"),
            recorded=j.string(d, "recorded"),
            agent=Person.from_json(j.obj(d.get("agent"), "agent")),
            code=Code.from_json(j.obj(d.get("code"), "code")),
            environment=Environment.from_json(j.obj(d.get("environment"), "environment")),
            started=j.opt_string(d, "started"),
            ended=j.opt_string(d, "ended"),
            exit=j.opt_object(d, "exit", ExitStatus.from_json),
            command=j.strings(d, "command"),
            params=j.values(d, "params"),
            seed=j.opt_integer(d, "seed"),
            inputs=j.objects(d, "inputs", Artifact.from_json),
            outputs=j.objects(d, "outputs", Artifact.from_json),
            metrics=j.values(d, "metrics"),
            references=j.strings(d, "references"),
            imports=j.objects(d, "imports", ForeignReference.from_json),
            note=j.opt_string(d, "note"),
        )


@dataclass(frozen=True)
class Recorded:
    """A record just written: ``record`` and ``run`` print this."""

    id: str
    path: str
    commit: Optional[str]
    record: Record

    @staticmethod
    def from_json(d: Obj) -> Recorded:
        return Recorded(
            j.string(d, "id"),
            j.string(d, "path"),
            j.opt_string(d, "commit"),
            Record.from_json(j.obj(d.get("record"), "record")),
        )


@dataclass(frozen=True)
class HistoryWarning:
    """A committed record file that could not be read (``warnings``)."""

    commit: str
    path: str
    message: str

    @staticmethod
    def from_json(d: Obj) -> HistoryWarning:
        return HistoryWarning(j.string(d, "commit"), j.string(d, "path"), j.string(d, "message"))


@dataclass(frozen=True)
class Registered:
    """A registered model version: ``{model, version, stages}``."""

    model: str
    version: str
    stages: List[str]

    @staticmethod
    def from_json(d: Obj) -> Registered:
        return Registered(j.string(d, "model"), j.string(d, "version"), j.strings(d, "stages"))


@dataclass(frozen=True)
class Shown:
    """What ``show`` prints: one record, resolved from a REF."""

    id: str
    path: str
    record: Record
    registered: List[Registered] = field(default_factory=list)
    warnings: List[HistoryWarning] = field(default_factory=list)

    @staticmethod
    def from_json(d: Obj) -> Shown:
        return Shown(
            j.string(d, "id"),
            j.string(d, "path"),
            Record.from_json(j.obj(d.get("record"), "record")),
            j.objects(d, "registered", Registered.from_json),
            j.objects(d, "warnings", HistoryWarning.from_json),
        )


@dataclass(frozen=True)
class Commit:
    """The commit that introduced a record: ``{id, author, date, message}``."""

    id: str
    author: Person
    date: str
    message: str

    @staticmethod
    def from_json(d: Obj) -> Commit:
        return Commit(
            j.string(d, "id"),
            Person.from_json(j.obj(d.get("author"), "author")),
            j.string(d, "date"),
            j.string(d, "message"),
        )


@dataclass(frozen=True)
class LogEntry:
    """One row of ``log`` / ``search``: a record summary and its commit."""

    id: str
    path: str
    commit: Optional[Commit]
    kind: str
    name: str
    recorded: str
    agent: Person
    failed: bool
    code_commit: Optional[str]
    inputs: List[Artifact]
    outputs: List[Artifact]
    references: List[str]
    params: Dict[str, JSONValue]
    metrics: Dict[str, JSONValue]

    @staticmethod
    def from_json(d: Obj) -> LogEntry:
        return LogEntry(
            id=j.string(d, "id"),
            path=j.string(d, "path"),
            commit=j.opt_object(d, "commit", Commit.from_json),
            kind=j.string(d, "kind"),
            name=j.string(d, "name"),
            recorded=j.string(d, "recorded"),
            agent=Person.from_json(j.obj(d.get("agent"), "agent")),
            failed=j.boolean(d, "failed"),
            code_commit=j.opt_string(d, "code_commit"),
            inputs=j.objects(d, "inputs", Artifact.from_json),
            outputs=j.objects(d, "outputs", Artifact.from_json),
            references=j.strings(d, "references"),
            params=j.values(d, "params"),
            metrics=j.values(d, "metrics"),
        )


def _optional(module: str, feature: str) -> Any:
    """Import an optional module (typed as Any: no stubs needed), or say how
    to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(module, feature) from None


def _flatten(prefix: str, values: Dict[str, JSONValue], row: Dict[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, dict):
            _flatten(f"{prefix}{key}.", value, row)
        else:
            row[f"{prefix}{key}"] = value


class Records(Sequence[LogEntry]):
    """What ``log`` and ``search`` print: records, newest first."""

    def __init__(self, records: List[LogEntry], warnings: List[HistoryWarning]) -> None:
        self.records = records
        self.warnings = warnings

    @staticmethod
    def from_json(d: Obj) -> Records:
        return Records(
            j.objects(d, "records", LogEntry.from_json),
            j.objects(d, "warnings", HistoryWarning.from_json),
        )

    @overload
    def __getitem__(self, index: int) -> LogEntry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[LogEntry]: ...
    def __getitem__(self, index: int | slice) -> LogEntry | Sequence[LogEntry]:
        return self.records[index]

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self.records)

    def __repr__(self) -> str:
        return f"Records({len(self.records)} records, {len(self.warnings)} warnings)"

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame``, one row per record (newest first).

        Columns: ``id, kind, name, recorded`` (UTC datetime), ``commit`` (id or
        None), ``author`` (name), ``failed``, ``code_commit``, ``inputs`` and
        ``outputs`` (lists of locators), then ``params.<key>`` and
        ``metrics.<key>`` (nested keys dotted). Needs pandas.
        """
        pd = _optional("pandas", "Records.to_pandas()")
        rows: List[Dict[str, Any]] = []
        for r in self.records:
            row: Dict[str, Any] = {
                "id": r.id,
                "kind": r.kind,
                "name": r.name,
                "recorded": r.recorded,
                "commit": r.commit.id if r.commit else None,
                "author": (r.commit.author if r.commit else r.agent).name,
                "failed": r.failed,
                "code_commit": r.code_commit,
                "inputs": [a.locator for a in r.inputs],
                "outputs": [a.locator for a in r.outputs],
            }
            _flatten("params.", r.params, row)
            _flatten("metrics.", r.metrics, row)
            rows.append(row)
        base = ["id", "kind", "name", "recorded", "commit", "author", "failed",
                "code_commit", "inputs", "outputs"]
        frame = pd.DataFrame(rows, columns=None if rows else base)
        frame["recorded"] = pd.to_datetime(frame["recorded"], utc=True)
        return frame


@dataclass(frozen=True)
class RecordRef:
    """A record named by graph, impact, status, diff: ``{id, kind, name, recorded, author, commit}``."""

    id: str
    kind: str
    name: str
    recorded: str
    author: Person
    commit: Optional[Commit]

    @staticmethod
    def from_json(d: Obj) -> RecordRef:
        return RecordRef(
            j.string(d, "id"),
            j.string(d, "kind"),
            j.string(d, "name"),
            j.string(d, "recorded"),
            Person.from_json(j.obj(d.get("author"), "author")),
            j.opt_object(d, "commit", Commit.from_json),
        )


@dataclass(frozen=True)
class GraphArtifact:
    """An artifact node's data: its hash and every path, URI and role recorded."""

    hash: Optional[str]
    paths: List[str]
    uris: List[str]
    roles: List[str]
    size: Optional[int]

    @staticmethod
    def from_json(d: Obj) -> GraphArtifact:
        return GraphArtifact(
            j.opt_string(d, "hash"),
            j.strings(d, "paths"),
            j.strings(d, "uris"),
            j.strings(d, "roles"),
            j.opt_integer(d, "size"),
        )


@dataclass(frozen=True)
class GraphNode:
    """A node: ``type`` is ``record``, ``artifact`` or ``commit``."""

    id: str
    type: str
    label: str
    distance: int
    direction: str
    record: Optional[RecordRef] = None
    artifact: Optional[GraphArtifact] = None
    commit: Optional[str] = None
    registered: List[Registered] = field(default_factory=list)

    @staticmethod
    def from_json(d: Obj) -> GraphNode:
        return GraphNode(
            j.string(d, "id"),
            j.string(d, "type"),
            j.string(d, "label"),
            j.integer(d, "distance"),
            j.string(d, "direction"),
            j.opt_object(d, "record", RecordRef.from_json),
            j.opt_object(d, "artifact", GraphArtifact.from_json),
            j.opt_string(d, "commit"),
            j.objects(d, "registered", Registered.from_json),
        )


@dataclass(frozen=True)
class GraphEdge:
    """An edge ``source`` → ``target`` (JSON ``from``/``to``) of a ``kind``:
    ``used-by``, ``produced``, ``references``, ``code`` or ``via``."""

    source: str
    target: str
    kind: str

    @staticmethod
    def from_json(d: Obj) -> GraphEdge:
        return GraphEdge(j.string(d, "from"), j.string(d, "to"), j.string(d, "kind"))


@dataclass(frozen=True)
class Graph:
    """What ``graph`` prints: the roots, the nodes and the edges between them."""

    roots: List[str]
    nodes: List[GraphNode]
    edges: List[GraphEdge]
    warnings: List[HistoryWarning] = field(default_factory=list)

    @staticmethod
    def from_json(d: Obj) -> Graph:
        return Graph(
            j.strings(d, "roots"),
            j.objects(d, "nodes", GraphNode.from_json),
            j.objects(d, "edges", GraphEdge.from_json),
            j.objects(d, "warnings", HistoryWarning.from_json),
        )

    def node(self, node_id: str) -> GraphNode:
        """The node with this id (KeyError when it is not shown)."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph``: node attributes ``type, label, distance,
        direction`` and ``data`` (the `GraphNode`), edge attribute ``kind``.
        Needs networkx."""
        nx = _optional("networkx", "Graph.to_networkx()")
        graph = nx.DiGraph(roots=list(self.roots))
        for n in self.nodes:
            graph.add_node(
                n.id, type=n.type, label=n.label, distance=n.distance,
                direction=n.direction, data=n,
            )
        for e in self.edges:
            graph.add_edge(e.source, e.target, kind=e.kind)
        return graph


@dataclass(frozen=True)
class Resolved:
    """What ``registry resolve`` prints: the artifact a model version or stage names."""

    model: str
    version: str
    stage: Optional[str]
    path: Optional[str]
    hash: Optional[str]
    record: str
    produced_by: Optional[str]
    warnings: List[HistoryWarning] = field(default_factory=list)

    @staticmethod
    def from_json(d: Obj) -> Resolved:
        return Resolved(
            j.string(d, "model"),
            j.string(d, "version"),
            j.opt_string(d, "stage"),
            j.opt_string(d, "path"),
            j.opt_string(d, "hash"),
            j.string(d, "record"),
            j.opt_string(d, "produced_by"),
            j.objects(d, "warnings", HistoryWarning.from_json),
        )


@dataclass(frozen=True)
class Problem:
    """One problem ``verify`` found."""

    file: str
    record: Optional[str]
    check: str
    message: str
    commit: Optional[Commit] = None

    @staticmethod
    def from_json(d: Obj) -> Problem:
        return Problem(
            j.string(d, "file"),
            j.opt_string(d, "record"),
            j.string(d, "check"),
            j.string(d, "message"),
            j.opt_object(d, "commit", Commit.from_json),
        )


@dataclass(frozen=True)
class Verification:
    """What ``verify`` prints. Problems are a result, not an exception
    (the CLI's exit 1): ``ok`` is False when there are any."""

    records: int
    artifacts: int
    commits: Optional[int]
    problems: List[Problem]
    warnings: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    @staticmethod
    def from_json(d: Obj) -> Verification:
        return Verification(
            j.integer(d, "records"),
            j.integer(d, "artifacts"),
            j.opt_integer(d, "commits"),
            j.objects(d, "problems", Problem.from_json),
            j.strings(d, "warnings"),
        )


@dataclass(frozen=True)
class Cause:
    """A changed artifact something is downstream of; ``direct`` when it read it itself."""

    path: str
    direct: bool

    @staticmethod
    def from_json(d: Obj) -> Cause:
        return Cause(j.string(d, "path"), j.boolean(d, "direct"))


@dataclass(frozen=True)
class Changed:
    """A tracked artifact whose bytes differ from its last recorded hash."""

    path: str
    change: str
    recorded: str
    current: Optional[str]
    record: RecordRef

    @staticmethod
    def from_json(d: Obj) -> Changed:
        return Changed(
            j.string(d, "path"),
            j.string(d, "change"),
            j.string(d, "recorded"),
            j.opt_string(d, "current"),
            RecordRef.from_json(j.obj(d.get("record"), "record")),
        )


@dataclass(frozen=True)
class StaleRecord:
    """A record downstream of a changed artifact."""

    record: RecordRef
    causes: List[Cause]

    @staticmethod
    def from_json(d: Obj) -> StaleRecord:
        return StaleRecord(RecordRef.from_json(d), j.objects(d, "causes", Cause.from_json))


@dataclass(frozen=True)
class StaleOutput:
    """An artifact a stale record wrote."""

    locator: str
    hash: Optional[str]
    roles: List[str]
    record: RecordRef
    causes: List[Cause]

    @staticmethod
    def from_json(d: Obj) -> StaleOutput:
        return StaleOutput(
            j.string(d, "locator"),
            j.opt_string(d, "hash"),
            j.strings(d, "roles"),
            RecordRef.from_json(j.obj(d.get("record"), "record")),
            j.objects(d, "causes", Cause.from_json),
        )


@dataclass(frozen=True)
class Status:
    """What ``status`` prints. Changed data is a result, not an exception
    (the CLI's exit 1): ``ok`` is False when anything changed."""

    tracked: int
    changed: List[Changed]
    stale_records: List[StaleRecord]
    stale_outputs: List[StaleOutput]
    warnings: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no recorded data changed."""
        return not self.changed

    @staticmethod
    def from_json(d: Obj) -> Status:
        return Status(
            j.integer(d, "tracked"),
            j.objects(d, "changed", Changed.from_json),
            j.objects(d, "stale_records", StaleRecord.from_json),
            j.objects(d, "stale_outputs", StaleOutput.from_json),
            j.strings(d, "warnings"),
        )
