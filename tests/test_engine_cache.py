"""The engine cache of trtcore.load(".onnx"): checksummed entries, one build for concurrent first loads, an
unwritable cache folder builds in memory. The TensorRT build step is stubbed (it needs a GPU); the cache, its files
and its locks are real."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time

import pytest

import trtcore.builder
import trtcore.runners as runners
from _models import linear


@pytest.fixture
def model(tmp_path):
    return linear(tmp_path / "lin.onnx")


@pytest.fixture
def builds(tmp_path, monkeypatch):
    """Stubs the TensorRT build: each build appends a line to a file (so builds in child processes count too)."""
    log_file = tmp_path / "builds.log"
    log_file.touch()

    def fake_build(onnx, config):
        with open(log_file, "a") as f:
            f.write(f"{os.getpid()}\n")
        time.sleep(0.3)  # long enough for concurrent loads to overlap
        return b"plan bytes"

    monkeypatch.setenv("TRTCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(trtcore.builder, "build", fake_build)
    return lambda: len(log_file.read_text().split())


def test_entries_carry_a_checksum_and_damaged_ones_are_rebuilt(model, builds, caplog):
    engine = runners._cached_engine(model)
    assert engine.read_bytes() == b"plan bytes" and builds() == 1
    assert runners._checksum_file(engine).is_file()
    assert runners._cached_engine(model) == engine and builds() == 1
    engine.write_bytes(b"plan bytez")  # a flipped byte
    with caplog.at_level(logging.WARNING, logger="trtcore"):
        assert runners._cached_engine(model) == engine
    assert builds() == 2 and "damaged" in caplog.text and engine.read_bytes() == b"plan bytes"
    runners._checksum_file(engine).unlink()  # an entry whose checksum never got written is not trusted
    runners._cached_engine(model)
    assert builds() == 3


def _load_in_child(model, queue):
    queue.put(str(runners._cached_engine(model)))


def test_concurrent_first_loads_build_once(model, builds):
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_load_in_child, args=(model, queue)) for _ in range(4)]
    for c in children:
        c.start()
    for c in children:
        c.join(60)
    assert [c.exitcode for c in children] == [0] * 4
    results = {queue.get(timeout=5) for _ in children}
    assert builds() == 1 and len(results) == 1
    assert open(results.pop(), "rb").read() == b"plan bytes"


def test_unwritable_cache_folder_warns_and_builds_in_memory(model, builds, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")  # the cache root is a file: nothing can be created under it (also as root)
    monkeypatch.setenv("TRTCORE_CACHE_DIR", str(blocker))
    with caplog.at_level(logging.WARNING, logger="trtcore"):
        plan = runners._cached_engine(model)
    assert plan == b"plan bytes" and builds() == 1
    assert "cannot be written" in caplog.text and "in memory" in caplog.text


def test_cache_entries_follow_the_umask(model, builds):
    old = os.umask(0o027)
    try:
        engine = runners._cached_engine(model)
    finally:
        os.umask(old)
    assert engine.stat().st_mode & 0o777 == 0o640
