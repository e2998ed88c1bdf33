"""Runs a page's Python blocks one after another in one namespace (a real process).

Reads one JSON request per line on stdin: ``{"code", "env", "cwd"}``; writes
one JSON answer per line on stdout: ``{"ok", "stdout", "error"}``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import traceback


def main() -> None:
    namespace: dict[str, object] = {"__name__": "__main__"}
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    for line in sys.stdin:
        request = json.loads(line)
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        out = io.StringIO()
        error = None
        try:
            with contextlib.redirect_stdout(out):
                # dont_inherit: the blocks get no __future__ import from this module
                code = compile(request["code"], request["name"], "exec", dont_inherit=True)
                exec(code, namespace)
        except BaseException:  # noqa: BLE001 - reported to the test, which fails
            error = traceback.format_exc()
        answers.write(json.dumps({"ok": error is None, "stdout": out.getvalue(),
                                  "error": error}) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
