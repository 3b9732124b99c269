"""Input problems, reported all at once and each naming where it was found.

Every check in the application (portfolio files, assumption packs, submission
workbooks) reports a :class:`Problem` that names the file, the project or row,
and the field. :class:`InputError` carries a list of them; the command line
turns it into exit status 2 and the GUI into a message box.
"""
from __future__ import annotations

from dataclasses import dataclass, field


MESSAGE_LIMIT = 1000   # characters of a message (a 1 MB ID must not fill a screen)
PART_LIMIT = 100       # characters of a file name, project, field or sheet in a message


def elide(text: str, limit: int = 200) -> str:
    """``text`` cut to about ``limit`` characters, keeping its start and end and
    saying how long it was: a one-megabyte ID must not fill a message."""
    if len(text) <= limit:
        return text
    tail = max(limit // 4, 1)
    head = max(limit - tail - 1, 1)
    return f"{text[:head]}…{text[-tail:]} ({len(text):,} characters)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    message: str
    file: str | None = None
    project: str | None = None   # project id, or "project #3" when it has none
    field: str | None = None     # dotted path, e.g. "capex.2021" or "readiness.months_to_start"
    row: int | None = None       # 1-based data row of a CSV file (header is row 1)
    sheet: str | None = None     # for workbooks
    cell: str | None = None

    def __str__(self) -> str:
        part = PART_LIMIT
        where = []
        if self.file:
            where.append(elide(self.file, part))
        if self.sheet:
            where.append(f"sheet {elide(self.sheet, part)!r}")
        if self.cell:
            where.append(f"cell {self.cell}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.project:
            where.append(f"project {elide(self.project, part)}")
        if self.field:
            where.append(f"field {elide(self.field, part)!r}")
        message = elide(self.message, MESSAGE_LIMIT)
        return (": ".join([", ".join(where), message]) if where else message)


@dataclass
class InputError(Exception):
    """The input is wrong; nothing was computed or written."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.summary())

    def summary(self, limit: int = 20) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems")
        return "\n".join(lines) if lines else "invalid input"

    def __str__(self) -> str:
        return self.summary()
