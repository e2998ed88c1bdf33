"""Run llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``) with
llama.cpp's extra weight buffer types off: ``python -m tests.assist.llama_server --model ...``.

On CPUs with AMX (``amx_tile``/``amx_int8`` in /proc/cpuinfo, as on this project's
machines) llama-cpp-python 0.3.36 compiled with ``GGML_NATIVE`` repacks the weights for AMX
and then segfaults in ``ggml_backend_amx_mul_mat`` on the first decode, for plain text
completion as much as for chat. ``use_extra_bufts=False`` in the model parameters keeps
the ordinary CPU kernels; the server has no option for it, so the default parameters are
wrapped before the server builds its model.
"""

from __future__ import annotations

import llama_cpp.llama_cpp as _lib

_default_params = _lib.llama_model_default_params


def _without_extra_buffers():  # type: ignore[no-untyped-def]
    params = _default_params()
    params.use_extra_bufts = False
    return params


def main() -> None:
    _lib.llama_model_default_params = _without_extra_buffers
    from llama_cpp.server.__main__ import main as serve

    serve()


if __name__ == "__main__":
    main()
