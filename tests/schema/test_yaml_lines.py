"""accord.schema.yaml_lines: the value of a YAML text and the line of every path in it."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import InputError
from accord.schema.yaml_lines import MAX_VALUES, parse_yaml, read_yaml, split_path

_KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
_SCALARS = st.one_of(st.integers(-1000, 1000), st.booleans(), st.none(),
                     st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12))
_TREES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=4),
    st.dictionaries(_KEYS, inner, min_size=1, max_size=4)), max_leaves=20)


def _leaves(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*path, i))]
    return [path]


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(_KEYS, _TREES, min_size=1, max_size=5))
def test_every_leaf_is_found_on_the_line_that_writes_it(tree):
    """In block style every scalar sits on its own line, after its key or its dash; the
    value is the one ``yaml.safe_load`` gives (one parse, the same constructor)."""
    text = yaml.safe_dump(tree, default_flow_style=False, sort_keys=False, width=10_000)
    doc = parse_yaml(text)
    assert doc.data == yaml.safe_load(text) == tree
    lines = text.splitlines()
    for path in _leaves(tree):
        written = lines[doc.line(path) - 1]
        last = path[-1]
        if isinstance(last, str):  # a key YAML would read as a boolean is written quoted
            assert re.match(rf"[ -]*(['\"]?){last}\1:", written), (path, written)
        else:
            assert written.lstrip().startswith("-"), (path, written)
        # a path that leaves the document stops at its deepest part that exists
        assert doc.line((*path, "no_such_key")) == doc.line(path)


def test_paths_as_text_and_the_parents_of_missing_parts():
    doc = parse_yaml("a:\n  b:\n    - x\n    - {c: 1}\n")
    assert split_path("a.b[1].c") == ("a", "b", 1, "c")
    assert doc.line("a.b[1].c") == 4 and doc.line("a.b[0]") == 3
    assert doc.line("a.b[9]") == doc.line("a.b") == 3  # a block sequence starts at its dash
    assert doc.line("zz") == doc.line("") == 1
    assert parse_yaml("").data is None and parse_yaml("").line("a") is None


@pytest.mark.parametrize(("text", "line"), [("a: [1, 2\n", 2), ("a: 1\n b: 2\n", 2),
                                            ("a: 1\n\t- b\n", 2), ('{"a": 1\n', 2),
                                            ("a: 1\nb: \ud874\n", 2),  # a lone surrogate
                                            ("a: \x00\n", 1)])
def test_broken_text_names_the_source_and_the_line(text, line):
    with pytest.raises(InputError) as err:
        parse_yaml(text, source="s.yaml")
    assert (err.value.path, err.value.line) == ("s.yaml", line)
    assert err.value.message.startswith("not valid YAML/JSON: ")
    if "\ud874" in text:
        assert err.value.message.endswith("character U+D874 is not allowed")


def _laughs(levels: int) -> str:
    """Nested aliases: each level a list of 9 references to the one below it."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + f"\nfields: *a{levels - 1}\n"


def test_aliases_that_expand_past_the_limit_are_refused_before_anything_is_built():
    assert parse_yaml(_laughs(4)).data["fields"][8][8][8][8] == "x"  # 9**4 values: read
    with pytest.raises(InputError) as err:
        parse_yaml(_laughs(8), source="s.yaml")  # 9**8 = 43 million values in 8 lines
    assert (err.value.path, err.value.line) == ("s.yaml", 1)
    assert f"at most {MAX_VALUES:,} are read" in err.value.message
    recursive = parse_yaml("a: &a [1, *a]\n").data["a"]
    assert recursive[1] is recursive  # counted once, not followed forever


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000,
                                  "a:\n" + "".join(" " * i + "- \n" for i in range(1, 3000))])
def test_nesting_past_what_the_parser_can_follow_is_an_input_error(text):
    with pytest.raises(InputError, match="nested too deeply") as err:
        parse_yaml(text, source="s.yaml")
    assert err.value.path == "s.yaml"


def test_a_file_that_is_missing_unreadable_or_not_utf8_is_an_input_error(tmp_path):
    latin = tmp_path / "rules.yaml"
    latin.write_bytes(b"rules:\n  - {name: caf\xe9, label: pos, keywords: [x]}\n")
    with pytest.raises(InputError) as err:
        read_yaml(latin)
    assert (err.value.path, err.value.line) == (str(latin), 2)
    assert err.value.message == "not valid UTF-8 at byte 21"
    with pytest.raises(InputError, match="file not found"):
        read_yaml(tmp_path / "nothing.yaml")
    with pytest.raises(InputError, match="cannot read the file: Is a directory"):
        read_yaml(tmp_path)
    (tmp_path / "ok.yaml").write_text("a: [1]\n")
    assert read_yaml(tmp_path / "ok.yaml").line("a[0]") == 1
