"""Typed reads of the CLI's JSON: a value of the wrong type is a LineageError
naming the key, never a silent wrong value."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional, TypeVar, Union

from .errors import LineageError

#: A params or metrics value: what JSON (and the record's YAML) can hold.
JSONValue = Union[None, bool, int, float, str, List["JSONValue"], Dict[str, "JSONValue"]]
Obj = Dict[str, Any]
T = TypeVar("T")


def _bad(key: str, expected: str, value: object) -> LineageError:
    return LineageError(
        f"unexpected JSON from git-lineage: {key!r} should be {expected}, "
        f"got {type(value).__name__}",
        hint="the binary and the Python package disagree on docs/json.md; "
        "reinstall the package so that both come from the same version",
    )


def loads(text: str) -> Obj:
    """Parse one JSON document that must be an object."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise LineageError(f"git-lineage printed invalid JSON: {e}") from e
    return obj(value, "(document)")


def obj(value: object, key: str) -> Obj:
    if not isinstance(value, dict):
        raise _bad(key, "an object", value)
    return value


def string(d: Obj, key: str) -> str:
    value = d.get(key)
    if not isinstance(value, str):
        raise _bad(key, "a string", value)
    return value


def opt_string(d: Obj, key: str) -> Optional[str]:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(key, "a string or null", value)
    return value


def integer(d: Obj, key: str) -> int:
    value = d.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad(key, "an integer", value)
    return value


def opt_integer(d: Obj, key: str) -> Optional[int]:
    if d.get(key) is None:
        return None
    return integer(d, key)


def boolean(d: Obj, key: str) -> bool:
    value = d.get(key)
    if not isinstance(value, bool):
        raise _bad(key, "a boolean", value)
    return value


def strings(d: Obj, key: str) -> List[str]:
    value = d.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(key, "an array of strings", value)
    return list(value)


def string_map(d: Obj, key: str) -> Dict[str, str]:
    value = obj(d.get(key, {}), key)
    if not all(isinstance(v, str) for v in value.values()):
        raise _bad(key, "an object of strings", value)
    return dict(value)


def values(d: Obj, key: str) -> Dict[str, JSONValue]:
    """A params or metrics map (absent: empty)."""
    return dict(obj(d.get(key, {}), key))


def objects(d: Obj, key: str, parse: Callable[[Obj], T]) -> List[T]:
    value = d.get(key, [])
    if not isinstance(value, list):
        raise _bad(key, "an array", value)
    return [parse(obj(item, key)) for item in value]


def opt_object(d: Obj, key: str, parse: Callable[[Obj], T]) -> Optional[T]:
    value = d.get(key)
    if value is None:
        return None
    return parse(obj(value, key))
