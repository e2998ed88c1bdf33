"""What an export selects and how: every option of ``accord export`` in one dataclass.

The same options drive the CLI, the Python API and the download endpoint
(``GET /api/v1/datasets/{name}/export``), so one parser,
:func:`options_from_mapping`, turns strings (CLI flags, query parameters)
into :class:`ExportOptions` and names the offending option on bad input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from accord.errors import InputError
from accord.io import catalog

__all__ = [
    "CONTAINERS",
    "PAIRS",
    "STATUSES",
    "TEXTS",
    "ExportOptions",
    "options_from_mapping",
    "describe_options",
    "parse_split",
]

STATUSES = ("submitted", "reviewed")
PAIRS = ("best-worst", "all")
TEXTS = ("one", "all")
CONTAINERS = tuple(catalog.CONTAINERS)


@dataclass
class ExportOptions:
    """Selection, aggregation, splits and output of one export.

    Attributes
    ----------
    fmt : str
        Output format (see :data:`accord.io.exporters.EXPORT_FORMATS`).
    to : str or None
        Container: ``jsonl``, ``csv``, ``parquet`` (one file), ``hub`` (a
        directory of Parquet shards plus a README.md dataset card, the layout
        of a Hugging Face dataset repository) or ``disk`` (``save_to_disk``
        plus README.md). Default: from the format and the output name.
    prompt_field, question, completion_field : str or None
        Which field is the prompt, which question drives the export, which
        field is the completion (auto-detected from the settings when unset).
    aggregate : str or None
        Aggregation method (``mv``, ``wmv``, ``ds``, ``onecoin``, ``glad``,
        ``mace`` for labels and choices; ``mean``, ``median``,
        ``trimmed_mean`` for ratings; ``bt``, ``rp``, ``borda`` for rankings;
        ``vote`` for spans). Unset: each question type's default.
    min_agreement : float or None
        Keep records whose agreement on the question is at least this.
    min_responses : int or None
        Keep records with at least this many usable responses.
    status : {"submitted", "reviewed"}
        ``submitted``: every submitted response except rejected ones (fixes
        applied); ``reviewed``: only accepted or fixed responses.
    drop_contradictory, exclude_gold : bool
    pairs : {"best-worst", "all"}
        Preference pairs from a ranking: best against worst, or every pair.
    kto_threshold : float or None
        Ratings at or above it are desirable (KTO ``label`` true).
    kto_desirable : tuple of str
        Labels (of a label question) that count as desirable for KTO.
    texts : {"one", "all"}
        SFT completions from a text question: one per record (a reviewer's
        fix, else an accepted answer, else the first submitted) or every
        distinct answer.
    system_prompt : str or None
        Prepended as a system message to text prompts.
    margin : bool
        Add a ``margin`` column to preference pairs.
    split : dict of str to float or None
        ``{"train": 0.9, "test": 0.1}``.
    seed : int
    near_dup : float or None
        Also group near-duplicate prompts (MinHash Jaccard >= this) in splits.
    license : str
    card : bool or None
        Write a README.md dataset card (default: for ``hub`` and ``disk``).
    command : str or None
        The command line, recorded in the card.
    shard_rows : int
        Rows per Parquet shard (``hub``).
    part : str or None
        Only this split (downloads).
    all_responses : bool
        ``coco``: every annotator's answer (each annotation names its
        ``annotator``) instead of the consensus.
    redact_pii : bool
        Replace each PII finding a reviewer confirmed (``metadata._pii``) with
        ``[ENTITY]`` in the exported fields.
    drop_pii : bool
        Leave out records with any confirmed PII finding.
    with_vectors : bool
        Whole-record formats (``jsonl``, ``csv``, ``parquet``, ``hf``): add each
        record's stored vectors, ``{name: [floats]}`` (``vectors`` column; JSON text
        in flat tables).
    """

    fmt: str = "jsonl"
    to: str | None = None
    prompt_field: str | None = None
    question: str | None = None
    completion_field: str | None = None
    aggregate: str | None = None
    min_agreement: float | None = None
    min_responses: int | None = None
    status: str = "submitted"
    drop_contradictory: bool = False
    exclude_gold: bool = False
    pairs: str = "best-worst"
    kto_threshold: float | None = None
    kto_desirable: tuple[str, ...] = ()
    texts: str = "one"
    system_prompt: str | None = None
    margin: bool = True
    split: dict[str, float] | None = None
    seed: int = 42
    near_dup: float | None = None
    license: str = "other"
    card: bool | None = None
    command: str | None = None
    shard_rows: int = 500_000
    part: str | None = None
    all_responses: bool = False
    redact_pii: bool = False
    drop_pii: bool = False
    with_vectors: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        """Validate the values that do not depend on the dataset.

        Raises
        ------
        InputError
            Naming the option (``field='--status'``) and what is allowed.
        """
        _choice(self.status, STATUSES, "--status")
        _choice(self.pairs, PAIRS, "--pairs")
        _choice(self.texts, TEXTS, "--texts")
        if self.to is not None:
            _choice(self.to, CONTAINERS, "--to")
        if self.min_agreement is not None and not 0.0 <= self.min_agreement <= 1.0:
            raise InputError(f"expected a number from 0 to 1, got {self.min_agreement}",
                             field="--min-agreement")
        if self.min_responses is not None and self.min_responses < 1:
            raise InputError(f"expected 1 or more, got {self.min_responses}",
                             field="--min-responses")
        if self.near_dup is not None and not 0.0 < self.near_dup < 1.0:
            raise InputError(f"expected a Jaccard threshold between 0 and 1, got "
                             f"{self.near_dup}", field="--near-dup")
        if self.shard_rows < 1:
            raise InputError(f"expected 1 or more, got {self.shard_rows}", field="--shard-rows")
        if self.part is not None and (not self.split or self.part not in self.split):
            names = sorted(self.split or {})
            raise InputError(f"part {self.part!r} is not a split; splits are {names}",
                             field="part")


def _choice(value: str, allowed: tuple[str, ...], option: str) -> None:
    if value not in allowed:
        raise InputError(f"expected one of {', '.join(allowed)}, got {value!r}", field=option)


def parse_split(text: str | None) -> dict[str, float] | None:
    """Parse ``"train=0.9,test=0.1"``; the shares must be positive and sum to 1.

    Examples
    --------
    >>> parse_split("train=0.9,test=0.1")
    {'train': 0.9, 'test': 0.1}
    """
    if text is None or not text.strip():
        return None
    out: dict[str, float] = {}
    for part in text.split(","):
        name, sep, share = part.partition("=")
        name = name.strip()
        try:
            value = float(share)
        except ValueError:
            value = math.nan
        if not sep or not name or not name.replace("-", "_").isidentifier() or \
                not 0.0 < value <= 1.0:
            raise InputError(f"expected NAME=SHARE pairs like train=0.9,test=0.1 with shares "
                             f"in (0, 1], got {part.strip()!r}", field="--split")
        if name in out:
            raise InputError(f"split {name!r} given twice", field="--split")
        out[name] = value
    total = sum(out.values())
    if abs(total - 1.0) > 1e-6:
        raise InputError(f"the shares must sum to 1, they sum to {total:g}", field="--split")
    return out


_FLOATS = {"min_agreement", "kto_threshold", "near_dup"}
_INTS = {"min_responses", "seed", "shard_rows"}
_BOOLS = {"drop_contradictory", "exclude_gold", "margin", "card", "all_responses",
          "redact_pii", "drop_pii", "with_vectors"}


def options_from_mapping(values: Mapping[str, Any]) -> ExportOptions:
    """Build options from strings (query parameters); unknown keys are an error.

    Keys are the attribute names with ``-`` or ``_`` (``min-agreement``);
    ``format`` is accepted for ``fmt``.

    Raises
    ------
    InputError
        Naming the parameter, for unknown keys and unparsable values.
    """
    known = {f.name for f in fields(ExportOptions)} - {"extra", "command"}
    kwargs: dict[str, Any] = {}
    for raw_key, raw in values.items():
        key = raw_key.replace("-", "_")
        key = "fmt" if key == "format" else key
        if key not in known:
            raise InputError(f"unknown export option {raw_key!r}; options are "
                             f"{sorted(k.replace('_', '-') for k in known)}", field=raw_key)
        if raw is None:
            continue
        kwargs[key] = _convert(key, raw, raw_key)
    options = ExportOptions(**kwargs)
    options.check()
    return options


def _convert(key: str, raw: Any, name: str) -> Any:
    if key == "split":
        return parse_split(str(raw))
    if key == "kto_desirable":
        return tuple(v.strip() for v in str(raw).split(",") if v.strip())
    try:
        if key in _FLOATS:
            return float(raw)
        if key in _INTS:
            return int(raw)
    except ValueError:
        raise InputError(f"expected a number, got {raw!r}", field=name) from None
    if key in _BOOLS:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise InputError(f"expected true or false, got {raw!r}", field=name)
    return str(raw)


_COMMON_OPTIONS = ("to", "aggregate", "min_agreement", "min_responses", "status",
                   "drop_contradictory", "exclude_gold", "split", "seed", "near_dup", "license",
                   "card", "shard_rows", "part", "redact_pii", "drop_pii")
_KIND_OPTIONS: dict[str, tuple[str, ...]] = {
    "records": ("question", "with_vectors"),
    "sft": ("prompt_field", "question", "completion_field", "texts", "system_prompt"),
    "preference": ("prompt_field", "question", "pairs", "margin", "system_prompt"),
    "kto": ("prompt_field", "question", "completion_field", "kto_threshold", "kto_desirable",
            "system_prompt"),
    "spans": ("question",),
    "images": ("all_responses",),
    "audio": (),
    "point_clouds": (),
    "video": ("question",),
}
_CHOICES = {"status": STATUSES, "pairs": PAIRS, "texts": TEXTS}


def _attribute_docs() -> dict[str, str]:
    """The numpydoc ``Attributes`` of :class:`ExportOptions`, one line of text per name."""
    doc = ExportOptions.__doc__ or ""
    out: dict[str, str] = {}
    names: list[str] = []
    for line in doc.split("Attributes", 1)[-1].splitlines()[2:]:
        if line.startswith("    ") and not line.startswith("        ") and " : " in line:
            names = [n.strip() for n in line.split(" : ")[0].split(",")]
            for n in names:
                out[n] = ""
        elif line.startswith("        ") and names:
            for n in names:
                out[n] = (out[n] + " " + line.strip()).strip()
    return out


def describe_options(kind: str, containers: tuple[str, ...]) -> list[dict[str, Any]]:
    """The options an export of ``kind`` reads: name (as a query parameter), type, default,
    choices and the documentation of :class:`ExportOptions` (served by ``GET /api/v1/meta``)."""
    docs = _attribute_docs()
    defaults = ExportOptions()
    out = []
    for key in _KIND_OPTIONS[kind] + _COMMON_OPTIONS:
        kind_of = ("number" if key in _FLOATS else "integer" if key in _INTS
                   else "boolean" if key in _BOOLS else "string")
        item: dict[str, Any] = {"name": key.replace("_", "-"), "type": kind_of,
                                "default": getattr(defaults, key),
                                "description": docs.get(key, "")}
        if key == "to":
            item["choices"] = list(containers)
            item["default"] = containers[0]
        elif key in _CHOICES:
            item["choices"] = list(_CHOICES[key])
        if isinstance(item["default"], tuple):
            item["default"] = list(item["default"])
        out.append(item)
    return out
