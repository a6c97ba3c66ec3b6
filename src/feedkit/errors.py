"""Typed errors. The library raises these; only the CLI turns them into text and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one input file, located as precisely as we can."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


class FeedkitError(Exception):
    """Base class: anything feedkit reports to a user rather than crashing on."""


class ConfigError(FeedkitError):
    """The site configuration is unusable; nothing can be published."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class PostError(FeedkitError):
    """One post cannot be published. Carries every problem found in that file."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @property
    def path(self) -> str:
        return self.problems[0].path


class InvalidPostsError(FeedkitError):
    """Raised in strict mode: some posts are invalid, so nothing was written."""

    def __init__(self, rejected: list[PostError]) -> None:
        self.rejected = rejected
        super().__init__(f"{len(rejected)} invalid post(s); nothing was written (--strict)")


class WriteError(FeedkitError):
    """A feed file could not be written; the previous version is left in place."""


class LockBusyError(FeedkitError):
    """Another run holds the site's lock; this one did nothing."""
