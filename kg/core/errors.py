"""One family of errors, turned into ``Error: ...`` once, at the CLI boundary."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


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


class Place(NamedTuple):
    """A line of an input file (1-based; 0: the file as a whole)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about the input: where, which entry, how bad, what to do.

    A message that names another place ("duplicate key 'a' (first at line 3)") is made with
    :meth:`citing`: the place is kept beside the text, so that a problem found in several .bib
    files read as one text can be moved to its file and line, that place with it
    (:meth:`moved`)."""

    file: str
    line: int  # 1-based; 0 when not tied to a line
    key: str
    level: str  # "error" | "warning"
    message: str
    #: the other place the message names, and the message with ``{at}`` where it goes
    at: Place | None = field(default=None, compare=False, repr=False)
    template: str = field(default="", compare=False, repr=False)

    @classmethod
    def citing(cls, file: str, line: int, key: str, level: str, template: str,
               at: Place) -> Problem:
        """A problem whose message names place ``at`` where ``template`` says ``{at}``: as
        "line N" in the problem's own file, as "FILE:N" in another."""
        return cls(file, line, key, level, _render(template, file, at), at, template)

    def moved(self, place_of) -> Problem:
        """This problem at ``place_of(self.line)`` (a :class:`Place`), the place its message
        names moved the same way."""
        here = place_of(self.line)
        if self.at is None:
            return Problem(here.file, here.line, self.key, self.level, self.message)
        at = place_of(self.at.line) if self.at.file == self.file else self.at
        return Problem.citing(here.file, here.line, self.key, self.level, self.template, at)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.level}: {self.message}"

    def as_dict(self) -> dict:
        out = {"file": self.file, "line": self.line, "key": self.key,
               "level": self.level, "message": self.message}
        if self.at is not None:
            out["at"] = {"file": self.at.file, "line": self.at.line}
        return out


def _render(template: str, file: str, at: Place) -> str:
    where = f"line {at.line}" if at.file == file else str(at)
    return template.replace("{at}", where, 1)
