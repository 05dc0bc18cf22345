"""User-facing errors: one line that names the file and line (or flag or key) and what is wrong."""

from __future__ import annotations

from pathlib import Path


class HeadAtlasError(Exception):
    """An error caused by the user's input, reported as one line without a traceback."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        return f"{where}{self.message}"
