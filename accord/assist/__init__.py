"""Model assistance: pre-labelling with honest confidence, calibration, routing, active
learning, candidate generation, drafts, LLM-as-judge and offline embeddings.

Any OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp, Ollama) through
:class:`LLMClient`; see docs/assist.md. Names are imported on first use
(PEP 562), so ``from accord.assist.client import LLMClient`` does not pull in
numpy, the store or the quality metrics, and embeddings (torch) load only
through :mod:`accord.assist.embeddings`.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "active": ["STRATEGIES", "k_center_greedy", "prioritize", "uncertainty"],
    "cache": ["ResponseCache", "default_cache_dir"],
    "calibration": ["CalibrationReport", "calibration_report", "expected_calibration_error",
                    "reliability_bins", "threshold_for_precision"],
    "candidates": ["GenerateOptions", "generate_candidates"],
    "client": ["LLMClient", "LLMConfig", "LLMError"],
    "confidence": ["Confidence", "logprob_confidence", "self_consistency"],
    "diagram": ["reliability_diagram"],
    "edits": ["edit_stats", "levenshtein", "normalized_edit_distance"],
    "judge": ["judge", "judge_agreement"],
    "prelabel": ["PrelabelOptions", "prelabel"],
    "prompts": ["TEMPLATES", "PromptTemplate", "agent_name", "load_template"],
    "reference": ["calibrate"],
    "routing": ["route"],
    "runs": ["RunSummary"],
    "schema_output": ["output_schema", "parse_output", "response_format"],
    "spans": ["repair_spans"],
    "usage": ["Price", "UsageMeter"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "STRATEGIES",
    "TEMPLATES",
    "CalibrationReport",
    "Confidence",
    "GenerateOptions",
    "LLMClient",
    "LLMConfig",
    "LLMError",
    "PrelabelOptions",
    "Price",
    "PromptTemplate",
    "ResponseCache",
    "RunSummary",
    "UsageMeter",
    "agent_name",
    "calibrate",
    "calibration_report",
    "default_cache_dir",
    "edit_stats",
    "expected_calibration_error",
    "generate_candidates",
    "judge",
    "judge_agreement",
    "k_center_greedy",
    "levenshtein",
    "load_template",
    "logprob_confidence",
    "normalized_edit_distance",
    "output_schema",
    "parse_output",
    "prelabel",
    "prioritize",
    "reliability_bins",
    "reliability_diagram",
    "repair_spans",
    "response_format",
    "route",
    "self_consistency",
    "threshold_for_precision",
    "uncertainty",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'accord.assist' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"accord.assist.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# functions named like their modules are bound now: once the submodule is imported, the
# package attribute would otherwise be the module and __getattr__ would never be asked
from accord.assist.judge import judge  # noqa: E402 (after __getattr__, see above)
from accord.assist.prelabel import prelabel  # noqa: E402 (after __getattr__, see above)
