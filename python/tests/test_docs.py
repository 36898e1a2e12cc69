"""docs/python.md cannot go stale: its ```python blocks run in order, in one
namespace, in a copy of the demo repository, and each ```text block that
follows one is the output it must print. `[..]` in an expected line matches
any text within the line. After a deliberate change, rewrite the outputs with
``GIT_LINEAGE_DOCS_UPDATE=1 pytest tests/test_docs.py`` and review the diff."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from conftest import require

PAGE = Path(__file__).resolve().parents[2] / "docs" / "python.md"


def _blocks(lines: List[str]) -> List[Tuple[str, int, int]]:
    """(language, first content line, end line exclusive) of each fenced block."""
    blocks: List[Tuple[str, int, int]] = []
    start: Optional[Tuple[str, int]] = None
    for i, line in enumerate(lines):
        if start is None:
            if line.startswith("```"):
                words = line[3:].split()
                start = (words[0] if words else "", i + 1)
        elif line == "```":
            blocks.append((start[0], start[1], i))
            start = None
    return blocks


def _matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("[..]"))
    return re.fullmatch(pattern, actual) is not None


def test_python_md_examples(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require("pandas")  # the page shows to_pandas() and to_networkx()
    require("networkx")
    lines = PAGE.read_text().split("\n")
    blocks = _blocks(lines)
    monkeypatch.chdir(demo)
    namespace: Dict[str, object] = {"__name__": "__doc__"}
    edits: List[Tuple[int, int, List[str]]] = []
    failures: List[str] = []
    ran = 0
    for index, (lang, start, end) in enumerate(blocks):
        if lang != "python":
            continue
        ran += 1
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile("\n".join(lines[start:end]), f"{PAGE}:{start}", "exec"), namespace)
        actual = out.getvalue().rstrip("\n").split("\n") if out.getvalue() else []
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        has_output = (
            following is not None
            and following[0] == "text"
            and all(not line.strip() for line in lines[end + 1 : following[1] - 1])
        )
        if not has_output:
            if actual:
                failures.append(f"line {start}: prints output but no ```text block follows")
            continue
        assert following is not None
        expected = lines[following[1] : following[2]]
        same = len(expected) == len(actual) and all(
            _matches(e, a) for e, a in zip(expected, actual)
        )
        if not same:
            failures.append(
                f"line {start}: expected\n" + "\n".join(expected) + "\nactual\n" + "\n".join(actual)
            )
            edits.append((following[1], following[2], actual))
    assert ran > 0
    if edits and os.environ.get("GIT_LINEAGE_DOCS_UPDATE"):
        for first, last, actual in reversed(edits):
            lines[first:last] = actual
        PAGE.write_text("\n".join(lines))
        return
    assert not failures, "\n\n".join(failures)

