"""Writing files safely: a reader sees the old file or the new one, never a half-written one; and
finding, before any work, what would stop a write."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
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


def unwritable(path: Path, folder: bool) -> str | None:
    """Why ``path`` (a folder to fill, or a file when ``folder`` is False) cannot be written, found
    without writing anything; None when nothing stands in the way."""
    if path.exists() and path.is_dir() != folder:
        return "is a file" if folder else "is a folder"
    parent = path if folder else path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{str(parent)!r} is a file, not a folder"
    if not os.access(parent, os.W_OK):
        return f"{str(parent)!r} is not writable"
    return None
