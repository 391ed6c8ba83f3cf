"""The one atomic writer (trtcore.files, and its C++ half behind write_image for PPM/PGM): the same rule on both
sides — mode 0666 & ~umask, the old file untouched on failure, temporaries of killed writers cleaned."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

import trtcore
from trtcore.errors import FileError
from trtcore.files import native_path, write_file_atomic

IMAGE = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)


def _python_write(path: Path) -> None:
    write_file_atomic(path, b"payload")


def _native_write(path: Path) -> None:
    trtcore.image.write_image(path, IMAGE)


WRITERS = {"python": (_python_write, "out.bin"), "native": (_native_write, "out.ppm")}


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


@pytest.mark.parametrize("writer", WRITERS)
def test_mode_follows_the_umask(tmp_path, writer, umask_027):
    write, name = WRITERS[writer]
    write(tmp_path / name)
    assert (tmp_path / name).stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == [name]


def _age(path: Path, seconds: float = 60) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


@pytest.mark.parametrize("writer", WRITERS)
def test_stale_temporaries_are_removed_and_live_ones_kept(tmp_path, writer):
    write, name = WRITERS[writer]
    stale, live, fresh, other = (tmp_path / f"{name}.tmp-{s}" for s in ("dead01", "live01", "new001", "x"))
    for p in (stale, live, fresh, other):
        p.write_bytes(b"partial")
    for p in (stale, live, other):
        _age(p)
    holder = open(live, "rb")  # a writer in progress holds its temporary's lock
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        write(tmp_path / name)
    finally:
        holder.close()
    left = sorted(os.listdir(tmp_path))
    assert stale.name not in left
    assert {live.name, fresh.name, other.name, name} <= set(left)  # held, too young, not a temporary name


def _killed_writer(path: str, started) -> None:
    def data(f):
        f.write(b"half an archive")
        f.flush()
        started.set()
        time.sleep(60)
    write_file_atomic(path, data)


def test_sigkill_mid_write_keeps_the_old_file_and_the_next_write_cleans_up(tmp_path):
    target = tmp_path / "out.npz"
    target.write_bytes(b"old outputs")
    ctx = multiprocessing.get_context("fork")
    started = ctx.Event()
    child = ctx.Process(target=_killed_writer, args=(str(target), started))
    child.start()
    assert started.wait(30)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    temps = [p for p in tmp_path.iterdir() if p.name.startswith("out.npz.tmp-")]
    assert target.read_bytes() == b"old outputs" and len(temps) == 1
    _age(temps[0])
    write_file_atomic(target, b"new outputs")
    assert target.read_bytes() == b"new outputs" and os.listdir(tmp_path) == ["out.npz"]


def test_ctrl_c_inside_the_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "m.engine"
    target.write_bytes(b"old")

    def interrupted(f):
        f.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_file_atomic(target, interrupted)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.engine"]


@pytest.mark.parametrize("target", ["/proc/version", "/dev/null", "."])
def test_targets_that_are_not_regular_files_are_refused(tmp_path, target):
    with pytest.raises(FileError, match="cannot write"):
        write_file_atomic(target, b"x")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder(tmp_path):
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(FileError, match="not writable"):
            write_file_atomic(tmp_path / "x.npz", b"x")
    finally:
        tmp_path.chmod(0o755)


def test_full_disk_leaves_the_old_file(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    # /dev/full is refused before writing; a full disk mid-write is simulated with a writer that hits ENOSPC.
    target = tmp_path / "out.npz"
    target.write_bytes(b"old")

    def full(f):
        raise OSError(28, "No space left on device")

    with pytest.raises(FileError, match="No space left on device.*unchanged"):
        write_file_atomic(target, full)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["out.npz"]


# ---- paths: NUL bytes and names that are not UTF-8 ---------------------------------------------------------------


def test_nul_byte_in_a_path_is_refused_not_cut_short(tmp_path):
    real = tmp_path / "real.ppm"
    trtcore.image.write_image(real, IMAGE)
    for bad in (f"{real}\0junk.ppm", os.fsencode(real) + b"\0junk.ppm"):
        with pytest.raises(FileError, match="NUL"):
            trtcore.image.read_image(bad)
        with pytest.raises(FileError, match="NUL"):
            trtcore.image.write_image(bad, IMAGE)
    with pytest.raises(FileError, match="NUL"):
        native_path("a\0b")


def test_non_utf8_file_names_round_trip(tmp_path):
    name = os.fsdecode(b"caf\xe9.ppm")  # Latin-1, as os.listdir returns it (surrogate-escaped)
    trtcore.image.write_image(tmp_path / name, IMAGE)
    assert os.listdir(tmp_path) == [name]
    np.testing.assert_array_equal(trtcore.image.read_image(tmp_path / name), IMAGE)
    np.testing.assert_array_equal(trtcore.image.read_image(os.fsencode(tmp_path / name)), IMAGE)  # bytes paths
    png = os.fsdecode(b"\xff.png")
    pytest.importorskip("PIL")
    trtcore.image.write_image(tmp_path / png, IMAGE)
    np.testing.assert_array_equal(trtcore.image.read_image(tmp_path / png), IMAGE)


def test_fifo_with_a_huge_header_does_not_allocate_what_it_promises(tmp_path):
    fifo = tmp_path / "huge.ppm"
    os.mkfifo(fifo)
    ctx = multiprocessing.get_context("fork")

    def feed():
        with open(fifo, "wb") as f:
            f.write(b"P6 100000 100000 65535\n" + b"\0" * 1000)

    feeder = ctx.Process(target=feed)
    feeder.start()
    try:
        with pytest.raises(trtcore.FormatError, match="truncated"):
            trtcore.image.read_image(fifo)
    finally:
        feeder.join(10)
    # and a FIFO that does hold the image reads it
    feeder = ctx.Process(target=lambda: open(fifo, "wb").write(b"P6 3 2 255\n" + IMAGE.tobytes()))
    feeder.start()
    np.testing.assert_array_equal(trtcore.image.read_image(fifo), IMAGE)
    feeder.join(10)
