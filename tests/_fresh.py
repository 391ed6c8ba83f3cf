"""Running a snippet in a fresh interpreter: TensorRT's loaded library and search folders are process-wide, so the
loader tests each start a new Python and read back what the snippet left in `result` (or the exception)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

TESTS = Path(__file__).parent


def fresh_python(code: str, env: Mapping[str, str], *, drop: tuple[str, ...] = (), prelude: str = "",
                 cwd: Path | None = None, timeout: float = 120) -> dict:
    """Runs `code` (which sets `result`) after `prelude` in a new interpreter whose environment is this one's less
    `drop`, plus `env`. Returns {"result": ...} or {"type": exception class name, "message": ...}."""
    wrapper = textwrap.dedent("""
        import json, sys
        sys.path.insert(0, {tests!r})
        {prelude}
        try:
        {body}
            out = {{"result": result}}
        except Exception as e:
            out = {{"type": type(e).__name__, "message": str(e)}}
        print(json.dumps(out))
        """).format(tests=str(TESTS), prelude=prelude, body=textwrap.indent(textwrap.dedent(code), "    "))
    environment = {k: v for k, v in os.environ.items() if k not in drop}
    environment.update(env)
    proc = subprocess.run([sys.executable, "-c", wrapper], env=environment, capture_output=True, text=True,
                          timeout=timeout, check=False, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])
