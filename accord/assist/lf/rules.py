"""Labelling functions: YAML rules (regex, keywords, metadata conditions) or Python functions.

A YAML file has a top-level ``rules:`` list; each rule has a ``name``, the
``label`` it votes for, exactly one of ``regex:`` (Python :mod:`re` syntax,
inline flags such as ``(?i)`` allowed), ``keywords:`` (case-insensitive whole
words or phrases) or ``metadata:`` (``{key: value}`` equality, or ``{key: {op:
value}}`` with ``op`` one of ``eq, ne, in, not_in, gt, gte, lt, lte,
contains``), and an optional ``field:`` (default: every text field)::

    rules:
      - {name: great, label: positive, keywords: [great, excellent]}
      - {name: refund, label: negative, regex: "(?i)\\brefund(ed)?\\b", field: text}
      - {name: vip, label: positive, metadata: {tier: gold, stars: {gte: 4}}}

A ``.py`` file is a module whose functions decorated with
:func:`labeling_function` are the rules; each gets a :class:`RecordView` and
returns a label, ``True`` (the decorator's ``label``) or ``None``/``False``
to abstain.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.schema.yaml_lines import YamlDoc, read_yaml, split_path

__all__ = ["OPERATORS", "LabelingFunction", "RecordView", "labeling_function", "load_rules"]

OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains")
_KINDS = ("regex", "keywords", "metadata")
_KEYS = {"name", "label", "field", *_KINDS}


@dataclass(frozen=True)
class RecordView:
    """What a labelling function sees of a record: ``fields``, ``metadata``, ``text()``."""

    external_id: str
    fields: dict[str, Any]
    metadata: dict[str, Any]
    text_fields: tuple[str, ...] = ()

    def text(self, field: str | None = None, *, text_fields: Iterable[str] = ()) -> str:
        """One field as text, or every text field (default: the dataset's text, markdown
        and chat fields) joined by newlines."""
        names = [field] if field is not None else \
            list(text_fields) or list(self.text_fields) or list(self.fields)
        parts = []
        for name in names:
            value = self.fields.get(name)
            if isinstance(value, list):  # chat: the messages' contents
                parts.extend(str(m.get("content", "")) if isinstance(m, dict) else str(m)
                             for m in value)
            elif value is not None:
                parts.append(str(value))
        return "\n".join(parts)


@dataclass
class LabelingFunction:
    """One rule: ``vote(record) -> label or None``."""

    name: str
    label: Any
    kind: str  # regex, keywords, metadata or python
    vote: Callable[[RecordView], Any]
    field: str | None = None
    source: str = ""
    where: dict[str, Any] = dataclasses.field(default_factory=dict)
    line: int | None = None  # where the rule is written in ``source``


_Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def labeling_function(*, label: Any = None, name: str | None = None,
                      field: str | None = None) -> _Decorator:
    """Mark a function of a rules module as a labelling function.

    The function receives a :class:`RecordView` and returns a label, ``True``
    (meaning ``label``), or ``None``/``False`` to abstain.

    Examples
    --------
    >>> @labeling_function(label="positive")
    ... def great(record):
    ...     return "great" in record.text()
    >>> great._accord_lf["label"]
    'positive'
    """

    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn._accord_lf = {"label": label, "name": name or fn.__name__,  # type: ignore[attr-defined]
                         "field": field}
        return fn

    return mark


def load_rules(path: str | Path, *, labels: Iterable[Any] | None = None,
               text_fields: Iterable[str] = (), fields: Iterable[str] | None = None
               ) -> list[LabelingFunction]:
    """Read labelling functions from a YAML or Python file.

    Parameters
    ----------
    path : str or Path
        ``.yaml``/``.yml`` rules or a ``.py`` module.
    labels : iterable, optional
        The question's labels; a rule voting for another label is refused.
    text_fields : iterable of str
        The fields rules search when they name no ``field``.
    fields : iterable of str, optional
        Every field of the dataset; a rule naming another field is refused.

    Raises
    ------
    InputError
        Naming the file, the rule (index and name), the key and what was
        expected; a bad regex gives the :mod:`re` error and its position.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", path=str(path), field="--lfs")
    label_set = None if labels is None else list(labels)
    field_set = None if fields is None else list(fields)
    text_fields = list(text_fields)
    if path.suffix == ".py":
        rules = _load_module(path, text_fields)
    elif path.suffix in (".yaml", ".yml", ".json"):
        rules = _load_yaml(path, text_fields)
    else:
        raise InputError(f"expected a .yaml, .yml or .py file, got {path.suffix or 'no suffix'!r}",
                         path=str(path), field="--lfs")
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        where = f"rules[{i}] ({rule.name})"
        if rule.name in seen:
            raise InputError(f"two rules are named {rule.name!r}; names must be unique",
                             path=str(path), line=rule.line, field=f"{where}.name")
        seen.add(rule.name)
        if label_set is not None and rule.label is not None and rule.label not in label_set:
            raise InputError(f"expected one of the question's labels {label_set}, got "
                             f"{rule.label!r}", path=str(path), line=rule.line,
                             field=f"{where}.label")
        if field_set is not None and rule.field is not None and rule.field not in field_set:
            raise InputError(f"expected one of the dataset's fields {field_set}, got "
                             f"{rule.field!r}", path=str(path), line=rule.line,
                             field=f"{where}.field")
    if not rules:
        raise InputError("no labelling functions found", path=str(path), field="rules")
    return rules


def _load_yaml(path: Path, text_fields: list[str]) -> list[LabelingFunction]:
    doc = read_yaml(path)
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("rules"), list):
        raise InputError("expected a mapping with a 'rules:' list at the top level",
                         path=str(path), line=doc.line(()), field="rules")
    return [_yaml_rule(path, doc, i, item, text_fields)
            for i, item in enumerate(doc.data["rules"])]


def _yaml_rule(path: Path, doc: YamlDoc, i: int, item: Any,
               text_fields: list[str]) -> LabelingFunction:
    def fail(key: str, message: str, name: Any = None) -> InputError:
        where = f"rules[{i}]" + (f" ({name})" if name else "")
        return InputError(message, path=str(path), line=doc.line(("rules", i, *split_path(key))),
                          field=f"{where}.{key}" if key else where)

    if not isinstance(item, dict):
        raise fail("", f"expected a mapping with name, label and one of {', '.join(_KINDS)}, "
                       f"got {type(item).__name__}")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("name", f"expected a non-empty string, got {name!r}")
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key; expected keys {sorted(_KEYS)}", name)
    if item.get("label") is None:
        raise fail("label", "expected the label this rule votes for", name)
    kinds = [k for k in _KINDS if k in item]
    if len(kinds) != 1:
        raise fail("", f"expected exactly one of {', '.join(_KINDS)}, got "
                       f"{kinds or 'none'}", name)
    kind = kinds[0]
    fld = item.get("field")
    if fld is not None and not isinstance(fld, str):
        raise fail("field", f"expected a field name, got {fld!r}", name)
    spec = item[kind]
    if kind == "regex":
        if not isinstance(spec, str) or not spec:
            raise fail("regex", f"expected a regular expression string, got {spec!r}", name)
        try:
            pattern = re.compile(spec)
        except re.error as exc:
            raise fail("regex", f"invalid regular expression {spec!r}: {exc.msg} at position "
                                f"{exc.pos}", name) from None
    elif kind == "keywords":
        words = [spec] if isinstance(spec, str) else spec
        if not isinstance(words, list) or not words or \
                not all(isinstance(w, str) and w.strip() for w in words):
            raise fail("keywords", f"expected a non-empty list of words, got {spec!r}", name)
        pattern = keyword_pattern(words)
    else:
        conditions = _conditions(spec, lambda key, msg: fail(f"metadata.{key}", msg, name),
                                 fail("metadata", "expected a non-empty mapping {key: value "
                                                  "or {op: value}}", name))
        return LabelingFunction(name, item["label"], kind, _metadata_vote(conditions,
                                                                          item["label"]),
                                fld, str(path), {"metadata": spec}, doc.line(("rules", i)))
    return LabelingFunction(name, item["label"], kind,
                            _text_vote(pattern, item["label"], fld, text_fields), fld,
                            str(path), {kind: spec}, doc.line(("rules", i)))


def keyword_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of ``words`` as whole words.

    A word boundary is "no letter, digit or underscore next to it", so
    ``c++`` works too; the words of a phrase match across any run of spaces.

    Examples
    --------
    >>> bool(keyword_pattern(["great"]).search("A GREAT film")), \\
    ...     bool(keyword_pattern(["great"]).search("greatest"))
    (True, False)
    """
    alts = "|".join(r"\s+".join(re.escape(part) for part in w.split())
                    for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)


def _text_vote(pattern: re.Pattern[str], label: Any, fld: str | None,
               text_fields: list[str]) -> Callable[[RecordView], Any]:
    def vote(record: RecordView) -> Any:
        return label if pattern.search(record.text(fld, text_fields=text_fields)) else None

    return vote


_Condition = tuple[str, str, Any]


def _conditions(spec: Any, fail: Callable[[str, str], InputError],
                empty: InputError) -> list[_Condition]:
    if not isinstance(spec, dict) or not spec:
        raise empty
    out: list[_Condition] = []
    for key, cond in spec.items():
        if not isinstance(cond, dict):
            out.append((str(key), "eq", cond))
            continue
        if not cond:
            raise fail(str(key), f"expected {{op: value}} with op one of {', '.join(OPERATORS)}")
        for op, value in cond.items():
            if op not in OPERATORS:
                raise fail(str(key), f"unknown operator {op!r}; expected one of "
                                     f"{', '.join(OPERATORS)}")
            if op in ("in", "not_in") and not isinstance(value, list):
                raise fail(str(key), f"{op} expects a list, got {value!r}")
            if op in ("gt", "gte", "lt", "lte") and (
                    isinstance(value, bool) or not isinstance(value, int | float)):
                raise fail(str(key), f"{op} expects a number, got {value!r}")
            out.append((str(key), op, value))
    return out


def _holds(op: str, have: Any, want: Any) -> bool:
    if op == "eq":
        return bool(have == want)
    if op == "ne":
        return bool(have != want)
    if op == "in":
        return have in want
    if op == "not_in":
        return have not in want
    if op == "contains":
        return isinstance(have, str | list | dict) and want in have
    if isinstance(have, bool) or not isinstance(have, int | float):
        return False
    return {"gt": have > want, "gte": have >= want, "lt": have < want, "lte": have <= want}[op]


def _metadata_vote(conditions: list[_Condition], label: Any) -> Callable[[RecordView], Any]:
    missing = object()

    def vote(record: RecordView) -> Any:
        for key, op, want in conditions:
            have = record.metadata.get(key, missing)
            if have is missing or not _holds(op, have, want):
                return None
        return label

    return vote


def _load_module(path: Path, text_fields: list[str]) -> list[LabelingFunction]:
    name = f"_accord_lfs_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InputError("cannot load this file as a Python module", path=str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's code: report where it failed
        line = getattr(exc, "lineno", None)
        raise InputError(f"importing the rules module failed: {type(exc).__name__}: {exc}",
                         path=str(path), line=line) from None
    finally:
        sys.modules.pop(name, None)
    rules: list[LabelingFunction] = []
    for value in vars(module).values():
        mark = getattr(value, "_accord_lf", None)
        if callable(value) and isinstance(mark, dict):
            code = getattr(value, "__code__", None)
            rules.append(LabelingFunction(mark["name"], mark["label"], "python",
                                          _python_vote(value, mark["label"]), mark["field"],
                                          str(path), line=getattr(code, "co_firstlineno", None)))
    return rules


def _python_vote(fn: Callable[[RecordView], Any], label: Any) -> Callable[[RecordView], Any]:
    def vote(record: RecordView) -> Any:
        out = fn(record)
        if out is None or out is False:
            return None
        if out is True:
            return label
        return out

    return vote
