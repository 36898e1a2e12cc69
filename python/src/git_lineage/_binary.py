"""Finding the git-lineage binary installed with the package, checking its
version, and running it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata
from typing import Iterator, Optional, Sequence

from .errors import LineageError

DIST = "git-lineage"
EXE = "git-lineage.exe" if os.name == "nt" else "git-lineage"
ENV_OVERRIDE = "GIT_LINEAGE_BIN"

_checked: dict[str, str] = {}
# The binary found without the override (reading the distribution's RECORD
# costs about 2 ms, more than parsing a command's JSON): found once per process.
_found: list[str] = []


def package_version() -> Optional[str]:
    """The installed distribution's version (the crate's), or None when the
    package runs from a source tree without being installed."""
    try:
        return metadata.version(DIST)
    except metadata.PackageNotFoundError:
        return None


def _installed_with_package() -> Iterator[str]:
    """The binary listed in this distribution's RECORD, wherever pip put it."""
    try:
        files = metadata.distribution(DIST).files or []
    except metadata.PackageNotFoundError:
        return
    for file in files:
        if file.name == EXE:
            yield os.path.normpath(str(file.locate()))


def _candidates() -> Iterator[str]:
    yield from _installed_with_package()
    yield os.path.join(sysconfig.get_path("scripts"), EXE)
    user = f"{os.name}_user"
    if user in sysconfig.get_scheme_names():
        yield os.path.join(sysconfig.get_path("scripts", user), EXE)
    yield os.path.join(os.path.dirname(sys.executable), EXE)


def find_binary() -> str:
    """The path of the binary to run: ``$GIT_LINEAGE_BIN`` when set (for
    development), else the one installed with this package (next to the
    interpreter's scripts), else ``git-lineage`` on PATH."""
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        if not os.path.isfile(override):
            raise LineageError(
                f"{ENV_OVERRIDE}={override!r} is not a file",
                hint=f"point {ENV_OVERRIDE} at a built binary (target/debug/git-lineage), "
                "or unset it to use the binary installed with the package",
            )
        return override
    if _found and os.path.isfile(_found[0]):
        return _found[0]
    found = next(
        (p for p in _candidates() if os.path.isfile(p) and os.access(p, os.X_OK)),
        shutil.which(EXE),
    )
    if found:
        _found[:] = [found]
        return found
    raise LineageError(
        "the git-lineage binary was not found next to this Python "
        f"({sysconfig.get_path('scripts')}) nor on PATH",
        hint="reinstall the package (pip install git-lineage, or pip install ./python "
        f"from the repository), or set {ENV_OVERRIDE} to a built binary",
    )


def _pep440(version: str) -> str:
    """Cargo's `1.2.0-alpha.1` as maturin writes it in the wheel (`1.2.0a1`)."""
    for cargo, pep in (("-alpha.", "a"), ("-beta.", "b"), ("-rc.", "rc")):
        version = version.replace(cargo, pep)
    return version


def checked_binary() -> str:
    """`find_binary()`, refusing a binary whose version is not the package's.

    The check runs once per binary path and process.
    """
    path = find_binary()
    if path in _checked:
        return path
    expected = package_version()
    try:
        out = subprocess.run(
            [path, "--version"],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except OSError as e:
        raise LineageError(
            f"cannot run the git-lineage binary {path!r}: {e}",
            hint=f"reinstall the package, or set {ENV_OVERRIDE} to a working binary",
        ) from e
    words = out.stdout.split()
    found = words[1] if len(words) == 2 and words[0] == "git-lineage" else None
    if found is None:
        raise LineageError(
            f"{path!r} is not a git-lineage binary: `--version` printed "
            f"{out.stdout.strip()!r} (exit {out.returncode})",
            hint=f"reinstall the package, or set {ENV_OVERRIDE} to a git-lineage binary",
        )
    if expected is not None and _pep440(found) != expected:
        raise LineageError(
            f"the git-lineage binary {path!r} is version {found}, but this Python "
            f"package is version {expected}; their JSON may differ",
            hint=f"reinstall the package so that its own binary is used (pip install "
            f"--force-reinstall git-lineage=={expected}), or point {ENV_OVERRIDE} at "
            f"a git-lineage {expected} binary",
        )
    _checked[path] = found
    return path


def run(
    args: Sequence[str], *, cwd: str, ok: Sequence[int] = (0,)
) -> subprocess.CompletedProcess[str]:
    """Run ``git-lineage -C cwd ARGS``; an exit status not in ``ok`` raises
    `LineageError` with the CLI's error text."""
    command = [checked_binary(), "-C", cwd, *args]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except OSError as e:
        raise LineageError(f"cannot run {command[0]!r}: {e}", command=command) from e
    if done.returncode not in ok:
        raise LineageError.from_stderr(
            done.stderr, exit_code=done.returncode, command=command
        )
    return done
