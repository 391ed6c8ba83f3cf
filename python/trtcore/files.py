"""The one atomic writer: every file trtcore writes (engines, timing caches, cache entries, ``.npz`` outputs, images
through Pillow, demo outputs, model repositories) goes through :func:`write_file_atomic`.

The rule, shared with the C++ writer of PPM/PGM files (cpp/common/atomic_file.cpp), so both behave the same:

* the data goes to ``<target>.tmp-XXXXXX`` in the target's folder, is fsynced, given mode ``0666 & ~umask`` (what
  a plain ``open()`` would give; ``mkstemp`` alone gives 0600) and renamed over the target: readers see the old
  file or the whole new one, and a failure (full disk, Ctrl-C, an exception) leaves the old file untouched and no
  temporary behind;
* the writer holds an ``flock`` on its temporary while writing, so a temporary left by a killed process (SIGKILL,
  power loss) is told apart from one being written: the next write to the same target removes temporaries that
  nobody holds and that were untouched for :data:`STALE_SECONDS`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Union

from trtcore.errors import FileError

__all__ = ["write_file_atomic", "check_target", "remove_stale_temporaries", "native_path", "file_mode", "STALE_SECONDS"]

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
#: A temporary nobody holds a lock on and untouched this long is left over from a killed writer.
STALE_SECONDS = 5.0
TEMP_MARK = ".tmp-"


def native_path(path: PathLike, what: str = "path") -> bytes:
    """``path`` as the bytes the OS sees (``os.fsencode``: non-UTF-8 names from ``os.listdir`` survive), for the
    native readers and writers. A NUL byte would silently cut the name short in C, so it is refused.

    >>> native_path("caf\\udce9.ppm")
    b'caf\\xe9.ppm'
    """
    try:
        raw = os.fsencode(path)
    except TypeError:
        raise FileError(f"{what}: expected a file path (str, bytes or os.PathLike), got {type(path).__name__}"
                        ) from None
    if b"\0" in raw:
        raise FileError(f"{what} {raw!r}: a file name cannot contain a NUL byte")
    if not raw:
        raise FileError(f"{what}: the file name is empty")
    return raw


def _umask() -> int:
    """The process umask, read without changing it where possible (os.umask() races with other threads)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        mask = os.umask(0o022)
        os.umask(mask)
        return mask


def file_mode() -> int:
    """The mode every file trtcore writes gets: ``0o666 & ~umask``.

    >>> oct(file_mode())  # doctest: +SKIP
    '0o644'
    """
    return 0o666 & ~_umask()


def remove_stale_temporaries(target: PathLike, *, older_than: float = STALE_SECONDS) -> list[Path]:
    """Removes ``<target>.tmp-XXXXXX`` files that a killed writer left: not locked by a live writer and untouched
    for ``older_than`` seconds. Returns what was removed; never raises (cleaning is best effort).

    >>> remove_stale_temporaries("out.npz")  # doctest: +SKIP
    [PosixPath('out.npz.tmp-k3j2x9a1')]
    """
    target = Path(os.fsdecode(target))
    folder = target.parent if str(target.parent) else Path(".")
    pattern = re.compile(re.escape(target.name + TEMP_MARK) + r"[A-Za-z0-9_]{6,8}")
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    now = time.time()
    for name in names:
        if not pattern.fullmatch(name):
            continue
        candidate = folder / name
        try:
            fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or now - st.st_mtime < older_than:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live writer holds it
            with contextlib.suppress(OSError):
                os.unlink(candidate)
                removed.append(candidate)
        finally:
            os.close(fd)
    return removed


def _why(e: OSError) -> str:
    return e.strerror or str(e)


def check_target(path: PathLike, what: str = "") -> Path:
    """Checks that ``path`` can be written by :func:`write_file_atomic` (its folder exists and is writable, it is
    not a folder, device or FIFO) and returns it as a Path; call it before long work whose result goes there.

    >>> check_target("/no/such/folder/out.npz", "-o")  # doctest: +SKIP
    trtcore.errors.FileError: -o /no/such/folder/out.npz: folder /no/such/folder does not exist
    """
    native_path(path, what or "path")
    path = Path(os.fsdecode(path))
    label = f"{what} {path}" if what else str(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileError(f"{label}: cannot write: folder {folder} does not exist")
    if path.is_dir():
        raise FileError(f"{label}: cannot write: it is a directory; give a file name")
    if path.exists() and not path.is_file():
        raise FileError(f"{label}: cannot write: it is not a regular file (a device, FIFO or socket)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileError(f"{label}: cannot write: folder {folder} is not writable")
    return path


def write_file_atomic(path: PathLike, data: bytes | bytearray | memoryview | Callable[[BinaryIO], None], *,
                      what: str = "") -> Path:
    """Writes ``data`` (bytes, or a function that writes into the binary file it is given, e.g.
    ``lambda f: np.savez(f, **arrays)``) to ``path`` atomically, with the rule at the top of this module.

    Errors are :class:`trtcore.FileError` naming the file (``what`` is a prefix such as ``"-o"``); the file that
    was there before is left as it was. Exceptions other than ``OSError`` from ``data`` (and Ctrl-C) pass through
    unchanged, after the temporary is removed.

    >>> write_file_atomic("m.engine", engine_bytes)  # doctest: +SKIP
    PosixPath('m.engine')
    """
    path = check_target(path, what)
    label = f"{what} {path}" if what else str(path)
    folder = path.parent if str(path.parent) else Path(".")
    remove_stale_temporaries(path)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=path.name + TEMP_MARK, suffix="")
    except OSError as e:
        raise FileError(f"{label}: cannot write (creating a temporary file in {folder} failed: {_why(e)})"
                        ) from None
    tmp = Path(tmp_name)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # tells remove_stale_temporaries this one is alive
        with os.fdopen(fd, "wb") as f:
            fd = -1
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fchmod(f.fileno(), file_mode())
            os.fsync(f.fileno())
            os.replace(tmp, path)  # before the close: the lock is held until the name is the target's
    except BaseException as e:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError) and not isinstance(e, FileError):
            raise FileError(f"{label}: cannot write ({_why(e)}); the file there before is unchanged") from None
        raise
    return path
