"""The registry of question types: built-ins and third-party types alike.

Each type module calls :func:`register` with its :class:`~accord.schema.questions.base.QuestionType`
when it is imported; :mod:`accord.schema.questions` imports the built-in ones.
A third-party type registers the same way (e.g. from its package's import,
before settings that use it are parsed); settings, response validation,
agreement, consensus, exports and ``GET /api/v1/meta`` all read this registry.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from typing import Any

from accord.errors import InputError
from accord.schema.questions.base import QuestionType

__all__ = ["PLUGINS_ENV", "all_question_types", "load_builtins", "load_plugins",
           "question_type", "question_type_names", "register", "type_of", "unregister"]

_TYPES: dict[str, QuestionType] = {}


def register(qtype: QuestionType, *, replace: bool = False) -> QuestionType:
    """Add a question type; returns it (so a module can write ``TYPE = register(...)``).

    Raises
    ------
    ValueError
        When a type of that name is registered already (and ``replace`` is false).
    """
    if not isinstance(qtype, QuestionType):
        raise TypeError(f"expected a QuestionType, got {type(qtype).__name__}")
    if qtype.name in _TYPES and not replace and _TYPES[qtype.name] is not qtype:
        raise ValueError(f"question type {qtype.name!r} is registered already")
    _TYPES[qtype.name] = qtype
    return qtype


def load_builtins(package: str, names: Iterable[str]) -> None:
    """Import ``package.<name>`` for each name, in order (each module registers its type)."""
    for name in names:
        importlib.import_module(f"{package}.{name}")


PLUGINS_ENV = "ACCORD_PLUGINS"
"""Environment variable: comma-separated modules to import after the built-ins (each
registers its types on import), e.g. ``ACCORD_PLUGINS=my_pkg.emoji_question``."""


def load_plugins(env: dict[str, str] | None = None) -> list[str]:
    """Import the modules named in ``$ACCORD_PLUGINS``; returns their names.

    Raises
    ------
    InputError
        A module that cannot be imported (``field='ACCORD_PLUGINS'``).
    """
    names = [n.strip() for n in (env if env is not None else os.environ).get(
        PLUGINS_ENV, "").split(",") if n.strip()]
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise InputError(f"cannot import question-type plugin {name!r}: {exc}",
                             field=PLUGINS_ENV) from None
    return names


def unregister(name: str) -> None:
    """Remove a question type (tests that register a toy type clean up with it)."""
    _TYPES.pop(name, None)


def question_type(name: str) -> QuestionType:
    """The registered type called ``name``.

    Raises
    ------
    InputError
        Unknown type, listing the registered ones (``field='type'``).

    Examples
    --------
    >>> t = question_type("rating")
    >>> t.agreement_metric, t.agreement_level, t.default_consensus
    ('alpha', 'ordinal', 'mean')
    """
    try:
        return _TYPES[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown question type {name!r}; expected one of "
                         f"{', '.join(_TYPES)}", field="type") from None


def all_question_types() -> list[QuestionType]:
    """Every registered type, in registration order (built-ins first)."""
    return list(_TYPES.values())


def question_type_names() -> tuple[str, ...]:
    return tuple(_TYPES)


def type_of(question: Any) -> QuestionType:
    """The registered type of a settings question model."""
    return question_type(question.type)
