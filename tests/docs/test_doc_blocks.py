"""Every runnable block of README.md and docs/*.md runs against a real server (Datasette's habit).

Blocks are collected by tests/docs/blocks.py (the markers are described there)
and run in order, page by page, in one shared environment per page
(tests/docs/page.py). A failure names the page and the line of the block.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from accord.schema import parse_settings
from tests.docs.blocks import RUNNABLE, Block, all_blocks

BLOCKS = all_blocks()
# never run by the test: they install software or run the test suite itself
_UNSAFE = re.compile(r"\b(pip|uv|apt-get|apt)\s+install\b|^\s*make\b|\bgit\s+clone\b", re.M)
RUN = [b for b in BLOCKS if b.kind not in ("text",)]
# the page's blocks before each block, in the page's order, that change its environment
_EARLIER = {b.id: [p for p in RUN[:i] if p.page == b.page and p.kind in ("file", "bash",
                                                                        "python")]
            for i, b in enumerate(RUN)}


def _full_settings(block: Block) -> dict | None:
    """The settings a YAML block stands for: itself, or the page's first full one extended."""
    data = yaml.safe_load(block.code)
    assert isinstance(data, dict), f"{block.id}: a settings block must be a mapping"
    if "fields" in data or "questions" in data:
        return data
    base = None
    for other in BLOCKS:
        if other.page == block.page and other.line < block.line and other.kind == "yaml":
            loaded = yaml.safe_load(other.code)
            if "fields" in loaded and "questions" in loaded and base is None:
                base = loaded
    assert base is not None, f"{block.id}: a settings fragment needs a full settings block above"
    return {**base, **data}


def _lines(text: str) -> list[str]:
    return [ln.rstrip() for ln in text.strip().splitlines()]


def _check_output(block: Block, printed: str) -> None:
    """The documented output is the end of what the block above printed (JSON as values)."""
    if block.lang == "json":
        expected = [json.loads(x) for x in _json_documents(block.code)]
        got = []
        for line in reversed(printed.strip().splitlines()):
            if len(got) == len(expected):
                break
            try:
                got.insert(0, json.loads(line))
            except ValueError:
                break
        assert got == expected, (
            f"{block.id}: the documented output differs from what the block above printed\n"
            f"documented: {expected}\nprinted:    {got}")
        return
    expected_lines = _lines(block.code)
    got_lines = _lines(printed)[-len(expected_lines):]
    assert got_lines == expected_lines, (f"{block.id}: the documented output differs\n"
                                         f"documented:\n{block.code}\nprinted:\n{printed}")


def _json_documents(text: str) -> list[str]:
    """JSON values one after another (a JSON Lines file, or one value spread over lines)."""
    decoder = json.JSONDecoder()
    docs, pos, text = [], 0, text.strip()
    while pos < len(text):
        _, end = decoder.raw_decode(text, pos)
        docs.append(text[pos:end])
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return docs


@pytest.mark.parametrize("block", RUN, ids=[b.id for b in RUN])
def test_doc_block(block: Block, doc_pages) -> None:  # type: ignore[no-untyped-def]
    if block.kind == "skip":
        pytest.skip(f"marked in the page: {block.skip}")
    if block.kind == "yaml":
        parse_settings(_full_settings(block))
        return
    if block.kind == "bash" and _UNSAFE.search(block.code):
        pytest.fail(f"{block.id}: installs software, builds a virtualenv or clones; "
                    "mark it <!-- doctest: skip (REASON) -->")
    env = doc_pages.get(block.page)
    # A page's blocks build on each other. pytest-xdist's load distribution (plain ``-n``;
    # ``make test``'s ``--dist loadscope`` keeps them together) can hand the earlier ones to
    # another worker: run those here first, in order, without checking their output (their
    # own tests do).
    for earlier in _EARLIER[block.id]:
        if earlier.id not in env.ran and not (earlier.kind == "bash"
                                              and _UNSAFE.search(earlier.code)):
            _run(earlier, env, check=False)
    _run(block, env, check=True)


def _run(block: Block, env, *, check: bool) -> None:  # type: ignore[no-untyped-def]
    env.ran.add(block.id)  # tried: a failed block is not run again for a later one
    if block.kind == "file":
        env.write_file(block.file, block.code)
    elif block.kind == "output":
        if check:
            _check_output(block, env.last_stdout)
    elif block.kind == "bash":
        env.run_bash(block.code, block.id)
    elif block.kind == "python":
        env.run_python(block.code, block.id)
    else:  # pragma: no cover - kinds are closed
        raise AssertionError(block.kind)


def test_markers_are_understood() -> None:
    """Every block the reader might run is either run or marked skip with a reason."""
    runnable = [b for b in BLOCKS if b.lang in RUNNABLE]
    assert runnable, "no runnable blocks found"
    for b in BLOCKS:
        if b.output:
            assert b.lang in ("json", "", "text"), f"{b.id}: output blocks are json or text"
