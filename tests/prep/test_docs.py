"""Every CLI option is in docs/prep.md; every PrepConfig field is in its docstring."""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing

import pytest

from accord.cli.prep import prep_command
from accord.prep.config import PrepConfig
from tests.prep.conftest import REPO

DOC = (REPO / "docs" / "prep.md").read_text(encoding="utf-8")


def _cli_flags() -> list[str]:
    flags = []
    hints = typing.get_type_hints(prep_command, include_extras=True)
    for name in inspect.signature(prep_command).parameters:
        for meta in getattr(hints[name], "__metadata__", ()):
            # with Annotated, typer reads a string "default" as the first declaration
            default = getattr(meta, "default", None)
            decls = [default] if isinstance(default, str) else []
            decls += list(getattr(meta, "param_decls", ()) or ())
            for decl in decls:
                flags += [f for f in decl.split("/") if f.startswith("--")]
    return flags


@pytest.mark.parametrize("flag", _cli_flags())
def test_cli_option_is_documented(flag: str) -> None:
    assert re.search(rf"`{re.escape(flag)}[ `=|]", DOC), f"{flag} is not in docs/prep.md"


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(PrepConfig)])
def test_config_field_is_documented(field: str) -> None:
    doc = PrepConfig.__doc__ or ""
    assert re.search(rf"^    (\w+, )*{field}\b[\w, ]* :", doc, re.MULTILINE), field
