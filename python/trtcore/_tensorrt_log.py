"""TensorRT's log messages in Python's logging, on the logger ``trtcore.tensorrt``: the one map from TensorRT's
severities (the names cpp/tensorrt/logger.cpp gives them) to logging levels. Called by ``trtcore._core``."""

from __future__ import annotations

import logging

logger = logging.getLogger("trtcore.tensorrt")
LEVELS = {"internal_error": logging.ERROR, "error": logging.ERROR, "warning": logging.WARNING,
          "info": logging.INFO, "verbose": logging.DEBUG}
ERRORS = ("internal_error", "error")


def log(severity: str, message: str, raised: bool = False) -> None:
    """Logs one TensorRT message; errors that are also ``raised`` as an exception are not logged twice.

    >>> log("warning", "the timing cache was rejected")  # doctest: +SKIP
    """
    if raised and severity in ERRORS:
        return
    logger.log(LEVELS.get(severity, logging.DEBUG), "%s", message)
