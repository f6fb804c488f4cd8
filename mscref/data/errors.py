"""mscref's errors: one base class, and a data error that carries every problem found."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mscref.data.record import record


@record
class Problem:
    """One thing wrong with a data file, where it stands and what was expected."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class MscrefError(Exception):
    """A user's mistake or a problem with their data: shown as a message, never a traceback."""

    exit_code = 1


class DataError(MscrefError):
    """The data files hold problems; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the data")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class NotFoundError(MscrefError):
    """An id or name that names nothing in the data."""


class CacheDamaged(MscrefError):
    """A cached data set turned out to hold a record that does not decode (its entry is removed,
    so the next run reads the files again)."""


class UsageError(MscrefError):
    """A command was asked something it cannot do with these arguments."""

    exit_code = 2


@record
class ImportProblem:
    file: str
    record: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.record}: {self.message}" if self.record else f"{self.file}: {self.message}"
        )


class ImportFailed(MscrefError):
    """The input holds problems; nothing was written."""

    def __init__(self, problems: Sequence[ImportProblem | Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the input; nothing was written"
        )

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for the closest choice, or nothing."""
    import difflib

    pool = list(choices)
    same = [c for c in pool if c.casefold() == word.casefold()]
    if same:  # only the case differs ('HR' for 'hr'): difflib finds short words too far apart
        return f"; did you mean {same[0]!r}?"
    if len(pool) > 500:  # difflib is quadratic-ish: compare only with names alike at the start
        pool = [c for c in pool if c[:2] == word[:2]][:500]
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
