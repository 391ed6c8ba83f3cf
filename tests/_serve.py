"""Helpers for the serving tests: free loopback ports and bounded waits (no mocks: the real Triton server)."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request

import pytest

LOOPBACK = "127.0.0.1"


def free_ports(n: int = 3) -> list[int]:
    """``n`` distinct ports free on loopback now (the kernel picks them; the sockets are closed before use)."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((LOOPBACK, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_ready(http_port: int, timeout_s: float = 60.0) -> bool:
    """Polls Triton's /v2/health/ready on loopback until it answers 200, at most ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{LOOPBACK}:{http_port}/v2/health/ready", timeout=2) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return False


def need_serve() -> None:
    pytest.importorskip("pytriton", reason="pip install 'trtcore[serve]'")
    pytest.importorskip("tritonclient.grpc", reason="pip install 'trtcore[serve]'")
