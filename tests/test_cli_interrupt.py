"""Ctrl-C at every stage of the command line: while ``import trtcore`` runs, while the subcommands load, during a
lazy optional import (ONNX Runtime), and at shutdown. Always exit 130 (or the command's own code at shutdown) with
one line, never -2 (killed by SIGINT), a KeyboardInterrupt traceback or "ONNX Runtime is not installed".

Real subprocesses get a real SIGINT; tests/_slow_import/sitecustomize.py holds the chosen import (or shutdown) open
long enough to hit it, and can report the interrupt the way a C extension's init does (an ImportError chained from
the KeyboardInterrupt, as pybind11 does).
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HOOK = Path(__file__).resolve().parent / "_slow_import"
EXIT_INTERRUPTED = 130
# The console script pip writes for `trtcore = "trtcore.cli:main"` (a file named trtcore, run as __main__).
CONSOLE_SCRIPT = ("import re\nimport sys\nfrom trtcore.cli import main\nif __name__ == '__main__':\n"
                  "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(main())\n")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(HOOK), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("TRTCORE_DEBUG", None)
    return env


def _interrupt_at(cmd: list[str], marker: str, env: dict[str, str]) -> tuple[int, str]:
    """Runs `cmd`, sends SIGINT once `marker` appears on its stderr, returns (exit code, whole stderr)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    err = b""
    deadline = time.monotonic() + 60
    while marker.encode() not in err:
        assert time.monotonic() < deadline, f"{marker!r} never printed: {err.decode(errors='replace')}"
        ready, _, _ = select.select([proc.stderr], [], [], 1.0)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 4096)
            assert chunk or proc.poll() is None, f"exited before {marker!r}: {err.decode(errors='replace')}"
            err += chunk
    time.sleep(0.2)  # inside the hook's wait
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    return proc.returncode, (err + rest).decode(errors="replace")


def _lines_after(err: str, marker: str) -> list[str]:
    return [line for line in err.split(marker, 1)[1].splitlines() if line.strip()]


@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / "bin" / "trtcore"
    path.parent.mkdir()
    path.write_text(CONSOLE_SCRIPT)
    return path


def _entry(how: str, script: Path) -> list[str]:
    return [sys.executable, "-m", "trtcore"] if how == "-m" else [sys.executable, str(script)]


@pytest.mark.parametrize("how", ["-m", "script"])
@pytest.mark.parametrize("module", ["trtcore._core", "numpy", "trtcore.runners"])
def test_ctrl_c_while_trtcore_imports(how, module, script):
    """The package's own imports run before main(): the start-up guard answers."""
    marker = f"slow-import: {module}"
    code, err = _interrupt_at([*_entry(how, script), "info"], marker, _env(TRTCORE_TEST_SLOW_IMPORT=module))
    assert code == EXIT_INTERRUPTED, err
    assert _lines_after(err, marker) == ["trtcore info: interrupted"], err


@pytest.mark.parametrize("mode", ["", ":cext"])
def test_ctrl_c_while_the_subcommands_load(mode, script):
    """make_parser imports every subcommand (rich among them); a C-extension-style ImportError is an interrupt."""
    marker = "slow-import: rich.console"
    code, err = _interrupt_at([*_entry("script", script), "info"], marker,
                              _env(TRTCORE_TEST_SLOW_IMPORT="rich.console" + mode))
    assert code == EXIT_INTERRUPTED, err
    assert _lines_after(err, marker) == ["trtcore info: interrupted"], err


@pytest.mark.parametrize("mode", ["", ":cext"])
def test_ctrl_c_during_the_onnx_runtime_import_is_not_a_missing_package(mode, tmp_path):
    pytest.importorskip("onnxruntime")
    from _models import linear

    model = linear(tmp_path / "lin.onnx")
    marker = "slow-import: onnxruntime"
    code, err = _interrupt_at([sys.executable, "-m", "trtcore", "run", str(model), "--backend", "onnxruntime"],
                              marker, _env(TRTCORE_TEST_SLOW_IMPORT="onnxruntime" + mode))
    assert "not installed" not in err and "Traceback" not in err, err
    assert code == EXIT_INTERRUPTED, err
    assert _lines_after(err, marker) == ["trtcore run: interrupted"], err


def test_ctrl_c_at_shutdown_keeps_the_exit_code():
    marker = "slow-exit"
    code, err = _interrupt_at([sys.executable, "-m", "trtcore", "info"], marker, _env(TRTCORE_TEST_SLOW_EXIT="1"))
    assert code == 0 and "Traceback" not in err and "KeyboardInterrupt" not in err, err


def test_library_import_still_raises_keyboard_interrupt():
    """Outside the command line, Ctrl-C during `import trtcore` is the program's to handle: KeyboardInterrupt."""
    code = ("try:\n    import trtcore\nexcept KeyboardInterrupt:\n    print('KeyboardInterrupt', flush=True)\n"
            "    raise SystemExit(7)\n")
    rc, _ = _interrupt_at([sys.executable, "-c", code], "slow-import: trtcore._core",
                          _env(TRTCORE_TEST_SLOW_IMPORT="trtcore._core"))
    assert rc == 7


def test_library_optional_import_interrupted_raises_keyboard_interrupt():
    """An optional import interrupted inside a C extension's init is re-raised as the KeyboardInterrupt, not
    reported as "ONNX Runtime is not installed" (BackendError)."""
    pytest.importorskip("onnxruntime")
    code = ("import trtcore\nfrom trtcore.runners.onnxruntime import default_providers\n"
            "try:\n    default_providers()\nexcept KeyboardInterrupt:\n    raise SystemExit(7)\n")
    rc, err = _interrupt_at([sys.executable, "-c", code], "slow-import: onnxruntime",
                            _env(TRTCORE_TEST_SLOW_IMPORT="onnxruntime:cext"))
    assert rc == 7, err
