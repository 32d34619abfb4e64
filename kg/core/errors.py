"""One family of errors, turned into ``Error: ...`` once, at the CLI boundary."""
from __future__ import annotations

from dataclasses import dataclass


class KgError(Exception):
    """Something the user can fix: the message says what and how."""

    exit_code = 1

    def __init__(self, message: str | None = None):
        super().__init__(message or (self.__doc__ or "").strip())


class InputError(KgError):
    """The input cannot be read."""

    exit_code = 2


class BuildError(KgError):
    """The build failed; the previous output was left intact."""


class StaleStoreError(KgError):
    """The built graph is older than the bibliography: run `kg build`."""


class NotFoundError(KgError):
    """Nothing matches."""


class QueryError(KgError):
    """The query cannot be run."""


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about the input: where, which entry, how bad, what to do."""

    file: str
    line: int  # 1-based; 0 when not tied to a line
    key: str
    level: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.level}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "key": self.key,
                "level": self.level, "message": self.message}
