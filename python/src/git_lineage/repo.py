"""`Repo`, the `Run` context manager and the registry: each call runs one
git-lineage command with ``--format json`` and returns typed results."""

from __future__ import annotations

import math
import numbers
import os
import tempfile
import warnings
from datetime import datetime, timezone
from types import TracebackType
from typing import Dict, List, Mapping, Optional, Sequence, Type, Union

from . import _binary
from ._json import JSONValue, loads
from .errors import LineageError
from .types import Graph, Records, Recorded, Resolved, Shown, Status, Verification

PathLike = Union[str, "os.PathLike[str]"]


def find_root(path: PathLike) -> str:
    """The top of the git work tree containing ``path`` (searched upwards
    for ``.git`` as git does), absolute."""
    start = os.path.abspath(os.fspath(path))
    if not os.path.isdir(start):
        raise LineageError(
            f"{start!r}: no such directory",
            hint="pass the path of a directory inside a git repository",
        )
    current = start
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            raise LineageError(
                f"not a git repository (or any parent up to the root): {start!r}",
                hint="run it inside a git repository (`git init` creates one), "
                "or pass its path to Repo()",
            )
        current = parent


def _now() -> str:
    """The time for ``started``/``ended``: ``GIT_LINEAGE_NOW`` when set (the
    clock override the CLI honours, for reproducible records), else UTC now."""
    fixed = os.environ.get("GIT_LINEAGE_NOW")
    if fixed:
        return fixed
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _yaml_value(value: object, key: str) -> str:
    """A params/metrics value as YAML flow text (JSON, plus .nan/.inf, which
    JSON cannot write and records keep)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        if math.isnan(f):
            return ".nan"
        if math.isinf(f):
            return ".inf" if f > 0 else "-.inf"
        return repr(f)
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_value(v, key) for v in value) + "]"
    if isinstance(value, Mapping):
        items = []
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{key}: keys must be strings, not {type(k).__name__}")
            items.append(f"{_yaml_value(k, key)}: {_yaml_value(v, f'{key}.{k}')}")
        return "{" + ", ".join(items) + "}"
    raise TypeError(
        f"{key}: {type(value).__name__} is not a params/metrics value "
        "(use None, bool, int, float, str, lists and dicts of them)"
    )


def _merge(target: Dict[str, JSONValue], source: Mapping[str, JSONValue]) -> None:
    for key, value in source.items():
        old = target.get(key)
        if isinstance(value, Mapping) and isinstance(old, dict):
            _merge(old, value)
        elif isinstance(value, Mapping):
            fresh: Dict[str, JSONValue] = {}
            _merge(fresh, value)
            target[key] = fresh
        else:
            target[key] = value


def _dotted(key: str, value: JSONValue) -> Dict[str, JSONValue]:
    """``opt.lr`` → ``{"opt": {"lr": value}}``, as the CLI's ``-p`` nests."""
    parts = key.split(".")
    if not key or any(not part for part in parts):
        raise ValueError(f"invalid key {key!r}: use names separated by single dots")
    nested: Dict[str, JSONValue] = {parts[-1]: value}
    for part in reversed(parts[:-1]):
        nested = {part: nested}
    return nested


def _is_uri(artifact: str) -> bool:
    return "://" in artifact


def _local(path: PathLike, root: str) -> str:
    """A local path as the user meant it (from the current directory), given
    to the CLI relative to the repository root when it is inside (so errors
    and records name it as the user does), absolute otherwise."""
    absolute = os.path.abspath(os.fspath(path))
    relative = os.path.relpath(absolute, root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return absolute
    return relative


def _spec(artifact: PathLike, role: Optional[str], root: str) -> str:
    """``[role=]artifact`` for ``-i``/``-o``; URIs are passed as they are."""
    text = os.fspath(artifact)
    if not _is_uri(text):
        text = _local(text, root)
    return f"{role}={text}" if role else text


class Run:
    """One step being recorded: ``with repo.run(kind, name) as run: ...``.

    Declare what the step used and made with `input`, `output`, `param`,
    `params`, `metric`, `metrics`; the record is written when the block ends
    (inputs and outputs are hashed then). If the block raises, a failed run
    is recorded (exit code 1; ``KeyboardInterrupt`` 130; ``SystemExit`` its
    code) with the outputs that exist, unless ``record_failure=False``, and
    the exception propagates.
    """

    def __init__(
        self,
        repo: Repo,
        kind: str,
        name: str,
        *,
        commit: bool = False,
        record_failure: bool = True,
        seed: Optional[int] = None,
        note: Optional[str] = None,
    ) -> None:
        self.repo = repo
        self.kind = kind
        self.name = name
        self.commit = commit
        self.record_failure = record_failure
        self.seed = seed
        self.note = note
        self._inputs: List[str] = []
        self._outputs: List[str] = []
        self._output_paths: List[str] = []
        self._params: Dict[str, JSONValue] = {}
        self._metrics: Dict[str, JSONValue] = {}
        self._lockfiles: List[str] = []
        self._code: List[str] = []
        self._references: List[str] = []
        self._started: Optional[str] = None
        self._recorded: Optional[Recorded] = None
        self._record_error: Optional[LineageError] = None
        self._done = False

    def input(self, artifact: PathLike, role: Optional[str] = None) -> None:
        """Something the step reads: a file, directory, glob or URI."""
        self._inputs.append(_spec(artifact, role, self.repo.root))

    def output(self, artifact: PathLike, role: Optional[str] = None) -> None:
        """Something the step writes (it must exist when the block ends)."""
        self._outputs.append(_spec(artifact, role, self.repo.root))
        self._output_paths.append(_spec(artifact, None, self.repo.root))

    def param(self, key: str, value: JSONValue) -> None:
        """One hyperparameter; dots nest (``opt.lr``) as with ``-p``."""
        _yaml_value(value, key)  # refuse what cannot be recorded, now
        _merge(self._params, _dotted(key, value))

    def params(self, values: Mapping[str, JSONValue]) -> None:
        """Several hyperparameters, merged into those given before."""
        _yaml_value(values, "params")
        _merge(self._params, values)

    def metric(self, key: str, value: JSONValue) -> None:
        """One metric; dots nest as for `param`."""
        _yaml_value(value, key)  # refuse what cannot be recorded, now
        _merge(self._metrics, _dotted(key, value))

    def metrics(self, values: Mapping[str, JSONValue]) -> None:
        """Several metrics, merged into those given before."""
        _yaml_value(values, "metrics")
        _merge(self._metrics, values)

    def lockfile(self, path: PathLike) -> None:
        """A lockfile describing the environment (``--env``)."""
        self._lockfiles.append(_local(path, self.repo.root))

    def code(self, path: PathLike) -> None:
        """A source file to pin by its git blob id (``--code``)."""
        self._code.append(_local(path, self.repo.root))

    def reference(self, ref: str) -> None:
        """An earlier record this one refers to (``--ref``)."""
        self._references.append(ref)

    @property
    def recorded(self) -> Optional[Recorded]:
        """The record written on exit; None before, or after a failure that
        was not recorded."""
        return self._recorded

    @property
    def record(self) -> Recorded:
        """The record written when the block ended (``run.record.id``)."""
        if self._recorded is None:
            if not self._done:
                raise LineageError(
                    f"the run {self.kind} {self.name} is not recorded yet",
                    hint="read run.record after the with block has ended",
                )
            if self._record_error is not None:
                raise LineageError(
                    f"the run {self.kind} {self.name} failed and could not be recorded: "
                    f"{self._record_error.message}",
                    causes=self._record_error.causes,
                    hint=self._record_error.hint,
                )
            raise LineageError(
                f"the run {self.kind} {self.name} failed and was not recorded",
                hint="pass record_failure=True to repo.run() to record failed runs",
            )
        return self._recorded

    def __enter__(self) -> Run:
        if self._started is not None:
            raise LineageError("a Run can be entered once", hint="call repo.run() again")
        self._started = _now()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self._done = True
        ended = _now()
        if exc is None:
            code = 0
        elif isinstance(exc, SystemExit):
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        elif isinstance(exc, KeyboardInterrupt):
            code = 130
        else:
            code = 1
        if code != 0 and not self.record_failure:
            return None
        note = self.note
        outputs = self._outputs
        if exc is not None and code != 0:
            what = type(exc).__name__ + (f": {exc}" if str(exc) else "")
            note = f"{note}\n{what}" if note else what
            outputs = [
                spec
                for spec, path in zip(self._outputs, self._output_paths)
                if self._exists(path, self.repo.root)
            ]
        try:
            self._recorded = self.repo._record(
                self.kind,
                self.name,
                inputs=self._inputs,
                outputs=outputs,
                params=self._params,
                metrics=self._metrics,
                seed=self.seed,
                note=note,
                lockfiles=self._lockfiles,
                code=self._code,
                references=self._references,
                started=self._started,
                ended=ended,
                exit_code=code,
                commit=self.commit,
            )
        except LineageError as error:
            if exc is None:
                raise
            self._record_error = error
            # Do not hide the block's own exception: say why it was not recorded.
            message = f"git-lineage could not record the failed run:\n{error}"
            if hasattr(exc, "add_note"):  # Python 3.11+
                exc.add_note(message)
            else:
                warnings.warn(message, RuntimeWarning, stacklevel=2)
        return None

    @staticmethod
    def _exists(path: str, root: str) -> bool:
        """Whether an output names something that exists (URIs and globs
        are kept: the CLI decides)."""
        if _is_uri(path) or any(c in path for c in "*?["):
            return True
        return os.path.exists(os.path.join(root, path))


class Registry:
    """The model registry (``git lineage registry``)."""

    def __init__(self, repo: Repo) -> None:
        self._repo = repo

    def resolve(self, spec: str) -> Resolved:
        """``NAME@STAGE`` or ``NAME@vN`` → the artifact's path, hash, version
        and version id, for inference code."""
        return Resolved.from_json(self._repo._json(["registry", "resolve", spec]))


class Repo:
    """A git repository with lineage, found from ``path`` upwards like git."""

    def __init__(self, path: PathLike = ".") -> None:
        self.root = find_root(path)
        self.registry = Registry(self)

    def __repr__(self) -> str:
        return f"Repo({self.root!r})"

    def _json(self, args: Sequence[str], ok: Sequence[int] = (0,)) -> Dict[str, object]:
        done = _binary.run([*args, "--format", "json"], cwd=self.root, ok=ok)
        return loads(done.stdout)

    def run(
        self,
        kind: str,
        name: str,
        *,
        commit: bool = False,
        record_failure: bool = True,
        seed: Optional[int] = None,
        note: Optional[str] = None,
    ) -> Run:
        """A step to record when the ``with`` block ends (see `Run`);
        ``commit=True`` commits the record alone, as ``record --commit``."""
        return Run(
            self, kind, name, commit=commit, record_failure=record_failure,
            seed=seed, note=note,
        )

    def _record(
        self,
        kind: str,
        name: str,
        *,
        inputs: Sequence[str],
        outputs: Sequence[str],
        params: Mapping[str, JSONValue],
        metrics: Mapping[str, JSONValue],
        seed: Optional[int],
        note: Optional[str],
        lockfiles: Sequence[str],
        code: Sequence[str],
        references: Sequence[str],
        started: Optional[str],
        ended: Optional[str],
        exit_code: Optional[int],
        commit: bool,
    ) -> Recorded:
        args = ["record", "--kind", kind, "--name", name]
        for spec in inputs:
            args += ["--input", spec]
        for spec in outputs:
            args += ["--output", spec]
        with tempfile.TemporaryDirectory(prefix="git-lineage-") as tmp:
            for flag, values in (("--params", params), ("--metrics", metrics)):
                if values:
                    file = os.path.join(tmp, flag[2:] + ".yaml")
                    with open(file, "w", encoding="utf-8") as f:
                        f.write(_yaml_value(values, flag[2:]) + "\n")
                    args += [flag, file]
            if seed is not None:
                args += ["--seed", str(seed)]
            for lockfile in lockfiles:
                args += ["--env", lockfile]
            for file in code:
                args += ["--code", file]
            for ref in references:
                args += ["--ref", ref]
            if note is not None:
                args += ["--note", note]
            if started is not None:
                args += ["--started", started]
            if ended is not None:
                args += ["--ended", ended]
            if exit_code is not None:
                args += ["--exit-code", str(exit_code)]
            if commit:
                args.append("--commit")
            return Recorded.from_json(self._json(args))

    def show(self, ref: str) -> Shown:
        """One record, from any REF (``name:fraud-model``, an id prefix, a
        path it produced, ``model:NAME@STAGE``; docs/refs.md)."""
        return Shown.from_json(self._json(["show", ref]))

    def log(
        self,
        *,
        kind: Optional[str] = None,
        name: Optional[str] = None,
        since: Optional[str] = None,
        until: Optional[str] = None,
        all: bool = False,
        rev: Sequence[str] = (),
    ) -> Records:
        """Records in history order, newest first (``git lineage log``)."""
        args = ["log"]
        args += _options(kind=kind, name=name, since=since, until=until)
        return Records.from_json(self._json(args + _history(all, rev)))

    def search(
        self,
        *,
        kind: Optional[str] = None,
        name: Optional[str] = None,
        param: Union[str, Sequence[str]] = (),
        metric: Union[str, Sequence[str]] = (),
        input: Optional[str] = None,
        output: Optional[str] = None,
        registered: Optional[str] = None,
        stage: Optional[str] = None,
        author: Optional[str] = None,
        since: Optional[str] = None,
        until: Optional[str] = None,
        all: bool = False,
        rev: Sequence[str] = (),
    ) -> Records:
        """Records matching every condition (``git lineage search``);
        ``param``/``metric`` take CLI conditions such as ``"auc>0.9"``."""
        args = ["search"]
        args += _options(
            kind=kind, name=name, input=input, output=output, registered=registered,
            stage=stage, author=author, since=since, until=until,
        )
        for flag, conds in (("--param", param), ("--metric", metric)):
            for cond in [conds] if isinstance(conds, str) else conds:
                args += [flag, cond]
        return Records.from_json(self._json(args + _history(all, rev)))

    def graph(
        self,
        ref: str,
        *,
        up: bool = False,
        down: bool = False,
        depth: Optional[int] = None,
        type: Optional[str] = None,
        all: bool = False,
        rev: Sequence[str] = (),
    ) -> Graph:
        """The lineage graph around a REF: upstream (``up=True``), downstream
        (``down=True``), or the CLI's default when neither is given."""
        args = ["graph", ref]
        if up and down:
            args.append("--both")
        elif up:
            args.append("--up")
        elif down:
            args.append("--down")
        if depth is not None:
            args += ["--depth", str(depth)]
        if type is not None:
            args += ["--type", type]
        return Graph.from_json(self._json(args + _history(all, rev)))

    def verify(self, *, artifacts: bool = False, history: bool = False) -> Verification:
        """Check records (and with ``artifacts=True`` the bytes on disk, with
        ``history=True`` the history). Problems come back in the result
        (``.ok`` is False), not as an exception."""
        args = ["verify"]
        if artifacts:
            args.append("--artifacts")
        if history:
            args.append("--history")
        return Verification.from_json(self._json(args, ok=(0, 1)))


    def status(self) -> Status:
        """Recorded local data whose bytes changed, and what is stale
        downstream (``git lineage status``); changes come back in the result
        (``.ok`` is False), not as an exception."""
        return Status.from_json(self._json(["status"], ok=(0, 1)))


def _options(**options: Optional[str]) -> List[str]:
    args: List[str] = []
    for key, value in options.items():
        if value is not None:
            args += [f"--{key.replace('_', '-')}", value]
    return args


def _history(all: bool, rev: Sequence[str]) -> List[str]:
    args = ["--all"] if all else []
    for r in rev:
        args += ["--rev", r]
    return args
