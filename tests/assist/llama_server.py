"""Run llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``) with two
changes for this project's machines: ``python -m tests.assist.llama_server --model ...``.

**AMX off.** On CPUs with AMX (``amx_tile``/``amx_int8`` in /proc/cpuinfo, as on this
project's machines) llama-cpp-python 0.3.36 compiled with ``GGML_NATIVE`` repacks the
weights for AMX and then segfaults in ``ggml_backend_amx_mul_mat`` on the first decode, for
plain text completion as much as for chat. ``use_extra_bufts=False`` in the model
parameters keeps the ordinary CPU kernels; the server has no option for it, so the default
parameters are wrapped before the server builds its model.

**Logits of the completion only.** The server returns logprobs only from a model built with
``logits_all=True`` (its default), and then (0.3.36) it asks llama.cpp for the logits of
every prompt position, copies them, and log-softmaxes every row of the context before
keeping the rows of the completion. With gemma-3's 262k-token vocabulary that was half of a
request's CPU (13 s of 27 s at 2 threads for a 160-token prompt). The logprobs of generated
tokens need only the logits of the last prompt position and of each generated token, so
``Llama.eval`` here asks llama.cpp for the last position's logits of each call and stores
that row where the server reads it, and the log-softmax is taken of the rows the server
slices out. The response is the same to the bit (checked on 5 SST-2 requests, every
``top_logprobs`` value); ``echo`` with ``logprobs`` (the prompt's own logprobs, which
accord never asks for) is refused.
"""

from __future__ import annotations

from typing import Any

import llama_cpp.llama_cpp as _lib
import numpy as np
from llama_cpp import Llama

_default_params = _lib.llama_model_default_params
_eval = Llama.eval
_create_completion = Llama._create_completion
_log_softmax = Llama.logits_to_logprobs


def _without_extra_buffers():  # type: ignore[no-untyped-def]
    params = _default_params()
    params.use_extra_bufts = False
    return params


def _eval_last_logits(self: Llama, tokens: Any) -> None:
    """``Llama.eval`` asking llama.cpp for the logits of the last position only."""
    logits_all = self._logits_all
    self._logits_all = False
    try:
        _eval(self, tokens)
    finally:
        self._logits_all = logits_all
    if logits_all and len(tokens):
        row = np.ctypeslib.as_array(self._ctx.get_logits_ith(-1), shape=(self._n_vocab,))
        self.scores[self.n_tokens - 1, :] = row


class _RowsOnDemand:
    """Log-softmax of the rows of ``logits`` that are sliced out, computed then."""

    def __init__(self, logits: np.ndarray) -> None:
        self.logits = logits

    def __getitem__(self, key: Any) -> list:
        # rows as lists of Python floats (the same values): the server sorts each row of
        # 262k (logprob, id) pairs in Python, a quarter faster on floats than numpy scalars
        return _log_softmax(self.logits[key]).tolist()


def _logits_to_logprobs(logits: Any, axis: int = -1) -> Any:
    if isinstance(logits, np.ndarray) and logits.ndim == 2 and axis == -1:
        return _RowsOnDemand(logits)
    return _log_softmax(logits, axis)


def _completion_logprobs_only(self: Llama, *args: Any, **kwargs: Any) -> Any:
    if kwargs.get("echo") and kwargs.get("logprobs") is not None:
        raise ValueError("this server computes the logits of generated tokens only: "
                         "echo with logprobs is not available")
    return _create_completion(self, *args, **kwargs)


def main() -> None:
    _lib.llama_model_default_params = _without_extra_buffers
    Llama.eval = _eval_last_logits
    Llama.logits_to_logprobs = staticmethod(_logits_to_logprobs)
    Llama._create_completion = _completion_logprobs_only
    from llama_cpp.server.__main__ import main as serve

    serve()


if __name__ == "__main__":
    main()
