"""Command-line repairs argparse cannot express: list flags that would swallow the model file.

``trtcore run --inputs a.npz b.npz m.onnx`` is what users of Polygraphy and trtexec type, but argparse gives every
token after ``--inputs`` (``nargs="+"``) to that flag and then misses the model. The values of trtcore's list
flags are never model files (inputs are .npy/.npz, tolerances numbers, saved outputs .json), so a model file
among them is the positional it looks like, and moves in front of the flag.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from trtcore.runners import ENGINE_SUFFIXES, ONNX_SUFFIXES

MODEL_SUFFIXES = tuple(ONNX_SUFFIXES) + tuple(ENGINE_SUFFIXES)


def _list_flags(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions if a.nargs in ("+", "*") and a.option_strings for s in a.option_strings}


def _is_model(token: str) -> bool:
    return not token.startswith("-") and token.lower().endswith(MODEL_SUFFIXES)


def reclaim_positionals(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """``argv`` with model files given among a list flag's values moved just before that flag.

    >>> from trtcore.cli import make_parser
    >>> reclaim_positionals(["run", "--inputs", "a.npz", "m.onnx", "--seed", "1"], make_parser())
    ['run', 'm.onnx', '--inputs', 'a.npz', '--seed', '1']
    """
    argv = list(argv)
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    at = next((i for i, t in enumerate(argv) if sub is not None and t in sub.choices), None)
    if at is None or "--" in argv:
        return argv
    flags = _list_flags(sub.choices[argv[at]])
    out, i = argv[:at + 1], at + 1
    while i < len(argv):
        token = argv[i]
        out.append(token)
        i += 1
        if token not in flags:
            continue
        flag_at = len(out) - 1
        while i < len(argv) and not argv[i].startswith("-"):
            if _is_model(argv[i]):
                out.insert(flag_at, argv[i])
                flag_at += 1
            else:
                out.append(argv[i])
            i += 1
    return out


_REST_ROLE = re.compile(r":(?:class|func|meth|attr|mod|data|exc):`~?([^`]+)`")


def plain_text(text: str | None) -> str | None:
    """Docstring text as ``--help`` shows it: reST roles and literals (``x``, :class:`X`) become plain words.

    >>> plain_text("``trtcore bench``: see :class:`trtcore.Runner`")
    'trtcore bench: see trtcore.Runner'
    """
    return None if text is None else _REST_ROLE.sub(r"\1", text).replace("``", "")


def plain_help(parser: argparse.ArgumentParser) -> None:
    """Makes a subcommand's description and flag help plain text (they are often its module docstring)."""
    parser.description = plain_text(parser.description)
    parser.epilog = plain_text(parser.epilog)
    for action in parser._actions:
        if action.help not in (None, argparse.SUPPRESS):
            action.help = plain_text(action.help)
