"""accord's exception tree.

::

    AccordError
    ├── InputError(path, line, field)   bad user input in a file or request
    ├── SettingsError(problems)         invalid dataset settings
    ├── NotFound                        a named object does not exist
    ├── Conflict                        a stale write or a duplicate
    └── Forbidden                       the caller may not do this

The library raises; only the CLI and the server turn these into exit codes and
HTTP responses.
"""

from __future__ import annotations

__all__ = ["AccordError", "InputError", "SettingsError", "NotFound", "Conflict", "Forbidden"]


class AccordError(Exception):
    """Base class of every error accord raises on purpose."""


class InputError(AccordError):
    """Bad input, located as precisely as we can.

    Rendered as ``path:line: field 'name': message``, e.g.
    ``data.jsonl:17: field 'conversation': expected list of {role, content}, got str``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        if self.field is not None:
            where += f"field '{self.field}': "
        return where + self.message


class SettingsError(AccordError):
    """Invalid dataset settings; ``problems`` lists ``(path, message)`` pairs, ``lines``
    the line of a path in the text the settings were read from (when there was one)."""

    def __init__(self, problems: list[tuple[str, str]], *, source: str | None = None,
                 lines: dict[str, int] | None = None) -> None:
        self.problems = problems
        self.source = source
        self.lines = lines or {}
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        lines = []
        for path, msg in self.problems:
            line = self.lines.get(path)
            lines.append(("" if line is None else f"line {line}: ")
                         + (f"{path}: {msg}" if path else msg))
        if len(lines) == 1:
            return prefix + "invalid settings: " + lines[0]
        return prefix + "invalid settings:\n" + "\n".join("  " + line for line in lines)


class NotFound(AccordError):
    """A dataset, record, user or other object does not exist."""


class _Refused(AccordError):
    """A refusal with an optional machine-readable ``reason`` code (the write policy's codes,
    :mod:`accord.workflow.policy`; the API sends it as ``error.reason``)."""

    def __init__(self, message: str = "", *, reason: str | None = None) -> None:
        self.reason = reason
        super().__init__(message)


class Conflict(_Refused):
    """A write that conflicts with the stored state (stale version, duplicate name)."""


class Forbidden(_Refused):
    """The caller is authenticated but not allowed to do this."""
