"""What every question type shares: the settings base model and the type declaration.

A question type is one :class:`QuestionType` object, declared in its own module
of this package and registered with :func:`accord.schema.questions.registry.register`.
The object says everything accord needs to know about the type:

- ``model``: the pydantic settings model (``type: Literal["<name>"]`` plus its options);
- ``validate(value, question, record_fields)``: check one response value and
  return it normalized, raising :class:`~accord.errors.InputError` naming the
  question and what was expected;
- agreement: the metric and level used for it everywhere (``agreement_metric``,
  ``agreement_level``) and the metrics that apply at all (``applicable_metrics``;
  :meth:`QuestionType.metric_refusal` says why another one does not);
- consensus: ``consensus_methods`` and ``default_consensus``;
- ``export_roles``: how exports use its answers (see :data:`EXPORT_ROLES`);
- UI metadata: ``title``, ``description``, the settings-builder ``form`` and
  the JS ``widget`` (a module under ``accord/ui/static/js/questions/``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from accord.errors import InputError

__all__ = ["AGREEMENT_METRICS", "CLASSIFICATION_METHODS", "DEFAULT_CLASSIFICATION_METHOD",
           "EXPORT_ROLES", "NOMINAL_METRICS", "FormField", "Labelled", "QuestionBase",
           "QuestionType", "fail", "labelled_form", "normalize_labels", "short"]

_NAME = r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$"

NOMINAL_METRICS = ("alpha", "fleiss", "cohen", "scott", "gwet", "percent")
"""The label agreement metrics of :func:`accord.quality.agreement.agreement_score`."""

AGREEMENT_METRICS: dict[str, str] = {
    "alpha": "Krippendorff's alpha",
    "fleiss": "Fleiss' kappa (nominal only)",
    "cohen": "Cohen's kappa (Light's kappa: mean over annotator pairs)",
    "scott": "Scott's pi (mean over annotator pairs)",
    "gwet": "Gwet's AC1 (nominal) or AC2 (weighted)",
    "percent": "observed agreement (nominal only)",
    "span_f1": "span F1 between annotators (exact character offsets and label)",
    "region_f1": "F1 of matched regions at IoU 0.5 (object keypoint similarity for keypoints, "
                 "3D IoU for cuboids), with the mean IoU of the matches",
    "kendall_w": "Kendall's coefficient of concordance W over the rankings",
    "track_mot": "IDF1 of the tracks between annotators (boxes matched per frame at IoU 0.5 by "
                 "the Hungarian algorithm), with CLEAR MOT's MOTA and MOTP",
}
"""Every agreement metric a question type may name, with a one-line description."""

CLASSIFICATION_METHODS = ("mv", "wmv", "ds", "onecoin", "glad", "mace", "bcc", "pool")
"""Aggregators of :data:`accord.quality.aggregation.AGGREGATORS` (one answer out of classes);
spelled out so that the schema never imports numpy (a test checks they match)."""
DEFAULT_CLASSIFICATION_METHOD = "pool"
"""The default of every question type aggregated as classes (label, choice, ...)."""

EXPORT_ROLES: dict[str, str] = {
    "label_column": "its consensus is one scalar column of a records export (csv, parquet)",
    "consensus_column": "its consensus can be added to a records export (--aggregate) and the "
                        "dataset card",
    "records_filter": "it can drive the agreement filters of a records export "
                      "(--min-agreement, --drop-contradictory)",
    "sft_target": "its answers are the completions of SFT exports",
    "preference_pair": "its answers make chosen/rejected pairs (DPO, reward, OpenAI DPO)",
    "kto_label": "its answers say desirable or not (KTO)",
    "spans": "its answers are the spans of a CoNLL/BIO export",
    "regions": "its answers are the annotations of a COCO export",
    "audio_segments": "its answers are the rows of an audio-segments export",
    "cuboids": "its answers are the 3D boxes of a KITTI or cuboids export",
    "video_tracks": "its answers are the tracks of a MOT Challenge or COCO-video export",
}
"""What an export can do with a question's answers; a type lists the roles it plays."""


def short(value: Any) -> str:
    """``repr`` of a value, cut to 80 characters, for error messages."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def fail(question: str, message: str) -> InputError:
    """The error of a bad value: ``field`` is the question's name."""
    return InputError(message, field=question)


def normalize_labels(value: object, minimum: int) -> dict[str, str]:
    """Accept a list of labels, a ``{value: display text}`` mapping, or a list of
    ``[value, display text]`` pairs (how the database keeps a mapping in order:
    accord.store.datasets); the order given is kept."""
    if isinstance(value, dict):
        labels = {str(k): str(v) for k, v in value.items()}
    elif isinstance(value, (list, tuple)):
        labels = {}
        for item in value:
            text = None
            if isinstance(item, (list, tuple)) and len(item) == 2 and all(
                    isinstance(x, str) for x in item):
                item, text = item
            if not isinstance(item, (str, int)) or isinstance(item, bool):
                raise ValueError(f"labels must be strings, got {type(item).__name__}")
            key = str(item)
            if key in labels:
                raise ValueError(f"duplicate label {key!r}")
            labels[key] = key if text is None else text
    else:
        raise ValueError(f"expected a list of labels or a mapping, got {type(value).__name__}")
    if any(not k.strip() for k in labels):
        raise ValueError("labels must not be empty strings")
    if len(labels) < minimum:
        raise ValueError(f"needs at least {minimum} label{'s' if minimum > 1 else ''}")
    return labels


class QuestionBase(BaseModel):
    """Options every question has: ``name``, ``title``, ``description``, ``required``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_NAME)
    title: str | None = None
    description: str | None = None
    required: bool = False

    @property
    def display(self) -> str:
        return self.title or self.name

    def referenced_fields(self) -> list[str]:
        return []


class Labelled(QuestionBase):
    """A question with ``labels`` (a list or a ``{value: display text}`` mapping).

    ``retired`` labels stay valid answers (stored answers keep them, exports and
    agreement count them) but the annotation widgets no longer offer them.
    """

    labels: dict[str, str]
    retired: list[str] | None = None
    min_labels: ClassVar[int] = 2

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, value: object) -> dict[str, str]:
        return normalize_labels(value, cls.min_labels)

    @model_validator(mode="after")
    def _retired(self) -> Labelled:
        if self.retired:
            unknown = [r for r in self.retired if r not in self.labels]
            if unknown:
                raise ValueError(f"retired labels {unknown} are not labels of the question; "
                                 f"labels are {list(self.labels)}")
            if len(set(self.retired)) >= len(self.labels):
                raise ValueError("every label is retired; keep at least one")
        return self


@dataclass(frozen=True)
class FormField:
    """One input of the settings builder for a question option.

    ``kind`` is how the web UI renders and reads it: ``list`` (comma-separated
    strings), ``field`` (a field name), ``fields`` (several field names, one
    input per entry of ``labels``), ``int``, ``bool``, ``text`` or ``pairs``
    (``a-b, c-d``: a list of two-element lists).
    """

    key: str
    kind: str
    label: str
    required: bool = False
    default: Any = None
    labels: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "kind": self.kind, "label": self.label,
                               "required": self.required}
        if self.default is not None:
            out["default"] = self.default
        if self.labels:
            out["labels"] = list(self.labels)
        return out


def labelled_form(label: str = "Labels (comma-separated)", **extra: Any) -> FormField:
    return FormField("labels", "list", label, required=True, **extra)


_FORM_KINDS = ("list", "field", "fields", "int", "bool", "text", "pairs")


@dataclass(frozen=True)
class QuestionType:
    """Everything about one question type (see the module docstring).

    Attributes
    ----------
    name : str
        The ``type`` of the settings (``"label"``).
    model : type of QuestionBase
        Settings model; its ``type`` field is ``Literal[name]``.
    validate : callable
        ``validate(value, question, record_fields) -> value``.
    title, description : str
        For people (the settings builder, /api/v1/meta, the docs).
    value_example : object
        A valid response value, documented and tested.
    settings_example : dict
        The options of a valid question (without ``name`` and ``type``) that
        ``value_example`` answers; its ``field``/``fields`` name fields of
        ``field_types`` (``prompt``, ``candidates``, ``image``, ``clip``...).
    agreement_metric : str or None
        The metric used for this type everywhere (a key of :data:`AGREEMENT_METRICS`);
        None: agreement is not measured.
    agreement_level : str or None
        Its level (``nominal``, ``ordinal``, ``interval``) when the metric has one.
    applicable_metrics : tuple of str
        Every metric that applies (the first is usually ``agreement_metric``).
    consensus_methods : tuple of str
        Aggregation methods (names of :mod:`accord.quality.aggregation`'s catalogue).
    default_consensus : str or None
        One of ``consensus_methods``; None when there is no consensus.
    export_roles : frozenset of str
        Keys of :data:`EXPORT_ROLES`.
    field_types : tuple of str
        Field types the question's ``field``/``fields`` must have (empty: any).
    field_key : str
        The settings key that names the referenced fields (``field`` or ``fields``).
    form : tuple of FormField
        The settings-builder inputs beyond name, type and required.
    widget : str
        The JS widget module (``js/questions/<widget>.js``).
    wide : bool
        The annotation page gives the widget the full width (spans, images, audio...).
    shows_fields : bool
        The widget shows the fields the question refers to itself, so the page
        does not show them again beside it.
    refusals : dict of str to str
        Why a metric of :data:`AGREEMENT_METRICS` does not apply, when the
        generic reason is not enough.
    """

    name: str
    model: type[QuestionBase]
    validate: Callable[[Any, Any, dict[str, Any]], Any]
    title: str
    description: str
    value_example: Any
    settings_example: dict[str, Any]
    agreement_metric: str | None
    agreement_level: str | None
    applicable_metrics: tuple[str, ...]
    consensus_methods: tuple[str, ...]
    default_consensus: str | None
    export_roles: frozenset[str]
    widget: str
    form: tuple[FormField, ...] = ()
    wide: bool = False
    shows_fields: bool = False
    field_types: tuple[str, ...] = ()
    field_key: str = "field"
    refusals: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if self.agreement_metric is not None and \
                self.agreement_metric not in self.applicable_metrics:
            problems.append(f"agreement_metric {self.agreement_metric!r} is not in "
                            f"applicable_metrics {self.applicable_metrics}")
        unknown = [m for m in self.applicable_metrics if m not in AGREEMENT_METRICS]
        if unknown:
            problems.append(f"unknown agreement metrics {unknown}; known: "
                            f"{list(AGREEMENT_METRICS)}")
        if self.default_consensus is not None and \
                self.default_consensus not in self.consensus_methods:
            problems.append(f"default_consensus {self.default_consensus!r} is not in "
                            f"consensus_methods {self.consensus_methods}")
        if self.consensus_methods and self.default_consensus is None:
            problems.append("consensus_methods given without a default_consensus")
        bad_roles = sorted(set(self.export_roles) - set(EXPORT_ROLES))
        if bad_roles:
            problems.append(f"unknown export roles {bad_roles}; known: {list(EXPORT_ROLES)}")
        bad_forms = [f.key for f in self.form if f.kind not in _FORM_KINDS]
        if bad_forms:
            problems.append(f"form fields {bad_forms} have an unknown kind; kinds are "
                            f"{list(_FORM_KINDS)}")
        type_field = self.model.model_fields.get("type")
        if type_field is None or getattr(type_field.annotation, "__args__", ()) != (self.name,):
            problems.append(f"the settings model needs type: Literal[{self.name!r}]")
        if not problems:
            problems += self._example_problems()
        if problems:
            raise ValueError(f"question type {self.name!r}: " + "; ".join(problems))

    def _example_problems(self) -> list[str]:
        """The documented examples must hold: the settings parse and the value validates."""
        from pydantic import ValidationError

        try:
            question = self.example_question()
        except ValidationError as exc:
            return [f"settings_example does not validate: {exc.errors()[0]['msg']}"]
        try:
            self.validate(self.value_example, question, {})
        except InputError as exc:
            return [f"value_example does not validate: {exc.message}"]
        return []

    def example_question(self, name: str = "example") -> QuestionBase:
        """A question of this type built from ``settings_example``."""
        return self.model.model_validate({"name": name, "type": self.name,
                                          **self.settings_example})

    def metric_refusal(self, metric: str) -> str | None:
        """Why ``metric`` does not apply to this type, or None when it does.

        Examples
        --------
        >>> from accord.schema.questions import question_type
        >>> question_type("label").metric_refusal("alpha") is None
        True
        >>> question_type("text").metric_refusal("alpha")
        'alpha does not apply to text questions: free text has no agreement metric'
        """
        if metric in self.applicable_metrics:
            return None
        if metric in self.refusals:
            return f"{metric} does not apply to {self.name} questions: {self.refusals[metric]}"
        if metric not in AGREEMENT_METRICS:
            return f"unknown agreement metric {metric!r}; metrics are {list(AGREEMENT_METRICS)}"
        if not self.applicable_metrics:
            why = self.refusals.get("*", "no agreement metric is defined for it")
            return f"{metric} does not apply to {self.name} questions: {why}"
        return (f"{metric} does not apply to {self.name} questions; use one of "
                f"{', '.join(self.applicable_metrics)}")

    def describe(self) -> dict[str, Any]:
        """JSON-ready description (what ``GET /api/v1/meta`` serves)."""
        return {
            "name": self.name, "title": self.title, "description": self.description,
            "value_example": self.value_example, "settings_example": self.settings_example,
            "widget": self.widget, "wide": self.wide, "shows_fields": self.shows_fields,
            "form": [f.as_dict() for f in self.form],
            "field_types": list(self.field_types), "field_key": self.field_key,
            "agreement": {"metric": self.agreement_metric, "level": self.agreement_level,
                          "applicable_metrics": list(self.applicable_metrics)},
            "consensus": {"methods": list(self.consensus_methods),
                          "default": self.default_consensus},
            "export_roles": sorted(self.export_roles),
            "settings_schema": self.settings_schema,
        }

    @cached_property
    def settings_schema(self) -> dict[str, Any]:
        """The JSON Schema of the settings model (built once: it takes milliseconds)."""
        return self.model.model_json_schema()
