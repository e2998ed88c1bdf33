"""The runnable blocks of README.md and docs/*.md, found the way a reader sees them.

A fenced block's language says what it is:

- ``bash``/``sh``/``shell``: commands, run by bash in the page's shared shell;
- ``python``: run in the page's shared Python process;
- ``yaml``: a settings file, validated by :func:`accord.schema.parse_settings`
  (a block without ``fields``/``questions`` extends the page's last full one);
- anything else (``json``, ``csv``, no language): an illustration, not run.

HTML comments on the line(s) before a block change that:

- ``<!-- doctest: skip (REASON) -->``: not run (it needs the internet, a hub
  account, a Ray cluster, a real LLM...); the test lists it with its reason;
- ``<!-- doctest: file NAME -->``: the block is written to NAME in the page's
  working directory (a settings file, a CSV...) for the blocks after it;
- ``<!-- doctest: output -->``: the block is what the previous block printed
  (JSON compared as values, line by line; other text line by line);

and a hidden block runs where it stands (the page's explicit setup):
``<!-- doctest: setup bash`` or ``<!-- doctest: setup python``, the code, ``-->``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHELL = {"bash", "sh", "shell"}
RUNNABLE = SHELL | {"python", "yaml"}

_FENCE = re.compile(r"^(\s*)(```+)\s*([\w+-]*)\s*(.*)$")
_MARK = re.compile(r"^\s*<!--\s*doctest:\s*(skip|file|output)\b\s*(.*?)\s*-->\s*$")
_SETUP = re.compile(r"^\s*<!--\s*doctest:\s*setup\s+(bash|python)\s*$")


@dataclass(frozen=True)
class Block:
    page: str            # path relative to the repository, e.g. "docs/api.md"
    line: int            # 1-based line of the opening fence (or of the setup comment)
    lang: str            # "bash", "python", "yaml", "json", ...
    code: str
    hidden: bool = False
    skip: str | None = None      # the reason, for a block marked skip
    file: str | None = None      # write the block to this file
    output: bool = False         # compare with the previous block's stdout

    @property
    def kind(self) -> str:
        if self.skip is not None:
            return "skip"
        if self.file is not None:
            return "file"
        if self.output:
            return "output"
        if self.lang in SHELL:
            return "bash"
        if self.lang in ("python", "yaml"):
            return self.lang
        return "text"

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}" + ("(setup)" if self.hidden else "")


def pages() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def parse_page(path: Path) -> list[Block]:
    """Every fenced block and hidden setup block of one Markdown page, in order."""
    rel = path.relative_to(REPO).as_posix()
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks: list[Block] = []
    pending: dict[str, str] = {}
    i = 0
    while i < len(lines):
        text = lines[i]
        setup = _SETUP.match(text)
        if setup:
            end = i + 1
            while end < len(lines) and lines[end].strip() != "-->":
                end += 1
            if end == len(lines):
                raise ValueError(f"{rel}:{i + 1}: doctest setup comment is never closed")
            blocks.append(Block(rel, i + 1, setup.group(1), "\n".join(lines[i + 1:end]) + "\n",
                                hidden=True))
            i = end + 1
            continue
        mark = _MARK.match(text)
        if mark:
            kind, arg = mark.groups()
            if kind == "skip" and not re.fullmatch(r"\(.+\)", arg):
                raise ValueError(f"{rel}:{i + 1}: doctest skip needs a reason in parentheses")
            if kind == "file" and not arg:
                raise ValueError(f"{rel}:{i + 1}: doctest file needs a file name")
            pending[kind] = arg.strip("()") if kind == "skip" else arg
            i += 1
            continue
        fence = _FENCE.match(text)
        if fence:
            indent, ticks, lang, _info = fence.groups()
            end = i + 1
            while end < len(lines) and not re.match(rf"^\s*{ticks}\s*$", lines[end]):
                end += 1
            if end == len(lines):
                raise ValueError(f"{rel}:{i + 1}: code block is never closed")
            body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip()
                    for ln in lines[i + 1:end]]
            blocks.append(Block(rel, i + 1, lang.lower(), "\n".join(body) + "\n",
                                skip=pending.get("skip"), file=pending.get("file"),
                                output="output" in pending))
            pending = {}
            i = end + 1
            continue
        if text.strip() and pending:
            raise ValueError(f"{rel}:{i + 1}: a doctest marker must stand right before a block")
        i += 1
    return blocks


@functools.cache
def all_blocks() -> tuple[Block, ...]:
    return tuple(b for page in pages() for b in parse_page(page))
