"""YAML (and JSON) text parsed once, remembering the line of every key and item.

Errors about a settings file or a rules file name the file, the line, the field and
what was expected; the field is a path such as ``questions[2].labels``, and
:meth:`YamlDoc.line` finds its line in the text the value came from.

Examples
--------
>>> doc = parse_yaml("fields:\\n  - {name: text, type: text}\\nquestions:\\n  - name: y\\n"
...                  "    labels: 3\\n")
>>> doc.data["questions"][0]["labels"], doc.line("questions[0].labels")
(3, 5)
>>> doc.line("questions[0].missing"), doc.line("questions[7]")   # the nearest known parent
(4, 4)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from accord.errors import InputError

__all__ = ["MAX_VALUES", "YamlDoc", "parse_yaml", "read_yaml", "split_path"]

#: values a document may stand for with its aliases expanded: settings and rules files
#: hold hundreds; nested aliases ("a billion laughs") can stand for billions in a few lines
MAX_VALUES = 100_000

_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def split_path(path: str) -> tuple[str | int, ...]:
    """``"questions[2].labels"`` -> ``("questions", 2, "labels")``.

    >>> split_path("rules[0].metadata.tier"), split_path("")
    (('rules', 0, 'metadata', 'tier'), ())
    """
    return tuple(int(m.group(1)) if m.group(1) is not None else m.group(2)
                 for m in _STEP.finditer(path))


@dataclass(frozen=True)
class YamlDoc:
    """A parsed document: its value and the node tree it was built from."""

    data: Any
    root: yaml.Node | None

    def line(self, path: str | Sequence[str | int]) -> int | None:
        """The 1-based line of the value at ``path``; where the path leaves the document
        (a missing key, an index past the end), the line of the deepest part that exists;
        ``None`` for an empty document."""
        steps = split_path(path) if isinstance(path, str) else tuple(path)
        node = self.root
        if node is None:
            return None
        for step in steps:
            child = _child(node, step)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1


def _child(node: yaml.Node, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                found: yaml.Node = value
                return found
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) \
            and 0 <= step < len(node.value):
        child: yaml.Node = node.value[step]
        return child
    return None


def _expanded_size(node: yaml.Node, seen: dict[int, int]) -> int:
    """How many values ``node`` stands for once every alias is expanded (an alias is the
    same node object as its anchor, so each node is counted once and reused)."""
    known = seen.get(id(node))
    if known is not None:
        return known
    seen[id(node)] = 1  # a recursive alias counts once
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, seen) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, seen) + _expanded_size(v, seen) for k, v in node.value)
    seen[id(node)] = size
    return size


def read_yaml(path: str | Path) -> YamlDoc:
    """:func:`parse_yaml` of a file's text. A missing or unreadable file, or one that is
    not UTF-8, is an :class:`~accord.errors.InputError` naming it (with the line of the
    first byte that is not)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path=str(p)) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path=str(p)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 at byte {exc.start}", path=str(p),
                         line=raw.count(b"\n", 0, exc.start) + 1) from None
    return parse_yaml(text, source=str(p))


def parse_yaml(text: str, *, source: str | None = None) -> YamlDoc:
    """Parse ``text`` with YAML's safe loader (JSON is YAML), keeping its node tree.

    Raises
    ------
    InputError
        ``not valid YAML/JSON: <problem>`` with the line of the problem and
        ``source`` as the path; or a document whose aliases expand to more than
        :data:`MAX_VALUES` values.
    """
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # its reader refuses unprintable characters here
        root = loader.get_single_node()
        if root is not None and (size := _expanded_size(root, {})) > MAX_VALUES:
            raise InputError(f"the document expands to {size:,} values through its aliases "
                             f"(*name); at most {MAX_VALUES:,} are read", path=source,
                             line=1)
        data = loader.construct_document(root) if root is not None else None
    except RecursionError:  # PyYAML composes and constructs nested values recursively
        raise InputError("not valid YAML/JSON: nested too deeply (lists and mappings "
                         "inside each other some hundreds of levels down)", path=source) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise InputError(f"not valid YAML/JSON: character U+{code:04X} is not allowed",
                         path=source, line=text.count("\n", 0, exc.position) + 1) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"not valid YAML/JSON: {problem}", path=source,
                         line=None if mark is None else mark.line + 1) from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDoc(data, root)
