"""The one exception type for mistakes a user can make.

Bad files, bad configs, unknown plugins and missing models all raise :class:`NerdistillError`. The CLI
prints its message on one line and exits with code 1, without a traceback: the message itself has to
say what is wrong and where (file and line, or the option).
"""

from __future__ import annotations

from pathlib import Path


class NerdistillError(Exception):
    """A problem the user can fix; the message names the file and line, or the option."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.path = Path(path) if path is not None else None
        self.line = line
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        if self.path is None:
            return self.reason
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.reason}"
