"""Model assistance: pre-labelling with honest confidence, calibration, routing, active
learning, candidate generation, drafts, LLM-as-judge and offline embeddings.

Any OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp, Ollama) through
:class:`LLMClient`; see docs/assist.md. Embeddings need the optional torch
stack and are imported only when used (:mod:`accord.assist.embeddings`).
"""

from accord.assist.active import STRATEGIES, k_center_greedy, prioritize, uncertainty
from accord.assist.cache import ResponseCache, default_cache_dir
from accord.assist.calibration import (
    CalibrationReport, calibration_report, expected_calibration_error, reliability_bins,
    threshold_for_precision,
)
from accord.assist.candidates import GenerateOptions, generate_candidates
from accord.assist.client import LLMClient, LLMConfig, LLMError
from accord.assist.confidence import Confidence, logprob_confidence, self_consistency
from accord.assist.diagram import reliability_diagram
from accord.assist.edits import edit_stats, levenshtein, normalized_edit_distance
from accord.assist.judge import judge, judge_agreement
from accord.assist.prelabel import PrelabelOptions, prelabel
from accord.assist.prompts import TEMPLATES, PromptTemplate, agent_name, load_template
from accord.assist.reference import calibrate
from accord.assist.routing import route
from accord.assist.runs import RunSummary
from accord.assist.schema_output import output_schema, parse_output, response_format
from accord.assist.spans import repair_spans
from accord.assist.usage import Price, UsageMeter

__all__ = [
    "STRATEGIES", "TEMPLATES", "CalibrationReport", "Confidence", "GenerateOptions",
    "LLMClient", "LLMConfig", "LLMError", "PrelabelOptions", "Price", "PromptTemplate",
    "ResponseCache", "RunSummary", "UsageMeter", "agent_name", "calibrate",
    "calibration_report", "default_cache_dir", "edit_stats", "expected_calibration_error",
    "generate_candidates", "judge", "judge_agreement", "k_center_greedy", "levenshtein",
    "load_template", "logprob_confidence", "normalized_edit_distance", "output_schema",
    "parse_output", "prelabel", "prioritize", "reliability_bins", "reliability_diagram",
    "repair_spans", "response_format", "route", "self_consistency", "threshold_for_precision",
    "uncertainty",
]
