"""Exceptions: the CLI's own error text, kept line by line."""

from __future__ import annotations

from typing import Optional, Sequence


class LineageError(Exception):
    """A git-lineage command failed (exit 2), or the package could not run it.

    ``message`` is the CLI's ``error:`` line, ``causes`` its ``caused by:``
    lines, ``hint`` its ``hint:`` line (what to do). ``str(error)`` is the
    whole text as the CLI printed it.
    """

    def __init__(
        self,
        message: str,
        *,
        causes: Sequence[str] = (),
        hint: Optional[str] = None,
        exit_code: Optional[int] = None,
        command: Sequence[str] = (),
        stderr: str = "",
    ) -> None:
        self.message = message
        self.causes = list(causes)
        self.hint = hint
        self.exit_code = exit_code
        self.command = list(command)
        self.stderr = stderr
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [f"error: {self.message}"]
        lines += [f"caused by: {cause}" for cause in self.causes]
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)

    @classmethod
    def from_stderr(
        cls, stderr: str, *, exit_code: int, command: Sequence[str]
    ) -> LineageError:
        """Parse the CLI's ``error:`` / ``caused by:`` / ``hint:`` lines.

        A line without one of those prefixes continues the line before it.
        Lines before the first prefix (``warning:``, ``note:``, a hook's
        output) stay in ``stderr`` only.
        """
        message: Optional[str] = None
        causes: list[str] = []
        hints: list[str] = []
        current: Optional[list[str]] = None
        for line in stderr.splitlines():
            if line.startswith("error: "):
                message = line[len("error: ") :]
                current = None
            elif line.startswith("caused by: "):
                causes.append(line[len("caused by: ") :])
                current = causes
            elif line.startswith("hint: "):
                hints.append(line[len("hint: ") :])
                current = hints
            elif message is not None and line.strip():
                if current:
                    current[-1] += "\n" + line
                elif not causes and not hints:
                    message += "\n" + line
        if message is None:
            last = stderr.strip().splitlines()[-1:] or ["(no error message)"]
            message = f"git-lineage exited with status {exit_code}: {last[0]}"
        return cls(
            message,
            causes=causes,
            hint="\n".join(hints) or None,
            exit_code=exit_code,
            command=command,
            stderr=stderr,
        )


class MissingDependencyError(LineageError, ImportError):
    """An optional module (pandas, networkx) is needed and not installed."""

    def __init__(self, module: str, feature: str) -> None:
        self.module = module
        super().__init__(
            f"{feature} needs {module}, which is not installed",
            hint=f"pip install {module}  (or: pip install 'git-lineage[{module}]')",
        )
