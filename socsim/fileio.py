"""Writing files safely: a reader sees the old file or the new one, never a half-written one.

``write_output`` is how a user-named output path is written: ``-`` is standard output, a symlink is
written through (the link stays, its target gets the bytes), a device or FIFO is written in place,
and a regular file is replaced atomically.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path

STDOUT = "-"
"""The output path that means standard output."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to the regular file ``path`` through a temporary file in the same folder and a
    rename; a symlink at ``path`` is followed, so the link stays and its target is replaced."""
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _same_file(st: os.stat_result, fd: int) -> bool:
    """True when ``st`` is the file open on descriptor ``fd`` (e.g. /dev/stdout redirected to a file)."""
    try:
        other = os.fstat(fd)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (other.st_dev, other.st_ino)


def _write_stream(stream, data: bytes) -> None:
    """``data`` onto a text stream's binary buffer, after whatever text it holds."""
    stream.flush()
    stream.buffer.write(data)
    stream.buffer.flush()


def write_output(path: Path | str, data: bytes) -> None:
    """Write ``data`` to a user-named output: '-' (standard output), a regular file (atomically, through
    a symlink), or a device or FIFO (in place); a folder raises IsADirectoryError."""
    if str(path) == STDOUT:
        _write_stream(sys.stdout, data)
        return
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is not None:
        # /dev/stdout, /dev/stderr or /proc/self/fd/N: the stream already open, never replaced.
        for fd, stream in ((1, sys.stdout), (2, sys.stderr)):
            if _same_file(st, fd):
                _write_stream(stream, data)
                return
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(st.st_mode):
            with open(path, "wb") as fh:
                fh.write(data)
            return
    atomic_write_bytes(Path(path), data)
